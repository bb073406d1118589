"""Wallet balances at any past moment, from the ledger's events archived in ClickHouse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replay.projections import BalanceKey, balances
from schemas.codec import default_codec
from schemas.topics import LEDGER_EVENTS, qualified

BALANCE_EVENTS = ("WalletMovement", "FundsHeld", "HoldReleased")


def balances_at(client: Any, namespace: str, account: str, at_ts: int,
                wallet: str | None = None, leave_out: Callable[[str], bool] | None = None
                ) -> dict[BalanceKey, int]:
    """Balances of ``account`` (one wallet set, or all) after every event with ts <= ``at_ts``.

    Folds the archived postings, holds and releases of the account in journal
    order; event time is the ledger's own (the ts of the event that caused them).
    Movements whose cause id ``leave_out`` accepts are left out (a run's wallet
    as it ended, before its release gave it back to the pool).
    """
    result = client.query(
        "SELECT value FROM archive_messages FINAL"
        " WHERE topic = {t:String} AND key = {k:String} AND event_type IN {types:Array(String)}"
        " AND ts <= {at:Int64} ORDER BY partition, offset",
        parameters={"t": qualified(LEDGER_EVENTS, namespace), "k": account,
                    "types": list(BALANCE_EVENTS), "at": at_ts},
        column_formats={"value": "bytes"},
    )
    codec = default_codec()
    seen: set[str] = set()
    events = []
    for (value,) in result.result_rows:
        event = codec.decode(value)
        if event.event_id not in seen:  # a re-sent output counts once
            seen.add(event.event_id)
            cause = getattr(event, "cause_id", None)
            if leave_out is None or cause is None or not leave_out(cause):
                events.append(event)
    out = balances(events)
    return {k: v for k, v in out.items() if wallet is None or k[0] == wallet}
