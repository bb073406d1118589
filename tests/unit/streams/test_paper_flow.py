"""A paper run through the live topology (strategy agent, market fan-out, routers, matching, ledger),
on in-memory topics: start, wallet set, subscription, trading, stop."""

from __future__ import annotations

import json

from schemas.events import (
    SCALE,
    Allocation,
    ClockTick,
    DepositFunds,
    MarketSubscription,
    OrderFilled,
    OrderRequested,
    RunStateChanged,
    StartRun,
    StopRun,
    StrategyLogged,
    WalletSetCreated,
)
from schemas.topics import (
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    VENUE_JOURNAL,
    run_wallet_set,
)
from tests.unit.replay.kit import PAIR, T0, VENUE, S, delta, listing, snapshot, trade
from tests.unit.streams.memory_bus import MemoryBus, live_processors

KEY = f"{VENUE}:{PAIR}"
ACCOUNT = "paper"


def start(run_id: str, strategy: str = "hodl", params: dict[str, str] | None = None, usd: int = 10_000,
          ts: int = T0 + 5 * S) -> StartRun:
    return StartRun(f"{run_id}:start", run_id, strategy, json.dumps(params or {}), ACCOUNT,
                    run_wallet_set(run_id), "paper", 0, None, [Allocation(VENUE, "USD", usd * SCALE)], ts)


def market_bus() -> MemoryBus:
    bus = MemoryBus(live_processors())
    bus.put(VENUE_JOURNAL, KEY, listing())
    bus.put(LEDGER_JOURNAL, ACCOUNT, listing())
    bus.put(VENUE_JOURNAL, KEY, snapshot(T0, [(9990, 2.0), (9980, 5.0)], [(10010, 2.0), (10020, 5.0)]))
    bus.put(LEDGER_JOURNAL, ACCOUNT, DepositFunds("dep1", ACCOUNT, VENUE, "USD", 50_000 * SCALE, T0))
    bus.run()
    return bus


def states(bus: MemoryBus, run_id: str) -> list[tuple[str, str]]:
    changes = bus.events(STRATEGY_EVENTS, run_id)
    return [(e.state, e.detail) for e in changes if isinstance(e, RunStateChanged)]


def test_a_paper_run_gets_its_wallet_then_the_market_and_trades() -> None:
    bus = market_bus()
    bus.put(STRATEGY_JOURNAL, "hodl-1", start("hodl-1"))
    bus.run()
    assert [s for s, _ in states(bus, "hodl-1")] == ["waiting", "running"]
    inbox = bus.events(STRATEGY_JOURNAL, "hodl-1")
    kinds = [type(e).__name__ for e in inbox]
    # the wallet first, then the listing and the book as it stood when the run subscribed
    assert kinds.index("WalletSetCreated") < kinds.index("MarketListed") < kinds.index("BookSnapshot")
    snap = next(e for e in inbox if type(e).__name__ == "BookSnapshot")
    assert snap.event_id == f"hodl-1:sub:{VENUE}:{PAIR}:snapshot" and snap.asks[0].price == 10010 * SCALE
    # HODL buys on the book it was given: the order reaches the venue and fills
    orders = [e for e in bus.events(STRATEGY_EVENTS, "hodl-1") if isinstance(e, OrderRequested)]
    assert len(orders) == 1 and orders[0].side == "buy"
    fills = [e for e in bus.events(VENUE_EVENTS) if isinstance(e, OrderFilled)]
    assert fills and all(f.run_id == "hodl-1" for f in fills)
    assert any(isinstance(e, OrderFilled) for e in inbox)  # the fill came back to the run
    created = [e for e in bus.events(LEDGER_EVENTS, ACCOUNT) if isinstance(e, WalletSetCreated)]
    assert [c.wallet_set_id for c in created] == ["hodl-1:ws"]
    assert bus.dead_letters() == []


def test_market_events_reach_only_subscribed_runs_from_their_subscription_on() -> None:
    bus = market_bus()
    bus.put(VENUE_JOURNAL, KEY, trade(T0 + S, 10_000, 0.1))  # before anyone subscribed
    bus.put(STRATEGY_JOURNAL, "echo-1", start("echo-1", "echo", {"pairs": PAIR}))
    bus.run()
    bus.put(VENUE_JOURNAL, KEY, trade(T0 + 10 * S, 10_005, 0.2))
    bus.put(VENUE_JOURNAL, KEY, delta(T0 + 11 * S, ("bid", 9995, 1.0)))
    bus.put(VENUE_JOURNAL, "synthetic:ETH-USD", trade(T0 + 12 * S, 500, 1.0, pair="ETH-USD"))
    bus.run()
    ids = [e.event_id for e in bus.events(STRATEGY_JOURNAL, "echo-1")]
    assert f"{PAIR}:t:{T0 + S}" not in ids
    assert f"{PAIR}:t:{T0 + 10 * S}" in ids and f"{PAIR}:d:{T0 + 11 * S}" in ids
    assert "ETH-USD:t:" + str(T0 + 12 * S) not in ids


def test_clock_ticks_of_a_book_wake_the_run_timers() -> None:
    bus = market_bus()
    bus.put(STRATEGY_JOURNAL, "demo-1", start("demo-1", "demo", {"interval_s": "2"}))
    bus.run()
    before = len([e for e in bus.events(STRATEGY_EVENTS, "demo-1") if isinstance(e, OrderRequested)])
    for t in range(1, 6):
        bus.put(VENUE_JOURNAL, KEY, ClockTick(f"tick:{KEY}:{T0 + t * S}", T0 + 5 * S + t * S, KEY))
    bus.run()
    ticks = [e for e in bus.events(STRATEGY_JOURNAL, "demo-1") if isinstance(e, ClockTick)]
    assert ticks and all(t.key == "demo-1" for t in ticks)
    after = len([e for e in bus.events(STRATEGY_EVENTS, "demo-1") if isinstance(e, OrderRequested)])
    assert after > before  # the demo re-quoted on its timer


def test_stop_cancels_open_orders_and_ends_the_subscription() -> None:
    bus = market_bus()
    bus.put(STRATEGY_JOURNAL, "demo-1", start("demo-1", "demo", {"offset_bps": "100", "interval_s": "1"}))
    bus.run()
    bus.put(VENUE_JOURNAL, KEY, ClockTick("tick1", T0 + 7 * S, KEY))
    bus.run()  # the demo quotes; with USD only, just the bid
    assert len([e for e in bus.events(STRATEGY_EVENTS, "demo-1") if isinstance(e, OrderRequested)]) == 1
    bus.put(STRATEGY_JOURNAL, "demo-1", StopRun("stop1", "demo-1", "enough", T0 + 20 * S))
    bus.run()
    assert states(bus, "demo-1")[-1] == ("stopped", "enough")
    outs = bus.events(STRATEGY_EVENTS, "demo-1")
    assert any(type(e).__name__ == "CancelRequested" for e in outs)
    unsub = [e for e in outs if isinstance(e, MarketSubscription) and not e.subscribed]
    assert len(unsub) == 1
    n = len(bus.events(STRATEGY_JOURNAL, "demo-1"))
    bus.put(VENUE_JOURNAL, KEY, trade(T0 + 30 * S, 10_000, 0.1))
    bus.run()
    assert len(bus.events(STRATEGY_JOURNAL, "demo-1")) == n  # nothing forwarded after the stop
    done = [e for e in bus.events(VENUE_EVENTS) if type(e).__name__ == "OrderDone"]
    assert done and all(d.reason == "cancelled" for d in done)  # type: ignore[attr-defined]


def test_bad_starts_fail_with_a_reason_and_trade_nothing() -> None:
    bus = market_bus()
    bus.put(STRATEGY_JOURNAL, "x-1", start("x-1", "no_such_strategy"))
    bus.put(STRATEGY_JOURNAL, "h-2", start("h-2", "hodl", {"bases": "USD"}))
    bus.put(STRATEGY_JOURNAL, "h-3", start("h-3", "hodl", usd=1_000_000))  # more than the account holds
    bus.run()
    assert states(bus, "x-1")[0][0] == "failed" and "unknown strategy" in states(bus, "x-1")[0][1]
    assert states(bus, "h-2")[0][0] == "failed" and "USD" in states(bus, "h-2")[0][1]
    assert [s for s, _ in states(bus, "h-3")] == ["waiting", "failed"]
    assert "insufficient" in states(bus, "h-3")[-1][1]
    assert not [e for e in bus.events(VENUE_EVENTS) if isinstance(e, OrderFilled)]


def test_a_failing_handler_fails_only_its_run() -> None:
    from strategies.api import Strategy
    from strategies.host import registry_factory

    class Broken(Strategy):
        name = "broken"

        def markets(self, default_venue: str):  # type: ignore[no-untyped-def]
            from strategies.api import MarketRef

            return [MarketRef(default_venue, PAIR)]

        def on_book(self, ctx, book):  # type: ignore[no-untyped-def]
            ctx.submit_order(VENUE, PAIR, "buy", SCALE // 10, 11_000 * SCALE, "market")  # never sent
            raise RuntimeError("boom")

    def factory(cmd: StartRun) -> Strategy:
        return Broken() if cmd.strategy == "broken" else registry_factory(cmd)

    bus = MemoryBus(live_processors(factory))
    for topic, key, event in ((VENUE_JOURNAL, KEY, listing()), (LEDGER_JOURNAL, ACCOUNT, listing()),
                              (LEDGER_JOURNAL, ACCOUNT, DepositFunds("d", ACCOUNT, VENUE, "USD", 10**13, T0)),
                              (VENUE_JOURNAL, KEY, snapshot(T0, [(9990, 2.0)], [(10010, 2.0)]))):
        bus.put(topic, key, event)
    bus.put(STRATEGY_JOURNAL, "b-1", start("b-1", "broken"))
    bus.put(STRATEGY_JOURNAL, "e-1", start("e-1", "echo", {"pairs": PAIR}))
    bus.run()
    bus.put(VENUE_JOURNAL, KEY, trade(T0 + 10 * S, 10_000, 0.1))
    bus.run()
    state, detail = states(bus, "b-1")[-1]
    assert state == "failed" and "Broken.on_book" in detail and "boom" in detail
    assert not [e for e in bus.events(STRATEGY_EVENTS, "b-1") if isinstance(e, OrderRequested)]
    assert not [e for e in bus.events(VENUE_EVENTS) if isinstance(e, OrderFilled) and e.run_id == "b-1"]
    assert states(bus, "e-1")[-1][0] == "running"
    assert any(isinstance(e, StrategyLogged) for e in bus.events(STRATEGY_EVENTS, "e-1"))


def test_a_paper_runs_report_values_its_wallet_at_its_books() -> None:
    from replay.paper_report import paper_report
    from strategies.host import spec_of

    bus = market_bus()
    cmd = start("hodl-1", usd=10_000)
    bus.put(STRATEGY_JOURNAL, "hodl-1", cmd)
    bus.run()
    for t in range(1, 31):  # the market rises 10 % over 30 s
        price = 10_010 + 33 * t
        bus.put(VENUE_JOURNAL, KEY, snapshot(T0 + 5 * S + t * S, [(price - 20, 5.0)], [(price, 5.0)]))
    bus.run()
    inbox, outputs = bus.events(STRATEGY_JOURNAL, "hodl-1"), bus.events(STRATEGY_EVENTS, "hodl-1")
    report = paper_report(spec_of(cmd), inbox, outputs)
    fills = [e for e in inbox if isinstance(e, OrderFilled)]
    assert report.fills == len(fills) >= 1 and report.cancels == 0
    assert report.orders == len([o for o in outputs if isinstance(o, OrderRequested)])
    spent = sum(f.price * f.size for f in fills) / SCALE / SCALE
    assert report.fees_usd > 0 and abs(report.traded_usd - spent) < 0.01
    assert report.benchmark[0][1] == report.benchmark[-1][1] == 10_000  # HODL of USD is flat
    end_value = report.equity[-1][1]
    btc = sum(f.size for f in fills) / SCALE
    last_mid = (10_010 + 33 * 30) - 10
    assert abs(end_value - (10_000 - spent - report.fees_usd + btc * last_mid)) < 0.01
    assert report.result.total_return is not None and report.result.total_return > 0.05
    assert report.end_ts == T0 + 35 * S
    # stopped and released: the report is the run's result, not the emptied wallet set
    bus.put(STRATEGY_JOURNAL, "hodl-1", StopRun("hodl-1:stop", "hodl-1", "done", T0 + 36 * S, release=True))
    bus.run()
    inbox = bus.events(STRATEGY_JOURNAL, "hodl-1")
    assert any(type(e).__name__ == "WalletSetDeactivated" for e in inbox)
    released = paper_report(spec_of(cmd), inbox, bus.events(STRATEGY_EVENTS, "hodl-1"))
    assert abs(released.equity[-1][1] - end_value) < 0.01


def test_the_event_that_reaches_the_end_stops_the_run_before_the_strategy_sees_it() -> None:
    bus = market_bus()
    run = start("echo-end", "echo", {"pairs": PAIR, "trade_every": "1"})
    bus.put(STRATEGY_JOURNAL, "echo-end",
            StartRun(run.event_id, run.run_id, run.strategy, run.params_json, run.account, run.wallet_set_id,
                     run.mode, 0, T0 + 20 * S, run.allocations, run.ts))
    bus.run()
    bus.put(VENUE_JOURNAL, KEY, trade(T0 + 10 * S, 10_000, 0.1))
    bus.put(VENUE_JOURNAL, KEY, trade(T0 + 20 * S, 10_001, 0.1))  # at the end: not the strategy's
    bus.run()
    assert states(bus, "echo-end")[-1] == ("stopped", "end of the run reached")
    logs = [e.message for e in bus.events(STRATEGY_EVENTS, "echo-end") if isinstance(e, StrategyLogged)]
    assert any("10000" in m for m in logs if m.startswith("trade"))
    assert not any("10001" in m for m in logs)
    ended = [e for e in bus.events(STRATEGY_EVENTS, "echo-end") if isinstance(e, RunStateChanged)][-1]
    assert ended.ts == T0 + 20 * S


def test_a_late_rejection_of_the_create_does_not_end_a_running_run() -> None:
    from schemas.events import CommandRejected

    bus = market_bus()
    bus.put(STRATEGY_JOURNAL, "h-1", start("h-1"))
    bus.run()
    assert states(bus, "h-1")[-1][0] == "running"
    # a re-sent create is refused by the ledger (the set exists); the run keeps its wallet and goes on
    bus.put(STRATEGY_JOURNAL, "h-1", CommandRejected("h-1:create:rejected:2", "h-1:create", ACCOUNT,
                                                     "duplicate_wallet_set", "exists", T0 + 9 * S))
    bus.run()
    assert states(bus, "h-1")[-1][0] == "running"


def test_control_messages_sent_while_a_run_waits_reach_it_once_it_runs() -> None:
    from schemas.events import ControlMessage

    bus = MemoryBus(live_processors())
    bus.put(VENUE_JOURNAL, KEY, listing())
    bus.put(LEDGER_JOURNAL, ACCOUNT, listing())
    bus.put(VENUE_JOURNAL, KEY, snapshot(T0, [(9990, 2.0)], [(10010, 2.0)]))
    bus.run()
    # start and two controls, all before the ledger has seen any funds: the run waits
    bus.put(STRATEGY_JOURNAL, "e-1", start("e-1", "echo", {"pairs": PAIR}))
    for i in (1, 2):
        bus.put(STRATEGY_JOURNAL, "e-1", ControlMessage(f"c{i}", "e-1", "knob", f'{{"n":{i}}}', T0 + 6 * S))
    bus.run()
    assert [s for s, _ in states(bus, "e-1")] == ["waiting", "failed"]  # no funds: the create fails
    bus.put(LEDGER_JOURNAL, ACCOUNT, DepositFunds("dep1", ACCOUNT, VENUE, "USD", 50_000 * SCALE, T0))
    bus.put(STRATEGY_JOURNAL, "e-2", start("e-2", "echo", {"pairs": PAIR}))
    for i in (1, 2):
        bus.put(STRATEGY_JOURNAL, "e-2", ControlMessage(f"d{i}", "e-2", "knob", f'{{"n":{i}}}', T0 + 6 * S))
    bus.run()
    assert [s for s, _ in states(bus, "e-2")] == ["waiting", "running"]
    logs = [e.message for e in bus.events(STRATEGY_EVENTS, "e-2") if isinstance(e, StrategyLogged)]
    assert [m for m in logs if m.startswith("control")] == ['control knob {"n":1}', 'control knob {"n":2}']


def test_a_retried_stop_or_control_counts_once() -> None:
    from strategies import commands

    bus = market_bus()
    bus.put(STRATEGY_JOURNAL, "e-1", start("e-1", "echo", {"pairs": PAIR}))
    bus.run()
    first = commands.control("e-1", "knob", {"n": 1}, T0 + 6 * S, request_id="abc")
    retry = commands.control("e-1", "knob", {"n": 1}, T0 + 7 * S, request_id="abc")  # the client retried
    other = commands.control("e-1", "knob", {"n": 1}, T0 + 8 * S)  # a new message with the same payload
    assert first.event_id == retry.event_id != other.event_id
    for msg in (first, retry, other):
        bus.put(STRATEGY_JOURNAL, "e-1", msg)
    bus.run()
    logs = [e.message for e in bus.events(STRATEGY_EVENTS, "e-1") if isinstance(e, StrategyLogged)]
    assert len([m for m in logs if m.startswith("control knob")]) == 2
    stops = [commands.stop_run("e-1", "enough", T0 + 9 * S), commands.stop_run("e-1", "again", T0 + 10 * S)]
    assert stops[0].event_id == stops[1].event_id == "e-1:stop"
    assert commands.stop_run("e-1", "x", 5, release=True).event_id == "e-1:stop:release:5"
    for stop in stops:
        bus.put(STRATEGY_JOURNAL, "e-1", stop)
    bus.run()
    assert [s for s, _ in states(bus, "e-1")] == ["waiting", "running", "stopped"]
    assert states(bus, "e-1")[-1] == ("stopped", "enough")


def pool_and_sets(bus: MemoryBus) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The account's unallocated pool and wallet-set balances per currency, as the ledger holds them."""
    from streams.ledger.projections import balance_changes

    pool: dict[str, int] = {}
    sets: dict[str, dict[str, int]] = {}
    for e in bus.events(LEDGER_EVENTS, ACCOUNT):
        for wallet, _venue, currency, _bucket, amount in balance_changes(e):
            into = pool if wallet == "pool" else sets.setdefault(wallet, {})
            into[currency] = into.get(currency, 0) + amount
    return pool, sets


def test_a_stop_with_release_gives_the_wallet_set_back_once_its_orders_are_done() -> None:
    from schemas.events import DeactivateWalletSet, OrderDone, WalletSetDeactivated

    bus = market_bus()
    bus.put(STRATEGY_JOURNAL, "demo-1", start("demo-1", "demo", {"offset_bps": "100", "interval_s": "1"}))
    bus.run()
    bus.put(VENUE_JOURNAL, KEY, ClockTick("tick1", T0 + 7 * S, KEY))
    bus.run()  # a resting bid holds USD
    bus.put(STRATEGY_JOURNAL, "demo-1", StopRun("demo-1:stop", "demo-1", "done", T0 + 20 * S, release=True))
    bus.run()
    outs = bus.events(STRATEGY_EVENTS, "demo-1")
    kinds = [type(e).__name__ for e in outs]
    assert kinds.count("DeactivateWalletSet") == 1
    inbox = bus.events(STRATEGY_JOURNAL, "demo-1")
    done_at = max(i for i, e in enumerate(inbox) if isinstance(e, OrderDone))
    release = next(e for e in outs if isinstance(e, DeactivateWalletSet))
    assert release.event_id == "demo-1:release" and release.wallet_set_id == "demo-1:ws"
    # asked only once the cancelled bid was done: the ledger accepted it
    assert any(isinstance(e, WalletSetDeactivated) for e in inbox[done_at:])
    assert not [e for e in bus.events(LEDGER_EVENTS) if type(e).__name__ == "CommandRejected"]
    pool, sets = pool_and_sets(bus)
    assert pool["USD"] == 50_000 * SCALE and not any(sets["demo-1:ws"].values())
    logs = [e.message for e in outs if isinstance(e, StrategyLogged)]
    assert logs[-1] == "wallet set released: its funds are back in the account's pool"


def test_a_release_asked_while_waiting_or_after_the_end_still_happens_once() -> None:
    bus = market_bus()
    # stopped before the ledger has even created the set: released once the create lands
    bus.put(STRATEGY_JOURNAL, "h-1", start("h-1"))
    bus.put(STRATEGY_JOURNAL, "h-1", StopRun("h-1:stop", "h-1", "changed my mind", T0 + 6 * S, release=True))
    # stopped without release, released later (twice: counts once)
    bus.put(STRATEGY_JOURNAL, "h-2", start("h-2"))
    bus.run()
    bus.put(STRATEGY_JOURNAL, "h-2", StopRun("h-2:stop", "h-2", "enough", T0 + 30 * S))
    bus.run()
    for i in (1, 2):
        again = StopRun(f"h-2:stop:r{i}", "h-2", "release", T0 + 40 * S, release=True)
        bus.put(STRATEGY_JOURNAL, "h-2", again)
    bus.run()
    assert [s for s, _ in states(bus, "h-1")] == ["waiting", "stopped"]
    pool, sets = pool_and_sets(bus)
    assert not any(sets["h-1:ws"].values())
    assert not any(sets["h-2:ws"].values())
    releases = [e for e in bus.events(STRATEGY_EVENTS) if type(e).__name__ == "DeactivateWalletSet"]
    assert sorted(e.wallet_set_id for e in releases) == ["h-1:ws", "h-2:ws"]  # type: ignore[attr-defined]
    # HODL's BTC went back to the pool too: the pool holds what the account holds
    assert pool["USD"] > 0 and pool.get("BTC", 0) > 0
