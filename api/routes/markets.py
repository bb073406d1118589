"""Market views: order books and prices (from the matching engine's replica); the archive's datasets."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from api.deps import VIEWER_ROUTE, PairPath, SettingsDep, VenuePath, ViewsDep
from api.errors import ARCHIVE_UNAVAILABLE, NOT_FOUND, READS, archive_unreadable
from api.fields import IsoTime
from api.models import (
    BookOut,
    CandleOut,
    DatasetOut,
    FeedOut,
    MarketOut,
    MarketStatusOut,
    TradeOut,
    iso_seconds,
    iso_time,
    json_response,
    micros,
    show,
)
from streams.market.candles import Candle

router = APIRouter(tags=["markets"], dependencies=VIEWER_ROUTE)


@router.get("/markets", response_model=list[MarketOut])
def markets(views: ViewsDep) -> list[MarketOut]:
    """Every listed market: venue, pair, trading rules (decimal strings), its book's status — fresh or
    stale, best bid and ask, and how long ago its last message arrived — and its venue's feed
    (connected, disconnected with why, stopped) as the feed's last notice said."""

    def opt(units: int | None) -> str | None:
        return None if units is None else show(units)

    feeds = {venue: FeedOut(state=state, detail=detail, since=iso_time(ts) or "")  # type: ignore[arg-type]
             for venue, (state, detail, ts) in views.feeds().items()}
    out = []
    for r, b in views.listed():
        book = None if b is None else MarketStatusOut(stale=b[0], bid=opt(b[1]), ask=opt(b[2]),
                                                      last_update_age_s=b[3])
        out.append(MarketOut(venue=r.venue, pair=r.pair, base=r.base, quote=r.quote,
                             price_increment=show(r.price_increment), size_increment=show(r.size_increment),
                             min_size=show(r.min_size), max_size=opt(r.max_size),
                             min_notional=opt(r.min_notional), book=book, feed=feeds.get(r.venue)))
    return out


@router.get("/markets/{venue}/{pair}/book", response_model=BookOut, responses={**READS, 404: NOT_FOUND})
def book(venue: VenuePath, pair: PairPath, views: ViewsDep,
         depth: Annotated[int, Query(ge=1, le=1000)] = 10) -> BookOut:
    """The top ``depth`` levels of a real book, best first."""
    b = views.book(venue, pair)
    if b is None:
        raise HTTPException(404, f"no book for {pair} on {venue} yet")
    return BookOut(venue=venue, pair=pair, stale=b.stale,
                   bids=[[show(lv.price), show(lv.size)] for lv in b.depth("bid", depth)],
                   asks=[[show(lv.price), show(lv.size)] for lv in b.depth("ask", depth)])


@router.get("/markets/{venue}/{pair}/trades", response_model=list[TradeOut],
            responses={**READS, 404: NOT_FOUND})
def trades(venue: VenuePath, pair: PairPath, views: ViewsDep,
           limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[TradeOut]:
    """The market's latest public trades (the venue's, not ours: the last 200 are kept), newest first."""
    got = views.recent_trades(venue, pair)
    if got is None:
        raise HTTPException(404, f"no trade of {pair} on {venue} seen yet")
    return [TradeOut(trade_id=t.trade_id, price=show(t.price), size=show(t.size), taker_side=t.taker_side,
                     time=iso_time(t.ts) or "", received=iso_time(t.recv_ts))
            for t in reversed(got[-limit:])]


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
        raise archive_unreadable(exc) from None


def _datasets(dsn: str) -> list[DatasetOut]:
    from replay.sources import dataset_summaries
    from streams.archive.clickhouse import thread_client

    return [DatasetOut(venue=d.venue, pair=d.pair, kinds=list(d.kinds), first=iso_seconds(d.first_ts),
                       last=iso_seconds(d.last_ts), events=d.events, dataset=d.dataset, origin=d.origin)
            for d in dataset_summaries(thread_client(dsn))]


MAX_CANDLES = 100_000
Freq = Literal["1m", "5m", "1h", "1d", "highest", "daily"]


@router.get("/markets/{venue}/{pair}/candles", response_model=list[CandleOut],
            responses={**READS, 503: ARCHIVE_UNAVAILABLE})
async def candles(venue: VenuePath, pair: PairPath, settings: SettingsDep,
                  start: Annotated[IsoTime, Query(description="first bucket, ISO 8601 (UTC if no zone)")],
                  end: Annotated[IsoTime, Query(description="end, exclusive, ISO 8601")],
                  freq: Freq = "1m",
                  received_before: Annotated[IsoTime | None, Query(
                      description="only trades received before this time count (no lookahead)")] = None,
                  ) -> Response:
    """OHLCV candles of the archive's trades (imports, backfills and live recordings), oldest first."""
    from streams.market.freq import width_us

    lo, hi = micros(start, "start"), micros(end, "end")
    if hi <= lo:
        raise HTTPException(422, "end must be after start")
    if (hi - lo) // width_us(freq) > MAX_CANDLES:
        raise HTTPException(422, f"at most {MAX_CANDLES} candles a request: narrow the range or widen freq")
    cut = None if received_before is None else micros(received_before, "received_before")
    try:
        rows = await asyncio.to_thread(_candles, settings.dsn, venue, pair, lo, hi, freq, cut)
    except Exception as exc:  # a locked embedded store, a server down
        raise archive_unreadable(exc) from None
    iso, width = iso_seconds, width_us(freq)
    # written as JSON straight away (the shape of CandleOut): validating 100,000 models per request cost
    # three times the query
    return json_response([{"start": iso(c.start), "end": iso(c.start + width), "open": show(c.open),
                           "high": show(c.high), "low": show(c.low), "close": show(c.close),
                           "volume": show(c.volume), "trades": c.trades} for c in rows])


def _candles(dsn: str, venue: str, pair: str, lo: int, hi: int, freq: str, cut: int | None
             ) -> list[Candle]:
    from streams.archive.clickhouse import thread_client
    from streams.market.store import candles as stored

    return stored(thread_client(dsn), venue, pair, lo, hi, freq, received_before=cut)
