"""``cryptick up``: the whole local stack from one command, stopped cleanly on Ctrl-C.

The broker (unless ``KAFKA_BOOTSTRAP_SERVERS`` names one), the namespace's topics, the worker with every
role, the API — which also archives the namespace and so owns the embedded store, serving candles,
datasets and histories while it archives — and a market feed (the synthetic market by default, or
exchanges with ``--feeds``). Each runs as a child process with its log under the cache; ``up`` prints
the URL and each component's health, watches them, and stops them in order: feed, API, worker, broker.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from cryptick.flows import ApiProcess, WorkerProcess, ensure_kafka, local_kafka
from cryptick.worker import ROLES
from floor.settings import get_settings

WATCH_S = 2.0
HEALTH_EVERY_S = 30.0


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _health(base: str) -> tuple[str, list[tuple[str, str, str]]]:
    try:
        body = httpx.get(f"{base}/health", timeout=10).json()
    except httpx.HTTPError as exc:
        return "unreachable", [("api", "degraded", str(exc))]
    return body["status"], [(c["name"], c["status"], c["detail"]) for c in body.get("components", [])]


def up(
    namespace: Annotated[str, typer.Option(help="Topic namespace ('' is live).")] = "",
    feeds: Annotated[str, typer.Option(
        help="'synthetic', or exchanges: 'coinbase:BTC-USD,ETH-USD;kraken:BTC-USD'.")] = "synthetic",
    host: Annotated[str | None, typer.Option(help="The API's bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="The API's port.")] = None,
    runtime: Annotated[str | None, typer.Option(help="The worker's runtime: faust or direct.")] = None,
    archive: Annotated[bool, typer.Option(
        "--archive/--no-archive", help="Archive the namespace to ClickHouse (in the API process).")] = True,
    keep_kafka: Annotated[bool, typer.Option(help="Leave the broker running on exit.")] = False,
) -> None:
    """Start the broker, the worker, the API (archiving) and a market feed; stop them all on Ctrl-C."""
    from cryptick.commands.auth import ensure_admin
    from floor.dsn import redact_dsn
    from floor.kafka import create_topics
    from infra.kafka.local import KafkaError
    from schemas.topics import all_topics

    s = get_settings()
    ensure_admin(s, typer.echo)  # before any child: a made password is shown here, not in a child's log
    try:
        started_kafka = ensure_kafka(s, typer.echo)
    except KafkaError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    logs = s.cryptick_cache / "logs" / f"up-{namespace or 'live'}"
    logs.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker: WorkerProcess | None = None
    api: ApiProcess | None = None
    feed: subprocess.Popen[bytes] | None = None
    code = 0
    try:
        create_topics(s.bootstrap, all_topics(namespace))
        worker = WorkerProcess(s.bootstrap, namespace, roles=ROLES, log_path=logs / "worker.log",
                               metrics_port=s.worker_metrics_port)
        worker.runtime = runtime or worker.runtime
        worker.start()
        typer.echo(f"worker ({worker.runtime}) started; log {logs / 'worker.log'}; metrics "
                   f"http://127.0.0.1:{s.worker_metrics_port}/metrics")
        api = ApiProcess(s.bootstrap, namespace, log_path=logs / "api.log",
                         args=["--archive"] if archive else [], port=port or s.api_port,
                         host=host or s.api_host).start(timeout=60)
        typer.echo(f"API started{' (archiving to ' + redact_dsn(s.dsn) + ')' if archive else ''}; "
                   f"log {logs / 'api.log'}")
        feed_cmd = [sys.executable, "-m", "cryptick.cli", "feed", "--feeds", feeds, "--namespace", namespace,
                    "--metrics-port", str(s.feed_metrics_port)]
        with (logs / "feed.log").open("ab") as out:
            feed = subprocess.Popen(feed_cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        typer.echo(f"feed ({feeds}) started; log {logs / 'feed.log'}; metrics "
                   f"http://127.0.0.1:{s.feed_metrics_port}/metrics")
        typer.echo(f"\nready: {api.base}  (OpenAPI at {api.base}/docs; Ctrl-C stops everything)")
        typer.echo("  sign in as admin (POST /auth/login) with the password made at the first start or "
                   "CRYPTICK_ADMIN_PASSWORD; programs: `cryptick keys create` for an API key")
        code = _watch(api, worker, feed, logs, stop)
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        code = 2
    finally:
        typer.echo("stopping: feed, API, worker" + (", broker" if started_kafka and not keep_kafka else ""))
        if feed is not None and feed.poll() is None:
            feed.terminate()
            try:
                feed.wait(15)
            except subprocess.TimeoutExpired:
                feed.kill()
        if api is not None:
            api.stop(timeout=60)  # the archive sink flushes its last batch
        if worker is not None:
            worker.stop()
        if started_kafka and not keep_kafka:
            local_kafka(s).stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    typer.echo("stopped")
    raise typer.Exit(code)


def _watch(api: ApiProcess, worker: WorkerProcess, feed: subprocess.Popen[bytes], logs: Path,
           stop: threading.Event) -> int:
    """Until Ctrl-C: a child that exits is reported with its log's tail (then everything stops); the
    components' health is printed at start and whenever it changes."""
    shown: list[tuple[str, str, str]] | None = None
    last = 0.0
    feed_done = False
    while not stop.wait(WATCH_S):
        if not api.alive():
            typer.echo(f"error: the API exited:\n{_tail(logs / 'api.log')}", err=True)
            return 1
        if not worker.alive():
            typer.echo(f"error: the worker exited:\n{_tail(logs / 'worker.log')}", err=True)
            return 1
        if feed.poll() is not None and not feed_done:
            feed_done = True
            level = "the feed ended" if feed.returncode == 0 else "error: the feed exited"
            typer.echo(f"{level} (code {feed.returncode}):\n{_tail(logs / 'feed.log', 5)}", err=True)
        if time.monotonic() - last >= (WATCH_S if shown is None else HEALTH_EVERY_S):
            last = time.monotonic()
            status, parts = _health(api.base)
            if [(n, st) for n, st, _ in parts] != [(n, st) for n, st, _ in (shown or [])]:
                typer.echo(f"health: {status}")
                for name, st, detail in parts:
                    typer.echo(f"  {name:<9} {st:<9} {detail}")
                shown = parts
    return 0
