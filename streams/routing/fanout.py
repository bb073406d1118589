"""The market fan-out: a book's events to the runs subscribed to it (pure, stateful router).

It reads ``venue.journal`` (key ``venue:PAIR``) beside the matching agent, so a
``MarketSubscription`` (routed there from a run's outputs) takes effect in
order with the book's own events: everything journaled after it goes to the
run, nothing before it does. Per book it keeps the subscribers, the last
listing and the L2 book, so that a run subscribing mid-stream starts from a
consistent state:

- on subscribe: the book's last ``MarketListed`` to the run and to the run's
  account's ``ledger.journal`` (the ledger checks orders against it), and a
  ``BookSnapshot`` of the book as it stands (id ``<subscription id>:snapshot``), its best
  ``MAX_LEVELS`` levels a side: the depth a run's own book keeps
  (``strategies.book.DEFAULT_MAX_LEVELS``), so a deeper snapshot would be cut
  by the run anyway;
- ``BookSnapshot``, ``BookDelta``, ``PublicTrade``, ``MarketListed``: the same
  bytes to each subscriber's ``strategy.journal``;
- ``ClockTick`` of the book: a tick addressed to each subscriber at the same
  time (id ``tick:<run id>:<ts>``, so ticks of several books count once), which
  fires the run's timers.

Subscribers are served in the order they subscribed. Everything else on the
inbox (orders, cancels) is the matching agent's and is ignored here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.codec import default_codec
from schemas.events import (
    BookDelta,
    BookSnapshot,
    ClockTick,
    Event,
    Level,
    MarketListed,
    MarketSubscription,
    PublicTrade,
)
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL
from streams.core import Forward

MAX_LEVELS = 1000
"""Levels a side in a late subscriber's snapshot: equal to the run book's depth (a test ties them)."""


@dataclass(slots=True)
class _Book:
    """The displayed size per price of each side: kept unsorted (a dict write per change), sorted only
    when a late subscriber needs a snapshot — the fan-out reads every book, and few runs come late."""

    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)
    subscribers: dict[str, str] = field(default_factory=dict)  # run id -> account, in subscription order
    listing: tuple[MarketListed, bytes] | None = None
    ts: int = 0
    seen: bool = False  # a snapshot or delta has arrived

    def levels(self, max_levels: int) -> tuple[list[Level], list[Level]]:
        bids = sorted(self.bids.items(), reverse=True)[:max_levels]
        asks = sorted(self.asks.items())[:max_levels]
        return [Level(p, q) for p, q in bids], [Level(p, q) for p, q in asks]


class MarketFanOut:
    """The subscribers and state of the books of one ``venue.journal`` partition."""

    def __init__(self, max_levels: int = MAX_LEVELS) -> None:
        self.max_levels = max_levels
        self._books: dict[str, _Book] = {}
        self._encode = default_codec().encode

    def subscribers(self, key: str) -> list[str]:
        book = self._books.get(key)
        return list(book.subscribers) if book is not None else []

    def _book(self, key: str) -> _Book:
        book = self._books.get(key)
        if book is None:
            book = self._books[key] = _Book()
        return book

    def handle_keyed(self, key: str, event: Event, value: bytes) -> list[Forward]:
        kind = type(event)
        if kind is BookDelta:
            book = self._books.get(key) or self._book(key)
            bids, asks = book.bids, book.asks
            for ch in event.changes:  # type: ignore[union-attr]
                side = bids if ch.side == "bid" else asks
                if ch.size:
                    side[ch.price] = ch.size
                else:
                    side.pop(ch.price, None)
            book.ts, book.seen = event.ts, True
            subscribers = book.subscribers
            return [Forward(STRATEGY_JOURNAL, r, value, event) for r in subscribers] if subscribers else []
        if kind is BookSnapshot:
            book = self._book(key)
            book.bids = {lv.price: lv.size for lv in event.bids}  # type: ignore[union-attr]
            book.asks = {lv.price: lv.size for lv in event.asks}  # type: ignore[union-attr]
            book.ts, book.seen = event.ts, True
            return self._to_subscribers(book, event, value)
        if kind is PublicTrade:
            traded = self._books.get(key)
            return self._to_subscribers(traded, event, value) if traded is not None else []
        if kind is MarketListed:
            book = self._book(key)
            book.listing = (event, value)  # type: ignore[assignment]
            out = self._to_subscribers(book, event, value)
            out += [Forward(LEDGER_JOURNAL, account, value, event) for account in self._accounts(book)]
            return out
        if kind is ClockTick:
            ticked = self._books.get(key)
            if ticked is None:
                return []
            out = []
            for run_id in ticked.subscribers:
                tick = ClockTick(f"tick:{run_id}:{event.ts}", event.ts, run_id)
                out.append(Forward(STRATEGY_JOURNAL, run_id, self._encode(tick), tick))
            return out
        if kind is MarketSubscription:
            return self._subscription(key, event)  # type: ignore[arg-type]
        return []

    @staticmethod
    def _to_subscribers(book: _Book, event: Event, value: bytes) -> list[Forward]:
        return [Forward(STRATEGY_JOURNAL, run_id, value, event) for run_id in book.subscribers]

    @staticmethod
    def _accounts(book: _Book) -> list[str]:
        return list(dict.fromkeys(book.subscribers.values()))

    def _subscription(self, key: str, sub: MarketSubscription) -> list[Forward]:
        book = self._book(key)
        run_id = sub.run_id
        if not sub.subscribed:
            book.subscribers.pop(run_id, None)
            return []
        if run_id in book.subscribers:
            return []
        book.subscribers[run_id] = sub.account
        out: list[Forward] = []
        if book.listing is not None:
            listing, raw = book.listing
            out.append(Forward(STRATEGY_JOURNAL, run_id, raw, listing))
            out.append(Forward(LEDGER_JOURNAL, sub.account, raw, listing))
        if book.seen:
            bids, asks = book.levels(self.max_levels)
            snapshot = BookSnapshot(event_id=f"{sub.event_id}:snapshot", venue=sub.venue, pair=sub.pair,
                                    ts=max(book.ts, sub.ts), recv_ts=max(book.ts, sub.ts), seq=None,
                                    bids=bids, asks=asks)
            out.append(Forward(STRATEGY_JOURNAL, run_id, self._encode(snapshot), snapshot))
        return out
