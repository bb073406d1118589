"""The ``cryptick`` command."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from cryptick.commands.audit import app as audit_app
from cryptick.commands.auth import keys_app, users_app
from cryptick.commands.backtest import backtest as backtest_command
from cryptick.commands.market import app as market_app
from cryptick.commands.paper import control as control_command
from cryptick.commands.paper import paper as paper_command
from cryptick.commands.paper import stop as stop_command
from cryptick.commands.runs import register as register_runs
from cryptick.commands.up import up as up_command
from floor.settings import get_settings
from infra.kafka.local import LocalKafka

app = typer.Typer(help="Cryptick: an event-sourced crypto portfolio platform on Kafka.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
infra_app = typer.Typer(help="The local Kafka broker (JVM, no Docker).", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics of a namespace.", no_args_is_help=True)
wallets_app = typer.Typer(help="Logical wallets: balances now and at any past time.", no_args_is_help=True)

# every command and group, in the order ``cryptick --help`` lists them (the rest are defined below)
app.add_typer(infra_app, name="infra")
app.add_typer(topics_app, name="topics")
app.command("backtest")(backtest_command)
app.command("paper")(paper_command)
app.command("stop")(stop_command)
app.command("control")(control_command)
register_runs(app)
app.command("up")(up_command)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(market_app, name="market")
app.add_typer(audit_app, name="audit")
app.add_typer(wallets_app, name="wallets")

Namespace = Annotated[str, typer.Option(help="Topic namespace ('' is live).")]
MetricsPort = Annotated[int | None, typer.Option(
    help="Serve Prometheus's /metrics on this port (0: any free port, said in the log).")]
MetricsHost = Annotated[str, typer.Option(
    help="The metrics' bind address (0.0.0.0 in a container, for Prometheus beside it).")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _local_kafka() -> LocalKafka:
    from cryptick.flows import local_kafka

    return local_kafka(get_settings())


@infra_app.command("up")
def infra_up(
    fresh: Annotated[bool, typer.Option(help="Wipe the broker's data first.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the broker to answer.")] = 180.0,
) -> None:
    """Fetch Kafka 3.9 with Maven (once), format KRaft storage and start the broker."""
    from infra.kafka.local import KafkaError

    kafka = _local_kafka()
    try:
        kafka.start(wait=wait, fresh=fresh)
    except KafkaError as exc:
        _fail(str(exc))
    typer.echo(kafka.status())


@infra_app.command("down")
def infra_down() -> None:
    """Stop the local broker."""
    kafka = _local_kafka()
    typer.echo("stopped" if kafka.stop() else "was not running")


@infra_app.command("status")
def infra_status() -> None:
    """Is the local broker running and answering?"""
    kafka = _local_kafka()
    typer.echo(kafka.status())
    if kafka.pid() is None:
        raise typer.Exit(1)


@topics_app.command("create")
def topics_create(namespace: Namespace = "") -> None:
    """Create the namespace's topics with their partition counts."""
    from floor.kafka import create_topics
    from schemas.topics import all_topics

    made = create_topics(get_settings().bootstrap, all_topics(namespace))
    typer.echo(f"created {len(made)} topics" + (": " + ", ".join(made) if made else ""))


@topics_app.command("delete")
def topics_delete(
    namespace: Annotated[str, typer.Option(help="The namespace whose topics go (not the live one).")],
    yes: Annotated[bool, typer.Option("--yes", help="Delete without asking.")] = False,
) -> None:
    """Delete a namespace's topics (a finished demo, replay or test): every message in them is lost."""
    from floor.kafka import delete_topics, namespace_topics

    if not namespace:
        _fail("--namespace is required; the live namespace is never deleted from here")
    names = namespace_topics(get_settings().bootstrap, namespace)
    if not names:
        typer.echo(f"no topics in namespace {namespace!r}")
        return
    if not yes and not typer.confirm(f"delete {len(names)} topics of {namespace!r} and their messages?"):
        raise typer.Exit(1)
    delete_topics(get_settings().bootstrap, names)
    typer.echo(f"deleted {len(names)} topics of {namespace!r}")


@topics_app.command("list")
def topics_list() -> None:
    """Topics on the broker with their partition counts."""
    from floor.kafka import list_topics

    for name, parts in sorted(list_topics(get_settings().bootstrap).items()):
        typer.echo(f"{name}\t{parts}")


@app.command()
def worker(
    namespace: Namespace = "",
    roles: Annotated[str, typer.Option(
        help="Comma-separated: matching,fanout,ledger,routers,strategies (fanout forwards books to the "
             "runs; keep it with matching: both read every book). A replay runs matching,ledger,strategies."
    )] = "matching,fanout,ledger,routers,strategies",
    loglevel: str = "warning",
    runtime: Annotated[str, typer.Option(help="faust (agents on Faust) or direct (confluent-kafka).")] = (
        "faust"
    ),
    metrics_port: MetricsPort = None,
    metrics_host: MetricsHost = "127.0.0.1",
) -> None:
    """Run the agents of a namespace (until stopped)."""
    from cryptick.worker import run

    try:
        settings = get_settings()
        run(settings.bootstrap, namespace, tuple(r for r in roles.split(",") if r), loglevel, runtime,
            metrics_port, metrics_host, settings.snapshot_every)
    except ValueError as exc:
        _fail(str(exc))


@app.command()
def archive(
    namespace: Namespace = "",
    follow: Annotated[bool, typer.Option(help="Keep archiving until interrupted.")] = False,
    metrics_port: MetricsPort = None,
    metrics_host: MetricsHost = "127.0.0.1",
) -> None:
    """Write every topic of a namespace to ClickHouse with its Kafka coordinates."""
    import threading

    from streams.archive.clickhouse import get_client
    from streams.archive.metrics import ArchiveCollector
    from streams.archive.sink import ArchiveSink

    s = get_settings()
    sink = ArchiveSink.for_namespace(get_client(s.dsn), s.bootstrap, namespace)
    try:
        if follow:
            stop = threading.Event()
            collector = ArchiveCollector(sink, lambda: not stop.is_set())
            started = "archive sink started" + _serve_metrics(metrics_port, metrics_host, collector)
            with _notices(s.bootstrap, namespace, "archive", started):
                try:
                    sink.run(stop)
                except KeyboardInterrupt:
                    stop.set()
        else:
            sink.drain()
    finally:
        sink.close()
    typer.echo(f"archived {sink.archived} messages")


@app.command()
def replay(
    source: Annotated[str, typer.Option(help="Namespace whose archived inboxes to replay.")] = "",
    target: Annotated[str, typer.Option(help="Fresh namespace to replay into.")] = "",
    run_agents: Annotated[bool, typer.Option("--agents/--no-agents",
                                             help="Also run the agents and check parity.")] = True,
) -> None:
    """Re-publish archived inboxes into a fresh namespace and re-run the agents on them."""
    from cryptick.flows import replay_and_compare

    s = get_settings()
    target = target or f"replay-{source or 'live'}-{os.getpid()}"
    ok = replay_and_compare(s, source, target, run_agents=run_agents, echo=typer.echo)
    if not ok:
        raise typer.Exit(1)


@app.command()
def demo(
    steps: Annotated[int, typer.Option(help="Market updates per pair.")] = 1000,
    speed: Annotated[float, typer.Option(help="Event time per wall time (x).")] = 40.0,
    keep_kafka: Annotated[bool, typer.Option(help="Leave the broker running afterwards.")] = True,
) -> None:
    """The end-to-end slice: synthetic market + orders through Kafka, fills, balances, replay parity."""
    from cryptick.flows import run_demo

    ok = run_demo(get_settings(), steps=steps, speed=speed, echo=typer.echo, keep_kafka=keep_kafka)
    if not ok:
        raise typer.Exit(1)


@app.command("strategies")
def strategies_list() -> None:
    """The runnable strategies with their parameters and defaults, the user's own included
    (CRYPTICK_STRATEGIES, or the entry point group cryptick.strategies); exit 1 if one did not load."""
    import dataclasses

    from strategies import registry

    for name in registry.names():
        r = registry.get(name)
        params = ", ".join(f"{f.name}={f.default!r}" if f.default is not dataclasses.MISSING else f.name
                           for f in dataclasses.fields(r.params_type))
        typer.echo(f"{name:<20} {r.description}\n{'':<20} params: {params or 'none'}")
    problems = registry.problems()
    for label, why in problems.items():
        typer.echo(f"error: {label} did not load: {why}", err=True)
    if problems:
        raise typer.Exit(1)


@app.command()
def api(
    namespace: Namespace = "",
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    archive: Annotated[bool, typer.Option(
        help="Also archive the namespace to ClickHouse from this process, which then owns the embedded "
             "store and serves its reads (candles, datasets, histories) while archiving.")] = False,
) -> None:
    """Serve the HTTP API and the SSE event streams."""
    import uvicorn

    from api.app import create_app
    from cryptick.commands.auth import ensure_admin

    s = get_settings()
    ensure_admin(s, typer.echo)
    bind, at = host or s.api_host, port or s.api_port
    url = f"http://{'127.0.0.1' if bind in ('0.0.0.0', '::', '') else bind}:{at}"
    from streams.runtime.logs import configure

    configure("api", "warning")  # JSON lines unless on a terminal; uvicorn's own config would replace it
    uvicorn.run(create_app(s, namespace, archive=archive, notify=True, url=url), host=bind, port=at,
                log_level="warning", log_config=None)


@app.command()
def feed(
    feeds: Annotated[str, typer.Option(
        help="What to follow: 'coinbase:BTC-USD,ETH-USD;bitfinex:BTC-USD' (venues: coinbase, bitfinex, "
             "poloniex, kraken) or 'synthetic'. Default: CRYPTICK_FEEDS.")] = "",
    namespace: Namespace = "",
    url: Annotated[str | None, typer.Option(help="Another websocket URL (one venue only).")] = None,
    tick_s: Annotated[float, typer.Option(help="Clock tick period (s).")] = 1.0,
    steps: Annotated[int, typer.Option(help="Synthetic: updates per pair.")] = 100_000,
    speed: Annotated[float, typer.Option(help="Synthetic: event time per wall time (x).")] = 1.0,
    start: Annotated[str, typer.Option(
        help="Synthetic: the market's start time, 'now' (for paper runs: commands and market share a "
             "clock) or a UTC date like 2018-01-01.")] = "now",
    metrics_port: MetricsPort = None,
    metrics_host: MetricsHost = "127.0.0.1",
) -> None:
    """Put market data on venue.journal: exchange websocket feeds, or the synthetic market."""
    from producers.feed_metrics import FeedCollector

    s = get_settings()
    text = feeds or s.cryptick_feeds
    metrics = FeedCollector()
    served = _serve_metrics(metrics_port, metrics_host, metrics)
    with _notices(s.bootstrap, namespace, "feed", f"feed started: {text.strip() or 'nothing'}{served}"):
        _feed(s, text, namespace, url, tick_s, steps, speed, start, metrics)


def _serve_metrics(port: int | None, host: str, *collectors: Any) -> str:
    """Prometheus's /metrics of this process on ``port`` (with ``collectors``), if one is given; what to
    add to the process's started notice."""
    if port is None:
        return ""
    from streams.runtime.metrics import process_registry, serve

    try:
        server = serve(port, process_registry(*collectors), host)
    except OSError as exc:  # e.g. the port is taken: the process's work matters more than its metrics
        logging.getLogger("cryptick.metrics").error("metrics not served on %s:%s: %s", host, port, exc)
        return f"; metrics NOT served ({host}:{port}: {exc})"
    return f"; metrics on http://{host}:{server.server_port}/metrics"


@contextlib.contextmanager
def _notices(bootstrap: str, namespace: str, service: str, started: str) -> Iterator[None]:
    """This process's log records (info and up) also go to the namespace's notices topic (the API's
    ``GET /logs`` and the ``logs`` stream), from a first one saying it started to a last one saying it
    stopped."""
    import logging

    from streams.runtime.logs import configure
    from streams.runtime.notices import install, uninstall

    configure(service, "warning")  # JSON lines unless on a terminal
    log = logging.getLogger(f"cryptick.{service}")
    handler = install(bootstrap, namespace, service)
    log.info(started)
    try:
        yield
    except BaseException as exc:
        log.warning(f"{service} stopped: {type(exc).__name__}: {exc}"[:500])
        raise
    else:
        log.info(f"{service} stopped")
    finally:
        uninstall(handler)


def _feed(s: Any, text: str, namespace: str, url: str | None, tick_s: float, steps: int, speed: float,
          start: str, metrics: Any = None) -> None:
    import asyncio
    import dataclasses
    import signal
    import time

    from producers.feed_runner import parse_specs, run_feeds, run_synthetic

    if text.strip().lower() == "synthetic":
        from cryptick.commands.backtest import UsageError, parse_time

        try:
            start_ts = (int(time.time()) * 1_000_000 if start == "now" else parse_time(start, "--start"))
        except UsageError as exc:
            _fail(str(exc))
        from floor.kafka import DeliveryFailed

        try:
            n = run_synthetic(s.bootstrap, namespace, steps, speed, start_ts=start_ts)
        except (DeliveryFailed, ValueError) as exc:  # ValueError: PartitionMismatch
            _fail(str(exc))
        typer.echo(f"published {n} synthetic events")
        return
    try:
        specs = parse_specs(text)
    except ValueError as exc:
        _fail(str(exc))
    if url:
        if len(specs) != 1:
            _fail("--url needs exactly one venue in --feeds")
        specs = [dataclasses.replace(specs[0], url=url)]

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await run_feeds(s.bootstrap, namespace, specs, tick_s, stop, metrics=metrics)

    from floor.kafka import DeliveryFailed

    try:
        typer.echo(f"journaled {asyncio.run(main())} events")
    except DeliveryFailed as exc:
        _fail(str(exc))


@app.command()
def markets(
    venue_names: Annotated[list[str] | None, typer.Argument(
        metavar="VENUE", help="Venues: coinbase, bitfinex, kraken, poloniex (or use --venues).")] = None,
    venues: Annotated[str, typer.Option(
        help="Comma-separated: coinbase, bitfinex, kraken, poloniex.")] = "coinbase,bitfinex,kraken,poloniex",
    namespace: Namespace = "",
    url: Annotated[str | None, typer.Option(help="Another URL for the market list (one venue only).")] = None,
    rate: Annotated[float, typer.Option(help="Requests per second at most.")] = 2.0,
) -> None:
    """Fetch the venues' trading rules (REST) and journal them for the matching engine and the ledger."""
    import asyncio

    from producers.exchanges.rest import MARKET_ENDPOINTS, RateLimiter, RestClient, RestError, fetch_markets
    from producers.feed_runner import publish_markets

    chosen = venue_names or [venues]  # `cryptick markets kraken poloniex` or `--venues kraken,poloniex`
    names = [v.strip().lower() for arg in chosen for v in arg.split(",") if v.strip()]
    unknown = [v for v in names if v not in MARKET_ENDPOINTS]
    if unknown or not names:
        _fail(f"unknown venue {unknown[0] if unknown else ''!r}; choose from {', '.join(MARKET_ENDPOINTS)}")
    if url and len(names) != 1:
        _fail("--url needs exactly one venue")
    client = RestClient(RateLimiter(rate, burst=1))

    async def fetch() -> list[Any]:
        out: list[Any] = []
        for venue in names:
            out += await fetch_markets(venue, client, url)
        return out

    from producers.exchanges.feed import MalformedMessage

    try:
        listings = asyncio.run(fetch())
    except RestError as exc:
        _fail(str(exc))
    except MalformedMessage as exc:
        _fail(f"the venue's answer is not a market list: {exc}")
    s = get_settings()
    try:
        publish_markets(s.bootstrap, namespace, listings)
    except ValueError as exc:  # PartitionMismatch
        _fail(str(exc))
    typer.echo(f"journaled {len(listings)} markets of {', '.join(names)}")


@wallets_app.command("show")
def wallets_show(namespace: Namespace = "", account: str = "main") -> None:
    """Wallet sets, pool and totals now (the ledger engine folded over ledger.journal)."""
    from cryptick.wallets import show_now

    show_now(get_settings().bootstrap, namespace, account, typer.echo)


@wallets_app.command("history")
def wallets_history(
    at: Annotated[str, typer.Option(help="UTC time, e.g. 2018-01-01T00:05:00.")],
    namespace: Namespace = "",
    account: str = "main",
    wallet_set: Annotated[str | None, typer.Option(help="Only this wallet set.")] = None,
) -> None:
    """Balances at a past moment, from the archive in ClickHouse."""
    from cryptick.wallets import show_history
    from schemas.units import parse_time

    try:
        ts = parse_time(at)
    except ValueError as exc:
        _fail(str(exc))
    show_history(get_settings().dsn, namespace, account, ts, wallet_set, typer.echo)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
