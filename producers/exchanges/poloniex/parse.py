"""Poloniex v2 public websocket feed -> market events (pure).

- ``book_lv2``: ``action`` ``snapshot`` then ``update``; each entry has
  ``asks``/``bids`` as ``[price, size]`` strings (size "0" deletes), an ``id``
  and the previous entry's ``lastId``. ``seq`` is ``id``; an update whose
  ``lastId`` is not the last ``id`` seen for that symbol yields
  ``BookStatusChanged(stale=True)`` before its delta (the connector then
  resubscribes the symbol for a new snapshot). ``ts`` is the message's ``ts``
  (the time the book state is as of).
- Bad book entries (the rule in ``producers.exchanges.feed``): an entry that
  does not parse -- a wrong shape, a price or size out of range -- yields
  ``BookStatusChanged(stale=True, reason="malformed book message: ...")`` for
  its symbol when that is a snapshot or a book this connection has a snapshot
  of; the other entries of the message are parsed as usual. The last id of a
  book advances only once its entry has parsed, so the next update's ``lastId``
  (the bad entry's id) shows a gap too. A bad entry of an unknown book, or one
  with no readable symbol, raises ``MalformedMessage``; the id check then sees
  its loss on the book's next update.
- ``trades``: one entry per trade; ``ts`` is the trade's ``createTime``,
  ``takerSide`` is the aggressor.
- Acknowledgements (``{"event": "subscribe"}``) and ``pong`` yield nothing;
  ``{"event": "error"}`` raises ``VenueError``.
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
    sorted_levels,
    stale,
    trade_event_id,
)
from producers.exchanges.numbers import ms_to_us, to_price, to_size
from producers.exchanges.poloniex.symbols import VENUE, normalise_pair
from schemas.events import BookDelta, BookSide, BookSnapshot, PublicTrade, Side

_TAKER = {"buy": Side.BUY, "sell": Side.SELL}


class PoloniexParser:
    """Parser for one Poloniex v2 connection; remembers the last book id per pair."""

    venue = VENUE

    def __init__(self) -> None:
        self._msg_no = 0
        self._last_id: dict[str, int] = {}
        self.gaps = 0
        """How many book id gaps this connection has shown."""

    def parse(self, raw: str | bytes, recv_ts: int) -> list[MarketEvent]:
        """The market events in one Poloniex message."""
        self._msg_no += 1
        message = decode(raw)
        if not isinstance(message, dict):
            raise shape_error("expected a JSON object", message)
        try:
            return self._dispatch(message, recv_ts)
        except (MalformedMessage, VenueError):
            raise
        except SHAPE_ERRORS as exc:
            raise shape_error(f"bad Poloniex message ({exc})", message) from exc

    def _dispatch(self, message: dict[str, Any], recv_ts: int) -> list[MarketEvent]:
        if message.get("event") == "error":
            raise VenueError(f"poloniex error: {message.get('message')}")
        channel = message.get("channel")
        if "event" in message or "data" not in message:
            return []
        events: list[MarketEvent] = []
        if channel == "book_lv2":
            snapshot = message["action"] == "snapshot"
            parsed: dict[str, int] = {}  # pair -> id of its entries parsed so far
            for index, entry in enumerate(message["data"]):
                events.extend(self._book_entry(entry, snapshot, recv_ts, index, parsed))
            self._last_id.update(parsed)  # only now: an entry that raises leaves every id where it was
        elif channel == "trades":
            events.extend(_trade(entry, recv_ts) for entry in message["data"])
        return events

    def _book_entry(
        self, entry: dict[str, Any], snapshot: bool, recv_ts: int, index: int, parsed: dict[str, int]
    ) -> list[MarketEvent]:
        pair = normalise_pair(entry["symbol"])
        previous = parsed.get(pair, self._last_id.get(pair))
        try:
            events, book_id = self._book(pair, entry, snapshot, previous, recv_ts, index)
        except SHAPE_ERRORS as exc:
            if not (snapshot or previous is not None):
                raise
            error = as_malformed(exc, "bad book entry", entry)
            return [malformed_book(VENUE, pair, error, recv_ts, self._msg_no, index)]
        parsed[pair] = book_id  # a bad entry leaves its book's id where it was: the next lastId shows a gap
        return events

    def _book(
        self, pair: str, entry: dict[str, Any], snapshot: bool, previous: int | None, recv_ts: int, index: int
    ) -> tuple[list[MarketEvent], int]:
        book_id = int(entry["id"])
        ts = ms_to_us(entry["ts"])
        bids = [(to_price(p), to_size(s)) for p, s in entry["bids"]]
        asks = [(to_price(p), to_size(s)) for p, s in entry["asks"]]
        if snapshot:
            return [
                BookSnapshot(
                    event_id=anchor_id(VENUE, pair, "snapshot", recv_ts, self._msg_no, index),
                    venue=VENUE,
                    pair=pair,
                    ts=ts,
                    recv_ts=recv_ts,
                    seq=book_id,
                    bids=sorted_levels(bids, BookSide.BID),
                    asks=sorted_levels(asks, BookSide.ASK),
                )
            ], book_id
        events: list[MarketEvent] = []
        last_id = entry.get("lastId")
        changes = [change(BookSide.BID, p, s) for p, s in bids]
        changes += [change(BookSide.ASK, p, s) for p, s in asks]
        prev_seq = int(last_id) if last_id is not None else None
        if previous is not None and prev_seq is not None and prev_seq != previous:
            self.gaps += 1
            reason = f"book id gap: lastId {last_id} after id {previous}"
            events.append(stale(VENUE, pair, reason, ts, recv_ts, self._msg_no, index))
        events.append(
            BookDelta(
                event_id=anchor_id(VENUE, pair, "delta", recv_ts, self._msg_no, index),
                venue=VENUE,
                pair=pair,
                ts=ts,
                recv_ts=recv_ts,
                seq=book_id,
                changes=changes,
                prev_seq=prev_seq,
            )
        )
        return events, book_id


def _trade(entry: dict[str, Any], recv_ts: int) -> PublicTrade:
    pair = normalise_pair(entry["symbol"])
    trade_id = str(entry["id"])
    taker = _TAKER.get(str(entry.get("takerSide", "")).lower())
    return PublicTrade(
        event_id=trade_event_id(VENUE, pair, trade_id),
        venue=VENUE,
        pair=pair,
        ts=ms_to_us(entry["createTime"]),
        recv_ts=recv_ts,
        trade_id=trade_id,
        price=to_price(entry["price"]),
        size=to_size(entry["quantity"]),
        taker_side=taker.value if taker is not None else None,
    )
