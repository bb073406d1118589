"""A process whose metrics port is taken goes on without metrics, saying so; a free port serves them."""

from __future__ import annotations

import socket

import httpx

from cryptick.cli import _serve_metrics


def test_a_taken_port_is_reported_and_the_process_goes_on() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        said = _serve_metrics(port, "127.0.0.1")
    assert said.startswith("; metrics NOT served") and str(port) in said


def test_a_free_port_serves_the_process_metrics() -> None:
    said = _serve_metrics(0, "127.0.0.1")
    url = said.removeprefix("; metrics on ")
    assert url.startswith("http://127.0.0.1:") and url.endswith("/metrics")
    assert "process_resident_memory_bytes" in httpx.get(url, timeout=5).text
