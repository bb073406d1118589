"""Coinbase Exchange websocket feed -> market events (pure).

Channels: ``level2`` (``snapshot``, ``l2update``) and ``matches`` (``match``,
``last_match``). Other messages (``subscriptions``, ``ticker``, ``heartbeat``)
carry nothing for the journal and yield no events.

- ``l2update`` has no sequence number, so ``BookDelta.seq`` is ``None`` and
  gaps cannot be seen in the level2 channel itself; the connector treats a
  silent feed as stale.
- ``snapshot`` has no time: ``ts`` is the receive time.
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
    change,
    decode,
    shape_error,
    sorted_levels,
    trade_event_id,
)
from producers.exchanges.numbers import iso_to_us, to_units
from schemas.events import BookDelta, BookSide, BookSnapshot, PublicTrade, Side

_BOOK_SIDE = {"buy": BookSide.BID, "sell": BookSide.ASK}
_TAKER_OF_MAKER = {"buy": Side.SELL, "sell": Side.BUY}


class CoinbaseParser:
    """Parser for one Coinbase websocket connection."""

    venue = VENUE

    def __init__(self) -> None:
        self._msg_no = 0

    def parse(self, raw: str | bytes, recv_ts: int) -> list[MarketEvent]:
        """The market events in one Coinbase message."""
        self._msg_no += 1
        message = decode(raw)
        if not isinstance(message, dict):
            raise shape_error("expected a JSON object", message)
        try:
            return self._dispatch(message, recv_ts)
        except MalformedMessage:
            raise
        except SHAPE_ERRORS as exc:
            raise shape_error(f"bad {message.get('type')!r} message ({exc})", message) from exc

    def _dispatch(self, message: dict[str, Any], recv_ts: int) -> list[MarketEvent]:
        kind = message.get("type")
        if kind == "snapshot":
            return [self._snapshot(message, recv_ts)]
        if kind == "l2update":
            return [self._update(message, recv_ts)]
        if kind in ("match", "last_match"):
            return [_trade(message, recv_ts)]
        return []

    def _snapshot(self, message: dict[str, Any], recv_ts: int) -> BookSnapshot:
        pair = normalise_pair(message["product_id"])
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

    def _update(self, message: dict[str, Any], recv_ts: int) -> BookDelta:
        pair = normalise_pair(message["product_id"])
        changes = [
            change(_BOOK_SIDE[side], to_units(price), to_units(size))
            for side, price, size in message["changes"]
        ]
        return BookDelta(
            event_id=anchor_id(VENUE, pair, "delta", recv_ts, self._msg_no),
            venue=VENUE,
            pair=pair,
            ts=iso_to_us(message["time"]),
            recv_ts=recv_ts,
            seq=None,
            changes=changes,
        )


def _levels(rows: list[list[str]]) -> list[tuple[int, int]]:
    return [(to_units(price), to_units(size)) for price, size, *_ in rows]


def _trade(message: dict[str, Any], recv_ts: int) -> PublicTrade:
    pair = normalise_pair(message["product_id"])
    trade_id = str(message["trade_id"])
    maker_side = message.get("side")
    taker = _TAKER_OF_MAKER.get(maker_side) if isinstance(maker_side, str) else None
    return PublicTrade(
        event_id=trade_event_id(VENUE, pair, trade_id),
        venue=VENUE,
        pair=pair,
        ts=iso_to_us(message["time"]),
        recv_ts=recv_ts,
        trade_id=trade_id,
        price=to_units(message["price"]),
        size=to_units(message["size"]),
        taker_side=taker.value if taker is not None else None,
    )
