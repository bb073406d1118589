"""Coinbase Exchange websocket feed -> market events (pure).

Channels: ``level2`` (``snapshot``, ``l2update``) and ``matches`` (``match``,
``last_match``). Other messages (``subscriptions``, ``ticker``, ``heartbeat``)
carry nothing for the journal and yield no events.

- ``l2update`` has no sequence number, so ``BookDelta.seq`` is ``None`` and
  gaps cannot be seen in the level2 channel itself; the connector treats a
  silent feed as stale.
- ``snapshot`` has no time: ``ts`` is the receive time.
- Bad book messages (the rule in ``producers.exchanges.feed``): a ``snapshot``,
  or an ``l2update`` of a book snapshotted on this connection, that does not
  parse yields ``BookStatusChanged(stale=True, reason="malformed book message:
  ...")`` for its book instead of events. With no sequence numbers nothing else
  would notice the lost update, so a message that cannot be read far enough to
  name its product (not JSON, no ``product_id``) marks every book of the
  connection stale (``unreadable message: ...``). Other bad messages (a bad
  ``match``, or an update of a book never snapshotted) raise ``MalformedMessage``.
- Year-1 times: Coinbase sometimes stamps a message ``0001-01-01T00:00:00Z``
  (its "no time"). Such a message is **rejected**, never re-timed: any venue
  time before 1970 is malformed, so an ``l2update`` carrying one marks its book
  stale (and, live, brings a resnapshot) and a ``match`` carrying one is
  skipped. Live and captured data go through this same parser (the capture
  importer too), so a live book and a backtest book see the same events: the
  update is in neither, and both are stale until the next snapshot. (Re-timing
  to the receive time would need a flag on ``BookDelta`` to stay auditable.)
- ``match.side`` is the *maker's* side; the taker (aggressor) is the other one.
- ``last_match`` (the last trade before subscribing) is a trade like any other;
  its trade-id based event id makes a re-delivery a duplicate.
"""

from __future__ import annotations

from typing import Any

from producers.exchanges.coinbase.symbols import VENUE, normalise_pair
from producers.exchanges.feed import (
    SHAPE_ERRORS,
    MalformedMessage,
    MarketEvent,
    anchor_id,
    as_malformed,
    change,
    decode,
    malformed_book,
    shape_error,
    sorted_levels,
    trade_event_id,
    unreadable_books,
)
from producers.exchanges.numbers import iso_to_us, to_price, to_size
from schemas.events import BookDelta, BookSide, BookSnapshot, PublicTrade, Side

_BOOK_SIDE = {"buy": BookSide.BID, "sell": BookSide.ASK}
_TAKER_OF_MAKER = {"buy": Side.SELL, "sell": Side.BUY}


class CoinbaseParser:
    """Parser for one Coinbase websocket connection; remembers which books it has snapshotted."""

    venue = VENUE

    def __init__(self) -> None:
        self._msg_no = 0
        self._books: set[str] = set()

    def parse(self, raw: str | bytes, recv_ts: int) -> list[MarketEvent]:
        """The market events in one Coinbase message (or the stale reports of a bad book message)."""
        self._msg_no += 1
        try:
            message = decode(raw)
            if not isinstance(message, dict):
                raise shape_error("expected a JSON object", message)
        except MalformedMessage as exc:
            return self._unreadable(exc, recv_ts)
        kind = message.get("type")
        if kind in ("snapshot", "l2update"):
            return self._book_message(kind, message, recv_ts)
        if kind in ("match", "last_match"):
            try:
                return [_trade(message, recv_ts)]
            except MalformedMessage:
                raise
            except SHAPE_ERRORS as exc:
                raise shape_error(f"bad {kind!r} message ({exc})", message) from exc
        return []

    def _book_message(self, kind: str, message: dict[str, Any], recv_ts: int) -> list[MarketEvent]:
        try:
            pair = normalise_pair(message["product_id"])
        except SHAPE_ERRORS as exc:
            return self._unreadable(shape_error(f"bad {kind!r} message ({exc})", message), recv_ts)
        try:
            event = self._snapshot(pair, message, recv_ts) if kind == "snapshot" else self._update(
                pair, message, recv_ts
            )
        except SHAPE_ERRORS as exc:
            error = as_malformed(exc, f"bad {kind!r} message", message)
            if kind == "snapshot" or pair in self._books:
                return [malformed_book(VENUE, pair, error, recv_ts, self._msg_no)]
            raise error from exc
        if kind == "snapshot":
            self._books.add(pair)
        return [event]

    def _unreadable(self, error: MalformedMessage, recv_ts: int) -> list[MarketEvent]:
        if not self._books:
            raise error
        return list(unreadable_books(VENUE, self._books, error, recv_ts, self._msg_no))

    def _snapshot(self, pair: str, message: dict[str, Any], recv_ts: int) -> BookSnapshot:
        return BookSnapshot(
            event_id=anchor_id(VENUE, pair, "snapshot", recv_ts, self._msg_no),
            venue=VENUE,
            pair=pair,
            ts=recv_ts,
            recv_ts=recv_ts,
            seq=None,
            bids=sorted_levels(_levels(message["bids"]), BookSide.BID),
            asks=sorted_levels(_levels(message["asks"]), BookSide.ASK),
        )

    def _update(self, pair: str, message: dict[str, Any], recv_ts: int) -> BookDelta:
        changes = [
            change(_BOOK_SIDE[side], to_price(price), to_size(size))
            for side, price, size in message["changes"]
        ]
        return BookDelta(
            event_id=anchor_id(VENUE, pair, "delta", recv_ts, self._msg_no),
            venue=VENUE,
            pair=pair,
            ts=venue_time(message["time"]),
            recv_ts=recv_ts,
            seq=None,
            changes=changes,
        )


def venue_time(text: str) -> int:
    """A Coinbase ``time`` as µs since the epoch; a time before 1970 (the year-1 "no time") is malformed."""
    ts = iso_to_us(text)
    if ts < 0:
        raise MalformedMessage(f"venue time {text!r} is before 1970 (Coinbase's year-1 'no time'): rejected")
    return ts


def _levels(rows: list[list[str]]) -> list[tuple[int, int]]:
    return [(to_price(price), to_size(size)) for price, size, *_ in rows]


def _trade(message: dict[str, Any], recv_ts: int) -> PublicTrade:
    pair = normalise_pair(message["product_id"])
    trade_id = str(message["trade_id"])
    maker_side = message.get("side")
    taker = _TAKER_OF_MAKER.get(maker_side) if isinstance(maker_side, str) else None
    return PublicTrade(
        event_id=trade_event_id(VENUE, pair, trade_id),
        venue=VENUE,
        pair=pair,
        ts=venue_time(message["time"]),
        recv_ts=recv_ts,
        trade_id=trade_id,
        price=to_price(message["price"]),
        size=to_size(message["size"]),
        taker_side=taker.value if taker is not None else None,
    )
