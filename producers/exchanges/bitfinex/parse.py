"""Bitfinex v2 websocket feed -> market events (pure).

The connection sends ``conf`` with flag 65536 (``SEQ_ALL``): every channel
message then ends with one sequence number, counted over the whole connection
(all channels together, heartbeats included), starting at 1.

- Channel ids come from ``subscribed`` events; messages on a channel not (or no
  longer) subscribed still advance the sequence but carry nothing for us.
- ``book`` (precision P0..P4): a snapshot ``[[price, count, amount], ...]``,
  then updates ``[price, count, amount]``; ``amount > 0`` is a bid, ``< 0`` an
  ask; ``count == 0`` deletes the level. Books have no exchange time: ``ts`` is
  the receive time. ``seq`` is the connection's sequence number, so per pair it
  increases but is not contiguous; contiguity is checked here, per connection.
- ``trades``: the snapshot (recent trades, emitted oldest first with their own
  times) and ``te`` (trade executed). ``tu`` (the same trade again, a moment
  later, once settled) is ignored so a trade counts once; ``te`` is the earlier.
- ``hb`` heartbeats, ``cs`` checksums (not verified: no book mirror is kept
  here) and ``ticker`` only advance the sequence.
- Gaps: a sequence number other than the expected one (1 for the first) yields one
  ``BookStatusChanged(stale=True)`` per subscribed book; so do the ``info``
  codes asking to reconnect (20051) or announcing maintenance (20060/20061).
  The connector resnapshots by reconnecting (sequence numbers are per
  connection).
- Bad messages (the rule in ``producers.exchanges.feed``): a message on a
  subscribed book's channel that does not parse -- a wrong shape, a price or
  size out of range -- yields ``BookStatusChanged(stale=True,
  reason="malformed book message: ...")`` for that book. The sequence number
  (and the book's own last number) advance only once a message has parsed, so
  any bad message -- a book's, a trade's, one not even JSON -- shows as a gap
  on the next message, which marks every book stale as a gap does.
- JSON numbers are decoded exactly; float noise past 8 decimals rounds half-even.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from producers.exchanges.bitfinex.symbols import VENUE, normalise_pair
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
from producers.exchanges.numbers import check_size, ms_to_us, to_price, to_units
from schemas.events import BookDelta, BookSide, BookSnapshot, PublicTrade, Side

SEQ_ALL = 65536
"""The ``conf`` flag that appends a sequence number to every channel message."""

RESYNC_INFO_CODES: dict[int, str] = {
    20051: "venue asks clients to reconnect",
    20060: "venue maintenance started",
    20061: "venue maintenance ended: resubscribe",
}


@dataclass(frozen=True, slots=True)
class Channel:
    """A subscribed channel: its kind ('book', 'trades', 'ticker', ...) and normalised pair."""

    kind: str
    pair: str | None


class BitfinexParser:
    """Parser for one Bitfinex v2 connection; holds its channel ids and the sequence check."""

    venue = VENUE

    def __init__(self) -> None:
        self._msg_no = 0
        self._channels: dict[int, Channel] = {}
        self._next_seq: int | None = None
        self._book_seq: dict[str, int] = {}  # pair -> seq of its book's last message
        self.gaps = 0
        """How many sequence gaps this connection has shown."""

    @property
    def channels(self) -> dict[int, Channel]:
        """The subscribed channels by channel id (a copy)."""
        return dict(self._channels)

    @property
    def last_seq(self) -> int | None:
        """The last sequence number seen on this connection."""
        return None if self._next_seq is None else self._next_seq - 1

    def book_pairs(self) -> list[str]:
        """The pairs with a subscribed book, sorted."""
        return sorted({c.pair for c in self._channels.values() if c.kind == "book" and c.pair})

    def parse(self, raw: str | bytes, recv_ts: int) -> list[MarketEvent]:
        """The market events in one Bitfinex message (gap reports first)."""
        self._msg_no += 1
        message = decode(raw)
        try:
            if isinstance(message, dict):
                return self._event(message, recv_ts)
            if isinstance(message, list):
                return self._channel_message(message, recv_ts)
        except (MalformedMessage, VenueError):
            raise
        except SHAPE_ERRORS as exc:
            raise shape_error(f"bad Bitfinex message ({exc})", message) from exc
        raise shape_error("expected a JSON object or array", message)

    # --- events ({"event": ...}) -------------------------------------------------

    def _event(self, message: dict[str, Any], recv_ts: int) -> list[MarketEvent]:
        kind = message.get("event")
        if kind == "subscribed":
            self._subscribed(message)
        elif kind == "unsubscribed":
            self._channels.pop(int(message["chanId"]), None)
        elif kind == "error":
            raise VenueError(f"bitfinex error {message.get('code')}: {message.get('msg')}")
        elif kind == "info" and message.get("code") in RESYNC_INFO_CODES:
            return self._stale_all(RESYNC_INFO_CODES[message["code"]], recv_ts)
        return []

    def _subscribed(self, message: dict[str, Any]) -> None:
        kind = str(message["channel"])
        symbol = message.get("symbol")
        trading = kind in ("book", "trades", "ticker") and str(symbol).startswith("t")
        pair = normalise_pair(str(symbol)) if trading else None  # funding symbols: no pair
        if kind == "book" and not str(message.get("prec", "P0")).startswith("P"):
            raise MalformedMessage(f"only price-aggregated books (P0..P4) are parsed: {message}")
        self._channels[int(message["chanId"])] = Channel(kind=kind, pair=pair)

    def _stale_all(self, reason: str, recv_ts: int) -> list[MarketEvent]:
        return [stale(VENUE, pair, reason, recv_ts, recv_ts, self._msg_no) for pair in self.book_pairs()]

    # --- channel messages ([chanId, ...]) ---------------------------------------------

    def _channel_message(self, message: list[Any], recv_ts: int) -> list[MarketEvent]:
        chan_id, body = message[0], message[1:]
        if not body:
            raise shape_error("empty channel message", message)
        tag = body[0] if isinstance(body[0], str) else None
        # Without SEQ_ALL: [chan, "hb"], [chan, "te", data], [chan, data]; with it, one more.
        plain_len = 1 if tag == "hb" else 2 if tag is not None else 1
        seq = body[-1] if len(body) == plain_len + 1 else None
        if len(body) not in (plain_len, plain_len + 1):
            raise shape_error("unexpected channel message length", message)
        if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int)):
            raise MalformedMessage(f"sequence number is not an integer: {seq!r}")
        gap = self._gap(seq, recv_ts)
        channel = self._channels.get(chan_id)
        events: list[MarketEvent] = []
        if channel is not None and channel.pair is not None and tag not in ("hb", "cs"):
            try:
                events = self._body(channel, channel.pair, tag, body, seq, recv_ts)
            except SHAPE_ERRORS as exc:
                if channel.kind != "book":
                    raise  # nothing advanced: the next message reports the gap
                error = as_malformed(exc, "bad book message", message)
                self.gaps += bool(gap)
                return [*gap, malformed_book(VENUE, channel.pair, error, recv_ts, self._msg_no)]
            if channel.kind == "book" and seq is not None:
                self._book_seq[channel.pair] = seq
        self.gaps += bool(gap)
        if seq is not None:
            self._next_seq = seq + 1  # only once the message has parsed
        return gap + events

    def _body(
        self, channel: Channel, pair: str, tag: str | None, body: list[Any], seq: int | None, recv_ts: int
    ) -> list[MarketEvent]:
        if channel.kind == "book" and tag is None:
            return [self._book(pair, body[0], seq, recv_ts)]
        if channel.kind == "trades" and tag is None:
            rows = sorted(body[0], key=lambda row: (row[1], row[0]))
            return [_trade(pair, row, recv_ts) for row in rows]
        if channel.kind == "trades" and tag == "te":
            return [_trade(pair, body[1], recv_ts)]
        return []

    def _gap(self, seq: int | None, recv_ts: int) -> list[MarketEvent]:
        """The stale reports if ``seq`` is not the expected number (changes nothing)."""
        expected = 1 if self._next_seq is None else self._next_seq  # numbering starts at 1 per connection
        if seq is None or seq == expected:
            return []
        return self._stale_all(f"sequence gap: expected {expected}, got {seq}", recv_ts)

    def _book(self, pair: str, payload: list[Any], seq: int | None, recv_ts: int) -> MarketEvent:
        # seq counts the whole connection: the book's own previous number marks its gaps
        prev_seq = self._book_seq.get(pair)
        if not payload or isinstance(payload[0], list):
            bids: list[tuple[int, int]] = []
            asks: list[tuple[int, int]] = []
            for price, count, amount in payload:
                if count > 0:
                    (bids if amount > 0 else asks).append((to_price(price), _size(amount)))
            return BookSnapshot(
                event_id=anchor_id(VENUE, pair, "snapshot", recv_ts, self._msg_no),
                venue=VENUE,
                pair=pair,
                ts=recv_ts,
                recv_ts=recv_ts,
                seq=seq,
                bids=sorted_levels(bids, BookSide.BID),
                asks=sorted_levels(asks, BookSide.ASK),
            )
        price, count, amount = payload
        if amount == 0:
            raise MalformedMessage(f"book entry with zero amount: {payload}")
        side = BookSide.BID if amount > 0 else BookSide.ASK
        size = 0 if count == 0 else _size(amount)
        return BookDelta(
            event_id=anchor_id(VENUE, pair, "delta", recv_ts, self._msg_no),
            venue=VENUE,
            pair=pair,
            ts=recv_ts,
            recv_ts=recv_ts,
            seq=seq,
            changes=[change(side, to_price(price), size)],
            prev_seq=prev_seq,
        )


def _size(amount: int | Decimal) -> int:
    return check_size(abs(to_units(amount)))


def _trade(pair: str, row: list[Any], recv_ts: int) -> PublicTrade:
    trade_id, mts, amount, price = row
    trade_id = str(trade_id)
    taker = Side.BUY if amount > 0 else Side.SELL if amount < 0 else None
    return PublicTrade(
        event_id=trade_event_id(VENUE, pair, trade_id),
        venue=VENUE,
        pair=pair,
        ts=ms_to_us(mts),
        recv_ts=recv_ts,
        trade_id=trade_id,
        price=to_price(price),
        size=_size(amount),
        taker_side=taker.value if taker is not None else None,
    )
