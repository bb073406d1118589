"""The bounded id window (``streams.core.IdWindow``; matching and the strategy runtime de-duplicate with
it); the engine remembers finished orders and cancel ids in a bounded window, oldest forgotten first."""

from __future__ import annotations

import pytest

from streams.core import IdWindow
from streams.matching import market
from streams.matching.engine import MatchingEngine


def test_the_window_forgets_the_oldest_and_keeps_its_order() -> None:
    w = IdWindow(3)
    assert [w.add(i) for i in "abcad"] == [True, True, True, False, True]  # whether each was new
    assert list(w) == ["b", "c", "d"] and "a" not in w and "d" in w
    assert w.add("a")  # forgotten: new again
    assert list(IdWindow(3, list(w))) == list(w)  # export/import keeps the order
    with pytest.raises(ValueError, match="at least 1"):
        IdWindow(0)


def test_a_cancel_for_an_order_long_forgotten_is_unknown(mk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(market, "REMEMBERED_IDS", 2)
    engine = MatchingEngine()
    P = 10**8
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)], seq=1))
    for n in range(3):  # three IOC orders that end at once
        mk.given(engine, mk.accept(f"o{n}", "buy", P // 100, 90 * P, order_type="ioc"))
    [first] = engine.handle(mk.cancel("o0"))
    [last] = engine.handle(mk.cancel("o2"))
    assert (first.reason, last.reason) == ("unknown_order", "order_already_done")  # type: ignore[union-attr]
