"""A venue's order book as it was at a past instant, and its top over time, rebuilt in ClickHouse from
the archived book snapshots and deltas of the namespace's ``venue.journal``.

The book at ``T`` is the fold, in journal order, of the pair's book events stamped at or before ``T``
(``ts <= T``), each once: the displayed size the matching engine's book (``streams/matching/book.py``)
holds after them. The events are read as the no-double-fill proof reads them (``replay.audit.fills``:
``LIMIT 1 BY event_id``, Kafka partition and offset order). A snapshot replaces both sides (a level
absent from it is gone); a delta sets each level it names, a size of 0 (or less) removes it; within one
event the last entry for a price wins. The book's *version* is the last event folded (its Kafka
coordinates, id and time).

Folded in one query for every instant asked: each level entry (``side, price, size``, from a snapshot or
a delta) is the level's size from the first instant whose events include it until, exclusive, the first
instant whose events include a later entry of that level or a later snapshot. An instant ``t_j`` of a
series is ``since + j * every`` (``j = 1 .. n``, the end of each interval; the last one ends at
``until``); an event stamped ``ts`` is in every instant from ``ceil((ts - since) / every)`` (at least
the first) on. Only events from the last snapshot the first instant includes are read (it replaces all
before it), and none stamped after the last instant.

The series, per interval end: best bid and ask, mid = (bid + ask) / 2 (exact), spread = ask - bid, and
depth: the displayed size summed over the best ``levels`` (10 by default) levels of each side.

Limits, as the proof states them: the engine's depth cap (``max_levels``, 1000 a side by default) and
its dropping of out-of-order deltas are not modelled; a book deeper than the cap, or a feed that sends
a delta out of order, may show here a level the engine had dropped.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from floor.clickhouse import ClickHouse
from replay.audit.fills import _books, _where
from replay.audit.table import AuditTable, coordinates, iso
from schemas.events import SCALE
from schemas.topics import VENUE_JOURNAL, qualified
from streams.money import to_decimal_str

MAX_POINTS = 10_000
MAX_DEPTH = 1000
UNITS = {"s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}
_BIG = 2**62

BOOK_COLUMNS = ("side", "level", "price", "size")
SERIES_COLUMNS = ("time", "best bid", "best ask", "mid", "spread", "bid depth", "ask depth", "version",
                  "version time")

_LIVE = (
    "WITH {books},"
    " heads AS (SELECT part, off, ts, 1 AS snap FROM snaps UNION ALL SELECT part, off, ts, 0 FROM deltas),"
    # the first instant whose events include each event; its later snapshots' first instant
    " ranked AS (SELECT part, off, ts, snap, j, row_number() OVER w AS n,"
    "  if(countIf(snap = 1) OVER later = 0, {big:Int64}, minIf(j, snap = 1) OVER later) AS snap_j"
    "  FROM (SELECT *, greatest(1, intDiv(ts - {since:Int64} + {every:Int64} - 1, {every:Int64})) AS j"
    "   FROM heads)"
    "  WINDOW w AS (ORDER BY part, off), later AS (ORDER BY part, off ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED"
    "   FOLLOWING)),"
    " entries AS ("
    "  SELECT part, off, ch.1 AS side, ch.2 AS price, ch.3 AS size, i FROM deltas"
    "   ARRAY JOIN changes AS ch, arrayEnumerate(changes) AS i WHERE side IN ('bid', 'ask')"
    "  UNION ALL SELECT part, off, 'bid', b.1, b.2, i FROM snaps"
    "   ARRAY JOIN bids AS b, arrayEnumerate(bids) AS i"
    "  UNION ALL SELECT part, off, 'ask', a.1, a.2, i FROM snaps"
    "   ARRAY JOIN asks AS a, arrayEnumerate(asks) AS i),"
    # each entry holds from its instant until a later entry of its level, or a later snapshot, comes in
    " spans AS (SELECT e.side AS side, e.price AS price, e.size AS size, r.j AS j_from,"
    "  least(r.snap_j, if(count() OVER next = 0, {big:Int64}, min(r.j) OVER next)) AS j_to"
    "  FROM entries AS e INNER JOIN ranked AS r ON r.part = e.part AND r.off = e.off"
    "  WINDOW next AS (PARTITION BY e.side, e.price ORDER BY r.n, e.i ROWS BETWEEN 1 FOLLOWING AND"
    "   UNBOUNDED FOLLOWING)),"
    " live AS (SELECT side, price, size, arrayJoin(range(j_from, least(j_to, {points:Int64} + 1))) AS j"
    "  FROM spans WHERE size > 0)"
)

_VERSIONS = ("SELECT j, max((n, part, off, ts)) FROM ranked WHERE j <= {points:Int64} GROUP BY j ORDER BY j")


def parse_every(text: str) -> int:
    """'30s', '1m', '5m', '1h', '1d' as µs; ValueError otherwise."""
    number, unit = text[:-1], text[-1:]
    if unit not in UNITS or not number.isdigit() or int(number) <= 0:
        raise ValueError(f"interval {text!r}: use a count and a unit, e.g. 30s, 1m, 5m, 1h, 1d")
    return int(number) * UNITS[unit]


def _params(namespace: str, venue: str, pair: str, since: int, every: int, points: int, end: int
            ) -> dict[str, Any]:
    return {"jr": qualified(VENUE_JOURNAL, namespace), "venue": venue, "pair": pair, "since": since,
            "every": every, "points": points, "until": end + 1, "big": _BIG}


def _sql(tail: str) -> str:
    """The live levels (CTEs ``ranked``, ``live``), then ``tail``. The events read: the pair's, stamped
    before ``until``, from the last snapshot that every instant includes (all before it is replaced)."""
    where = _where("", "", 0) + " AND (kafka_partition, kafka_offset) >= ({bp:UInt16}, {bo:UInt64})"
    return _LIVE.replace("{books}", _books(where)) + " " + tail


def _based(client: ClickHouse, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the coordinates of the last snapshot in the first instant (0, 0 if none)."""
    part, off = client.query(
        "SELECT max((kafka_partition, kafka_offset)) FROM archive_book_snapshot"
        " WHERE kafka_topic = {jr:String} AND venue = {venue:String} AND pair = {pair:String}"
        " AND ts <= {since:Int64} + {every:Int64}",
        parameters=params).result_rows[0][0]
    return {**params, "bp": int(part), "bo": int(off)}


def _versions(client: ClickHouse, params: dict[str, Any],
              points: int) -> list[tuple[int, int, int, int] | None]:
    """Per instant 1..points, the last event folded (n, partition, offset, ts), or None before any."""
    rows = client.query(_sql(_VERSIONS), parameters=params).result_rows
    by_j = {int(j): tuple(int(x) for x in v) for j, v in rows}
    out: list[tuple[int, int, int, int] | None] = []
    last: tuple[int, ...] | None = None
    for j in range(1, points + 1):
        got = by_j.get(j)
        if got is not None and (last is None or got[0] > last[0]):
            last = got
        out.append(None if last is None else (last[0], last[1], last[2], last[3]))
    return out


def _first_event(client: ClickHouse, params: dict[str, Any]) -> int | None:
    row = client.query(
        "SELECT min(ts), count() FROM (SELECT ts FROM archive_book_snapshot WHERE kafka_topic = {jr:String}"
        " AND venue = {venue:String} AND pair = {pair:String} UNION ALL SELECT ts FROM archive_book_delta"
        " WHERE kafka_topic = {jr:String} AND venue = {venue:String} AND pair = {pair:String})",
        parameters=params).result_rows[0]
    return int(row[0]) if int(row[1]) else None


def _missing(client: ClickHouse, params: dict[str, Any], namespace: str, at_us: int) -> LookupError:
    first = _first_event(client, params)
    where = f"the archive of namespace {namespace or '(live)'}"
    if first is None:
        return LookupError(f"no book of {params['venue']} {params['pair']} in {where}: check the venue and "
                           "pair (GET /markets lists them)")
    return LookupError(f"no book of {params['venue']} {params['pair']} at or before {iso(at_us)}: its first "
                       f"book event in {where} is at {iso(first)}")


def _event_id(client: ClickHouse, params: dict[str, Any], part: int, off: int) -> str:
    rows = client.query(
        "SELECT event_id FROM (SELECT event_id, kafka_partition, kafka_offset FROM archive_book_snapshot"
        " WHERE kafka_topic = {jr:String} AND venue = {venue:String} AND pair = {pair:String}"
        " UNION ALL SELECT event_id, kafka_partition, kafka_offset FROM archive_book_delta"
        " WHERE kafka_topic = {jr:String} AND venue = {venue:String} AND pair = {pair:String})"
        " WHERE kafka_partition = {p:UInt16} AND kafka_offset = {o:UInt64} LIMIT 1",
        parameters={**params, "p": part, "o": off}).result_rows
    return str(rows[0][0]) if rows else ""


def book_at(client: ClickHouse, namespace: str, venue: str, pair: str, at_us: int,
            depth: int = 20) -> AuditTable:
    """The book of ``venue`` ``pair`` as it was at ``at_us``: the best ``depth`` levels of each side,
    best first, with the event it reflects. LookupError when there is no book at that instant."""
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be 1 to {MAX_DEPTH}, not {depth}")
    params = _based(client, {**_params(namespace, venue, pair, at_us - 1, 1, 1, at_us), "depth": depth})
    version = _versions(client, params, 1)[0]
    if version is None:
        raise _missing(client, params, namespace, at_us)
    levels = client.query(_sql(
        "SELECT side, price, size FROM live ORDER BY side = 'ask', if(side = 'bid', -price, price)"
        " LIMIT {depth:UInt32} BY side"), parameters=params).result_rows
    rows: list[tuple[Any, ...]] = []
    counts = {"bid": 0, "ask": 0}
    for side, price, size in levels:
        counts[side] += 1
        rows.append((side, counts[side], to_decimal_str(int(price)), to_decimal_str(int(size))))
    _, part, off, ts = version
    topic = params["jr"]
    summary = {"venue": venue, "pair": pair, "at": iso(at_us), "namespace": namespace or "(live)",
               "version": coordinates(topic, part, off),
               "version event": _event_id(client, params, part, off),
               "version time": iso(ts), "bid levels shown": counts["bid"], "ask levels shown": counts["ask"],
               "depth": depth}
    return AuditTable(f"Book of {venue} {pair} at {iso(at_us)}", BOOK_COLUMNS, rows, summary)


def book_series(client: ClickHouse, namespace: str, venue: str, pair: str, since_us: int, until_us: int,
                every_us: int, levels: int = 10) -> AuditTable:
    """At the end of each ``every_us`` interval from ``since_us`` to ``until_us``: best bid and ask, mid,
    spread and the displayed size within the best ``levels`` levels of each side (empty before the
    pair's first book event)."""
    if until_us <= since_us:
        raise ValueError(f"until ({iso(until_us)}) must be after since ({iso(since_us)})")
    if not 1 <= levels <= MAX_DEPTH:
        raise ValueError(f"levels must be 1 to {MAX_DEPTH}, not {levels}")
    points = -(-(until_us - since_us) // every_us)
    if points > MAX_POINTS:
        raise ValueError(f"{points:,} intervals: at most {MAX_POINTS:,} a request; narrow the period or "
                         "widen the interval")
    params = _based(client, {**_params(namespace, venue, pair, since_us, every_us, points, until_us),
                             "levels": levels})
    versions = _versions(client, params, points)
    if all(v is None for v in versions):
        raise _missing(client, params, namespace, until_us)
    tops = client.query(_sql(
        "SELECT j, side, arraySlice(if(side = 'bid', arrayReverseSort(groupArray((price, size))),"
        " arraySort(groupArray((price, size)))), 1, {levels:UInt32}) FROM live GROUP BY j, side"),
        parameters=params).result_rows
    top: dict[tuple[int, str], list[tuple[int, int]]] = {(int(j), s): [(int(p), int(n)) for p, n in lv]
                                                       for j, s, lv in tops}
    rows: list[tuple[Any, ...]] = []
    for j, version in enumerate(versions, start=1):
        t = min(since_us + j * every_us, until_us)
        if version is None:
            rows.append((iso(t), None, None, None, None, None, None, None, None))
            continue
        bids, asks = top.get((j, "bid"), []), top.get((j, "ask"), [])
        bid, ask = (bids[0][0] if bids else None), (asks[0][0] if asks else None)
        mid = format((Decimal(bid) + ask) / (2 * SCALE), "f") if bid is not None and ask is not None else None
        rows.append((
            iso(t), _d(bid), _d(ask), mid, _d(ask - bid) if bid is not None and ask is not None else None,
            to_decimal_str(sum(n for _, n in bids)), to_decimal_str(sum(n for _, n in asks)),
            coordinates(params["jr"], version[1], version[2]), iso(version[3])))
    summary = {"venue": venue, "pair": pair, "namespace": namespace or "(live)", "since": iso(since_us),
               "until": iso(until_us), "interval s": every_us / 1_000_000,
               "points": points, "depth levels": levels,
               "definition": f"at each interval's end: best bid and ask, mid = (bid + ask) / 2, spread = ask "
                             f"- bid, depth = displayed size within the best {levels} levels of each side"}
    title = f"Book of {venue} {pair} every {every_us / 1_000_000:g} s"
    return AuditTable(title, SERIES_COLUMNS, rows, summary)


def _d(value: int | None) -> str | None:
    return None if value is None else to_decimal_str(value)
