"""Strategy records are Avro events of the contract: they round-trip and encode canonically."""

from __future__ import annotations

import pytest

from schemas.codec import default_codec
from strategies.records import (
    ControlMessage,
    StrategyLogged,
    TimerSet,
    UiComponentDeclared,
    UiComponentUpdated,
    canonical_json,
)


@pytest.mark.parametrize("record", [
    ControlMessage("c1", "run", "settings", '{"offset_bps":3}', 5),
    UiComponentDeclared("r:ui1", "run", "quotes", "table", '{"columns":["a"]}', 6),
    UiComponentUpdated("r:ui2", "run", "quotes", '{"a":1}', 7),
    StrategyLogged("r:log1", "run", "info", "héllo", 8),
    TimerSet("r:t1", "run", "r:t1", "wake", 100, 9),
])
def test_round_trip(record: object) -> None:
    codec = default_codec()
    data = codec.encode(record)  # type: ignore[arg-type]
    assert data.startswith(b"\xc3\x01")
    assert codec.decode(data) == record


def test_json_fields_are_canonical() -> None:
    assert canonical_json({"b": 1, "a": [1.5, None]}) == '{"a":[1.5,null],"b":1}'
    msg = ControlMessage("c1", "run", "weights", canonical_json({"BTC": 0.5}), 5)
    assert msg.payload == {"BTC": 0.5}


def test_non_json_data_is_refused() -> None:
    with pytest.raises(TypeError):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
