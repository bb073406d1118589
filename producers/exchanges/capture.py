"""The recorded-capture line format (pure): one message per line, with its receive time.

Forms found in the captures (cryptofeed's ``sample_data`` layout):

- ``<url> <-> <time>``          the connection opened
- ``<url> <- <time>: <json>``   a message the client sent (subscribe, conf)
- ``<time>: <json>``            a message received from the venue
- ``<url> -> <time>: <json>``   a REST response (product lists)
- ``configuration: <json>``     the recorder's own settings (skipped)

``<time>`` is Unix seconds with a fraction; it becomes integer microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from producers.exchanges.numbers import seconds_to_us


class Direction(StrEnum):
    OPENED = "opened"
    SENT = "sent"
    RECEIVED = "received"
    REST = "rest"


@dataclass(frozen=True, slots=True)
class CaptureRecord:
    """One line of a capture: what happened, when (µs), on which URL, and the raw JSON text."""

    direction: Direction
    recv_ts: int
    url: str | None
    payload: str


def parse_capture_line(line: str) -> CaptureRecord | None:
    """The record on one capture line; ``None`` for blank and recorder-configuration lines."""
    text = line.rstrip("\r\n")
    if not text.strip() or text.startswith("configuration:"):
        return None
    head, sep, payload = text.partition(": ")
    if not sep:
        parts = text.split(" ")
        if len(parts) != 3 or parts[1] != "<->":
            raise ValueError(f"unrecognised capture line: {text[:120]!r}")
        return CaptureRecord(Direction.OPENED, seconds_to_us(parts[2]), parts[0], "")
    parts = head.split(" ")
    if len(parts) == 1:
        return CaptureRecord(Direction.RECEIVED, seconds_to_us(parts[0]), None, payload)
    if len(parts) == 3 and parts[1] in ("<-", "->"):
        direction = Direction.SENT if parts[1] == "<-" else Direction.REST
        return CaptureRecord(direction, seconds_to_us(parts[2]), parts[0], payload)
    raise ValueError(f"unrecognised capture line: {text[:120]!r}")


def read_capture(lines: Iterable[str]) -> Iterator[CaptureRecord]:
    """The records of a capture, in file order."""
    for line in lines:
        record = parse_capture_line(line)
        if record is not None:
            yield record
