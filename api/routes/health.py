"""Liveness and dependencies."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import NamespaceDep, SettingsDep
from streams.runtime.kafka import list_topics

router = APIRouter()


class Health(BaseModel):
    status: str
    kafka: str
    namespace: str
    topics: int


@router.get("/health", response_model=Health)
async def health(settings: SettingsDep, namespace: NamespaceDep) -> Health:
    try:
        topics = await asyncio.to_thread(list_topics, settings.bootstrap, 3.0)
    except Exception as exc:
        return Health(status="degraded", kafka=f"unreachable: {exc}", namespace=namespace, topics=0)
    return Health(status="ok", kafka=settings.bootstrap, namespace=namespace, topics=len(topics))
