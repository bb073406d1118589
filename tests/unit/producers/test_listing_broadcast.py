"""A market's listing reaches its book and every ledger partition, whatever accounts exist."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from producers.feed_runner import synthetic_messages
from producers.scenario import Message, Scenario, demo_messages, listing_messages
from producers.synthetic import SyntheticFeed
from schemas.events import MarketListed
from schemas.topics import DEFAULT_PARTITIONS, LEDGER_JOURNAL, VENUE_JOURNAL, partition_of, venue_key


def test_a_listing_goes_to_its_book_and_once_to_each_ledger_partition() -> None:
    listing = SyntheticFeed().listings()[0]
    messages = listing_messages(listing)
    assert messages[0].topic == VENUE_JOURNAL and messages[0].partition is None  # the book's own partition
    assert messages[0].key == venue_key(listing.venue, listing.pair)
    ledger = [m for m in messages if m.topic == LEDGER_JOURNAL]
    assert sorted(m.partition for m in ledger) == list(range(DEFAULT_PARTITIONS[LEDGER_JOURNAL]))
    assert all(m.event is listing for m in messages) and len(messages) == 1 + len(ledger)


def test_the_ledger_topic_has_at_least_three_partitions_and_accounts_spread_over_them() -> None:
    assert DEFAULT_PARTITIONS[LEDGER_JOURNAL] >= 3
    assert len({partition_of(LEDGER_JOURNAL, a.encode()) for a in ("main", "paper", "whale", "alice")}) >= 3


def _ledger_partitions(messages: Sequence[Message]) -> Counter[tuple[str, int | None]]:
    return Counter((m.event.pair, m.partition) for m in messages
                   if m.topic == LEDGER_JOURNAL and isinstance(m.event, MarketListed))


def test_the_synthetic_feed_and_the_demo_broadcast_their_listings() -> None:
    every = range(DEFAULT_PARTITIONS[LEDGER_JOURNAL])
    listings, _ = synthetic_messages(steps=1)
    pairs = {m.event.pair for m in listings}  # type: ignore[union-attr]
    assert _ledger_partitions(listings) == Counter({(p, n): 1 for p in pairs for n in every})
    demo = list(demo_messages(Scenario(account="whale", steps=1)))
    demo_pairs = {m.event.pair for m in demo if isinstance(m.event, MarketListed)}
    assert _ledger_partitions(demo) == Counter({(p, n): 1 for p in demo_pairs for n in every})
