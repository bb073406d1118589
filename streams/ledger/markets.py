"""A venue's trading rules for one pair, as the pre-trade check reads them."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.events import MarketListed


@dataclass(frozen=True, slots=True)
class MarketRules:
    """Increments and limits of one (venue, pair); fixed-point like every figure."""

    venue: str
    pair: str
    base: str
    quote: str
    price_increment: int
    size_increment: int
    min_size: int
    max_size: int | None = None
    min_notional: int | None = None

    @classmethod
    def from_listing(cls, event: MarketListed) -> MarketRules:
        return cls(
            venue=event.venue, pair=event.pair, base=event.base, quote=event.quote,
            price_increment=event.price_increment, size_increment=event.size_increment,
            min_size=event.min_size, max_size=event.max_size, min_notional=event.min_notional,
        )
