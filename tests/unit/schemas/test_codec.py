from __future__ import annotations

import dataclasses

import pytest

from schemas.codec import MARKER, DecodeError, crc64_avro, decode, default_codec, encode
from schemas.events import (
    EVENT_TYPES,
    Allocation,
    BookSnapshot,
    CreateWalletSet,
    DeadLetter,
    Level,
    OrderRequested,
    PostingLeg,
    WalletMovement,
)


def sample(cls: type) -> object:
    """An instance of ``cls`` with distinct, non-default values in every field."""
    values: dict[str, object] = {}
    for i, f in enumerate(dataclasses.fields(cls)):
        t = str(f.type)
        if t.startswith("list[Level]"):
            values[f.name] = [Level(100 + i, 7), Level(99 + i, 8)]
        elif t.startswith("list[LevelChange]"):
            from schemas.events import LevelChange

            values[f.name] = [LevelChange("bid", 5, 0), LevelChange("ask", 6, 3)]
        elif t.startswith("list[Allocation]"):
            values[f.name] = [Allocation("coinbase", "USD", 10**12)]
        elif t.startswith("list[PostingLeg]"):
            values[f.name] = [PostingLeg("ws1", "available", "coinbase", "USD", -5),
                              PostingLeg("external", "external", "coinbase", "USD", 5)]
        elif t.startswith("list[HistoricalCandle]"):
            from schemas.events import HistoricalCandle

            values[f.name] = [HistoricalCandle(0, 60, 1, 3, 1, 2, 10, 4),
                              HistoricalCandle(60, 120, 2, 2, 2, 2, 0, 0)]
        elif t.startswith("bytes"):
            values[f.name] = b"\x00\xffraw"
        elif t.startswith("bool"):
            values[f.name] = True
        elif t.startswith("int"):
            values[f.name] = 2**40 + i
        else:
            values[f.name] = f"{f.name}-{i}"
    return cls(**values)


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_every_event_round_trips(cls: type) -> None:
    event = sample(cls)
    data = encode(event)  # type: ignore[arg-type]
    assert data[:2] == MARKER
    assert decode(data) == event


def test_optional_fields_round_trip_as_none() -> None:
    order = OrderRequested("o1", "o1", "main", "r", "ws", "coinbase", "BTC-USD", "buy", "market",
                           5, None, False, None, 1)
    assert decode(encode(order)) == order


def test_header_names_the_schema_so_types_share_a_topic() -> None:
    a = encode(BookSnapshot("s", "v", "P", 1, 1, None, [], []))
    b = encode(CreateWalletSet("c", "main", "ws", "r", [], 1))
    assert a[2:10] != b[2:10]
    assert default_codec().event_type(a) is BookSnapshot
    assert default_codec().event_type(b) is CreateWalletSet


def test_crc64_avro_matches_the_specification_vector() -> None:
    # The empty input hashes to the initial value of the Rabin fingerprint.
    assert crc64_avro(b"") == 0xC15D213AA4D7A795
    assert crc64_avro(b'"int"') != crc64_avro(b'"long"')


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "marker"),
        (b"{\"json\": 1}", "marker"),
        (MARKER + b"\x00" * 8 + b"\x02", "unknown schema fingerprint"),
    ],
)
def test_garbage_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(data)


def test_truncated_body_is_refused() -> None:
    data = encode(WalletMovement("m", "main", "deposit", "c", [], 5))
    with pytest.raises(DecodeError, match="corrupt WalletMovement"):
        decode(data[:-3])


def test_trailing_bytes_are_refused() -> None:
    data = encode(DeadLetter("d", "t", 0, 1, None, b"x", "why", 2))
    with pytest.raises(DecodeError, match="trailing"):
        decode(data + b"\x00")


def test_non_events_cannot_be_encoded() -> None:
    with pytest.raises(TypeError, match="not an event"):
        encode(Level(1, 2))  # type: ignore[arg-type]
