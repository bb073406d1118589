"""The FastAPI application: REST and SSE over the projections (never decides)."""

from __future__ import annotations

from fastapi import FastAPI

from api.routes import health, streams
from cryptick.settings import Settings, get_settings


def create_app(settings: Settings | None = None, namespace: str = "") -> FastAPI:
    app = FastAPI(title="Cryptick", version="0.1.0")
    app.state.settings = settings or get_settings()
    app.state.namespace = namespace
    app.include_router(health.router)
    app.include_router(streams.router)
    return app
