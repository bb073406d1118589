"""The processes' logs: one JSON object a line when the output is not a terminal (a file, a container's
log, a collector), a readable line when it is; the context a record carries (run, order, account, venue,
pair, inbox coordinates) as fields; an error with its type, message and stack. Optionally each error also
goes to an error reporter (Sentry's SDK when ``SENTRY_DSN`` is set and the SDK installed).

Log calls pass their context as ``extra``: ``log.warning("feed disconnected", extra={"venue": v})``.
``CRYPTICK_LOG_FORMAT`` (``json`` or ``text``) overrides the choice by terminal.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from typing import Any, TextIO

CONTEXT = ("service", "run_id", "order_id", "account", "venue", "pair", "event_id", "topic", "partition",
           "offset", "principal")
"""Fields a record may carry (``extra``) that the formatters show."""

def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k in CONTEXT if (v := record.__dict__.get(k)) is not None and v != ""}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ms), level, logger, message, context fields, the error."""

    def __init__(self, service: str = "") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.service:
            out["service"] = self.service
        out.update(_context(record))
        if record.exc_info and record.exc_info[0] is not None:
            kind, exc, tb = record.exc_info
            out["error"] = {"type": kind.__name__, "message": str(exc),
                            "stack": "".join(traceback.format_exception(kind, exc, tb)).rstrip()}
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``12:00:01 WARNING cryptick.feed: coinbase feed disconnected  venue=coinbase`` and the traceback."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = _context(record)
        if not context:
            return line
        head, sep, rest = line.partition("\n")  # the context on the message's line, before a traceback
        return head + "  " + " ".join(f"{k}={v}" for k, v in context.items()) + sep + rest


def wants_json(stream: TextIO) -> bool:
    chosen = os.environ.get("CRYPTICK_LOG_FORMAT", "").lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):
        return True


class _ErrorReporter(logging.Handler):
    """Each error record (and its exception) to the reporter; never raises into the caller."""

    def __init__(self, report: Any) -> None:
        super().__init__(logging.ERROR)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # a reporter that fails must not take the process with it
            self.report(record)


def _sentry(dsn: str, service: str) -> Any:
    """Sentry's SDK, initialised (it captures unhandled exceptions and error logs itself); None if absent."""
    try:
        import sentry_sdk  # type: ignore[import-not-found]
    except ImportError:
        logging.getLogger(__name__).warning("SENTRY_DSN is set but sentry-sdk is not installed: errors are "
                                            "only logged (pip install sentry-sdk)")
        return None
    from sentry_sdk.integrations.logging import LoggingIntegration  # type: ignore[import-not-found]

    # error records become Sentry events (the SDK's default since 3.0 only keeps them as breadcrumbs);
    # personal data is not sent by default
    sentry_sdk.init(dsn=dsn, server_name=service or None,
                    integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)])
    return sentry_sdk


def configure(service: str = "", level: str = "info", stream: TextIO | None = None,
              reporter: Any = None) -> logging.Handler:
    """The root logger writes to ``stream`` (the process's stderr) in JSON or text (see ``wants_json``)
    from ``level``, replacing the handlers others installed (Faust, uvicorn); the handler. ``reporter``: a
    callable given each error record (else Sentry's SDK when ``SENTRY_DSN`` is set)."""
    # the process's own stderr: Faust replaces sys.stderr with a proxy into its logger (a loop back here)
    out = stream or sys.__stderr__ or sys.stderr
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter(service) if wants_json(out) else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if not getattr(old, "cryptick_keep", False):  # the notices handler stays
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    dsn = os.environ.get("SENTRY_DSN")
    if reporter is None and dsn:
        _sentry(dsn, service)  # the SDK hooks the logging module itself
    elif reporter is not None:
        root.addHandler(_ErrorReporter(reporter))
    return handler


def dict_config(service: str, level: str) -> dict[str, Any]:
    """The same set-up as ``configure``, as a ``logging.config.dictConfig`` dictionary (Faust's worker takes
    one, so that its own start-up records are formatted alike)."""
    stream = sys.__stderr__ or sys.stderr
    formatter: dict[str, Any] = {"()": JsonFormatter, "service": service} if wants_json(stream) \
        else {"()": TextFormatter}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"cryptick": formatter},
        "handlers": {"default": {"class": "logging.StreamHandler", "stream": stream, "formatter": "cryptick",
                                 "level": level.upper()}},
        "root": {"level": level.upper(), "handlers": ["default"]},
    }



ONCE_EVERY_S = 3600.0
"""A caught-and-continued error that repeats is logged again after this long, with how often it repeated."""
_once: dict[tuple[str, str, str], list[float]] = {}  # (logger, key, cause) -> [last logged, repeats since]
_once_lock = threading.Lock()


def log_once(logger: logging.Logger, level: int, key: str, message: str, *args: Any,
             exc: BaseException | None = None, extra: dict[str, Any] | None = None) -> bool:
    """Log a caught-and-continued error once, with its cause: the first time ``key`` fails with this cause
    (its type and text), then at most once an hour while it repeats (saying how often it did). A failure
    that recurs on every request or message is seen without drowning the log. True if it was logged."""
    cause = f"{type(exc).__name__}: {exc}" if exc is not None else ""
    now = time.monotonic()
    with _once_lock:
        seen = _once.get((logger.name, key, cause))
        if seen is not None and now - seen[0] < ONCE_EVERY_S:
            seen[1] += 1
            return False
        repeats = int(seen[1]) if seen is not None else 0
        if len(_once) >= 4096:  # bounded: the oldest causes go first
            for k in sorted(_once, key=lambda k: _once[k][0])[:1024]:
                del _once[k]
        _once[(logger.name, key, cause)] = [now, 0]
    if repeats:
        message += f" (repeated {repeats} times in the last hour)"
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    logger.log(level, message, *args, exc_info=exc_info, extra=extra)
    return True
