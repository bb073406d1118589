"""Strategy records travel as marked canonical JSON, never confused with Avro events."""

from __future__ import annotations

import pytest

from schemas.codec import DecodeError, default_codec
from schemas.events import ClockTick
from strategies.records import (
    ControlMessage,
    StrategyLogged,
    TimerSet,
    UiComponentDeclared,
    UiComponentUpdated,
    canonical_json,
    decode_any,
    encode_any,
    encode_record,
)


@pytest.mark.parametrize("record", [
    ControlMessage("c1", "run", "settings", '{"offset_bps":3}', 5),
    UiComponentDeclared("r:ui1", "run", "quotes", "table", '{"columns":["a"]}', 6),
    UiComponentUpdated("r:ui2", "run", "quotes", '{"a":1}', 7),
    StrategyLogged("r:log1", "run", "info", "héllo", 8),
    TimerSet("r:t1", "run", "r:t1", "wake", 100, 9),
])
def test_round_trip(record: object) -> None:
    data = encode_any(record)  # type: ignore[arg-type]
    assert data.startswith(b"CJ")
    assert decode_any(data) == record


def test_encoding_is_canonical() -> None:
    rec = UiComponentUpdated("r:ui2", "run", "quotes", canonical_json({"b": 1, "a": [1.5, None]}), 7)
    assert encode_record(rec) == (b'CJ{"component_id":"quotes","data_json":"{\\"a\\":[1.5,null],\\"b\\":1}",'
                                  b'"event_id":"r:ui2","run_id":"run","ts":7,"type":"UiComponentUpdated"}')


def test_avro_decoder_refuses_a_record_and_events_still_use_avro() -> None:
    with pytest.raises(DecodeError, match="marker"):
        default_codec().decode(encode_record(StrategyLogged("x", "r", "info", "m", 1)))
    tick = ClockTick("t", 1, "k")
    assert encode_any(tick) == default_codec().encode(tick)
    assert decode_any(encode_any(tick)) == tick


def test_non_json_data_is_refused() -> None:
    with pytest.raises(TypeError):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
