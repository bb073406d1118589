"""Market views: order books and prices (from the matching engine's replica)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import PairPath, VenuePath, ViewsDep
from api.errors import NOT_FOUND, READS
from api.models import BookOut, show

router = APIRouter(tags=["markets"])


@router.get("/markets/{venue}/{pair}/book", response_model=BookOut, responses={**READS, 404: NOT_FOUND})
def book(venue: VenuePath, pair: PairPath, views: ViewsDep,
         depth: Annotated[int, Query(ge=1, le=1000)] = 10) -> BookOut:
    """The top ``depth`` levels of a real book, best first."""
    b = views.book(venue, pair)
    if b is None:
        raise HTTPException(404, f"no book for {pair} on {venue} yet")
    return BookOut(venue=venue, pair=pair, stale=b.stale,
                   bids=[(show(lv.price), show(lv.size)) for lv in b.depth("bid", depth)],
                   asks=[(show(lv.price), show(lv.size)) for lv in b.depth("ask", depth)])


@router.get("/prices", response_model=dict[str, str])
def prices(views: ViewsDep) -> dict[str, str]:
    """Mid price of every fresh book, as 'BASE-QUOTE': price."""
    return {f"{b}-{q}": show(p) for (b, q), p in sorted(views.mids().items())}
