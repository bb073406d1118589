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
    change,
    decode,
    shape_error,
    stale,
)
from producers.exchanges.kraken.book import KrakenBook
from producers.exchanges.kraken.symbols import VENUE, normalise_pair
from producers.exchanges.numbers import seconds_to_us, to_units
from schemas.events import BookDelta, BookSide, BookSnapshot, LevelChange, PublicTrade, Side

_TAKER = {"b": Side.BUY, "s": Side.SELL}
_UPDATE_SIDES = (("a", BookSide.ASK), ("b", BookSide.BID))


class KrakenParser:
    """Parser for one Kraken connection; mirrors each book to check Kraken's checksums."""

    venue = VENUE

    def __init__(self) -> None:
        self._msg_no = 0
        self._books: dict[str, KrakenBook] = {}
        self.checksum_failures = 0
        """How many book checksums did not match on this connection."""

    def parse(self, raw: str | bytes, recv_ts: int) -> list[MarketEvent]:
        """The market events in one Kraken message."""
        self._msg_no += 1
        message = decode(raw)
        try:
            if isinstance(message, dict):
                return _event(message)
            if isinstance(message, list):
                return self._channel_message(message, recv_ts)
        except (MalformedMessage, VenueError):
            raise
        except SHAPE_ERRORS as exc:
            raise shape_error(f"bad Kraken message ({exc})", message) from exc
        raise shape_error("expected a JSON object or array", message)

    def _channel_message(self, message: list[Any], recv_ts: int) -> list[MarketEvent]:
        if len(message) < 4:
            raise shape_error("channel message too short", message)
        name, pair = str(message[-2]), normalise_pair(message[-1])
        payloads = message[1:-2]
        if name.startswith("book-"):
            return self._book(pair, int(name.removeprefix("book-")), payloads, recv_ts)
        if name == "trade":
            return [self._trade(pair, row, recv_ts, i) for i, row in enumerate(payloads[0])]
        return []

    def _book(self, pair: str, depth: int, payloads: list[dict[str, Any]], recv_ts: int) -> list[MarketEvent]:
        if "as" in payloads[0] or "bs" in payloads[0]:
            return [self._snapshot(pair, depth, payloads[0], recv_ts)]
        book = self._books.get(pair)
        if book is None:
            raise MalformedMessage(f"kraken book update for {pair} before its snapshot")
        changes: list[LevelChange] = []
        ts = 0
        checksum: str | None = None
        for payload in payloads:
            for key, side in _UPDATE_SIDES:
                for price_text, volume_text, time_text, *_flags in payload.get(key, ()):
                    price, size = to_units(price_text), to_units(volume_text)
                    changes.append(change(side, price, size))
                    book.side(side).set(price, size, (price_text, volume_text))
                    ts = max(ts, seconds_to_us(time_text))
            checksum = payload.get("c", checksum)
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
        local = book.checksum() if checksum is not None else None
        if checksum is not None and int(checksum) != local:
            self.checksum_failures += 1
            reason = f"checksum mismatch: venue {checksum}, local {local}"
            events.append(stale(VENUE, pair, reason, events[0].ts, recv_ts, self._msg_no))
        return events

    def _snapshot(self, pair: str, depth: int, payload: dict[str, Any], recv_ts: int) -> BookSnapshot:
        book = KrakenBook(depth)
        self._books[pair] = book
        for key, side in (("as", BookSide.ASK), ("bs", BookSide.BID)):
            for price_text, volume_text, *_rest in payload.get(key, ()):
                price, size = to_units(price_text), to_units(volume_text)
                book.side(side).set(price, size, (price_text, volume_text))
            book.side(side).truncate(depth)
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
            price=to_units(price_text),
            size=to_units(volume_text),
            taker_side=taker.value if taker is not None else None,
        )


def _event(message: dict[str, Any]) -> list[MarketEvent]:
    if message.get("event") == "subscriptionStatus" and message.get("status") == "error":
        raise VenueError(f"kraken subscription error: {message.get('errorMessage')}")
    return []
