"""Trails: one order from request to its last release, one run from start to release, in journal
order, each event once, with who issued the commands among them.

Each event is read from the topic it was born on or applied from (``BORN``): a fill is on
``venue.events``, where the venue emitted it, not on the inboxes it was routed to. An order's events
are found by its id in the typed tables (settlement postings by their cause, ``<order id>:<fill seq>``),
then read whole from ``archive_messages`` by their Kafka coordinates; a run's are its key in its
``strategy.journal`` (everything routed to it: wallet, orders, fills) and ``strategy.events`` (what
it did), without the market data forwarded to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from floor.clickhouse import ClickHouse
from replay.audit.describe import describe, principal
from replay.audit.table import AuditTable, coordinates, first_by_id, iso
from schemas.codec import default_codec
from schemas.topics import (
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    qualified,
)
from streams.archive.tables import specs

BORN: dict[str, str] = {
    "OrderRequested": LEDGER_JOURNAL, "CancelRequested": LEDGER_JOURNAL,
    "DepositFunds": LEDGER_JOURNAL, "WithdrawFunds": LEDGER_JOURNAL, "CreateWalletSet": LEDGER_JOURNAL,
    "AdjustWalletSet": LEDGER_JOURNAL, "DeactivateWalletSet": LEDGER_JOURNAL,
    "OrderAccepted": LEDGER_EVENTS, "OrderRejected": LEDGER_EVENTS, "FundsHeld": LEDGER_EVENTS,
    "HoldReleased": LEDGER_EVENTS, "WalletMovement": LEDGER_EVENTS, "CommandRejected": LEDGER_EVENTS,
    "WalletSetCreated": LEDGER_EVENTS, "WalletSetDeactivated": LEDGER_EVENTS,
    "OrderOpened": VENUE_EVENTS, "OrderFilled": VENUE_EVENTS, "OrderDone": VENUE_EVENTS,
    "CancelRejected": VENUE_EVENTS,
    "StartRun": STRATEGY_JOURNAL, "StopRun": STRATEGY_JOURNAL, "ControlMessage": STRATEGY_JOURNAL,
    "HistoryLoaded": STRATEGY_JOURNAL,
    "RunStateChanged": STRATEGY_EVENTS, "MarketSubscription": STRATEGY_EVENTS,
    "StrategyLogged": STRATEGY_EVENTS,
}
"""The topic each audited event type is read from: where it was emitted, or (a command) where the
engine that applied it read it."""

ORDER_TYPES = ("OrderRequested", "FundsHeld", "OrderAccepted", "OrderRejected", "OrderOpened", "OrderFilled",
               "CancelRequested", "CancelRejected", "HoldReleased", "OrderDone")
RUN_TYPES = ("StartRun", "HistoryLoaded", "WalletSetCreated", "MarketSubscription", "RunStateChanged",
             "ControlMessage", "FundsHeld", "OrderRejected", "OrderOpened", "OrderFilled", "CancelRejected",
             "HoldReleased", "OrderDone", "StopRun", "WalletSetDeactivated", "CommandRejected",
             "WalletMovement", "OrderRequested", "CancelRequested", "StrategyLogged")
"""What a run's timeline shows: its life, its money and its orders; not the market data it was given,
its dashboard updates or its timers."""

TRAIL_COLUMNS = ("time", "event", "who", "what", "event_id", "at", "logged")
"""``time``: the event's own (market) time, empty for a command sent over HTTP, which carries none (it
happens at the book's time); ``logged``: when the broker wrote the message."""


def message_values(client: ClickHouse, wanted: Sequence[tuple[str, int, int]]
                   ) -> list[tuple[str, int, int, bytes]]:
    """The archived bytes of the messages at ``wanted`` coordinates (topic, partition, offset)."""
    return [m[:4] for m in _messages(client, wanted)]  # type: ignore[misc]


def _messages(client: ClickHouse, wanted: Sequence[tuple[str, int, int]]
              ) -> list[tuple[str, int, int, bytes, int]]:
    """The messages at ``wanted`` coordinates: (topic, partition, offset, bytes, logged µs)."""
    if not wanted:
        return []
    result = client.query(
        "SELECT topic, partition, offset, value, toUnixTimestamp64Micro(kafka_ts) FROM archive_messages FINAL"
        " WHERE (topic, partition, offset) IN {c:Array(Tuple(String, UInt16, UInt64))}",
        parameters={"c": [tuple(w) for w in wanted]}, column_formats={"value": "bytes"})
    return [(str(t), int(p), int(o), bytes(v), int(at)) for t, p, o, v, at in result.result_rows]


def _trail(title: str, messages: Iterable[tuple[str, int, int, bytes, int]], summary: dict[str, Any],
           keep: Any = None) -> AuditTable:
    codec = default_codec()
    decoded = [(codec.decode(v), t, p, o, at) for t, p, o, v, at in messages]
    # journal order within a topic; across topics, event time (an output has its cause's time; a command
    # sent over HTTP has none and comes first, as it did)
    decoded.sort(key=lambda x: (x[0].ts, _rank(type(x[0]).__name__), x[1], x[2], x[3]))
    events = first_by_id(decoded, lambda x: x[0].event_id)
    if keep is not None:
        events = [x for x in events if keep(x[0])]
    rows = [(iso(e.ts) if e.ts else "", type(e).__name__, principal(e), describe(e), e.event_id,
             coordinates(t, p, o), iso(at)) for e, t, p, o, at in events]
    accounts = sorted({a for e, *_ in events if (a := getattr(e, "account", ""))})
    return AuditTable(title, TRAIL_COLUMNS, rows, {**summary, "account": ", ".join(accounts),
                                                   "events": len(rows)})


_ORDER = {name: i for i, name in enumerate((
    "StartRun", "StopRun", "ControlMessage", "HistoryLoaded", "DepositFunds", "CreateWalletSet",
    "WalletSetCreated", "MarketSubscription", "RunStateChanged", "OrderRequested", "FundsHeld",
    "OrderAccepted", "OrderRejected", "OrderOpened", "CancelRequested", "OrderFilled", "WalletMovement",
    "CancelRejected", "HoldReleased", "OrderDone", "DeactivateWalletSet", "WalletSetDeactivated"))}
"""Among events of one instant, cause before effect: a person's command (start, stop, control) before
what it made happen, a fill before its posting, a posting before the release of what the hold kept."""


def _rank(event_type: str) -> int:
    return _ORDER.get(event_type, len(_ORDER))


def order_namespace(client: ClickHouse, order_id: str) -> str:
    """The namespace whose ledger received the order ``order_id`` (an order id is unique to one run, so
    to one namespace); LookupError if none or several did."""
    found = client.query("SELECT DISTINCT kafka_topic FROM archive_order_requested FINAL"
                         " WHERE order_id = {o:String}", parameters={"o": order_id}).result_rows
    namespaces = sorted({t.removesuffix(LEDGER_JOURNAL).removesuffix(".") for (t,) in found
                         if str(t).endswith(LEDGER_JOURNAL)})
    if len(namespaces) != 1:
        shown = ", ".join(n or "(live)" for n in namespaces)
        raise LookupError(f"no order {order_id} in the archive" if not namespaces else
                          f"order {order_id} is in several namespaces ({shown}): say which with --namespace")
    return str(namespaces[0])


def order_trail(client: ClickHouse, namespace: str | None, order_id: str) -> AuditTable:
    """One order: request (and who sent it), hold, acceptance or rejection, each fill with the book
    level it consumed, each fill's settlement and fee postings, cancels, the release of the hold's
    rest, and its end. ``namespace`` None: the one whose ledger received the order."""
    if namespace is None:
        namespace = order_namespace(client, order_id)
    tables = specs()
    parts, params = [], {"o": order_id, "prefix": f"{order_id}:"}
    for i, name in enumerate(ORDER_TYPES):
        params[f"t{i}"] = qualified(BORN[name], namespace)
        parts.append(f"SELECT kafka_topic, kafka_partition, kafka_offset FROM {tables[name].name} FINAL"
                     f" WHERE order_id = {{o:String}} AND kafka_topic = {{t{i}:String}}")
    params["tw"] = qualified(BORN["WalletMovement"], namespace)
    parts.append("SELECT kafka_topic, kafka_partition, kafka_offset FROM archive_wallet_movement FINAL"
                 " WHERE startsWith(cause_id, {prefix:String}) AND kafka_topic = {tw:String}")
    found = client.query(" UNION ALL ".join(parts), parameters=params).result_rows
    messages = _messages(client, [(str(t), int(p), int(o)) for t, p, o in found])
    trail = _trail(f"Order {order_id}", messages,
                   {"order_id": order_id, "namespace": namespace or "(live)"})
    if not trail.rows:
        raise LookupError(f"no order {order_id} in the archive of namespace {namespace or '(live)'}")
    fills = [r for r in trail.rows if r[1] == "OrderFilled"]
    trail.summary["fills"] = len(fills)
    return trail


def run_timeline(client: ClickHouse, namespace: str, run_id: str, *, logs: bool = False) -> AuditTable:
    """One run's life: its start (who, with what), funding, subscriptions, control messages (who, what),
    orders, fills and postings, its stop and the release of its wallet set. ``logs`` adds its log lines
    (warnings and errors are always in)."""
    result = client.query(
        "SELECT topic, partition, offset, value, toUnixTimestamp64Micro(kafka_ts) FROM archive_messages FINAL"
        " WHERE topic IN {topics:Array(String)} AND key = {k:String} AND event_type IN {types:Array(String)}",
        parameters={"topics": [qualified(STRATEGY_JOURNAL, namespace), qualified(STRATEGY_EVENTS, namespace)],
                    "k": run_id, "types": list(RUN_TYPES)},
        column_formats={"value": "bytes"})
    messages = [(str(t), int(p), int(o), bytes(v), int(at)) for t, p, o, v, at in result.result_rows]

    def keep(event: Any) -> bool:
        level = getattr(event, "level", None)
        return level is None or logs or level in ("warning", "error", "critical")

    trail = _trail(f"Run {run_id}", messages, {"run_id": run_id, "namespace": namespace or "(live)"}, keep)
    if not trail.rows:
        raise LookupError(f"no run {run_id} in the archive of namespace {namespace or '(live)'}")
    counts: dict[str, int] = {}
    for r in trail.rows:
        counts[r[1]] = counts.get(r[1], 0) + 1
    trail.summary.update({"orders": counts.get("OrderRequested", 0), "fills": counts.get("OrderFilled", 0),
                          "control messages": counts.get("ControlMessage", 0)})
    return trail
