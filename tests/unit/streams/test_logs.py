"""The processes' logs: JSON lines off a terminal with the record's context and its error, readable text on
one, other handlers replaced but the notices' kept, and errors handed to a reporter — Sentry's own SDK,
sending to a Sentry endpoint (a local HTTP server standing in for sentry.io)."""

from __future__ import annotations

import gzip
import io
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from streams.runtime.logs import configure, wants_json


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_off_a_terminal_each_record_is_one_json_line_with_its_context_and_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRYPTICK_LOG_FORMAT", raising=False)
    out = io.StringIO()
    configure("worker", "info", out)
    log = logging.getLogger("cryptick.test")
    log.info("order %s refused", "o-1", extra={"order_id": "o-1", "account": "main", "venue": "coinbase",
                                               "pair": "BTC-USD", "run_id": "r-1"})
    try:
        raise ValueError("a broken invariant")
    except ValueError:
        log.exception("engine failed", extra={"topic": "t.ledger.journal", "partition": 3, "offset": 42})
    logging.getLogger("cryptick.test").debug("not shown at info")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "order o-1 refused" and first["level"] == "info"
    assert first["service"] == "worker" and first["logger"] == "cryptick.test"
    assert {k: first[k] for k in ("order_id", "account", "venue", "pair", "run_id")} == {
        "order_id": "o-1", "account": "main", "venue": "coinbase", "pair": "BTC-USD", "run_id": "r-1"}
    assert first["time"].endswith("Z") and "error" not in first
    assert second["level"] == "error" and second["partition"] == 3 and second["offset"] == 42
    assert second["error"]["type"] == "ValueError" and second["error"]["message"] == "a broken invariant"
    assert "raise ValueError" in second["error"]["stack"]


def test_on_a_terminal_a_readable_line_with_the_context_after_the_message(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRYPTICK_LOG_FORMAT", raising=False)
    out = Tty()
    configure("feed", "warning", out)
    logging.getLogger("cryptick.feed").warning("coinbase feed disconnected", extra={"venue": "coinbase"})
    line = out.getvalue().strip()
    assert "WARNING cryptick.feed: coinbase feed disconnected  venue=coinbase" in line
    assert not line.startswith("{")


def test_the_format_can_be_chosen_and_other_handlers_give_way_but_the_notices(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTICK_LOG_FORMAT", "json")
    assert wants_json(Tty())
    monkeypatch.setenv("CRYPTICK_LOG_FORMAT", "text")
    assert not wants_json(io.StringIO())

    class Notices(logging.Handler):
        cryptick_keep = True

    root = logging.getLogger()
    other, notices = logging.StreamHandler(io.StringIO()), Notices()
    root.handlers[:] = [other, notices]
    handler = configure("api", "warning", io.StringIO())
    assert root.handlers == [notices, handler]


def test_errors_go_to_a_reporter_once_each_and_a_failing_reporter_is_harmless() -> None:
    got: list[logging.LogRecord] = []
    configure("api", "info", io.StringIO(), reporter=got.append)
    log = logging.getLogger("cryptick.test")
    log.warning("not an error")
    log.error("an error")
    assert [r.getMessage() for r in got] == ["an error"]

    def broken(_record: logging.LogRecord) -> None:
        raise RuntimeError("the reporter is down")

    configure("api", "info", io.StringIO(), reporter=broken)
    log.error("still logged")  # and nothing raised here


def test_with_sentry_dsn_errors_reach_sentry_through_its_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    import sentry_sdk

    received: list[bytes] = []
    arrived = threading.Event()

    class Ingest(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            arrived.set()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SENTRY_DSN", f"http://publickey@127.0.0.1:{server.server_port}/42")
    try:
        configure("worker", "info", io.StringIO())
        try:
            raise KeyError("no such wallet set")
        except KeyError:
            logging.getLogger("cryptick.test").exception("engine failed", extra={"run_id": "r-9"})
        sentry_sdk.flush(5)
        assert arrived.wait(10), "nothing reached the Sentry endpoint"
    finally:
        sentry_sdk.init(dsn=None)  # the SDK off again for the other tests
        server.shutdown()
    payload = b"".join(received).decode(errors="replace")
    assert "no such wallet set" in payload and "engine failed" in payload


def test_a_caught_and_continued_error_is_logged_once_with_its_cause_then_hourly_while_it_repeats(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.runtime import logs

    log = logging.getLogger("test.once")
    clock = [1000.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(logs, "_once", {})
    down = ConnectionError("archive down")
    with caplog.at_level(logging.WARNING, logger="test.once"):
        assert logs.log_once(log, logging.WARNING, "read", "cannot read", exc=down)
        for _ in range(5):  # the same failure on every request: nothing more
            assert not logs.log_once(log, logging.WARNING, "read", "cannot read", exc=down)
        assert logs.log_once(log, logging.WARNING, "read", "cannot read", exc=KeyError("x"))  # another cause
        clock[0] += logs.ONCE_EVERY_S + 1  # an hour on, still failing: once more, with the count
        assert logs.log_once(log, logging.WARNING, "read", "cannot read", exc=down)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["cannot read", "cannot read", "cannot read (repeated 5 times in the last hour)"]
    first = caplog.records[0]
    assert first.exc_info is not None and first.exc_info[1] is down  # the cause, with its stack


def test_a_failed_run_and_a_ledger_discrepancy_are_logged_with_their_context_when_decided(
        caplog: pytest.LogCaptureFixture) -> None:
    from cryptick.worker import shell
    from schemas.codec import encode
    from schemas.events import BalanceReported, DepositFunds, StartRun
    from strategies.topology import LEDGER, STRATEGIES

    p = shell(LEDGER)
    with caplog.at_level(logging.WARNING):
        p.process(0, 0, b"acct", encode(DepositFunds("d", "acct", "coinbase", "USD", 10**8, 1)))
        p.process(0, 1, b"acct", encode(BalanceReported("r", "acct", "coinbase", "USD", 2 * 10**8, 2)))
    [error] = [r for r in caplog.records if r.name == "streams.ledger.agent"]
    assert error.levelno == logging.ERROR and error.account == "acct" and error.venue == "coinbase"  # type: ignore[attr-defined]
    assert "USD" in error.getMessage() and "nothing was overwritten" in error.getMessage()

    caplog.clear()
    host = shell(STRATEGIES)
    start = StartRun("r1:start", "r1", "hodl", "{}", "acct", "not-its-wallet-set", "paper", 0, None)
    with caplog.at_level(logging.WARNING):
        host.process(0, 0, b"r1", encode(start))
    [warning] = [r for r in caplog.records if r.name == "strategies.agent"]
    assert warning.run_id == "r1" and "not-its-wallet-set" in warning.getMessage()  # type: ignore[attr-defined]
