"""Wallet balances at any past moment, from the ledger's events archived in ClickHouse."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from floor.clickhouse import ClickHouse
from replay.projections import BalanceKey, balances, first_copies
from schemas.codec import default_codec
from schemas.events import Event
from schemas.topics import LEDGER_EVENTS, qualified
from streams.ledger.projections import balance_changes

BALANCE_EVENTS = ("WalletMovement", "FundsHeld", "HoldReleased")


def _balance_events(client: ClickHouse, namespace: str, account: str, until_ts: int) -> list[Event]:
    result = client.query(
        "SELECT value FROM archive_messages FINAL"
        " WHERE topic = {t:String} AND key = {k:String} AND event_type IN {types:Array(String)}"
        " AND ts <= {at:Int64} ORDER BY partition, offset",
        parameters={"t": qualified(LEDGER_EVENTS, namespace), "k": account,
                    "types": list(BALANCE_EVENTS), "at": until_ts},
        column_formats={"value": "bytes"},
    )
    codec = default_codec()
    return [codec.decode(value) for (value,) in result.result_rows]


Holdings = dict[tuple[str, str], int]  # (venue, currency) -> balance (available + hold)


def holdings_series(events: Iterable[Event], times: Sequence[int], wallet: str | None = None
                    ) -> list[Holdings]:
    """What ``wallet`` (a wallet set; None: the whole account, pool included) held after every event
    with ts <= each of ``times`` (ascending): balance per venue and currency. Each event counts once;
    events fold in ts order (the journal's order among equal times), as ``balances_at`` does."""
    ordered = sorted(first_copies(events), key=lambda e: e.ts)  # stable: journal order among equal ts
    held: dict[tuple[str, str], int] = defaultdict(int)
    out: list[Holdings] = []
    i = 0
    for t in times:
        while i < len(ordered) and ordered[i].ts <= t:
            for w, venue, currency, bucket, amount in balance_changes(ordered[i]):
                if bucket != "external" and (wallet is None or w == wallet):
                    held[(venue, currency)] += amount
            i += 1
        out.append({k: v for k, v in sorted(held.items()) if v})
    return out


def holdings_history(client: ClickHouse, namespace: str, account: str, times: Sequence[int],
                     wallet: str | None = None) -> list[Holdings]:
    """``holdings_series`` over the account's archived ledger events."""
    return holdings_series(_balance_events(client, namespace, account, times[-1]), times, wallet) \
        if times else []


def balances_at(client: ClickHouse, namespace: str, account: str, at_ts: int,
                wallet: str | None = None, leave_out: Callable[[str], bool] | None = None
                ) -> dict[BalanceKey, int]:
    """Balances of ``account`` (one wallet set, or all) after every event with ts <= ``at_ts``.

    Folds the archived postings, holds and releases of the account in journal
    order; event time is the ledger's own (the ts of the event that caused them).
    Movements whose cause id ``leave_out`` accepts are left out (a run's wallet
    as it ended, before its release gave it back to the pool).
    """
    seen: set[str] = set()
    events = []
    for event in _balance_events(client, namespace, account, at_ts):
        if event.event_id not in seen:  # a re-sent output counts once
            seen.add(event.event_id)
            cause = getattr(event, "cause_id", None)
            if leave_out is None or cause is None or not leave_out(cause):
                events.append(event)
    out = balances(events)
    return {k: v for k, v in out.items() if wallet is None or k[0] == wallet}
