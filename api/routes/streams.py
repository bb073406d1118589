"""Server-sent event streams of what happens: fills, order events, wallet movements, strategy runs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sse_starlette.sse import EventSourceResponse

from api.deps import NamespaceDep, SettingsDep
from api.errors import READS
from api.services.event_stream import READY, follow, parse_kinds
from schemas.topics import LEDGER_EVENTS, STRATEGY_EVENTS, VENUE_EVENTS, qualified

router = APIRouter(prefix="/streams")


@router.get("/events", responses=READS)
async def events(
    settings: SettingsDep,
    namespace: NamespaceDep,
    kinds: Annotated[str, Query(
        description="Comma-separated: fills, orders, wallets, runs.")] = "fills,wallets",
) -> EventSourceResponse:
    """Stream events as they happen (SSE; each message's ``event`` is the event type)."""
    try:
        types = parse_kinds(kinds)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    topics = [qualified(t, namespace) for t in (VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS)]

    async def gen() -> AsyncIterator[dict[str, Any]]:
        async for body in follow(settings.bootstrap, topics, types):
            if body is READY:
                yield {"event": "ready", "data": json.dumps({"kinds": sorted(types)})}
                continue
            yield {"event": body["type"], "id": body["event_id"], "data": json.dumps(body)}

    return EventSourceResponse(gen(), ping=15)
