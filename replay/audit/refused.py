"""What was refused, and why: orders, wallet commands and cancels the engines turned down, messages an
inbox could not decode or process (dead letters, kept with their bytes), and the balances an exchange
reported other than the ledger's — newest first by the broker's time (a command sent over HTTP has no
event time of its own)."""

from __future__ import annotations

from typing import Any

from floor.clickhouse import ClickHouse
from replay.audit.table import AuditTable, coordinates, iso
from schemas.topics import DEAD_LETTERS, LEDGER_EVENTS, VENUE_EVENTS, qualified
from streams.money import to_decimal_str

REFUSED_COLUMNS = ("time", "what", "account", "subject", "reason", "detail", "event_id", "at")

_SOURCES: dict[str, tuple[str, str, str, str, str, str, str]] = {
    # kind: (table, topic, what, account, subject, reason, detail) — of the typed table, as SQL
    "orders": ("archive_order_rejected", LEDGER_EVENTS, "order refused", "account", "order_id",
               "toString(reason)", "detail"),
    "commands": ("archive_command_rejected", LEDGER_EVENTS, "command refused", "account", "command_id",
                 "toString(reason)", "detail"),
    "cancels": ("archive_cancel_rejected", VENUE_EVENTS, "cancel refused", "account", "order_id",
                "toString(reason)", "''"),
    "dead letters": ("archive_dead_letter", DEAD_LETTERS, "dead letter", "''",
                     "concat(topic, ':', toString(partition), ':', toString(offset))", "toString(reason)",
                     "''"),
    "discrepancies": ("archive_balance_discrepancy", LEDGER_EVENTS, "balance differs", "account",
                      "concat(venue, ':', currency)", "'exchange_reports_another_balance'",
                      "concat(toString(ledger_amount), '|', toString(reported_amount))"),
}
KINDS = tuple(_SOURCES)


def refused(client: ClickHouse, namespace: str, *, account: str | None = None, kinds: tuple[str, ...] = KINDS,
            since_us: int | None = None, until_us: int | None = None, limit: int = 1000) -> AuditTable:
    """Every refusal of ``kinds`` in a namespace (one account's, or all; dead letters name no account and
    are left out when one is asked for)."""
    unknown = [k for k in kinds if k not in _SOURCES]
    if unknown or not kinds:
        raise ValueError(f"unknown kind {', '.join(unknown) or '(none)'}: choose from {', '.join(KINDS)}")
    parts: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    for i, kind in enumerate(kinds):
        table, topic, what, acct, subject, reason, detail = _SOURCES[kind]
        if account is not None and acct == "''":
            continue
        params[f"t{i}"] = qualified(topic, namespace)
        where = f"kafka_topic = {{t{i}:String}}"
        if account is not None:
            where += f" AND {acct} = {{a:String}}"
        parts.append(f"SELECT kafka_topic, kafka_partition, kafka_offset, '{what}' AS what,"
                     f" {acct} AS account, {subject} AS subject, {reason} AS reason,"
                     f" {detail} AS detail, event_id"
                     f" FROM (SELECT * FROM {table} FINAL WHERE {where} LIMIT 1 BY event_id)")
    if account is not None:
        params["a"] = account
    if not parts:
        return AuditTable("Refused", REFUSED_COLUMNS, [], {"namespace": namespace or "(live)", "refusals": 0})
    period = []
    if since_us is not None:
        period.append("m.kafka_ts >= fromUnixTimestamp64Micro({since:Int64})")
        params["since"] = since_us
    if until_us is not None:
        period.append("m.kafka_ts < fromUnixTimestamp64Micro({until:Int64})")
        params["until"] = until_us
    params["topics"] = sorted({qualified(_SOURCES[k][1], namespace) for k in kinds})
    sql = ("SELECT toUnixTimestamp64Micro(m.kafka_ts), r.what, r.account, r.subject, r.reason, r.detail,"
           " r.event_id, r.kafka_topic, r.kafka_partition, r.kafka_offset"
           f" FROM ({' UNION ALL '.join(parts)}) AS r"
           " INNER JOIN (SELECT topic, partition, offset, kafka_ts FROM archive_messages FINAL"
           "   WHERE topic IN {topics:Array(String)} AND (topic, partition, offset) IN"
           f"   (SELECT kafka_topic, kafka_partition, kafka_offset FROM ({' UNION ALL '.join(parts)}))) AS m"
           " ON m.topic = r.kafka_topic AND m.partition = r.kafka_partition AND m.offset = r.kafka_offset"
           f" {'WHERE ' + ' AND '.join(period) if period else ''}"
           " ORDER BY m.kafka_ts DESC, r.event_id LIMIT {limit:UInt32}")
    rows = []
    counts: dict[str, int] = {}
    for ts, what, acct, subject, reason, detail, eid, topic, part, off in client.query(
            sql, parameters=params).result_rows:
        if what == "balance differs":  # the ledger's and the exchange's amounts, as decimals
            ledger_amount, reported = (int(x) for x in str(detail).split("|"))
            detail = f"ledger {to_decimal_str(ledger_amount)}, exchange {to_decimal_str(reported)}"
        rows.append((iso(int(ts)), what, acct, subject, reason, detail, eid, coordinates(topic, part, off)))
        counts[what] = counts.get(what, 0) + 1
    summary: dict[str, Any] = {"namespace": namespace or "(live)", "refusals": len(rows)}
    summary.update({k: v for k, v in sorted(counts.items())})
    if len(rows) == limit:
        summary["note"] = f"the newest {limit} only: narrow the period or raise the limit"
    return AuditTable("Refused", REFUSED_COLUMNS, rows, summary)
