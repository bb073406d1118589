"""The FastAPI application: REST and SSE over the projections (never decides)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routes import backtests, commands, health, markets, orders, runs, streams, wallets
from api.services.archive import ArchiveThread
from api.services.backtests import BacktestJobs
from api.services.commands import CommandBus
from api.services.event_hub import EventHub
from api.services.views import AgentViews
from cryptick.settings import Settings, get_settings


def create_app(settings: Settings | None = None, namespace: str = "", archive: bool = False) -> FastAPI:
    """The API of ``namespace``; with ``archive``, it also writes the namespace to the archive (and owns
    the embedded store, serving the archive's reads)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from schemas.topics import all_topics
        from streams.runtime.kafka import check_partitions

        check_partitions(settings.bootstrap, all_topics(namespace))  # refuse before serving wrong reads
        views = AgentViews(settings.bootstrap, namespace).start()
        app.state.views = views
        hub = app.state.hub = EventHub(settings.bootstrap, namespace, views.run_owner,
                                       settings.sse_max_pending, settings.sse_max_catch_up).start()
        bus = app.state.commands = CommandBus(settings.bootstrap, namespace, views)
        sink = app.state.archive = ArchiveThread(settings.dsn, settings.bootstrap, namespace).start() \
            if archive else None
        jobs = app.state.backtests = BacktestJobs(_archive_client(settings.dsn))
        jobs.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            jobs.stop()
            if sink is not None:
                sink.stop()
            bus.close()
            hub.stop()
            views.stop()

    app = FastAPI(title="Cryptick", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.namespace = namespace
    app.state.archive = None
    errors.install(app)
    for module in (health, streams, wallets, orders, commands, markets, runs, backtests):
        app.include_router(module.router)
    return app


def _archive_client(dsn: str) -> Callable[[], object]:
    """A ClickHouse client of the calling thread's: the backtest runner reads and stores through its own."""

    def client() -> object:
        from streams.archive.clickhouse import thread_client

        return thread_client(dsn)

    return client
