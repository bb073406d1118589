from __future__ import annotations

from collections import Counter

import pytest

from producers.scenario import Scenario, demo_messages
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.events import BookDelta, BookSnapshot, PublicTrade


def test_same_seed_same_events() -> None:
    assert list(SyntheticFeed().events(200)) == list(SyntheticFeed().events(200))


def test_other_seed_other_events() -> None:
    assert list(SyntheticFeed(SyntheticConfig(seed=1)).events(50)) != list(SyntheticFeed().events(50))


def test_books_never_cross_and_sequences_are_contiguous() -> None:
    books: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
    last_seq: dict[str, int] = {}
    for e in SyntheticFeed().events(500):
        if isinstance(e, BookSnapshot):
            books[e.pair] = ({lv.price: lv.size for lv in e.bids}, {lv.price: lv.size for lv in e.asks})
        elif isinstance(e, BookDelta):
            assert e.seq == last_seq[e.pair] + 1
            bids, asks = books[e.pair]
            for ch in e.changes:
                side = bids if ch.side == "bid" else asks
                if ch.size:
                    side[ch.price] = ch.size
                else:
                    del side[ch.price]
        else:
            continue
        last_seq[e.pair] = e.seq  # type: ignore[assignment]
        bids, asks = books[e.pair]
        assert max(bids) < min(asks)
        assert len(bids) == len(asks) == 25


def test_all_six_assets_trade_with_realistic_shape() -> None:
    events = list(SyntheticFeed().events(300))
    kinds = Counter(type(e).__name__ for e in events)
    assert kinds["BookSnapshot"] == 6 and kinds["BookDelta"] == 1800
    assert 300 < kinds["PublicTrade"] < 900
    trades = [e for e in events if isinstance(e, PublicTrade) and e.pair == "BTC-USD"]
    assert {t.taker_side for t in trades} == {"buy", "sell"}
    deltas = [e for e in events if isinstance(e, BookDelta)]
    assert sum(len(d.changes) for d in deltas) / len(deltas) < 15  # deltas are small


def test_unknown_asset_is_refused() -> None:
    with pytest.raises(ValueError, match="no synthetic model for"):
        SyntheticFeed(SyntheticConfig(bases=("DOGE",)))


def test_demo_scenario_asks_for_every_kind_of_order() -> None:
    kinds = Counter(
        getattr(m.event, "order_type", type(m.event).__name__) for m in demo_messages(Scenario(steps=400))
    )
    assert kinds["market"] == 1 and kinds["ioc"] == 1 and kinds["fok"] == 2 and kinds["limit"] >= 4
    assert kinds["CancelRequested"] == 1 and kinds["ClockTick"] >= 10
