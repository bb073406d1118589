"""Ledger conservation, proven from the archive: per account, venue and currency, at every instant,
what the postings say the account holds (pool and wallet sets, available and held) equals what came in
and went out — deposits - withdrawals ± fills - fees — counted from other events than the postings:
the deposit and withdrawal commands the ledger did not refuse, and the venue's fills. And every posting
balances (its legs sum to zero per currency), and no balance (wallet, bucket, venue, currency) is ever
negative in the ledger's own order.

All in ClickHouse over the typed tables: each event once (``LIMIT 1 BY event_id``: a re-sent output
counts once; ``FINAL``: of rows at the same Kafka coordinates, the last written), sums as 128-bit
integers. Conservation sums what came before the period in one row per account, venue and
currency, and runs its cumulative sums over the period's instants only. A break is listed with the
events of that instant (their ids), which is where to look."""

from __future__ import annotations

from typing import Any

from floor.clickhouse import ClickHouse
from replay.audit.table import AuditTable, iso
from replay.audit.trails import BORN
from schemas.topics import qualified
from streams.money import to_decimal_str

CONSERVATION_COLUMNS = (
    "time",
    "check",
    "account",
    "venue",
    "currency",
    "wallet",
    "held by the postings",
    "in minus out",
    "difference",
    "event ids",
)

_FIRST = "LIMIT 1 BY event_id"
_OPENING = -(2**63)
"""The instant that stands for everything before the period."""


def _tables(namespace: str) -> dict[str, str]:
    return {
        name: qualified(BORN[name], namespace)
        for name in (
            "WalletMovement",
            "FundsHeld",
            "HoldReleased",
            "DepositFunds",
            "WithdrawFunds",
            "OrderFilled",
            "CommandRejected",
        )
    }


def _account_filter(account: str | None) -> str:
    return " AND account = {a:String}" if account is not None else ""


def _postings(acct: str) -> str:
    """Every posting once, in the ledger's order (one account's events are in one partition)."""
    return (
        "(SELECT * FROM archive_wallet_movement FINAL WHERE kafka_topic = {wm:String}"
        + acct
        + f" ORDER BY kafka_partition, kafka_offset {_FIRST})"
    )


def _unbalanced(client: ClickHouse, params: dict[str, Any], acct: str) -> tuple[list[tuple[Any, ...]], int]:
    sql = (
        "SELECT any(ts), any(account), tupleElement(leg, 'venue') AS venue, tupleElement(leg, 'currency') AS"
        " currency, sum(toInt128(tupleElement(leg, 'amount'))) AS s, event_id, any(cause_id)"
        f" FROM {_postings(acct)} ARRAY JOIN legs AS leg"
        " GROUP BY event_id, venue, currency HAVING s != 0 ORDER BY any(ts), event_id"
    )
    rows = [
        (
            iso(int(ts)),
            "posting balances",
            a,
            v,
            c,
            "",
            "",
            "",
            to_decimal_str(int(s)),
            f"{eid} (cause {cause})",
        )
        for ts, a, v, c, s, eid, cause in client.query(sql, parameters=params).result_rows
    ]
    checked = client.query(f"SELECT count() FROM {_postings(acct)}", parameters=params).result_rows[0][0]
    return rows, int(checked)


def _negative(client: ClickHouse, params: dict[str, Any], acct: str) -> tuple[list[tuple[Any, ...]], int]:
    changes = (
        "SELECT account, tupleElement(leg, 'wallet') AS wallet, tupleElement(leg, 'bucket') AS bucket,"
        " tupleElement(leg, 'venue') AS venue, tupleElement(leg, 'currency') AS currency, ts, event_id,"
        " kafka_partition, kafka_offset, toInt128(tupleElement(leg, 'amount')) AS amount"
        f" FROM {_postings(acct)} ARRAY JOIN legs AS leg WHERE bucket != 'external'"
        " UNION ALL SELECT account, wallet_set_id, arrayJoin(['available', 'hold']) AS bucket, venue,"
        " currency, ts, event_id, kafka_partition, kafka_offset,"
        " if(bucket = 'hold', toInt128(amount), -toInt128(amount))"
        " FROM (SELECT * FROM archive_funds_held FINAL WHERE kafka_topic = {fh:String}"
        + acct
        + f" ORDER BY kafka_partition, kafka_offset {_FIRST})"
        " UNION ALL SELECT account, wallet_set_id, arrayJoin(['available', 'hold']) AS bucket, venue,"
        " currency, ts, event_id, kafka_partition, kafka_offset,"
        " if(bucket = 'hold', -toInt128(amount), toInt128(amount))"
        " FROM (SELECT * FROM archive_hold_released FINAL WHERE kafka_topic = {hr:String}"
        + acct
        + f" ORDER BY kafka_partition, kafka_offset {_FIRST})"
    )
    sql = (
        "SELECT count(), arraySlice(arraySort(groupArrayIf((ts, event_id, account, venue, currency, wallet,"
        " bucket, running), running < 0)), 1, 1000) FROM ("
        " SELECT *, sum(amount) OVER w AS running FROM (" + changes + ")"
        " WINDOW w AS (PARTITION BY account, wallet, bucket, venue, currency"
        "   ORDER BY kafka_partition, kafka_offset ROWS UNBOUNDED PRECEDING))"
    )
    checked, found = client.query(sql, parameters=params).result_rows[0]
    rows = [
        (iso(int(ts)), "never negative", a, v, c, f"{w} {b}", to_decimal_str(int(r)), "", "", eid)
        for ts, eid, a, v, c, w, b, r in found
    ]
    return rows, int(checked)


def _conserved(
    client: ClickHouse, params: dict[str, Any], acct: str, since_us: int | None, until_us: int | None
) -> tuple[list[tuple[Any, ...]], int]:
    fills = (
        "(SELECT * FROM archive_order_filled FINAL WHERE kafka_topic = {of:String}"
        + acct
        + f" ORDER BY kafka_partition, kafka_offset {_FIRST})"
    )
    refused = "(SELECT command_id FROM archive_command_rejected FINAL WHERE kafka_topic = {cr:String})"
    actual = (
        "SELECT account, tupleElement(leg, 'venue') AS venue, tupleElement(leg, 'currency') AS currency,"
        " ts, event_id, toInt128(tupleElement(leg, 'amount')) AS held, toInt128(0) AS flow"
        f" FROM {_postings(acct)} ARRAY JOIN legs AS leg WHERE tupleElement(leg, 'bucket') != 'external'"
    )
    expected = (
        "SELECT account, venue, currency, ts, event_id, toInt128(0), toInt128(amount)"
        " FROM (SELECT * FROM archive_deposit_funds FINAL WHERE kafka_topic = {df:String}"
        + acct
        + f" {_FIRST}) WHERE event_id NOT IN {refused}"
        " UNION ALL SELECT account, venue, currency, ts, event_id, toInt128(0), -toInt128(amount)"
        " FROM (SELECT * FROM archive_withdraw_funds FINAL WHERE kafka_topic = {wf:String}"
        + acct
        + f" {_FIRST}) WHERE event_id NOT IN {refused}"
        # a fill: the base in (buy) or out (sell), the quote value the other way, the fee out
        " UNION ALL SELECT account, venue, splitByChar('-', pair)[1], ts, event_id, toInt128(0),"
        f" if(side = 'buy', toInt128(size), -toInt128(size)) FROM {fills}"
        " UNION ALL SELECT account, venue, splitByChar('-', pair)[2], ts, event_id, toInt128(0),"
        " if(side = 'buy', -1, 1) * intDiv(toInt128(price) * toInt128(size), 100000000)"
        f" FROM {fills}"
        " UNION ALL SELECT account, venue, fee_currency, ts, event_id, toInt128(0), -toInt128(fee)"
        f" FROM {fills}"
    )
    # Before the period only the balances matter: its instants collapse into one opening row per account,
    # venue and currency (at OPENING, dropped from the answer), and the running sums start from it.
    at = f"if(ts < {{since:Int64}}, toInt64({_OPENING}), ts)" if since_us is not None else "ts"
    until = " WHERE ts < {until:Int64}" if until_us is not None else ""
    sql = (
        f"SELECT countIf(at != {_OPENING}), arraySlice(arraySort(groupArrayIf((at, account, venue, currency,"
        f" cum_held, cum_flow, ids), at != {_OPENING} AND cum_held != cum_flow)), 1, 1000) FROM ("
        " SELECT *, sum(held) OVER w AS cum_held, sum(flow) OVER w AS cum_flow FROM ("
        f"  SELECT account, venue, currency, {at} AS at, sum(held) AS held, sum(flow) AS flow,"
        f"         arraySort(groupUniqArrayIf(event_id, at != {_OPENING})) AS ids"
        f"  FROM ({actual} UNION ALL {expected}){until} GROUP BY account, venue, currency, at)"
        " WINDOW w AS (PARTITION BY account, venue, currency ORDER BY at ROWS UNBOUNDED PRECEDING))"
    )
    checked, found = client.query(sql, parameters=params).result_rows[0]
    rows = [
        (
            iso(int(ts)),
            "conservation",
            a,
            v,
            c,
            "pool + wallet sets",
            to_decimal_str(int(h)),
            to_decimal_str(int(f)),
            to_decimal_str(int(h) - int(f)),
            ", ".join(ids[:20]),
        )
        for ts, a, v, c, h, f, ids in found
    ]
    return rows, int(checked)


def ledger_conservation(
    client: ClickHouse,
    namespace: str,
    *,
    account: str | None = None,
    since_us: int | None = None,
    until_us: int | None = None,
) -> AuditTable:
    """Every break of the ledger's three rules in a namespace (one account, or all), within the period
    (balances are counted from the first event: a period needs what came before it). No row: no break;
    the summary says how much was checked."""
    t = _tables(namespace)
    params: dict[str, Any] = {
        "wm": t["WalletMovement"],
        "fh": t["FundsHeld"],
        "hr": t["HoldReleased"],
        "df": t["DepositFunds"],
        "wf": t["WithdrawFunds"],
        "of": t["OrderFilled"],
        "cr": t["CommandRejected"],
    }
    if account is not None:
        params["a"] = account
    if since_us is not None:
        params["since"] = since_us
    if until_us is not None:
        params["until"] = until_us
    acct = _account_filter(account)
    unbalanced, postings = _unbalanced(client, params, acct)
    negative, changes = _negative(client, params, acct)
    breaks, points = _conserved(client, params, acct, since_us, until_us)
    rows = sorted([*unbalanced, *negative, *breaks], key=lambda r: (r[0], r[1]))
    summary = {
        "namespace": namespace or "(live)",
        "account": account or "every account",
        "postings checked": postings,
        "balance changes checked": changes,
        "instants checked": points,
        "unbalanced postings": len(unbalanced),
        "negative balances": len(negative),
        "conservation breaks": len(breaks),
        "verdict": "conserved" if not rows else "BROKEN: see the rows",
    }
    return AuditTable("Ledger conservation", CONSERVATION_COLUMNS, rows, summary)
