"""A run's messages from the archive — its inbox (``strategy.journal``) and its outputs
(``strategy.events``) under its key — in time order, paged by a cursor (the seed's message-hub view)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from api.services.event_hub import event_body
from schemas.codec import default_codec
from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL, qualified

DIRECTIONS = {"inbox": (STRATEGY_JOURNAL,), "outputs": (STRATEGY_EVENTS,),
              "all": (STRATEGY_JOURNAL, STRATEGY_EVENTS)}


@dataclass(frozen=True, slots=True)
class Message:
    direction: Literal["inbox", "outputs"]
    type: str
    ts: int
    topic: str
    partition: int
    offset: int
    event: dict[str, Any]


def encode_cursor(m: Message) -> str:
    return f"{m.ts}.{m.topic}.{m.partition}.{m.offset}"


def decode_cursor(text: str) -> tuple[int, str, int, int]:
    """``ts.topic.partition.offset`` (the topic may hold dots); ValueError if it is not one of ours."""
    try:
        ts, rest = text.split(".", 1)
        topic, partition, offset = rest.rsplit(".", 2)
        return int(ts), topic, int(partition), int(offset)
    except ValueError:
        raise ValueError(f"{text!r} is not a cursor of this listing (use the 'next' of a page)") from None


def run_messages(client: Any, namespace: str, run_id: str, direction: str, types: list[str],
                 after: str | None, limit: int) -> tuple[list[Message], str | None]:
    """Up to ``limit`` messages of the run after ``after``; and the cursor of the next page (None: the
    last page). Each message once (the archive collapses re-deliveries)."""
    topics = {qualified(t, namespace): t for t in DIRECTIONS[direction]}
    where = ["topic IN {topics:Array(String)}", "key = {run:String}"]
    params: dict[str, Any] = {"topics": list(topics), "run": run_id, "n": limit + 1}
    if types:
        where.append("event_type IN {types:Array(String)}")
        params["types"] = types
    if after:
        ts, topic, partition, offset = decode_cursor(after)
        where.append("(ts, topic, partition, offset) > ({ts:Int64}, {t:String}, {p:UInt16}, {o:UInt64})")
        params.update(ts=ts, t=topic, p=partition, o=offset)
    rows = client.query(
        "SELECT topic, partition, offset, ts, value FROM archive_messages FINAL WHERE "
        + " AND ".join(where) + " ORDER BY ts, topic, partition, offset LIMIT {n:UInt32}",
        parameters=params, column_formats={"value": "bytes"}).result_rows
    codec = default_codec()
    out = []
    for topic, partition, offset, ts, value in rows[:limit]:
        try:
            body = event_body(codec.decode(value))
        except Exception:  # kept in the archive as it came: shown as what it is
            body = {"type": "undecodable", "bytes": len(value)}
        inbox = topics[topic] == STRATEGY_JOURNAL
        out.append(Message("inbox" if inbox else "outputs", body["type"], ts, topic, partition, offset, body))
    return out, encode_cursor(out[-1]) if len(rows) > limit else None
