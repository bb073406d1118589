"""Server-sent event streams of what happens: fills, orders, wallets, runs, logs, markets, problems."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from sse_starlette.sse import EventSourceResponse

from api.deps import HubDep, SettingsDep, Viewer
from api.errors import READS, UNAVAILABLE
from api.fields import ID_PATTERN
from api.security.access import refuse_unless
from api.security.policy import Role
from api.services.event_hub import (
    STREAMS,
    EventHub,
    Subscriber,
    behind,
    catch_up,
    decode_id,
    frame,
    parse_kinds,
)

router = APIRouter(prefix="/streams")

COALESCE_S = 0.01
"""A client's stream writes at most this often: under load one write carries many events (each write
costs the server more than the events in it), at the price of up to 10 ms."""

@router.get("/events", responses={**READS, 503: UNAVAILABLE})
async def events(
    hub: HubDep,
    settings: SettingsDep,
    who: Viewer,
    kinds: Annotated[str, Query(
        description=f"Comma-separated, from: {', '.join(STREAMS)}.", max_length=200)] = "fills,wallets",
    account: Annotated[str | None, Query(pattern=ID_PATTERN, description="Only this account's events "
                                         "(run events by their run's account).")] = None,
    run: Annotated[str | None, Query(pattern=ID_PATTERN, description="Only this run's events (its "
                                     "orders, its wallet set's movements, its components and logs).")] = None,
    last_event_id: Annotated[str | None, Header(
        max_length=4000, description="Resume after this event (an EventSource sends it when it "
        "reconnects): what was missed is sent first, nothing twice.")] = None,
    since: Annotated[str | None, Query(
        max_length=4000, description="The same as the Last-Event-ID header, for a client that cannot "
        "set headers; the header wins.")] = None,
) -> EventSourceResponse:
    """Stream events as they happen (SSE). Each message's ``event`` is the event type and its ``id``
    resumes the stream after it. First comes ``ready`` (positioned; after a resume, once caught up),
    ``reset`` if a resume reached too far back (reload the state from the read routes), and
    ``dropped`` before the server ends a stream whose client fell too far behind."""
    if account is not None:
        refuse_unless(who, Role.VIEWER, account)
    try:
        types = parse_kinds(kinds)
        resume_id = last_event_id or since
        resume = decode_id(resume_id, len(hub.slots)) if resume_id else None
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if not await hub.ready() or not hub.alive:
        raise HTTPException(503, f"the event stream is not available: {hub.error or 'not started'}")
    reset = "" if resume is not None or not resume_id else \
        "the Last-Event-ID was made for other topics; reload the state from the read routes"
    sub, position = hub.subscribe(types, account or "", run or "", resume, who.accounts)
    if resume is not None and behind(resume, position) > hub.max_catch_up:
        reset = (f"{behind(resume, position):,} events behind, over the {hub.max_catch_up:,} a stream "
                 "catches up on; reload the state from the read routes")
        hub.unsubscribe(sub)
        sub, position = hub.subscribe(types, account or "", run or "", None, who.accounts)
        resume = None
    return EventSourceResponse(_stream(hub, sub, position, resume, reset), ping=settings.sse_heartbeat_s)


async def _stream(hub: EventHub, sub: Subscriber, position: list[int], resume: list[int] | None,
                  reset: str) -> AsyncIterator[bytes]:
    try:
        if reset:
            yield frame("reset", None, json.dumps({"reason": reset}))
        caught_up = 0
        if resume is not None:
            chunks = catch_up(hub, sub, resume, position)
            try:
                while (frames := await asyncio.to_thread(next, chunks, None)) is not None:
                    caught_up += len(frames)
                    yield b"".join(frames)
            finally:  # its consumer closed even when the client left mid-way
                await asyncio.to_thread(chunks.close)
        ready: dict[str, Any] = {"kinds": sorted(sub.types), "resumed": caught_up,
                                 "account": sub.account or None, "run": sub.run or None}
        start = position if resume is None else [max(a, b) for a, b in zip(resume, position, strict=True)]
        yield frame("ready", start, json.dumps(ready))
        while True:
            await sub.wake.wait()
            await asyncio.sleep(COALESCE_S)  # what else arrives meanwhile goes in the same write
            if sub.dropped:
                yield frame("dropped", None, json.dumps({"reason": sub.dropped, "limit": hub.max_pending}))
                return
            yield sub.take()
    finally:
        hub.unsubscribe(sub)
