"""An accepted order the engine cannot work ends at once 'cancelled', with nothing filled."""

from __future__ import annotations

import pytest

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


@pytest.mark.parametrize(
    ("side", "size", "price", "order_type"),
    [
        ("buy", 0, 101 * P, "limit"),  # no size
        ("buy", P, None, "limit"),  # a limit order needs a price
        ("sell", P, None, "ioc"),
        ("buy", P, 0, "fok"),  # prices are positive
        ("buy", P, 101 * P, "stop"),  # not a type we know
        ("hold", P, 101 * P, "limit"),  # not a side
    ],
)
def test_ends_cancelled(mk, side, size, price, order_type):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))

    outputs = engine.handle(mk.accept("o1", side, size, price, order_type=order_type))

    assert outputs == [mk.done("o1", "cancelled")]
    assert mk.book(engine).available(1, 101 * P) == P
