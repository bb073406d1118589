"""Fixtures for integration tests: an API server in a child process, over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from schemas.topics import all_topics
from streams.runtime.kafka import create_topics


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def api_server(kafka_bootstrap: str, namespace: str) -> Iterator[str]:
    """``cryptick api`` for the test's namespace; yields its base URL."""
    create_topics(kafka_bootstrap, all_topics(namespace))
    port = free_port()
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cryptick.cli", "api", "--namespace", namespace, "--port", str(port)],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("API server did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
