"""Liveness and the state of each component the API depends on, truthfully: ok, or degraded with why."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.deps import PUBLIC_ROUTE, HubDep, NamespaceDep, SettingsDep, ViewsDep
from api.services.health import components
from floor.kafka import list_topics

router = APIRouter(tags=["health"])


class Component(BaseModel):
    name: str
    status: Literal["ok", "degraded", "idle"]
    detail: str


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded when any component is.")
    kafka: str
    namespace: str
    topics: int
    components: list[Component] = []


@router.get("/health", response_model=Health, dependencies=PUBLIC_ROUTE)
async def health(request: Request, settings: SettingsDep, namespace: NamespaceDep, views: ViewsDep,
                 hub: HubDep) -> Health:
    """The broker, the API's read replica, its event streams, the workers' lag and the feeds' freshness."""
    try:
        topics = await asyncio.to_thread(list_topics, settings.bootstrap, 3.0)
    except Exception as exc:
        kafka = Component(name="kafka", status="degraded", detail=f"unreachable: {exc}")
        return Health(status="degraded", kafka=kafka.detail, namespace=namespace, topics=0,
                      components=[kafka])
    parts = [Component(name="kafka", status="ok", detail=settings.bootstrap)]
    parts += [Component.model_validate({"name": n, "status": s, "detail": d})
              for n, s, d in await asyncio.to_thread(components, settings.bootstrap, namespace, views, hub,
                                                     request.app.state.archive, settings.feed_silent_s)]
    degraded = any(p.status == "degraded" for p in parts)
    return Health(status="degraded" if degraded else "ok", kafka=settings.bootstrap, namespace=namespace,
                  topics=len(topics), components=parts)
