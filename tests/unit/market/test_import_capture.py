"""Capture import: every venue's parser over the recorded lines, with stable synthetic coordinates."""

from __future__ import annotations

from pathlib import Path

import pytest

from producers.exchanges.capture import Direction, read_capture
from producers.importer import (
    PARSERS,
    ImportFailed,
    ImportStats,
    capture_events,
    detect_venue,
    import_topic,
    records,
)
from schemas.codec import default_codec
from schemas.events import MarketListed
from schemas.topics import VENUE_JOURNAL, partition_of

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "exchange-captures"
FILES = {
    "coinbase": "COINBASE.ws.28.0",
    "bitfinex": "BITFINEX.ws.11.0",
    "kraken": "KRAKEN.ws.50.0",
    "poloniex": "POLONIEX.ws.1.0",
}


def _lines(name: str) -> list[str]:
    return (CAPTURES / name).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("venue", sorted(FILES))
def test_events_are_what_the_venue_parser_gives(venue: str) -> None:
    lines = _lines(FILES[venue])
    parser = PARSERS[venue]()
    expected = [
        e
        for r in read_capture(lines)
        if r.direction is Direction.RECEIVED
        for e in parser.parse(r.payload, r.recv_ts)
    ]
    stats = ImportStats()
    got = list(capture_events(FILES[venue], lines, venue, stats))
    assert got == expected and len(got) > 100
    assert stats.connections == 1 and stats.skipped == 0


@pytest.mark.parametrize("venue", sorted(FILES))
def test_venue_is_detected_from_the_recorded_urls(venue: str) -> None:
    assert detect_venue("anything", _lines(FILES[venue])[:5]) == venue
    assert detect_venue(f"{venue.upper()}.ws.9.0", ["1.0: {}"]) == venue
    assert detect_venue("x.txt", ["1.0: {}"]) is None


def test_product_lists_become_market_listings() -> None:
    coinbase = list(capture_events("COINBASE.0", _lines("COINBASE.0"), "coinbase", ImportStats()))
    bitfinex = list(capture_events("BITFINEX.0", _lines("BITFINEX.0"), "bitfinex", ImportStats()))
    assert all(isinstance(e, MarketListed) for e in coinbase + bitfinex)
    assert {e.pair for e in coinbase} >= {"BTC-GBP", "SKL-EUR"} and len(bitfinex) > 100


def test_a_new_connection_gets_a_new_parser_and_bad_messages_are_skipped() -> None:
    lines = _lines(FILES["bitfinex"])
    stats = ImportStats()
    twice = list(capture_events("f", [*lines, "1.0: [not json", *lines], "bitfinex", stats))
    once = list(capture_events("f", lines, "bitfinex", ImportStats()))
    assert twice == once + once  # sequence checks start over on the second connection
    assert stats.connections == 2 and stats.skipped == 1


def test_an_unrecognised_line_names_file_and_line() -> None:
    with pytest.raises(ImportFailed) as failure:
        list(capture_events("cap.txt", ["1.0: {}", "what is this"], "kraken", ImportStats()))
    assert str(failure.value) == "cap.txt:2: unrecognised capture line: 'what is this'"
    with pytest.raises(ImportFailed, match="no capture parser for venue 'nyse'"):
        list(capture_events("cap.txt", [], "nyse", ImportStats()))


def test_records_carry_synthetic_coordinates_in_file_order() -> None:
    events = list(capture_events("k", _lines(FILES["kraken"]), "kraken", ImportStats()))
    stats = ImportStats()
    rows = list(records(events, "import.kraken.x", stats))
    codec = default_codec()
    assert [codec.decode(r[4]) for r in rows] == events
    next_offset: dict[int, int] = {}
    for (topic, partition, offset, key, _, ts_ms), event in zip(rows, events, strict=True):
        assert topic == "import.kraken.x" and key == f"kraken:{event.pair}".encode()  # type: ignore[union-attr]
        assert partition == partition_of(VENUE_JOURNAL, key)
        assert offset == next_offset.get(partition, 0)
        next_offset[partition] = offset + 1
        assert ts_ms == event.recv_ts // 1000  # type: ignore[union-attr]
    assert stats.events == len(events) and sum(stats.by_type.values()) == len(events)


def test_the_topic_names_the_file_and_options() -> None:
    assert import_topic("capture", "kraken", b"abc") == import_topic("capture", "kraken", b"abc")
    assert import_topic("capture", "kraken", b"abc").startswith("import.kraken.")
    assert (
        len(
            {
                import_topic("ohlcv", "v", b"abc", "BTC-USD", "60"),
                import_topic("ohlcv", "v", b"abc", "ETH-USD", "60"),
                import_topic("ohlcv", "v", b"abd", "BTC-USD", "60"),
            }
        )
        == 3
    )
