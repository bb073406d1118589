"""Fees: maker or taker bps of the venue, on each fill's quote value, rounded down, in the quote."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingConfig, MatchingEngine
from streams.money import FALLBACK_FEES, FeeSchedule

P = SCALE


def test_a_taker_fill_pays_the_taker_rate_in_the_quote_currency(mk):
    engine = MatchingEngine()  # coinbase: 60 bps taker
    mk.given(engine, mk.snapshot(asks=[(100 * P, 2 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 2 * P, 100 * P, order_type="ioc"))

    fill, done = outputs
    assert (fill.fee, fill.fee_currency, fill.liquidity) == (120 * P // 100, "USD", "taker")
    assert done.fees == 120 * P // 100


def test_a_maker_fill_pays_the_maker_rate(mk):
    engine = MatchingEngine()  # coinbase: 40 bps maker
    mk.given(engine, mk.snapshot(bids=[(90 * P, P)], asks=[(110 * P, P)]))
    mk.given(engine, mk.accept("o1", "sell", P, 100 * P))

    (fill, done) = engine.handle(mk.trade(101 * P, P, "buy"))

    assert (fill.fee, fill.liquidity) == (40 * P // 100, "maker")
    assert done.fees == 40 * P // 100


def test_the_fee_currency_is_the_pairs_quote(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(5 * P // 100, P)], pair="ETH-BTC"))

    outputs = engine.handle(mk.accept("o1", "buy", P, P, order_type="ioc", pair="ETH-BTC"))

    assert outputs[0].fee_currency == "BTC"
    assert outputs[0].fee == 5 * P // 100 * 60 // 10_000


def test_each_fill_is_rounded_down(mk):
    engine = MatchingEngine()  # 60 bps taker
    mk.given(engine, mk.snapshot(asks=[(P, 250), (P + 1, 250)]))

    outputs = engine.handle(mk.accept("o1", "buy", 500, P + 1, order_type="ioc"))

    # Each fill is worth 250 units of 1e-8: 1.5 units of fee, rounded down to 1,
    # so the order pays 2 where 60 bps of its whole value would be 3.
    assert [ev.fee for ev in outputs[:2]] == [1, 1]
    assert outputs[2].fees == 2


def test_the_schedule_is_per_venue_with_a_fallback():
    config = MatchingConfig(fees={"coinbase": FeeSchedule(maker_bps=1, taker_bps=2)})

    assert config.fee_schedule("coinbase") == FeeSchedule(1, 2)
    assert config.fee_schedule("elsewhere") == FALLBACK_FEES
    assert MatchingConfig().fee_schedule("bitfinex") == FeeSchedule(10, 20)
