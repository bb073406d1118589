"""The capture line format: opened, sent, received, REST and recorder lines."""

from __future__ import annotations

import pytest

from producers.exchanges.capture import Direction, parse_capture_line


def test_received_line() -> None:
    record = parse_capture_line('1618678132.83097: {"event":"heartbeat"}\n')
    assert record is not None
    assert record.direction is Direction.RECEIVED
    assert record.recv_ts == 1618678132830970
    assert record.url is None
    assert record.payload == '{"event":"heartbeat"}'


def test_sent_opened_and_rest_lines() -> None:
    sent = parse_capture_line('wss://ws.kraken.com <- 1618678132.8253062: {"event":"subscribe"}')
    opened = parse_capture_line("wss://ws.kraken.com <-> 1618678132.3858151")
    rest = parse_capture_line("https://api.pro.coinbase.com/products -> 1618677816.8414998: []")
    assert sent is not None and sent.direction is Direction.SENT
    assert sent.url == "wss://ws.kraken.com" and sent.payload == '{"event":"subscribe"}'
    assert opened is not None and opened.direction is Direction.OPENED
    assert opened.recv_ts == 1618678132385815
    assert rest is not None and rest.direction is Direction.REST and rest.payload == "[]"


def test_payload_may_contain_colons_and_spaces() -> None:
    record = parse_capture_line('1.5: {"a": "b: c"}')
    assert record is not None and record.payload == '{"a": "b: c"}'


@pytest.mark.parametrize("line", ["", "   ", "\n", 'configuration: {"ticker":[]}'])
def test_blank_and_recorder_lines_are_skipped(line: str) -> None:
    assert parse_capture_line(line) is None


def test_garbage_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_capture_line("what is this")
