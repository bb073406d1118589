"""What every venue parser shares: the protocol, the error, event-building helpers (pure).

Event ids are deterministic and unique per event within a connection:

- trades with a venue trade id: ``{venue}:{pair}:trade:{trade_id}`` -- the
  same trade seen again (a trade snapshot after a reconnect, a re-sent
  message) gets the same id, so consumers drop the duplicate;
- everything else: ``{venue}:{pair}:{kind}:{recv_ts}.{msg_no}:{index}``
  where ``msg_no`` counts the messages the parser has been given and
  ``index`` numbers the events of that kind and pair within one message.
  Venue sequence numbers are not used as the anchor because Bitfinex's
  restart at 1 on every connection.

Bad book messages (one rule for every venue): a book message that cannot be
parsed -- a wrong shape, a price or size out of range (``numbers``), a time the
venue did not mean -- is not skipped silently when the parser can tell whose
book it is: the parser returns ``BookStatusChanged(stale=True)`` for that book
with the reason ``malformed book message: ...`` (``malformed_book``), and
changes none of its own state for it (last id, sequence number, book mirror),
so its own gap check sees the missing message. The engine then matches nothing
on that book until its next snapshot, and the connector resnapshots.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import InvalidOperation
from typing import Any, Protocol

from producers.exchanges.numbers import OutOfRange, check_price, check_size, loads
from schemas.events import (
    BookDelta,
    BookSide,
    BookSnapshot,
    BookStatusChanged,
    Level,
    LevelChange,
    MarketListed,
    PublicTrade,
)

MarketEvent = BookSnapshot | BookDelta | PublicTrade | BookStatusChanged
"""What a feed parser emits into ``venue.journal``."""


class MalformedMessage(ValueError):
    """A venue message that does not have the shape its protocol promises."""


SHAPE_ERRORS = (KeyError, IndexError, TypeError, ValueError, InvalidOperation)


def listing(venue: str, pair: str, ts: int, price_increment: int, size_increment: int, min_size: int,
            max_size: int | None = None, min_notional: int | None = None) -> MarketListed:
    """A venue's trading rules for a normalised ``BASE-QUOTE`` pair, id ``{venue}:{pair}:market:{ts}``."""
    base, quote = pair.split("-")
    return MarketListed(event_id=f"{venue}:{pair}:market:{ts}", venue=venue, pair=pair, base=base,
                        quote=quote, price_increment=price_increment, size_increment=size_increment,
                        min_size=min_size, max_size=max_size, min_notional=min_notional, ts=ts)

"""What reading a message of the wrong shape raises; parsers re-raise as ``MalformedMessage``."""


class FeedParser(Protocol):
    """One parser object per websocket connection; feed it every received text frame in order."""

    venue: str

    def parse(self, raw: str | bytes, recv_ts: int) -> list[MarketEvent]:
        """The market events carried by one raw message received at ``recv_ts`` (µs)."""
        ...


def anchor_id(venue: str, pair: str, kind: str, recv_ts: int, msg_no: int, index: int = 0) -> str:
    """The event id of an event that has no venue-stable identity."""
    return f"{venue}:{pair}:{kind}:{recv_ts}.{msg_no}:{index}"


def trade_event_id(venue: str, pair: str, trade_id: str) -> str:
    """The event id of a trade the venue numbered itself."""
    return f"{venue}:{pair}:trade:{trade_id}"


def sorted_levels(levels: Iterable[tuple[int, int]], side: BookSide) -> list[Level]:
    """Levels best first (bids high to low, asks low to high); empty levels and repeats dropped.

    Every price and size is range-checked first (``MalformedMessage``), empty levels too."""
    by_price: dict[int, int] = {}
    for price, size in levels:
        _check_level(price, size)
        by_price[price] = size  # a repeated price: the later entry wins
    ordered = sorted(by_price.items(), reverse=side is BookSide.BID)
    return [Level(price=price, size=size) for price, size in ordered if size > 0]


def change(side: BookSide, price: int, size: int) -> LevelChange:
    """A level's new displayed size (0 removes it); price and size range-checked."""
    _check_level(price, size)
    return LevelChange(side=side.value, price=price, size=size)


def _check_level(price: int, size: int) -> None:
    try:
        check_price(price)
        check_size(size)
    except OutOfRange as exc:
        raise MalformedMessage(str(exc)) from None


def stale(
    venue: str, pair: str, reason: str, ts: int, recv_ts: int, msg_no: int, index: int = 0
) -> BookStatusChanged:
    """The book of ``pair`` can no longer be trusted until the next snapshot."""
    return BookStatusChanged(
        event_id=anchor_id(venue, pair, "stale", recv_ts, msg_no, index),
        venue=venue,
        pair=pair,
        stale=True,
        reason=reason,
        ts=ts,
    )


MAX_REASON_CHARS = 300
"""A stale reason quotes the error, not the whole message."""


def malformed_book(
    venue: str, pair: str, error: Exception, recv_ts: int, msg_no: int, index: int = 0
) -> BookStatusChanged:
    """``pair``'s book is stale: one of its messages could not be parsed (``ts`` is the receive time,
    since the message's own time may be what is broken)."""
    reason = f"malformed book message: {error}"[:MAX_REASON_CHARS]
    return stale(venue, pair, reason, recv_ts, recv_ts, msg_no, index)


def unreadable_books(
    venue: str, pairs: Iterable[str], error: Exception, recv_ts: int, msg_no: int
) -> list[BookStatusChanged]:
    """Every book in ``pairs`` is stale: a message that names no book could have been any of theirs
    (for venues without sequence numbers, where nothing else would see it missing)."""
    reason = f"unreadable message: {error}"[:MAX_REASON_CHARS]
    return [stale(venue, pair, reason, recv_ts, recv_ts, msg_no) for pair in sorted(pairs)]


def shape_error(what: str, message: Any) -> MalformedMessage:
    """A ``MalformedMessage`` quoting (the start of) the offending message."""
    text = repr(message)
    return MalformedMessage(f"{what}: {text[:200]}")


def as_malformed(exc: Exception, what: str, message: Any) -> MalformedMessage:
    """``exc`` itself if it is a ``MalformedMessage``, the number if it is out of range, else a
    ``shape_error`` quoting ``message``."""
    if isinstance(exc, MalformedMessage):
        return exc
    if isinstance(exc, OutOfRange):
        return MalformedMessage(str(exc))
    return shape_error(f"{what} ({exc})", message)


def decode(raw: str | bytes) -> Any:
    """The JSON value of a raw message (numbers exact), or ``MalformedMessage``."""
    try:
        return loads(raw)
    except ValueError as exc:
        raise MalformedMessage(f"not JSON: {exc}") from exc


class VenueError(Exception):
    """The venue reported an error (a refused subscription, a bad request)."""
