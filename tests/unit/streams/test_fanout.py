"""The market fan-out alone: who gets a book's events, from when, and what a late subscriber starts from."""

from __future__ import annotations

from schemas.codec import default_codec
from schemas.events import BookSnapshot, ClockTick, Event, MarketListed, MarketSubscription
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL
from strategies.book import DEFAULT_MAX_LEVELS
from streams.routing.fanout import MAX_LEVELS, MarketFanOut
from tests.unit.replay.kit import PAIR, T0, VENUE, S, delta, listing, snapshot, trade

KEY = f"{VENUE}:{PAIR}"
encode = default_codec().encode


def feed(fanout: MarketFanOut, event: Event) -> list[tuple[str, str, Event]]:
    return [(f.topic, f.key, f.event) for f in fanout.handle_keyed(KEY, event, encode(event))]


def sub(run_id: str, subscribed: bool = True, ts: int = T0) -> MarketSubscription:
    verb = "sub" if subscribed else "unsub"
    return MarketSubscription(f"{run_id}:{verb}:{VENUE}:{PAIR}", run_id, "acct", VENUE, PAIR, subscribed, ts)


def test_a_late_subscriber_starts_from_the_listing_and_the_book_as_it_stands() -> None:
    fanout = MarketFanOut()
    assert feed(fanout, listing()) == []  # nobody subscribed yet
    feed(fanout, snapshot(T0, [(100, 1.0), (99, 2.0)], [(101, 1.0)]))
    feed(fanout, delta(T0 + S, ("bid", 100, 0), ("ask", 102, 3.0)))
    out = feed(fanout, sub("r1", ts=T0 + 2 * S))
    assert [(t, k, type(e).__name__) for t, k, e in out] == [
        (STRATEGY_JOURNAL, "r1", "MarketListed"), (LEDGER_JOURNAL, "acct", "MarketListed"),
        (STRATEGY_JOURNAL, "r1", "BookSnapshot")]
    snap = out[2][2]
    assert isinstance(snap, BookSnapshot) and snap.ts == T0 + 2 * S
    assert [lv.price for lv in snap.bids] == [99 * 10**8] and [lv.price for lv in snap.asks] == [
        101 * 10**8, 102 * 10**8]


def test_events_reach_subscribers_in_subscription_order_until_they_unsubscribe() -> None:
    fanout = MarketFanOut()
    feed(fanout, sub("r1"))
    feed(fanout, sub("r2"))
    t = trade(T0 + S, 100, 1.0)
    assert [k for _, k, _ in feed(fanout, t)] == ["r1", "r2"]
    feed(fanout, sub("r1", subscribed=False))
    assert [k for _, k, _ in feed(fanout, delta(T0 + 2 * S, ("bid", 100, 1.0)))] == ["r2"]
    ticks = feed(fanout, ClockTick(f"tick:{KEY}:{T0 + 3 * S}", T0 + 3 * S, KEY))
    assert [(k, e.event_id) for _, k, e in ticks] == [("r2", f"tick:r2:{T0 + 3 * S}")]
    relisted = feed(fanout, listing())
    assert [(t, k) for t, k, e in relisted if isinstance(e, MarketListed)] == [
        (STRATEGY_JOURNAL, "r2"), (LEDGER_JOURNAL, "acct")]


def test_a_late_snapshot_holds_the_best_levels_a_runs_book_keeps() -> None:
    assert MAX_LEVELS == DEFAULT_MAX_LEVELS
    fanout = MarketFanOut()
    n = DEFAULT_MAX_LEVELS + 500
    feed(fanout, snapshot(T0, [(10_000 - i, 1.0) for i in range(n)], [(10_001 + i, 1.0) for i in range(n)]))
    snap = feed(fanout, sub("r1"))[-1][2]
    assert isinstance(snap, BookSnapshot)
    assert len(snap.bids) == len(snap.asks) == DEFAULT_MAX_LEVELS
    assert snap.bids[0].price == 10_000 * 10**8 and snap.asks[0].price == 10_001 * 10**8
    assert snap.bids[-1].price == (10_001 - DEFAULT_MAX_LEVELS) * 10**8
