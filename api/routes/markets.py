"""Market views: order books and prices (from the matching engine's replica); the archive's datasets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import PairPath, SettingsDep, VenuePath, ViewsDep
from api.errors import ARCHIVE_UNAVAILABLE, NOT_FOUND, READS
from api.models import BookOut, DatasetOut, show

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


@router.get("/markets/datasets", response_model=list[DatasetOut],
            responses={**READS, 503: ARCHIVE_UNAVAILABLE})
async def datasets(settings: SettingsDep) -> list[DatasetOut]:
    """What the archive holds per venue and pair (as ``cryptick market datasets``): kinds, first and last
    time, events, and the dataset a backtest names to read it."""
    try:
        return await asyncio.to_thread(_datasets, settings.dsn)
    except Exception as exc:  # a locked embedded store, a server down: say so, the API goes on
        raise HTTPException(503, f"the archive cannot be read: {type(exc).__name__}: {exc}") from None


def _datasets(dsn: str) -> list[DatasetOut]:
    from replay.sources import dataset_summaries
    from streams.archive.clickhouse import get_client

    def iso(us: int) -> str:
        return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return [DatasetOut(venue=d.venue, pair=d.pair, kinds=list(d.kinds), first=iso(d.first_ts),
                       last=iso(d.last_ts), events=d.events, dataset=d.dataset, origin=d.origin)
            for d in dataset_summaries(get_client(dsn))]
