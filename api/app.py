"""The FastAPI application: REST and SSE over the projections (never decides)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.metrics import install as install_metrics
from api.routes import archive as archive_routes
from api.routes import (
    audit,
    auth,
    backtests,
    commands,
    dashboard,
    health,
    logs,
    markets,
    orders,
    runs,
    streams,
    wallets,
)
from api.routes import metrics as metrics_routes
from api.routes.auth import LOGIN_FAILURES_PER_MIN
from api.security.access import document_needs, secure_routes
from api.security.headers import SecurityHeaders
from api.security.limits import RateLimiter
from api.security.store import AuthStore
from api.services.archive import ArchiveThread
from api.services.backtests import BacktestJobs
from api.services.commands import CommandBus
from api.services.event_hub import EventHub
from api.services.views import AgentViews
from floor.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, namespace: str = "", archive: bool = False,
               notify: bool = False, url: str | None = None) -> FastAPI:
    """The API of ``namespace``; with ``archive``, it also writes the namespace to the archive (and owns
    the embedded store, serving the archive's reads); with ``notify``, its log records go to the
    namespace's notices topic (``streams.runtime.notices``: for a served API, not one in a test). An
    API that owns an embedded store and knows its ``url`` says so in the store's folder and serves the
    other processes' reads of it (``streams.archive.remote``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from floor.kafka import check_partitions, create_topics
        from schemas.topics import NOTICES, all_topics, qualified

        check_partitions(settings.bootstrap, all_topics(namespace))  # refuse before serving wrong reads
        # the services' notices came with this version: a namespace made before gets its topic now
        create_topics(settings.bootstrap, [s for s in all_topics(namespace) if s.name == qualified(NOTICES,
                                                                                                   namespace)])
        from streams.runtime.notices import install, uninstall

        notices = install(settings.bootstrap, namespace, "api") if notify else None
        views = AgentViews(settings.bootstrap, namespace, settings.cryptick_cache / "replica",
                           settings.replica_snapshot_s, settings.replica_snapshot_min).start()
        app.state.views = views
        hub = app.state.hub = EventHub(settings.bootstrap, namespace, views.run_owner,
                                       settings.sse_max_pending, settings.sse_max_catch_up).start()
        bus = app.state.commands = CommandBus(settings.bootstrap, namespace, views)
        bus.observe = app.state.metrics.observe_command
        sink = app.state.archive = ArchiveThread(settings.dsn, settings.bootstrap, namespace).start() \
            if archive else None
        owner = None
        if sink is not None and settings.dsn.startswith("chdb://"):
            from api.routes.archive import ReadOnlySql
            from streams.archive.remote import write_owner

            app.state.archive_sql = ReadOnlySql(settings.dsn)
            if url:  # the local CLI reads through this API with the token the owner's file carries
                app.state.owner_token = secrets.token_urlsafe(32)
                owner = write_owner(settings.dsn, url, app.state.owner_token)
        # the archive is this API's to read and write if it owns the embedded store or it is a server's;
        # an embedded store it does not own is left alone (opening it would lock out the archive sink)
        access = sink is not None or not settings.dsn.startswith("chdb://")
        jobs = app.state.backtests = BacktestJobs(
            _archive_client(settings.dsn) if access else None,
            no_archive="this API does not own the embedded archive, so it neither stores backtests in it nor "
                       "lists them from it: start it with --archive (as `cryptick up` does), or use a "
                       "ClickHouse server (CLICKHOUSE_DSN=http://...)")
        jobs.start(asyncio.get_running_loop())
        log.info("API started" + (" (archiving the namespace)" if archive else ""))
        try:
            yield
        finally:
            log.info("API stopping")
            if owner is not None:
                from streams.archive.remote import clear_owner

                clear_owner(settings.dsn)
            if app.state.archive_sql is not None:
                app.state.archive_sql.close()
            jobs.stop()
            if sink is not None:
                sink.stop()
            bus.close()
            hub.stop()
            views.stop()
            app.state.auth.close()
            if notices is not None:
                uninstall(notices)

    app = FastAPI(title="Cryptick", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.namespace = namespace
    app.state.archive = None
    app.state.archive_sql = None
    app.state.owner_token = None
    app.state.auth = AuthStore(settings.auth_db)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    app.state.login_failures = RateLimiter(LOGIN_FAILURES_PER_MIN / 60, 10)
    errors.install(app)
    for module in (health, auth, streams, wallets, orders, commands, markets, runs, backtests, logs,
                   archive_routes, audit, metrics_routes):
        app.include_router(document_needs(module.router))
    app.include_router(document_needs(orders.fills_router))
    app.include_router(dashboard.router)
    app.state.dashboard_dir = settings.dashboard_dir or dashboard.DIST
    app.mount("/assets", dashboard.Assets(directory=app.state.dashboard_dir / "assets", check_dir=False),
              name="assets")
    secure_routes(app)
    if settings.cors_origin_list:  # closed unless configured: a browser on another origin reads nothing
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origin_list, allow_credentials=True,
                           allow_methods=["GET", "POST"], allow_headers=[
                               "Authorization", "Content-Type", "X-CSRF-Token", "Last-Event-ID",
                               "Idempotency-Key"])
    app.add_middleware(SecurityHeaders)
    install_metrics(app)  # outermost: refusals (401, 403, 429) are counted too
    return app


def _archive_client(dsn: str) -> Callable[[], object]:
    """A ClickHouse client of the calling thread's: the backtest runner reads and stores through its own."""

    def client() -> object:
        from streams.archive.clickhouse import thread_client

        return thread_client(dsn)

    return client
