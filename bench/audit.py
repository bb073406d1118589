"""Audit reports at scale: each report over a synthetic archive of N events (10 M by default), against
the floor of a raw ``SELECT count()`` over the same rows (same table, same filter), measured in the same
run, in interleaved rounds (min and median).

The archive (seeded, built once per seed and size under ``$XDG_CACHE_HOME/cryptick/bench-audit``,
``--rebuild`` builds it again) is one venue's six pairs over several days, one pair busy (60 % of the
market): book snapshots, one-level book deltas and public trades, generated inside ClickHouse with
``INSERT ... SELECT ... FROM numbers(...)``, then the order flow in Python through the archive writer
(Avro-encoded, as a real sink writes it): for every 16th block of ten journal slots, an immediate-or-
cancel taker order on the level the delta just before it set, its request, hold, acceptance (on
``ledger.events`` and, at its slot, ``venue.journal``), fill (a fraction of the level), settlement and
fee postings, release of the hold's rest and end, with the copies routed into ``ledger.journal`` and
the run's ``strategy.journal``; one order in 50 is refused. Eight accounts each deposit and fund runs
(two per pair). So the fills consume real book levels (no double fill) and every posting balances
(conservation holds); the reports must find nothing, after doing all their work. The market messages'
``value`` bytes in ``archive_messages`` are placeholders of an Avro message's length: no report decodes
market data.

Timed: the no-double-fill proof and ledger conservation over one day of the busy pair (its account;
the middle day, so the state before it counts), an order trail, a run timeline (a run of 114 k events at
10 M, each decoded), who did what (the newest 1000), fees and turnover per day, refused. The fills are
takers' (placed by their acceptance); cross fills of resting orders would add placing them by the book.
The built archive is merged into one part per table, as background merges leave an archive at rest.

Run: ``.venv/bin/python bench/audit.py [--events N] [--rounds K] [--rebuild]``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from replay.audit.fees import fees_and_turnover
from replay.audit.fills import no_double_fill
from replay.audit.ledger import ledger_conservation
from replay.audit.refused import refused
from replay.audit.trails import order_trail, run_timeline
from replay.audit.who import who_did_what
from schemas.codec import default_codec
from schemas.events import (
    Allocation,
    CreateWalletSet,
    DepositFunds,
    Event,
    FundsHeld,
    HoldReleased,
    MarketSubscription,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderRejected,
    OrderRequested,
    PostingLeg,
    RunStateChanged,
    StartRun,
    WalletMovement,
    WalletSetCreated,
)
from schemas.topics import (
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    VENUE_JOURNAL,
)
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.writer import ArchiveWriter

VENUE = "synthetic"
PAIRS = (("BTC-USD", 60_000), ("ETH-USD", 3_000), ("SOL-USD", 150), ("ADA-USD", 1), ("XRP-USD", 1),
         ("DOT-USD", 7))
"""The pairs and their mid prices (whole quote units); the first is the busy one."""
BUSY_SHARE = 0.6
DAYS = 7
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z, microseconds
DAY = 86_400_000_000
ACCOUNTS = 8
SCALE = 100_000_000
LEVELS = 20
SNAPSHOT_EVERY = 50_000
ORDER_EVERY = 16
"""An order at slot 9 of every 16th block of ten journal slots (slot 7 is a trade, the rest deltas)."""
REFUSE_EVERY = 50
IOC_DONE = "ioc_remainder_cancelled"
MESSAGES_PER_ORDER = 18
BATCH = 50_000


def busy_day() -> tuple[int, int]:
    """The day the day-long reports read: the middle one (its state is folded from the first event)."""
    start = T0 + (DAYS // 2) * DAY
    return start, start + DAY


def slots(n_events: int) -> list[int]:
    """Journal slots per pair, so that market and order messages add up to about ``n_events``."""
    per_slot = 1 + MESSAGES_PER_ORDER / (10 * ORDER_EVERY)  # the order messages an order slot brings
    total = n_events / per_slot
    rest = (1 - BUSY_SHARE) / (len(PAIRS) - 1)
    return [int(total * (BUSY_SHARE if i == 0 else rest)) for i in range(len(PAIRS))]


def tick(mid: int) -> int:
    return max(mid * SCALE // 10_000, 1)


def build_market(client: Any, n_slots: list[int], seed: int) -> None:
    """Snapshots, deltas and trades of every pair, in ClickHouse, with their raw messages."""
    span = DAYS * DAY
    for p, ((pair, mid), n) in enumerate(zip(PAIRS, n_slots, strict=True)):
        base, step = mid * SCALE, tick(mid)
        common = (f"toUInt16({p}) AS part, number AS off, '{VENUE}' AS v, '{pair}' AS pr,"
                  f" toInt64({T0} + intDiv(number * {span}, {n})) AS t, cityHash64({seed}, {p}, number) AS h")
        kind = (f"if(number % {SNAPSHOT_EVERY} = 0, 's', if(number % 10 = 7, 't',"
                f" if(number % 10 = 9 AND intDiv(number, 10) % {ORDER_EVERY} = 0, 'o', 'd')))")
        src = f"(SELECT {common}, {kind} AS kind FROM numbers({n}))"
        level = (f"toInt64({base} + if(h % 2 = 0, -1, 1) * toInt64(intDiv(h, 2) % {LEVELS} + 1) * {step})")
        size = "toInt64(if(off % 10 != 8 AND intDiv(h, 64) % 10 = 0, 0, 100000 + intDiv(h, 1024) % 900000))"
        client.command(
            "INSERT INTO archive_book_delta (kafka_topic, kafka_partition, kafka_offset, event_id, venue,"
            " pair, ts, recv_ts, seq, changes, prev_seq)"
            f" SELECT '{VENUE_JOURNAL}', part, off, concat(v, ':', pr, ':d:', toString(off)), v, pr, t,"
            f" t + 1000, toInt64(off), [(if(h % 2 = 0, 'bid', 'ask'), {level}, {size})], toInt64(off) - 1"
            f" FROM {src} WHERE kind = 'd'")
        levels = (f"arrayMap(k -> ({base} {{sign}} toInt64(k) * {step}, toInt64(100000 + cityHash64(h, k)"
                  f" % 900000)), range(1, {LEVELS + 1}))")
        client.command(
            "INSERT INTO archive_book_snapshot (kafka_topic, kafka_partition, kafka_offset, event_id, venue,"
            " pair, ts, recv_ts, seq, bids, asks)"
            f" SELECT '{VENUE_JOURNAL}', part, off, concat(v, ':', pr, ':s:', toString(off)), v, pr, t,"
            f" t + 1000, toInt64(off), {levels.format(sign='-')}, {levels.format(sign='+')}"
            f" FROM {src} WHERE kind = 's'")
        client.command(
            "INSERT INTO archive_public_trade (kafka_topic, kafka_partition, kafka_offset, event_id, venue,"
            " pair, ts, recv_ts, trade_id, price, size, taker_side)"
            f" SELECT '{VENUE_JOURNAL}', part, off, concat(v, ':', pr, ':t:', toString(off)), v, pr, t,"
            f" t + 1000, toString(off), toInt64({base} + (toInt64(h % 41) - 20) * {step}),"
            f" toInt64(1000 + h % 100000), if(h % 2 = 0, 'buy', 'sell') FROM {src} WHERE kind = 't'")
    # the raw messages of the market: coordinates, key, type, id, time; the value a placeholder
    for table, event_type in (("archive_book_delta", "BookDelta"), ("archive_book_snapshot", "BookSnapshot"),
                              ("archive_public_trade", "PublicTrade")):
        length = 1200 if event_type == "BookSnapshot" else 60
        client.command(
            "INSERT INTO archive_messages (topic, partition, offset, key, event_type, event_id, ts, value,"
            " kafka_ts, archived_at)"
            f" SELECT kafka_topic, kafka_partition, kafka_offset, concat(venue, ':', pair), '{event_type}',"
            f" event_id, ts, substring(repeat(concat(hex(cityHash64(event_id)), hex(cityHash64(ts))), 40), 1,"
            f" {length}), fromUnixTimestamp64Micro(ts + 2000), fromUnixTimestamp64Micro(ts + 3000)"
            f" FROM {table}")


class Topics:
    """Offsets handed out per (topic, partition), and the messages of a batch."""

    def __init__(self) -> None:
        self.next: dict[tuple[str, int], int] = {}
        self.records: list[tuple[str, int, int, bytes, bytes, int]] = []
        self.codec = default_codec()

    def put(self, topic: str, partition: int, key: str, value: bytes, ts: int,
            offset: int | None = None) -> None:
        if offset is None:
            offset = self.next.get((topic, partition), 0)
            self.next[(topic, partition)] = offset + 1
        self.records.append((topic, partition, offset, key.encode(), value, ts // 1000 + 2))

    def emit(self, event: Event, ts: int, *where: tuple[str, int, str]) -> None:
        value = self.codec.encode(event)
        for topic, partition, key in where:
            self.put(topic, partition, key, value, ts)

    def drain(self) -> RawBatch:
        batch, self.records = RawBatch.from_records(self.records), []
        return batch


def run_of(p: int, k: int) -> tuple[str, int, str]:
    """A run's id, its account's number and its wallet set (two runs per pair)."""
    r = p * 2 + k
    return f"run-{r}", r % ACCOUNTS, f"ws-{r}"


def order_flow(client: Any, seed: int, n_slots: list[int]) -> Iterator[RawBatch]:
    """Accounts, runs and every order, in batches of about ``BATCH`` messages."""
    out = Topics()
    big = 10**7 * SCALE
    for a in range(ACCOUNTS):
        acct = f"acct-{a}"
        for cur in sorted({"USD", *(pair.split("-")[0] for pair, _ in PAIRS)}):
            dep = DepositFunds(f"{acct}:deposit:{cur}", acct, VENUE, cur, big, T0, principal="ops@fund")
            out.emit(dep, T0, (LEDGER_JOURNAL, a, acct))
            legs = [PostingLeg("external", "external", VENUE, cur, -big),
                    PostingLeg("pool", "available", VENUE, cur, big)]
            out.emit(WalletMovement(f"{dep.event_id}:deposit", acct, "deposit", dep.event_id, legs, T0), T0,
                     (LEDGER_EVENTS, a, acct))
    for p, (pair, _) in enumerate(PAIRS):
        for k in range(2):
            run, a, ws = run_of(p, k)
            acct, base = f"acct-{a}", pair.split("-")[0]
            allocs = [Allocation(VENUE, "USD", big // 10), Allocation(VENUE, base, big // 10)]
            r = p * 2 + k
            cmd = CreateWalletSet(f"{run}:create", acct, ws, run, allocs, T0, principal="ops@fund")
            out.emit(cmd, T0, (LEDGER_JOURNAL, a, acct))
            out.emit(WalletSetCreated(f"{cmd.event_id}:created", acct, ws, run, allocs, T0), T0,
                     (LEDGER_EVENTS, a, acct), (STRATEGY_JOURNAL, r, run))
            for al in allocs:
                legs = [PostingLeg("pool", "available", VENUE, al.currency, -al.amount),
                        PostingLeg(ws, "available", VENUE, al.currency, al.amount)]
                out.emit(WalletMovement(f"{cmd.event_id}:allocation:{al.currency}", acct, "allocation",
                                        cmd.event_id, legs, T0), T0, (LEDGER_EVENTS, a, acct))
            start = StartRun(f"{run}:start", run, "echo", "{}", acct, ws, "paper", 0, None, allocs, T0,
                             principal="ops@fund")
            out.emit(start, T0, (STRATEGY_JOURNAL, r, run))
            out.emit(RunStateChanged(f"{run}:running", run, "echo", "running", "", T0), T0,
                     (STRATEGY_EVENTS, r, run))
            out.emit(MarketSubscription(f"{run}:sub", run, acct, VENUE, pair, True, T0), T0,
                     (STRATEGY_EVENTS, r, run))
    # each order slot's level: the delta just before it (never a vanishing one)
    levels = client.query(
        "SELECT kafka_partition, kafka_offset + 1, changes[1].1, changes[1].2, changes[1].3"
        " FROM archive_book_delta"
        f" WHERE kafka_topic = '{VENUE_JOURNAL}' AND kafka_offset % 10 = 8"
        f" AND intDiv(kafka_offset, 10) % {ORDER_EVERY} = 0").result_rows
    span = DAYS * DAY
    rows = sorted((T0 + (off * span) // n_slots[p], int(p), int(off), str(side), int(price), int(size))
                  for p, off, side, price, size in levels)
    for i, (ts, p, off, book_side, level, shown) in enumerate(rows):
        pair = PAIRS[p][0]
        base, quote = pair.split("-")
        k = int.from_bytes(hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=2).digest()) % 2
        run, a, ws = run_of(p, k)
        acct, r = f"acct-{a}", p * 2 + k
        oid = f"{run}:o{i}"
        side = "buy" if book_side == "ask" else "sell"
        filled = max(shown // 50, 1)
        size = filled + 500
        req = OrderRequested(f"{oid}:req", oid, acct, run, ws, VENUE, pair, side, "ioc", size, level, False,
                             None, ts, principal=f"strategy:{run}")
        out.emit(req, ts, (LEDGER_JOURNAL, a, acct), (STRATEGY_EVENTS, r, run))
        if i % REFUSE_EVERY == REFUSE_EVERY - 1:
            out.emit(OrderRejected(f"{req.event_id}:rejected", oid, acct, run, ws, VENUE, pair,
                                   "insufficient_funds", "bench: refused on purpose", ts), ts,
                     (LEDGER_EVENTS, a, acct), (STRATEGY_JOURNAL, r, run))
            continue
        value = level * filled // SCALE
        fee = value // 1000
        if side == "buy":
            hold_cur, hold = quote, level * size // SCALE + level * size // SCALE // 1000 + 1
            used = value + fee
        else:
            hold_cur, hold, used = base, size, filled
        out.emit(FundsHeld(f"{oid}:held", acct, oid, ws, VENUE, hold_cur, hold, ts), ts,
                 (LEDGER_EVENTS, a, acct), (STRATEGY_JOURNAL, r, run))
        acc = OrderAccepted(f"{oid}:accepted", oid, acct, run, ws, VENUE, pair, side, "ioc", size, level,
                            False, None, hold_cur, hold, ts)
        value_bytes = out.codec.encode(acc)
        out.put(LEDGER_EVENTS, a, acct, value_bytes, ts)
        out.put(VENUE_JOURNAL, p, f"{VENUE}:{pair}", value_bytes, ts, offset=off)
        fid = f"{oid}:fill:1"
        fill = OrderFilled(fid, oid, acct, run, ws, VENUE, pair, side, level, filled, fee, quote, "taker",
                           level, 1, ts)
        out.emit(fill, ts, (VENUE_EVENTS, p, f"{VENUE}:{pair}"), (LEDGER_JOURNAL, a, acct),
                 (STRATEGY_JOURNAL, r, run))
        if side == "buy":
            legs = [PostingLeg(ws, "hold", VENUE, quote, -value),
                    PostingLeg("external", "external", VENUE, quote, value),
                    PostingLeg("external", "external", VENUE, base, -filled),
                    PostingLeg(ws, "available", VENUE, base, filled)]
        else:
            legs = [PostingLeg(ws, "hold", VENUE, base, -filled),
                    PostingLeg("external", "external", VENUE, base, filled),
                    PostingLeg("external", "external", VENUE, quote, -value),
                    PostingLeg(ws, "available", VENUE, quote, value)]
        out.emit(WalletMovement(f"{fid}:settle", acct, "trade", fid, legs, ts), ts, (LEDGER_EVENTS, a, acct),
                 (STRATEGY_JOURNAL, r, run))
        fee_from = "hold" if side == "buy" else "available"
        out.emit(WalletMovement(f"{fid}:fee", acct, "fee", fid, [
            PostingLeg(ws, fee_from, VENUE, quote, -fee),
            PostingLeg("external", "external", VENUE, quote, fee)],
            ts), ts, (LEDGER_EVENTS, a, acct), (STRATEGY_JOURNAL, r, run))
        done = OrderDone(f"{oid}:done", oid, acct, run, ws, VENUE, pair, side, IOC_DONE, filled, level, fee,
                         ts)
        out.emit(done, ts, (VENUE_EVENTS, p, f"{VENUE}:{pair}"), (LEDGER_JOURNAL, a, acct),
                 (STRATEGY_JOURNAL, r, run))
        out.emit(HoldReleased(f"{done.event_id}:release", acct, oid, ws, VENUE, hold_cur, hold - used,
                              IOC_DONE, ts), ts, (LEDGER_EVENTS, a, acct), (STRATEGY_JOURNAL, r, run))
        if len(out.records) >= BATCH:
            yield out.drain()
    if out.records:
        yield out.drain()


def settle(client: Any) -> None:
    """Every table merged into one part, as background merges leave an archive that is not being written."""
    for (table,) in client.query("SELECT DISTINCT table FROM system.parts WHERE active"
                                 " AND database = currentDatabase()").result_rows:
        client.command(f"OPTIMIZE TABLE {table} FINAL")


def build(path: Path, n_events: int, seed: int) -> None:
    client = get_client(f"chdb://{path}")
    n_slots = slots(n_events)
    start = time.perf_counter()
    build_market(client, n_slots, seed)
    market = time.perf_counter() - start
    writer = ArchiveWriter(client)
    written = sum(len(rows.raw) for rows in writer.write_all(order_flow(client, seed, n_slots)))
    writer.close()
    settle(client)
    total = int(client.query("SELECT count() FROM archive_messages").result_rows[0][0])
    print(f"built {total:,} events in {time.perf_counter() - start:.0f} s (market {market:.0f} s in"
          " ClickHouse,"
          f" {written:,} order and ledger messages through the archive writer)")


def timed_rounds(cases: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """Each case once per round, the rounds interleaved (noise hits every case alike)."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def count(client: Any, sql: str, params: dict[str, Any] | None = None) -> Callable[[], int]:
    return lambda: int(client.query(sql, parameters=params or {}).result_rows[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="archive size (events)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the archive again")
    args = parser.parse_args()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cryptick" / "bench-audit"
    path = cache / f"seed{args.seed}-events{args.events}"
    done = path / "built"
    if args.rebuild or not done.exists():
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        build(path, args.events, args.seed)
        done.touch()
    else:
        print(f"archive from {path} (--rebuild to build it again)")
    client = get_client(f"chdb://{path}")
    since, until = busy_day()
    pair, busy_acct = PAIRS[0][0], "acct-0"
    order_id = str(client.query(
        "SELECT order_id FROM archive_order_filled WHERE kafka_topic = {t:String} AND pair = {p:String}"
        " AND ts >= {s:Int64} ORDER BY ts LIMIT 1",
        parameters={"t": VENUE_EVENTS, "p": pair, "s": since}).result_rows[0][0])
    run_id = run_of(0, 0)[0]
    day = {"s": since, "u": until, "p": pair, "v": VENUE, "t": VENUE_JOURNAL}
    cases: dict[str, Callable[[], Any]] = {
        "floor: count() book deltas of the day": count(
            client, "SELECT count() FROM archive_book_delta WHERE kafka_topic = {t:String}"
            " AND venue = {v:String} AND pair = {p:String} AND ts >= {s:Int64} AND ts < {u:Int64}", day),
        "no double fill (day, busy pair)": lambda: no_double_fill(
            client, "", venue=VENUE, pair=pair, since_us=since, until_us=until),
        "floor: count() postings of the day": count(
            client, "SELECT count() FROM archive_wallet_movement WHERE kafka_topic = {t:String}"
            " AND account = {a:String} AND ts >= {s:Int64} AND ts < {u:Int64}",
            {"t": LEDGER_EVENTS, "a": busy_acct, "s": since, "u": until}),
        "ledger conservation (day, its account)": lambda: ledger_conservation(
            client, "", account=busy_acct, since_us=since, until_us=until),
        "floor: count() one order's fills": count(
            client, "SELECT count() FROM archive_order_filled WHERE order_id = {o:String}", {"o": order_id}),
        "order trail": lambda: order_trail(client, "", order_id),
        "floor: count() one run's messages": count(
            client, "SELECT count() FROM archive_messages WHERE topic IN {t:Array(String)}"
            " AND key = {k:String}",
            {"t": [STRATEGY_JOURNAL, STRATEGY_EVENTS], "k": run_id}),
        "run timeline": lambda: run_timeline(client, "", run_id),
        "floor: count() commands": count(
            client, "SELECT count() FROM archive_order_requested WHERE kafka_topic = {t:String}",
            {"t": LEDGER_JOURNAL}),
        "who did what (newest 1000)": lambda: who_did_what(client, ""),
        "floor: count() fills": count(
            client, "SELECT count() FROM archive_order_filled WHERE kafka_topic = {t:String}",
            {"t": VENUE_EVENTS}),
        "fees and turnover (per day)": lambda: fees_and_turnover(client, "", by=("day", "account")),
        "floor: count() refusals": count(
            client, "SELECT count() FROM archive_order_rejected WHERE kafka_topic = {t:String}",
            {"t": LEDGER_EVENTS}),
        "refused (newest 1000)": lambda: refused(client, ""),
    }
    checks = {"no double fill": no_double_fill(client, "", venue=VENUE, pair=pair, since_us=since,
                                               until_us=until).summary,
              "ledger": ledger_conservation(client, "", account=busy_acct, since_us=since,
                                            until_us=until).summary}
    for name, summary in checks.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    times = timed_rounds(cases, args.rounds)
    print(f"\n{args.rounds} interleaved rounds; ratio: the report's median over its floor's median\n")
    print(f"{'':44} {'min ms':>9} {'median ms':>10} {'ratio':>7}")
    floor = 0.0
    for name, ts in times.items():
        med = statistics.median(ts)
        if name.startswith("floor"):
            floor = med
            print(f"{name:44} {min(ts) * 1e3:9.1f} {med * 1e3:10.1f}")
        else:
            print(f"{name:44} {min(ts) * 1e3:9.1f} {med * 1e3:10.1f} {med / floor:7.1f}")


if __name__ == "__main__":
    main()
