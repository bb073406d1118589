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
keeps its displayed size here. Nothing after ``until`` is read. Without ``since`` the state is folded
from the namespace's first event. With ``since``, only the episodes of the fills reported (from
``since`` on) are folded, each level from its episode's first book version (the last vanishing before
its first fill of the period): the book is read from a window before ``since`` (an hour, widened up to
a week, then from the first event) that reaches every such start, so a long archive costs what its
period costs. The answer (violations, fills checked, consuming fills) is the one a fold from the first
event gives; "levels checked" and "book versions checked" then count what the period's check folded.
Duplicates of an event share its time, so dropping them (``LIMIT 1 BY event_id``, the first in journal
order) within a window of time drops them exactly as over the whole archive.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from floor.clickhouse import ClickHouse
from replay.audit.table import AuditTable, iso
from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL, qualified
from schemas.units import US
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


def _where(venue: str | None, pair: str | None, until_us: int | None, lo: bool = False) -> str:
    out = " AND ts >= {lo:Int64}" if lo else ""
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
    # Only a fill that is not a taker's with its acceptance archived is placed by the book: the book is
    # read up to the latest such fill (none: nothing). Copies of a book event share its time, so reading
    # fewer instants drops copies as reading them all does.
    upto = " AND ts <= (SELECT max(ts) FROM crossed)"
    return (
        _books(where + upto).replace(" deltas AS", " bdeltas AS").replace(" snaps AS", " bsnaps AS") + ","
        # the last book event of each pair and instant: where a cross fill of that instant stands
        " books AS (SELECT venue, pair, ts, max((toUInt64(part), toUInt64(off))) AS at FROM"
        "  (SELECT venue, pair, ts, part, off FROM bdeltas UNION ALL SELECT venue, pair, ts, part, off"
        "   FROM bsnaps) GROUP BY venue, pair, ts),"
        " crossed AS (SELECT g.ts AS ts FROM fills AS g LEFT JOIN accepted AS a ON a.order_id = g.order_id"
        "  WHERE NOT (g.liquidity = 'taker' AND a.order_id != '')),"
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


_AT = "bitShiftLeft(toUInt64({p}), 48) + toUInt64({o})"
"""A journal place (partition, offset) as one number, for ``ASOF``: offsets stay below 2^48."""

_EVENT = ("tuple(toUInt64({p}), toUInt64({o}), toUInt8({phase}), toUInt64({sub}), toUInt8({kind}),"
          " toInt64({ts}), toInt64({size}), toString({id}))")
"""One step of a level's history, sorted by (partition, offset, book before fill, venue.events offset):
its kind (0 book, 1 consuming fill, 2 perhaps a print's fill), ts, size (displayed or taken), fill id."""

_EVENTS = (
    "SELECT b.venue, b.pair, b.bside, b.level, b.e FROM ("
    " SELECT venue, pair, ch.side AS bside, ch.price AS level, " + _AT.format(p="part", o="off") + " AS n, "
    + _EVENT.format(p="part", o="off", phase=0, kind=0, sub=0, ts="ts", size="ch.size", id="''") + " AS e"
    "  FROM deltas ARRAY JOIN changes AS ch WHERE ch.price IN (SELECT level FROM levels)"
    " UNION ALL SELECT s.venue, s.pair, l.bside, l.level, " + _AT.format(p="s.part", o="s.off") + ", "
    + _EVENT.format(p="s.part", o="s.off", phase=0, kind=0, sub=0, ts="s.ts",
                    size="tupleElement(arrayFirst(x -> x.1 = l.level,"
                    " if(l.bside = 'bid', s.bids, s.asks)), 2)",
                    id="''")
    + "  FROM snaps AS s INNER JOIN levels AS l ON l.venue = s.venue AND l.pair = s.pair) AS b"
    # each book version joins the episode it falls in, if one with fills: the rest is never folded
    " ASOF INNER JOIN episodes AS i ON i.venue = b.venue AND i.pair = b.pair AND i.bside = b.bside"
    "  AND i.level = b.level AND b.n >= i.first WHERE b.n <= i.last"
    " UNION ALL SELECT venue, pair, bside, level, "
    + _EVENT.format(p="f.5", o="f.6", phase=1, kind="f.8", sub="f.7", ts="f.9", size="f.10", id="f.11")
    + " FROM (SELECT f, f.1 AS venue, f.2 AS pair, f.3 AS bside, f.4 AS level FROM placed)"
)

_ORDER = "ORDER BY e.1, e.2, e.3, e.4 ROWS UNBOUNDED PRECEDING"
_PLACED = "Array(Tuple(String, String, String, Int64, UInt64, UInt64, UInt64, UInt8, Int64, Int64, String))"
"""The fills as ``placed`` made them, handed back to the fold as a parameter: computed once."""
_LEVELS = "Array(Tuple(String, String, String, Int64, Tuple(UInt64, UInt64)))"
"""Levels with a journal place: (venue, pair, book side, price, (partition, offset))."""

_VANISHED = (
    "WITH {books}, levels AS (SELECT l.1 AS venue, l.2 AS pair, l.3 AS bside, l.4 AS level, l.5 AS last"
    "  FROM (SELECT arrayJoin({{levels:" + _LEVELS + "}}) AS l))"
    " SELECT venue, pair, bside, level, arraySort(groupArray(at)) FROM ("
    "  SELECT l.venue AS venue, l.pair AS pair, l.bside AS bside, l.level AS level,"
    "   (toUInt64(d.part), toUInt64(d.off)) AS at, l.last AS last"
    "  FROM (SELECT venue, pair, part, off, ch FROM deltas ARRAY JOIN changes AS ch WHERE ch.size = 0"
    "   AND ch.price IN (SELECT level FROM levels)) AS d"
    "  INNER JOIN levels AS l ON l.venue = d.venue AND l.pair = d.pair AND l.bside = d.ch.side"
    "   AND l.level = d.ch.price"
    "  UNION ALL SELECT l.venue, l.pair, l.bside, l.level, (toUInt64(s.part), toUInt64(s.off)), l.last"
    "  FROM snaps AS s INNER JOIN levels AS l ON l.venue = s.venue AND l.pair = s.pair"
    "  WHERE tupleElement(arrayFirst(x -> x.1 = l.level, if(l.bside = 'bid', s.bids, s.asks)), 2) = 0)"
    " WHERE at <= last GROUP BY venue, pair, bside, level"
)
"""Each level's vanishings (a book version showing 0) up to its last fill, among the book events read:
where its episodes start."""

_EARLIEST = (
    "SELECT min(ts) FROM (SELECT ts, venue, pair, kafka_partition AS part, kafka_offset AS off"
    "  FROM archive_book_delta WHERE kafka_topic = {{jr:String}}{where}"
    " UNION ALL SELECT ts, venue, pair, kafka_partition, kafka_offset FROM archive_book_snapshot"
    "  WHERE kafka_topic = {{jr:String}}{where}"
    " UNION ALL SELECT ts, venue, pair, kafka_partition, kafka_offset FROM archive_order_accepted"
    "  WHERE kafka_topic = {{jr:String}}{where})"
    " WHERE arrayExists(c -> c.1 = venue AND c.2 = pair AND (toUInt64(part), toUInt64(off)) >= c.3,"
    "  {{cuts:Array(Tuple(String, String, Tuple(UInt64, UInt64)))}})"
)
"""The earliest event time at or after the cuts (each pair's first): the window must reach it. Every
row counts (no ``FINAL``): a row replaced at its coordinates only makes the check stricter."""

_WINDOWS = (3_600 * US, 6 * 3_600 * US, 86_400 * US, 7 * 86_400 * US)
"""How far before ``since`` the book is read, widened until every level's episode starts inside."""

_EPISODES = "Array(Tuple(String, String, String, Int64, UInt64, UInt64))"
"""The episodes with fills: level, and the journal places (``_AT``) of its first book version and last
fill."""

_FOLD = (
    "WITH {books}, placed AS (SELECT arrayJoin({{placed:" + _PLACED + "}}) AS f),"
    " episodes AS (SELECT t.1 AS venue, t.2 AS pair, t.3 AS bside, t.4 AS level, t.5 AS first, t.6 AS last"
    "  FROM (SELECT arrayJoin({{episodes:" + _EPISODES + "}}) AS t)),"
    " levels AS (SELECT DISTINCT venue, pair, bside, level FROM episodes),"
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
    client: ClickHouse,
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
    windows: tuple[int | None, ...] = (*_WINDOWS, None) if since_us is not None else (None,)
    for back in windows:
        lo = None if back is None else params["since"] - back
        found = _proof(client, params, venue, pair, until_us, lo)
        if found is not None:
            fills, folded = found
            break
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


def _proof(client: ClickHouse, params: dict[str, Any], venue: str | None, pair: str | None,
           until_us: int | None,
           lo: int | None) -> tuple[int, list[Any]] | None:
    """The fills checked and the folded levels, reading the book from ``lo`` on (None: from the first
    event); None if some level's episode starts before ``lo`` (read from further back)."""
    where = _where(venue, pair, until_us, lo is not None)
    params = {**params, "lo": lo} if lo is not None else params
    placed = [r[0] for r in client.query("WITH " + _placed(where) + " SELECT f FROM placed",
                                         parameters=params).result_rows]
    since = params["since"]
    fills = sum(1 for f in placed if f[8] >= since)
    by_level: dict[tuple[Any, ...], list[Any]] = {}
    for f in placed:
        by_level.setdefault(f[:4], []).append(f)
    if lo is not None:  # the levels of the period's fills
        by_level = {k: fs for k, fs in by_level.items() if any(f[8] >= since for f in fs)}
    if not by_level:
        return fills, []
    vanished = {tuple(r[:4]): [tuple(at) for at in r[4]] for r in client.query(
        _VANISHED.format(books=_books(where)), parameters={**params, "levels": [
            (*k, max((f[4], f[5]) for f in fs)) for k, fs in by_level.items()]}).result_rows}
    cuts = dict.fromkeys(by_level, (0, 0))  # without a window: from the first event
    if lo is not None:
        for k, fs in by_level.items():  # the episode of the level's first fill of the period
            first = min((f[4], f[5]) for f in fs if f[8] >= since)
            before = [at for at in vanished.get(k, []) if at <= first]
            if not before:
                return None
            cuts[k] = before[-1]
        starts: dict[tuple[Any, ...], tuple[int, int]] = {}
        for (v, p, *_), at in cuts.items():
            starts[(v, p)] = min(starts.get((v, p), at), at)
        earliest = client.query(_EARLIEST.format(where=_where(venue, pair, until_us)), parameters={
            **params, "cuts": [(*k, at) for k, at in starts.items()]}).result_rows[0][0]
        if int(earliest) < lo:
            return None
    episodes: dict[tuple[Any, ...], tuple[int, int]] = {}
    placed = []
    for k, fs in by_level.items():
        ends = vanished.get(k, [])
        for f in fs:
            at = (f[4], f[5])
            if at >= cuts[k]:
                i = bisect_right(ends, at)
                key = (*k, *(ends[i - 1] if i else (0, 0)))
                episodes[key] = max(episodes.get(key, at), at)
                placed.append(f)
    if not placed:
        return fills, []
    spans = [(*k[:4], (k[4] << 48) + k[5], (p << 48) + o) for k, (p, o) in episodes.items()]
    folded = client.query(_FOLD.format(books=_books(where), events=_EVENTS),
                          parameters={**params, "placed": placed, "episodes": spans}).result_rows
    return fills, folded
