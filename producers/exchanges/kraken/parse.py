"""Kraken (websocket v1) public feed -> market events (pure).

Channel messages are ``[channelID, payload..., channelName, pair]``.

- ``book-<depth>``: a snapshot payload ``{"as": [...], "bs": [...]}``, then
  updates ``{"a": [...]}`` and/or ``{"b": [...]}`` -- a message may carry both,
  as two payload objects -- and the checksum ``"c"`` in the last one. A level
  is ``[price, volume, time]``, with a fourth element ``"r"`` when Kraken
  republishes a level (it is applied like any update). Volume 0 deletes.
  Kraken has no sequence numbers (``seq`` is ``None``); instead the parser
  mirrors each book (``KrakenBook``), truncates it to the subscribed depth
  (adding the removals Kraken does not send to the delta) and verifies the
  checksum: a mismatch yields ``BookStatusChanged(stale=True)``. A snapshot's
  ``ts`` is the receive time; an update's is its latest level time.
- Bad book messages (the rule in ``producers.exchanges.feed``): a snapshot, or
  an update of a book with a snapshot, that does not parse -- a wrong shape, a
  price or size out of range -- yields ``BookStatusChanged(stale=True,
  reason="malformed book message: ...")`` and leaves the mirror as it was (a
  message is read whole before it is applied). This matters below the
  checksum's ten levels, where no checksum would ever notice the lost update.
  Kraken has no sequence numbers, so a message that cannot be read far enough
  to name its pair (not JSON, too short, an unknown pair) marks every book of
  the connection stale (``unreadable message: ...``). Once a book has been
  reported stale (a bad message, a checksum mismatch) its checksums are not
  checked again until its next snapshot: its mirror is known to differ.
- ``trade``: ``[price, volume, time, side, orderType, misc]``; ``side`` is the
  aggressor's. Kraken v1 trades carry no id: ``trade_id`` is
  ``<trade time µs>-<index in the message>``.
- ``heartbeat``, ``systemStatus``, ``subscriptionStatus``, ``ticker`` and
  other channels yield nothing; a ``subscriptionStatus`` error raises ``VenueError``.
"""

from __future__ import annotations

from typing import Any

from producers.exchanges.feed import (
    SHAPE_ERRORS,
    MalformedMessage,
    MarketEvent,
    VenueError,
    anchor_id,
    as_malformed,
    change,
    decode,
    malformed_book,
    shape_error,
    stale,
    unreadable_books,
)
from producers.exchanges.kraken.book import KrakenBook
from producers.exchanges.kraken.symbols import VENUE, normalise_pair
from producers.exchanges.numbers import seconds_to_us, to_price, to_size
from schemas.events import BookDelta, BookSide, BookSnapshot, LevelChange, PublicTrade, Side

_TAKER = {"b": Side.BUY, "s": Side.SELL}
_UPDATE_SIDES = (("a", BookSide.ASK), ("b", BookSide.BID))


class KrakenParser:
    """Parser for one Kraken connection; mirrors each book to check Kraken's checksums."""

    venue = VENUE

    def __init__(self) -> None:
        self._msg_no = 0
        self._books: dict[str, KrakenBook] = {}
        self._unverified: set[str] = set()  # reported stale since their snapshot: checksums not checked
        self.checksum_failures = 0
        """How many book checksums did not match on this connection."""

    def parse(self, raw: str | bytes, recv_ts: int) -> list[MarketEvent]:
        """The market events in one Kraken message (or the stale reports of a bad book message)."""
        self._msg_no += 1
        try:
            message = decode(raw)
        except MalformedMessage as exc:
            return self._unreadable(exc, recv_ts)
        try:
            if isinstance(message, dict):
                return _event(message)
            if isinstance(message, list):
                return self._channel_message(message, recv_ts)
        except (MalformedMessage, VenueError):
            raise
        except SHAPE_ERRORS as exc:
            raise shape_error(f"bad Kraken message ({exc})", message) from exc
        return self._unreadable(shape_error("expected a JSON object or array", message), recv_ts)

    def _unreadable(self, error: MalformedMessage, recv_ts: int) -> list[MarketEvent]:
        if not self._books:
            raise error
        self._unverified.update(self._books)
        return list(unreadable_books(VENUE, self._books, error, recv_ts, self._msg_no))

    def _channel_message(self, message: list[Any], recv_ts: int) -> list[MarketEvent]:
        if len(message) < 4:
            return self._unreadable(shape_error("channel message too short", message), recv_ts)
        name = str(message[-2])
        try:
            pair = normalise_pair(message[-1])
        except SHAPE_ERRORS as exc:
            return self._unreadable(shape_error(f"no pair ({exc})", message), recv_ts)
        payloads = message[1:-2]
        if name.startswith("book-"):
            return self._book(pair, name, payloads, recv_ts)
        if name == "trade":
            return [self._trade(pair, row, recv_ts, i) for i, row in enumerate(payloads[0])]
        return []

    def _book(self, pair: str, name: str, payloads: list[Any], recv_ts: int) -> list[MarketEvent]:
        snapshot = isinstance(payloads[0], dict) and ("as" in payloads[0] or "bs" in payloads[0])
        book = self._books.get(pair)
        if book is None and not snapshot:
            raise MalformedMessage(f"kraken book update for {pair} before its snapshot")
        try:
            depth = int(name.removeprefix("book-"))
            if book is None or snapshot:
                return [self._snapshot(pair, depth, payloads[0], recv_ts)]
            return self._update(pair, book, depth, payloads, recv_ts)
        except SHAPE_ERRORS as exc:
            self._unverified.add(pair)
            return [malformed_book(VENUE, pair, as_malformed(exc, "bad book message", payloads), recv_ts,
                                   self._msg_no)]

    def _update(
        self, pair: str, book: KrakenBook, depth: int, payloads: list[Any], recv_ts: int
    ) -> list[MarketEvent]:
        # Read the whole message first: a bad level must leave the mirror untouched.
        levels: list[tuple[BookSide, int, int, tuple[str, str]]] = []
        ts = 0
        checksum: int | None = None
        for payload in payloads:
            if not isinstance(payload, dict):
                raise MalformedMessage(f"book payload is not an object: {payload!r:.100}")
            for key, side in _UPDATE_SIDES:
                for price_text, volume_text, time_text, *_flags in payload.get(key, ()):
                    price, size = to_price(_text(price_text)), to_size(_text(volume_text))
                    levels.append((side, price, size, (price_text, volume_text)))
                    ts = max(ts, seconds_to_us(time_text))
            if "c" in payload:
                checksum = int(payload["c"])
        changes: list[LevelChange] = [change(side, price, size) for side, price, size, _texts in levels]
        for side, price, size, texts in levels:
            book.side(side).set(price, size, texts)
        for _key, side in _UPDATE_SIDES:
            changes += [change(side, price, 0) for price in book.side(side).truncate(depth)]
        events: list[MarketEvent] = [
            BookDelta(
                event_id=anchor_id(VENUE, pair, "delta", recv_ts, self._msg_no),
                venue=VENUE,
                pair=pair,
                ts=ts or recv_ts,
                recv_ts=recv_ts,
                seq=None,
                changes=changes,
            )
        ]
        if checksum is not None and pair not in self._unverified and checksum != (local := book.checksum()):
            self.checksum_failures += 1
            self._unverified.add(pair)
            reason = f"checksum mismatch: venue {checksum}, local {local}"
            events.append(stale(VENUE, pair, reason, events[0].ts, recv_ts, self._msg_no))
        return events

    def _snapshot(self, pair: str, depth: int, payload: dict[str, Any], recv_ts: int) -> BookSnapshot:
        book = KrakenBook(depth)
        for key, side in (("as", BookSide.ASK), ("bs", BookSide.BID)):
            for price_text, volume_text, *_rest in payload.get(key, ()):
                price, size = to_price(_text(price_text)), to_size(_text(volume_text))
                book.side(side).set(price, size, (price_text, volume_text))
            book.side(side).truncate(depth)
        self._books[pair] = book
        self._unverified.discard(pair)
        return BookSnapshot(
            event_id=anchor_id(VENUE, pair, "snapshot", recv_ts, self._msg_no),
            venue=VENUE,
            pair=pair,
            ts=recv_ts,
            recv_ts=recv_ts,
            seq=None,
            bids=book.bids.levels(),
            asks=book.asks.levels(),
        )

    def _trade(self, pair: str, row: list[Any], recv_ts: int, index: int) -> PublicTrade:
        price_text, volume_text, time_text, side = row[0], row[1], row[2], row[3]
        ts = seconds_to_us(time_text)
        taker = _TAKER.get(side)
        return PublicTrade(
            event_id=anchor_id(VENUE, pair, "trade", recv_ts, self._msg_no, index),
            venue=VENUE,
            pair=pair,
            ts=ts,
            recv_ts=recv_ts,
            trade_id=f"{ts}-{index}",
            price=to_price(price_text),
            size=to_size(volume_text),
            taker_side=taker.value if taker is not None else None,
        )


def _text(value: object) -> str:
    """A price or volume as Kraken sends it: a decimal string (the checksum is computed over the text)."""
    if not isinstance(value, str):
        raise MalformedMessage(f"expected a decimal string, got {value!r}")
    return value


def _event(message: dict[str, Any]) -> list[MarketEvent]:
    if message.get("event") == "subscriptionStatus" and message.get("status") == "error":
        raise VenueError(f"kraken subscription error: {message.get('errorMessage')}")
    return []
