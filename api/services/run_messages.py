"""A run's messages from the archive — its inbox (``strategy.journal``) and its outputs
(``strategy.events``) under its key — in time order, paged by a cursor (the seed's message-hub view)."""

from __future__ import annotations

from typing import Any

from api.models import iso_time
from api.services.event_hub import record_body
from floor.clickhouse import ClickHouse
from schemas.codec import default_codec
from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL, qualified

DIRECTIONS = {"inbox": (STRATEGY_JOURNAL,), "outputs": (STRATEGY_EVENTS,),
              "all": (STRATEGY_JOURNAL, STRATEGY_EVENTS)}


def decode_cursor(text: str) -> tuple[int, str, int, int]:
    """``ts.topic.partition.offset`` (the topic may hold dots); ValueError if it is not one of ours."""
    try:
        ts, rest = text.split(".", 1)
        topic, partition, offset = rest.rsplit(".", 2)
        return int(ts), topic, int(partition), int(offset)
    except ValueError:
        raise ValueError(f"{text!r} is not a cursor of this listing (use the 'next' of a page)") from None


def run_messages(client: ClickHouse, namespace: str, run_id: str, direction: str, types: list[str],
                 after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Up to ``limit`` messages of the run after ``after``, as the API answers them (``RunMessageOut``:
    direction, type, time, topic, partition, offset, the event as JSON); and the cursor of the next page
    (None: the last page). Each message once (a re-delivered copy the archive has not collapsed yet is
    skipped).

    The page's coordinates come from the ``messages_by_key`` projection (sorted by key and time, so
    only the page is read, not every message of the topic), its bodies by those coordinates (the
    table's own order) in the same query; they are decoded together (``Codec.decode_records``)."""
    topics = {qualified(t, namespace): t for t in DIRECTIONS[direction]}
    where = ["topic IN {topics:Array(String)}", "key = {run:String}"]
    params: dict[str, Any] = {"topics": list(topics), "run": run_id, "n": limit + 1}
    if types:
        where.append("event_type IN {types:Array(String)}")
        params["types"] = types
    if after:
        ts, topic, partition, offset = decode_cursor(after)
        where.append("ts >= {ts:Int64}")  # a range of the projection's key: the page starts there
        where.append("(ts, topic, partition, offset) > ({ts:Int64}, {t:String}, {p:UInt16}, {o:UInt64})")
        params.update(ts=ts, t=topic, p=partition, o=offset)
    rows = client.query(
        "SELECT ts, topic, partition, offset, value FROM archive_messages WHERE (topic, partition, offset) IN"
        " (SELECT topic, partition, offset FROM archive_messages WHERE " + " AND ".join(where)
        + " ORDER BY key, ts, topic, partition, offset LIMIT {n:UInt32})"
        " ORDER BY ts, topic, partition, offset", parameters=params, column_formats={"value": "bytes"}
    ).result_rows
    more = len(rows) > limit  # a copy not collapsed yet counts twice here: then a page may come short
    page: list[tuple[int, str, int, int, bytes]] = []
    seen: tuple[str, int, int] | None = None
    for ts, topic, partition, offset, value in rows:
        if (topic, partition, offset) != seen:  # copies are neighbours in this order
            seen = (topic, partition, offset)
            page.append((ts, topic, partition, offset, value))
    page = page[:limit]
    decoded = default_codec().decode_records([r[4] for r in page])
    out = []
    for (ts, topic, partition, offset, value), result in zip(page, decoded, strict=True):
        if isinstance(result, Exception):  # kept in the archive as it came: shown as what it is
            body: dict[str, Any] = {"type": "undecodable", "bytes": len(value)}
        else:
            body = record_body(*result)
        out.append({"direction": "inbox" if topics[topic] == STRATEGY_JOURNAL else "outputs",
                    "type": body["type"], "time": iso_time(ts) or "", "topic": topic, "partition": partition,
                    "offset": offset, "event": body})
    if not (more and page):
        return out, None
    ts, topic, partition, offset, _ = page[-1]
    return out, f"{ts}.{topic}.{partition}.{offset}"  # what ``decode_cursor`` reads
