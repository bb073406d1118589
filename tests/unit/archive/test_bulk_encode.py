"""Events encoded together, column by column, are the bytes the codec writes for each, one by one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.sources import MemoryJournal, SyntheticSource
from schemas.codec import default_codec
from schemas.events import SCALE, Allocation, PublicTrade
from schemas.units import US
from strategies import registry
from strategies.run import new_run
from streams.archive.encode import BulkEncoder, encode_all
from tests.unit.archive.samples import events, sample_events

T0 = 1_514_764_800_000_000


def test_every_type_with_every_optional_set_and_empty_is_encoded_as_the_codec_does() -> None:
    codec, bulk = default_codec(), BulkEncoder(columnar_from=1)
    samples = sample_events()
    assert encode_all(bulk, samples) == [codec.encode(e) for e in samples]
    for event in samples:  # alone, and many of one type at once
        assert bulk.encode([event] * 3) == [codec.encode(event)] * 3


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=40))
def test_any_events_the_contract_allows_are_encoded_as_the_codec_does(batch: list[Any]) -> None:
    codec = default_codec()
    assert encode_all(BulkEncoder(columnar_from=1), batch) == [codec.encode(e) for e in batch]


def test_a_backtests_messages_are_encoded_as_the_engine_encodes_them() -> None:
    """Market events, orders, fills, wallet events and strategy records of a demo run on the synthetic
    market: every message the journal holds, encoded again in bulk, gives its bytes."""
    end = T0 + 1800 * US
    spec = new_run("demo", {"interval_s": "10"}, [Allocation("synthetic", "USD", 10_000 * SCALE)], T0, end)
    journal = MemoryJournal()
    source = SyntheticSource("synthetic", ["BTC"], T0, end, step_us=250_000)
    Backtest(BacktestConfig(T0, end), source, [RunSetup(spec, registry.get("demo").create({}))],
             journal).run()
    codec = default_codec()
    values = [m.value for messages in journal.messages.values() for m in messages]
    decoded = [codec.decode(v) for v in values]
    kinds = {type(e).__name__ for e in decoded}
    assert {"BookDelta", "PublicTrade", "OrderRequested", "OrderAccepted", "OrderFilled",
            "RunStateChanged"} <= kinds
    assert encode_all(BulkEncoder(), decoded) == values


def test_a_value_the_columns_cannot_take_falls_back_to_the_codec_and_its_error() -> None:
    trade = PublicTrade("id", "v", "BTC-USD", 1, 2, "t", 3, 4, None)
    text_price = PublicTrade("id", "v", "BTC-USD", 1, 2, "t", "3", 4, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="an integer is required on field price"):
        BulkEncoder().encode([trade] * 9 + [text_price])
    huge = PublicTrade("id", "v", "BTC-USD", 1, 2, "t", 2**64, 4, None)  # beyond int64: as the codec does
    with pytest.raises(Exception) as refused:
        default_codec().encode(huge)
    with pytest.raises(refused.type):
        BulkEncoder().encode([trade] * 9 + [huge])
