"""Fixtures for integration tests: an API server in a child process, over real HTTP."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cryptick.flows import ApiProcess
from floor.kafka import create_topics
from schemas.topics import all_topics


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_api(bootstrap: str, namespace: str, *args: str, **env: str) -> Iterator[str]:
    """``cryptick api`` for ``namespace`` in a child process (``args``: its options, e.g. --archive;
    ``env``: settings such as SSE_MAX_PENDING); yields its base URL once /health answers, terminates it
    after."""
    api = ApiProcess(bootstrap, namespace, env, args=args).start()
    try:
        yield api.base
    finally:
        api.stop()


@pytest.fixture()
def fresh_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An embedded archive of the test's own for the processes it starts next (request it before
    ``api_server``): the session's is held by this process once a test here has opened it."""
    dsn = f"chdb://{tmp_path / 'own-archive'}"
    monkeypatch.setenv("CLICKHOUSE_DSN", dsn)
    return dsn


@pytest.fixture()
def api_server(kafka_bootstrap: str, namespace: str) -> Iterator[str]:
    """``cryptick api`` for the test's namespace; yields its base URL."""
    create_topics(kafka_bootstrap, all_topics(namespace))
    with running_api(kafka_bootstrap, namespace) as base:
        yield base
