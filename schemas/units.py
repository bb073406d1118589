"""Units of the event contract's numbers, and one grammar for a time a person types.

Event times are integers of microseconds since the Unix epoch (UTC). Amounts are fixed-point integers
(``schemas.events.SCALE``). Everything that turns a typed or wall-clock time into an event time goes
through here, so the CLI's options, the API's queries and the backtests read times alike and exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime

US = 1_000_000
"""Microseconds in a second: the unit of every event time."""
MS = 1_000
"""Microseconds in a millisecond."""

TIME_FORMS = ("ISO 8601 (2018-01-01, 2018-01-01T12:00, 2018-01-01T12:00:00.5Z; UTC unless it says) "
              "or Unix seconds")
"""What ``parse_time`` accepts, for error messages."""


def micros(moment: datetime) -> int:
    """``moment`` (UTC when it has no zone) as µs since the epoch, exactly (no float rounding)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def parse_time(text: str) -> int:
    """A typed time as µs since the epoch: ISO 8601 (a date, or a date and time, with ``Z`` or an offset;
    UTC when it has neither) or Unix seconds (``1514764800``, ``1514764800.25``). ``ValueError`` naming
    the accepted forms otherwise."""
    value = text.strip()
    if value.replace(".", "", 1).isdigit():
        whole, _, frac = value.partition(".")
        if len(frac) > 6:
            raise ValueError(f"{text!r}: Unix seconds have at most 6 decimals (microseconds)")
        return int(whole) * US + int(frac.ljust(6, "0") or 0)
    try:
        return micros(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"{text!r} is not a time: give {TIME_FORMS}") from None


def now_us() -> int:
    """The wall clock in µs since the epoch."""
    import time

    return time.time_ns() // 1000
