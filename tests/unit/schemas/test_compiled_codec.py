"""The compiled encoders and decoders give what fastavro gives: the same bytes, events and errors.

The reference is the same codec with ``compiled=False`` (fastavro only, the path every event took before).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemas.codec as codec_module
from schemas.codec import HEADER_SIZE, Codec, DecodeError
from schemas.decoders import Irregular, read_long
from schemas.encoders import CACHE_SIZE, long_bytes
from schemas.events import EVENT_TYPES, NESTED, OrderFilled, PostingLeg, PublicTrade, WalletMovement
from tests.unit.archive.samples import events, sample_events

COMPILED = Codec()
REFERENCE = Codec(compiled=False)


@contextmanager
def compiled_only() -> Iterator[None]:
    """fastavro's writer and reader gone: what is encoded or decoded meanwhile took the compiled path
    (a compiled function that failed would otherwise be covered up by the fallback)."""

    def gone(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("fastavro was called")

    with patch.object(codec_module, "schemaless_writer", gone), \
            patch.object(codec_module, "schemaless_reader", gone):
        yield


def _decoded(codec: Codec, data: bytes) -> Any:
    """The event, or the DecodeError's message."""
    try:
        return codec.decode(data)
    except DecodeError as exc:
        return f"DecodeError: {exc}"


def test_every_type_with_every_optional_set_and_empty_is_compiled() -> None:
    samples = sample_events()
    assert {type(e) for e in samples} == set(EVENT_TYPES) - set(NESTED)
    expected = [REFERENCE.encode(e) for e in samples]
    with compiled_only():
        assert [COMPILED.encode(e) for e in samples] == expected
        assert [COMPILED.decode(b) for b in expected] == samples


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_any_event_encodes_and_decodes_as_fastavro_does(event: Any) -> None:
    data = REFERENCE.encode(event)
    assert REFERENCE.decode(data) == event
    with compiled_only():
        assert COMPILED.encode(event) == data
        assert COMPILED.decode(data) == event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events(), st.data())
def test_a_mangled_body_decodes_or_fails_as_with_fastavro(event: Any, data: st.DataObject) -> None:
    """Truncated, extended or with a byte changed: the same event or the same error."""
    good = REFERENCE.encode(event)
    cut = data.draw(st.integers(HEADER_SIZE, len(good)))
    at = data.draw(st.integers(HEADER_SIZE, len(good) - 1)) if len(good) > HEADER_SIZE else HEADER_SIZE
    byte = data.draw(st.integers(0, 255))
    for bad in (good[:cut], good + bytes([byte]), good[:at] + bytes([byte]) + good[at + 1:]):
        assert _decoded(COMPILED, bad) == _decoded(REFERENCE, bad)


@pytest.mark.parametrize("value", [True, 1.0, 2.5, "3", None, 2**63, -(2**63) - 1, [1]])
def test_a_value_not_of_its_fields_type_goes_to_fastavro(value: Any) -> None:
    """The same bytes fastavro writes for it (a bool or float in a long) or the same error."""
    trade = PublicTrade("id", "v", "BTC-USD", 1, 2, "t", value, 4, None)
    leg = WalletMovement("m", "a", "trade", "c", [PostingLeg("ws", "hold", "v", "USD", value)], 5)
    for event in (trade, leg, dataclasses.replace(trade, trade_id=value, taker_side=value)):
        outcomes = []
        for codec in (COMPILED, REFERENCE):
            try:
                outcomes.append(codec.encode(event))
            except Exception as exc:
                outcomes.append(f"{type(exc).__name__}: {exc}")
        assert outcomes[0] == outcomes[1]


def test_longs_at_every_length_and_both_ends_of_the_range() -> None:
    values = [0, -1, 1, 63, -64, 64, -65, 8191, 8192, 2**63 - 1, -(2**63)]
    values += [s * (2**k + d) for k in range(1, 63) for d in (-1, 0, 1) for s in (1, -1)]
    for v in values:
        fill = OrderFilled("f", "o", "a", "r", "w", "v", "p", "buy", v, v, v, "USD", "maker", v, v, v)
        data = REFERENCE.encode(fill)
        with compiled_only():
            assert COMPILED.encode(fill) == data, v
            assert COMPILED.decode(data) == fill
    with pytest.raises(TypeError):
        long_bytes(2**63)


def test_strings_long_and_not_ascii_and_past_the_cache() -> None:
    texts = ["", "é€😀", "x" * 63, "x" * 64, "y" * 8191, "y" * 8192, "z" * 70_000]
    texts += [f"id-{i}" for i in range(CACHE_SIZE + 10)]  # the cache fills and starts over
    for t in texts:
        leg = PostingLeg(t, "hold", "coinbase", "USD", 5)
        event = WalletMovement(t, t, "trade", t, [leg] * 3, 7)
        data = REFERENCE.encode(event)
        with compiled_only():
            assert COMPILED.encode(event) == data
            assert COMPILED.decode(data) == event


def test_a_long_run_of_continuation_bytes_fails_as_with_fastavro_without_growing_a_number() -> None:
    """A varint never ends: the compiled path stops after ten bytes (not after reading 200 kB into one
    integer) and fastavro gives its error."""
    header = REFERENCE.encode(PublicTrade("id", "v", "BTC-USD", 1, 2, "t", 3, 4, None))[:HEADER_SIZE]
    for body in (b"\xff" * 200_000, b"\x02a\x02b\x02c" + b"\xff" * 200_000):
        assert _decoded(COMPILED, header + body) == _decoded(REFERENCE, header + body)
    with pytest.raises(Irregular):
        read_long(b"\xff" * 200_000, 0)
