"""Who did what: every command in a namespace with the principal that issued it and when the broker
took it (the API's commands carry event time 0, so a retry is the same command: their time is the
broker's), newest first, filtered by principal, account and time."""

from __future__ import annotations

from typing import Any

from floor.clickhouse import ClickHouse
from replay.audit.describe import describe
from replay.audit.table import AuditTable, coordinates, iso
from replay.audit.trails import BORN, message_values
from schemas.codec import default_codec
from schemas.topics import qualified
from streams.archive.tables import specs

WHO_COLUMNS = ("time", "principal", "action", "account", "subject", "what", "command_id", "at")

_COMMANDS: dict[str, tuple[str, str, str]] = {  # action, account, subject (columns of the typed table)
    "OrderRequested": ("order", "account", "order_id"),
    "CancelRequested": ("cancel", "account", "order_id"),
    "DepositFunds": ("deposit", "account", "account"),
    "WithdrawFunds": ("withdraw", "account", "account"),
    "CreateWalletSet": ("create wallet set", "account", "wallet_set_id"),
    "AdjustWalletSet": ("adjust wallet set", "account", "wallet_set_id"),
    "DeactivateWalletSet": ("release wallet set", "account", "wallet_set_id"),
    "StartRun": ("start run", "account", "run_id"),
    "StopRun": ("stop run", "''", "run_id"),
    "ControlMessage": ("control", "''", "run_id"),
}
ACTIONS = tuple(a for a, _, _ in _COMMANDS.values())


def who_did_what(client: ClickHouse, namespace: str, *, principal: str | None = None,
                 account: str | None = None,
                 action: str | None = None, since_us: int | None = None, until_us: int | None = None,
                 limit: int = 1000) -> AuditTable:
    """Commands by principal and time. Stop and control messages name a run, not an account: with
    ``account``, they are kept when their run is one of the account's."""
    if action is not None and action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: choose from {', '.join(ACTIONS)}")
    tables = specs()
    parts: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    for i, (name, (act, acct, subject)) in enumerate(_COMMANDS.items()):
        if action is not None and act != action:
            continue
        params[f"t{i}"] = qualified(BORN[name], namespace)
        parts.append(f"SELECT kafka_topic, kafka_partition, kafka_offset, principal, '{act}' AS action,"
                     f" {acct} AS account, {subject} AS subject"
                     f" FROM {tables[name].name} FINAL WHERE kafka_topic = {{t{i}:String}}")
    where = ["1"]
    if principal is not None:
        where.append("c.principal = {p:String}")
        params["p"] = principal
    if account is not None:
        params["a"] = account
        params["ts"] = qualified(BORN["StartRun"], namespace)
        where.append("(c.account = {a:String} OR (c.account = '' AND c.subject IN (SELECT run_id FROM "
                     f"{tables['StartRun'].name} FINAL WHERE account = {{a:String}}"
                     " AND kafka_topic = {ts:String})))")
    if since_us is not None:
        where.append("m.kafka_ts >= fromUnixTimestamp64Micro({since:Int64})")
        params["since"] = since_us
    if until_us is not None:
        where.append("m.kafka_ts < fromUnixTimestamp64Micro({until:Int64})")
        params["until"] = until_us
    # the newest commands first, by their coordinates; then only their messages' bytes
    sql = ("SELECT toUnixTimestamp64Micro(m.kafka_ts), c.principal, c.action, c.account, c.subject,"
           " c.kafka_topic, c.kafka_partition, c.kafka_offset"
           f" FROM ({' UNION ALL '.join(parts)}) AS c"
           " INNER JOIN (SELECT topic, partition, offset, kafka_ts FROM archive_messages FINAL"
           "   WHERE topic IN {topics:Array(String)} AND (topic, partition, offset) IN"
           f"   (SELECT kafka_topic, kafka_partition, kafka_offset FROM ({' UNION ALL '.join(parts)}))) AS m"
           " ON m.topic = c.kafka_topic AND m.partition = c.kafka_partition AND m.offset = c.kafka_offset"
           f" WHERE {' AND '.join(where)}"
           " ORDER BY m.kafka_ts DESC, c.kafka_topic, c.kafka_partition, c.kafka_offset DESC"
           " LIMIT {limit:UInt32}")
    params["topics"] = sorted({qualified(t, namespace) for t in BORN.values()})
    found = client.query(sql, parameters=params).result_rows
    values = {(t, p, o): v for t, p, o, v in message_values(client, [(str(t), int(p), int(o))
                                                                     for *_, t, p, o in found])}
    codec = default_codec()
    rows = []
    for ts, who, act, acct, subject, topic, part, offset in found:
        event = codec.decode(values[(str(topic), int(part), int(offset))])
        rows.append((iso(int(ts)), who or "(not recorded)", act, acct or getattr(event, "account", ""),
                     subject, describe(event), event.event_id, coordinates(topic, part, offset)))
    by: dict[str, int] = {}
    for r in rows:
        by[r[1]] = by.get(r[1], 0) + 1
    summary: dict[str, Any] = {"namespace": namespace or "(live)", "commands": len(rows),
                               "by principal": ", ".join(f"{k} {v}" for k, v in sorted(by.items())) or "none"}
    if len(rows) == limit:
        summary["note"] = f"the newest {limit} only: narrow the period or raise the limit"
    return AuditTable("Who did what", WHO_COLUMNS, rows, summary)
