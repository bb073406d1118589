"""Fees and turnover: the fills of a namespace summed per day, account, run and venue (or coarser),
in each pair's quote currency (turnover) and each fee's currency, exact (fixed-point integers summed
in ClickHouse as 128-bit, shown as decimal text)."""

from __future__ import annotations

from typing import Any

from floor.clickhouse import ClickHouse
from replay.audit.table import AuditTable
from replay.audit.trails import BORN
from schemas.topics import qualified
from streams.money import to_decimal_str

GROUPS = {"day": "toDate(fromUnixTimestamp64Micro(ts))", "account": "account", "run": "run_id",
          "venue": "venue", "pair": "pair"}
"""What the fills may be grouped by (any of them, in this order)."""


def fees_and_turnover(client: ClickHouse, namespace: str, *,
                      by: tuple[str, ...] = ("day", "account", "run", "venue"), account: str | None = None,
                      run_id: str | None = None, since_us: int | None = None,
                      until_us: int | None = None) -> AuditTable:
    unknown = [b for b in by if b not in GROUPS]
    if unknown or not by:
        raise ValueError(f"group by {', '.join(unknown) or 'nothing'}? choose from {', '.join(GROUPS)}")
    keys = [b for b in GROUPS if b in by]
    where = ["kafka_topic = {t:String}"]
    params: dict[str, Any] = {"t": qualified(BORN["OrderFilled"], namespace)}
    for name, value, cond in (("a", account, "account = {a:String}"), ("r", run_id, "run_id = {r:String}"),
                              ("s", since_us, "ts >= {s:Int64}"), ("u", until_us, "ts < {u:Int64}")):
        if value is not None:
            where.append(cond)
            params[name] = value
    group = ", ".join(f"{GROUPS[k]} AS {k}" for k in keys)
    sql = (f"SELECT {group}, splitByChar('-', pair)[2] AS quote, fee_currency, count() AS fills,"
           " countIf(liquidity = 'maker') AS maker,"
           " sum(intDiv(toInt128(price) * toInt128(size), 100000000)) AS turnover,"
           " sum(toInt128(fee)) AS fees"
           " FROM (SELECT * FROM archive_order_filled FINAL"
           f"  WHERE {' AND '.join(where)} LIMIT 1 BY event_id)"
           f" GROUP BY {', '.join(keys)}, quote, fee_currency"
           f" ORDER BY {', '.join(keys)}, quote, fee_currency")
    rows = []
    fills_total = 0
    turnover_by: dict[str, int] = {}
    fees_by: dict[str, int] = {}
    for r in client.query(sql, parameters=params).result_rows:
        *group_values, quote, fee_currency, fills, maker, turnover, fees = r
        rows.append((*(str(v) for v in group_values), int(fills), int(maker), to_decimal_str(int(turnover)),
                     quote, to_decimal_str(int(fees)), fee_currency))
        fills_total += int(fills)
        turnover_by[quote] = turnover_by.get(quote, 0) + int(turnover)
        fees_by[fee_currency] = fees_by.get(fee_currency, 0) + int(fees)
    summary: dict[str, Any] = {"namespace": namespace or "(live)", "fills": fills_total}
    summary.update({f"turnover {q}": to_decimal_str(v) for q, v in sorted(turnover_by.items())})
    summary.update({f"fees {c}": to_decimal_str(v) for c, v in sorted(fees_by.items())})
    return AuditTable("Fees and turnover", (*keys, "fills", "maker fills", "turnover", "quote", "fees",
                                            "fee currency"), rows, summary)
