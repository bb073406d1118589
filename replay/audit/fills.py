"""No double fill, proven from the archive: at every book level and book version, the size the virtual
orders consumed never exceeded the displayed size.

The proof rebuilds, per (venue, pair, book side, level price), the matching engine's double-trade
protection (``streams/matching/book.py``, ``maker.on_level_changes``) from the archive alone, in
ClickHouse, and checks ``consumed <= displayed`` after every fill that consumes:

- **Displayed size** over book versions: the namespace's ``venue.journal`` book snapshots and deltas,
  each once (``LIMIT 1 BY event_id``), in journal order (Kafka partition, offset; one ``venue:PAIR`` is
  one partition). A snapshot counts as one big delta: a level absent from it is 0.
- **Decay** (the engine's rule): a level shrinking from ``old`` to ``new`` works consumed size off,
  ``used = max(min(used - (old - new), new), 0)``; growth keeps it; a vanished level clears it.
- **Fills that consume** (from ``venue.events``, each once): taker fills, and maker fills that crossed
  the book, not those a printed trade made (they took nothing from the book). The archive does not mark
  them; the engine's rules tell them apart. A print's fill has ``level_price == price`` (the order's own
  price) and a public trade of the pair at its ``ts`` at or through that price. So a maker fill consumes
  when its ``level_price`` differs from its price (a crossed level on the other side of the book), or,
  at equal prices, when no such print exists. Left: equal prices and a print at that ``ts`` (the
  synthetic source prints at the ``ts`` of a delta). The engine crosses a resting order after every book
  event, so a print can fill it only when the level at its price shows no available size; a cross takes
  at most what is available. So such a fill consumes when its level shows available size at its place,
  and is a print's fill when it shows none. A fill consumes its ``level_price`` on the book side it took
  from (asks for a buy, bids for a sell).
- **Where to check**: only a fill can lift consumed above displayed (a book version leaves it at most
  the new size), and a level that vanishes has nothing consumed. So each level's history is cut into
  episodes at its vanishings, and each episode with fills is folded from its last book version before
  its first fill to its last fill, checked after each fill ("book versions checked" counts the versions
  folded). This keeps ``arrayFold`` short: its cost grows with the longest array it folds.
- **Where a fill stands among book versions** (a fill's ``ts`` is its cause's): a taker fill happens
  when the engine applied its order's ``OrderAccepted``, which is on the same ``venue.journal``
  partition: its offset places the fill exactly. A cross fill happens just after the snapshot or delta
  that crossed the order: it is placed after the last book event of its pair with ``ts`` at or before
  its own (a taker fill whose acceptance is not archived, too). Fills at one place keep their
  ``venue.events`` order.

Limits, stated rather than guessed: when several book events of one pair share a cross fill's ``ts``,
the archive does not say which one crossed it; the fill is placed after the last of them (the synthetic
source has one book event per ``ts``). A fill at equal prices with a print at its ``ts`` that took from
a level showing no available size counts as the print's (nothing taken): a double fill of exactly that
shape is not seen. Only levels where some fill happened are followed. The engine's depth cap
(``max_levels``) and its dropping of out-of-order deltas are not modelled: a level the engine dropped
keeps its displayed size here. The state is folded from the namespace's first event; ``since`` and
``until`` choose which fills and violations are reported (nothing after ``until`` is read).
"""

from __future__ import annotations

from typing import Any

from replay.audit.table import AuditTable, iso
from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL, qualified
from streams.money import to_decimal_str

FILL_COLUMNS = ("time", "venue", "pair", "side", "level", "displayed", "consumed", "fill ids")

_FIRST = "LIMIT 1 BY event_id"
_STATE = (
    "Tuple(Int64, Int64, Array(String), Array(Tuple(Int64, Int64, Int64, Array(String))), UInt64, UInt64)"
)
"""The fold's state per level: displayed, consumed, the fills still consuming (since it was last 0),
the violations (ts, displayed, consumed, fill ids), the book versions seen, the fills that consumed."""

_TAKEN = "if(x.5 = 1 OR acc.1 > acc.2, x.7, 0)"
"""What a fill takes from the level: all of it if it consumes (kind 1); if it may be a print's fill
(kind 2), all of it when the level shows available size, else nothing (see the module docstring)."""

_STEP = (
    "arrayFold((acc, x) -> CAST(if(x.5 = 0,"
    # a book version: the engine's decay rule, then the new displayed size
    "  (x.7, greatest(if(x.7 < acc.1, least(acc.2 - (acc.1 - x.7), x.7), acc.2), 0),"
    "   if(greatest(if(x.7 < acc.1, least(acc.2 - (acc.1 - x.7), x.7), acc.2), 0) = 0, [], acc.3),"
    "   acc.4, acc.5 + 1, acc.6),"
    # a fill: what it takes is checked against what is displayed now
    f"  (acc.1, acc.2 + {_TAKEN}, if({_TAKEN} > 0, arrayPushBack(acc.3, x.8), acc.3),"
    f"   if({_TAKEN} > 0 AND acc.2 + {_TAKEN} > acc.1,"
    f"      arrayPushBack(acc.4, (x.6, acc.1, acc.2 + {_TAKEN}, arrayPushBack(acc.3, x.8))), acc.4),"
    f"   acc.5, acc.6 + ({_TAKEN} > 0 AND x.6 >= {{since:Int64}}))),"
    f" '{_STATE}'), events, CAST((0, 0, [], [], 0, 0), '{_STATE}'))"
)


def _where(venue: str | None, pair: str | None, until_us: int | None) -> str:
    out = ""
    if venue is not None:
        out += " AND venue = {venue:String}"
    if pair is not None:
        out += " AND pair = {pair:String}"
    if until_us is not None:
        out += " AND ts < {until:Int64}"
    return out


def _books(where: str) -> str:
    """The book events, each once."""
    return (
        " deltas AS (SELECT venue, pair, kafka_partition AS part, kafka_offset AS off, ts, changes"
        "  FROM archive_book_delta FINAL WHERE kafka_topic = {jr:String}" + where
        + f"  ORDER BY part, off {_FIRST}),"
        " snaps AS (SELECT venue, pair, kafka_partition AS part, kafka_offset AS off, ts, bids, asks"
        "  FROM archive_book_snapshot FINAL WHERE kafka_topic = {jr:String}" + where
        + f"  ORDER BY part, off {_FIRST})"
    )


def _placed(where: str) -> str:
    """Every fill once, with its kind and its place in the journal (``placed``: the tuples)."""
    return (
        _books(where) + ","
        # the last book event of each pair and instant: where a cross fill of that instant stands
        " books AS (SELECT venue, pair, ts, max((toUInt64(part), toUInt64(off))) AS at FROM"
        "  (SELECT venue, pair, ts, part, off FROM deltas UNION ALL SELECT venue, pair, ts, part, off"
        "   FROM snaps) GROUP BY venue, pair, ts),"
        " fills AS (SELECT event_id, order_id, venue, pair, side, price, size, liquidity, level_price, ts,"
        "  kafka_offset AS eoff FROM archive_order_filled FINAL WHERE kafka_topic = {ve:String}" + where
        + f"  ORDER BY kafka_partition, kafka_offset {_FIRST}),"
        " printed AS (SELECT venue, pair, ts, groupUniqArray(price) AS prices FROM archive_public_trade FINAL"
        "  WHERE kafka_topic = {jr:String}" + where + " GROUP BY venue, pair, ts),"
        " accepted AS (SELECT order_id, min((toUInt64(kafka_partition), toUInt64(kafka_offset))) AS at"
        "  FROM archive_order_accepted FINAL WHERE kafka_topic = {jr:String} GROUP BY order_id),"
        # kind 1: consumes; kind 2: may be a print's fill (level_price = price, and a print at its ts
        # at or through its price)
        " kept AS (SELECT g.*, if(side = 'buy', 'ask', 'bid') AS bside,"
        "  if(liquidity = 'taker' OR level_price != price"
        "     OR NOT arrayExists(p -> if(side = 'buy', p <= price, p >= price), t.prices), 1, 2) AS kind"
        "  FROM fills AS g LEFT JOIN printed AS t ON t.venue = g.venue AND t.pair = g.pair AND t.ts = g.ts),"
        " consuming AS (SELECT k.event_id AS event_id, k.venue AS venue, k.pair AS pair, k.bside AS bside,"
        "  k.level_price AS level, k.size AS size, k.ts AS ts, k.eoff AS eoff, k.kind AS kind,"
        "  if(k.liquidity = 'taker' AND a.order_id != '', a.at, b.at) AS at"
        "  FROM kept AS k LEFT JOIN accepted AS a ON a.order_id = k.order_id"
        "  ASOF LEFT JOIN books AS b ON b.venue = k.venue AND b.pair = k.pair AND k.ts >= b.ts),"
        " placed AS (SELECT tuple(c.venue, c.pair, c.bside, c.level, c.at.1, c.at.2, c.eoff, c.kind, c.ts,"
        "  c.size, c.event_id) AS f FROM consuming AS c)"
    )


_EVENT = ("tuple(toUInt64({p}), toUInt64({o}), toUInt8({phase}), toUInt64({sub}), toUInt8({kind}),"
          " toInt64({ts}), toInt64({size}), toString({id}))")
"""One step of a level's history, sorted by (partition, offset, book before fill, venue.events offset):
its kind (0 book, 1 consuming fill, 2 perhaps a print's fill), ts, size (displayed or taken), fill id."""

_EVENTS = (
    "SELECT venue, pair, ch.side AS bside, ch.price AS level, "
    + _EVENT.format(p="part", o="off", phase=0, kind=0, sub=0, ts="ts", size="ch.size", id="''") + " AS e"
    " FROM deltas ARRAY JOIN changes AS ch WHERE ch.price IN (SELECT level FROM levels)"
    " AND (venue, pair, bside, level) IN levels"
    " UNION ALL SELECT s.venue, s.pair, l.bside, l.level, "
    + _EVENT.format(p="s.part", o="s.off", phase=0, kind=0, sub=0, ts="s.ts",
                    size="tupleElement(arrayFirst(x -> x.1 = l.level,"
                    " if(l.bside = 'bid', s.bids, s.asks)), 2)",
                    id="''")
    + " FROM snaps AS s INNER JOIN levels AS l ON l.venue = s.venue AND l.pair = s.pair"
    " UNION ALL SELECT venue, pair, bside, level, "
    + _EVENT.format(p="f.5", o="f.6", phase=1, kind="f.8", sub="f.7", ts="f.9", size="f.10", id="f.11")
    + " FROM (SELECT f, f.1 AS venue, f.2 AS pair, f.3 AS bside, f.4 AS level FROM placed)"
)

_ORDER = "ORDER BY e.1, e.2, e.3, e.4 ROWS UNBOUNDED PRECEDING"
_FOLD = (
    "WITH {placed}, levels AS (SELECT DISTINCT f.1 AS venue, f.2 AS pair, f.3 AS bside, f.4 AS level"
    " FROM placed),"
    # episodes: a level that vanishes (displayed 0) has nothing consumed; each episode folds on its own
    " steps AS (SELECT venue, pair, bside, level, e, sum(toUInt64(e.5 = 0 AND e.7 = 0)) OVER"
    f"  (PARTITION BY venue, pair, bside, level {_ORDER}) AS episode FROM ({{events}})),"
    " marked AS (SELECT *, sum(toUInt64(e.5 != 0)) OVER"
    f"  (PARTITION BY venue, pair, bside, level, episode {_ORDER}) AS fills_so_far,"
    "  sum(toUInt64(e.5 != 0)) OVER (PARTITION BY venue, pair, bside, level, episode) AS fills_in"
    "  FROM steps),"
    # an episode's history from its last book version before its first fill to its last fill
    " spans AS (SELECT venue, pair, bside, level, arraySort(arrayConcat("
    "  if(countIf(e.5 = 0 AND fills_so_far = 0) > 0, [argMaxIf(e, e, e.5 = 0 AND fills_so_far = 0)], []),"
    "  groupArrayIf(e, e.5 != 0 OR (fills_so_far > 0 AND fills_so_far < fills_in)))) AS span"
    "  FROM marked WHERE fills_in > 0 GROUP BY venue, pair, bside, level, episode)"
    " SELECT venue, pair, bside, level, arrayFlatten(groupArray(state.4)), sum(state.5), sum(state.6) FROM ("
    " SELECT venue, pair, bside, level, "
    + _STEP.replace("events,", "span,").replace("{", "{{").replace("}", "}}") + " AS state FROM spans)"
    " GROUP BY venue, pair, bside, level"
)


def no_double_fill(
    client: Any,
    namespace: str,
    *,
    venue: str | None = None,
    pair: str | None = None,
    since_us: int | None = None,
    until_us: int | None = None,
) -> AuditTable:
    """Every moment a book level's consumed size exceeded its displayed size, in a namespace (one venue
    and pair, or all), within the period, with the fills that consumed it. No row: none; the summary says
    how many fills, levels and book versions were checked."""
    params: dict[str, Any] = {
        "jr": qualified(VENUE_JOURNAL, namespace),
        "ve": qualified(VENUE_EVENTS, namespace),
    }
    for name, value in (("venue", venue), ("pair", pair), ("until", until_us)):
        if value is not None:
            params[name] = value
    params["since"] = since_us if since_us is not None else -(2**63)
    where = _where(venue, pair, until_us)
    fills = client.query("WITH " + _placed(where) + " SELECT count() FROM placed WHERE f.9 >= {since:Int64}",
                         parameters=params).result_rows[0][0]
    folded = client.query(_FOLD.format(placed=_placed(where), events=_EVENTS), parameters=params).result_rows
    rows = sorted(
        (iso(int(ts)), v, p, side, to_decimal_str(int(level)), to_decimal_str(int(shown)),
         to_decimal_str(int(used)), ", ".join(ids))
        for v, p, side, level, violations, _, _ in folded
        for ts, shown, used, ids in violations
        if since_us is None or ts >= since_us
    )
    summary = {
        "namespace": namespace or "(live)",
        "venue": venue or "every venue",
        "pair": pair or "every pair",
        "fills checked": int(fills),
        "consuming fills": sum(int(n) for *_, n in folded),
        "levels checked": len(folded),
        "book versions checked": sum(int(n) for *_, n, _ in folded),
        "violations": len(rows),
        "verdict": "no double fill" if not rows else "DOUBLE FILL: see the rows",
    }
    return AuditTable("No double fill", FILL_COLUMNS, rows, summary)
