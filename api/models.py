"""Request and response models. Amounts travel as decimal strings ("1234.5"), exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.fields import Currency, DecimalAmount, Id, IsoTime, Pair, ShortText, SignedDecimalAmount, Venue
from schemas import units
from streams.money import to_decimal_str


def json_response(body: Any) -> Response:
    """``body`` (plain JSON values) as the answer, without validating it again: for large reads whose
    route declares the shape in ``response_model`` (the contract tests check the answers against it).
    Written by orjson (a day of candles: 5 ms with the standard library, under 1 ms)."""
    return Response(orjson.dumps(body), media_type="application/json")


EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def micros(moment: datetime, name: str = "time") -> int:
    """A query's time (UTC when it has no zone) as µs since the epoch, exactly; an ``HTTPException``
    422 outside 1970..2200 (event times are µs since 1970; earlier ones cannot be shown)."""
    from fastapi import HTTPException

    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not EARLIEST <= moment < LATEST:
        raise HTTPException(422, f"{name} must be between 1970-01-01 and 2200-01-01 (UTC)")
    return units.micros(moment)


_DAYS: dict[int, str] = {}


def _day(day: int) -> str:
    date = _DAYS.get(day)
    if date is None:
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        date = _DAYS[day] = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%dT")
    return date


def iso_time(ts: int | None) -> str | None:
    """Event time (µs since the epoch) as ISO 8601 UTC with microseconds; None for none (or 0: no time).
    The date part is made once a day (``strftime`` for each was a tenth of a read of 1,000 messages)."""
    if not ts:
        return None
    seconds, micro = divmod(ts, 1_000_000)
    day, second = divmod(seconds, 86_400)
    hour, rest = divmod(second, 3600)
    return f"{_day(day)}{hour:02d}:{rest // 60:02d}:{rest % 60:02d}.{micro:06d}Z"


def iso_seconds(ts: int) -> str:
    """Event time to the second, ISO 8601 UTC (a candle's bounds)."""
    day, second = divmod(ts // 1_000_000, 86_400)
    hour, rest = divmod(second, 3600)
    return f"{_day(day)}{hour:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def partial_header(text: str) -> str:
    """``text`` as an HTTP header value: one line of at most 300 Latin-1 characters (a header cannot
    carry more; the rest of the text is in the logs)."""
    return " ".join(text.split()).encode("latin-1", "replace").decode("latin-1")[:300]


def show(units: int) -> str:
    return to_decimal_str(units)


class Strict(BaseModel):
    """A request body: unknown fields are refused (a typo is an error, not a silent default)."""

    model_config = ConfigDict(extra="forbid")


COMMAND_ID = ("Idempotency key: a command with the same id is applied once; a retry answers the "
              "original's outcome, and the same id with other content answers 409. Without one the "
              "API makes one and returns it: retry with it.")


class AllocationIn(Strict):
    venue: Venue
    currency: Currency
    amount: DecimalAmount


class SignedAllocationIn(Strict):
    venue: Venue
    currency: Currency
    amount: SignedDecimalAmount


class FundsIn(Strict):
    venue: Venue
    currency: Currency
    amount: DecimalAmount
    command_id: Id | None = Field(None, description=COMMAND_ID)


class WalletSetIn(Strict):
    wallet_set_id: Id
    run_id: Id
    allocations: list[AllocationIn] = Field(min_length=1, max_length=100)
    command_id: Id | None = Field(None, description=COMMAND_ID)


class AdjustIn(Strict):
    allocations: list[SignedAllocationIn] = Field(min_length=1, max_length=100,
                                                  description="Positive amounts top up, negative reduce.")
    command_id: Id | None = Field(None, description=COMMAND_ID)


class CommandIn(Strict):
    command_id: Id | None = Field(None, description=COMMAND_ID)


MAX_CANCEL_AFTER_S = 366 * 86_400


class OrderIn(Strict):
    run_id: Id
    wallet_set_id: Id
    venue: Venue
    pair: Pair
    side: Literal["buy", "sell"]
    type: Literal["limit", "market", "ioc", "fok"]
    size: DecimalAmount
    price: DecimalAmount | None = Field(None,
                                        description="Limit price, or a market order's protection price.")
    post_only: StrictBool = False
    cancel_after_s: int | None = Field(None, gt=0, le=MAX_CANCEL_AFTER_S, strict=True,
                                       description="Cancel a resting order after this many seconds.")
    order_id: Id | None = Field(None, description="The order's id and the command's idempotency key.")


class CancelIn(Strict):
    run_id: Id
    venue: Venue
    pair: Pair
    command_id: Id | None = Field(None, description=COMMAND_ID)


class CommandOut(BaseModel):
    command_id: str
    status: Literal["accepted", "rejected", "duplicate", "pending", "conflict"]
    reason: str | None = None
    detail: str | None = None
    events: list[dict[str, Any]] = []
    original: CommandOut | None = Field(
        default=None, description="409: the outcome of the command that first used this id.")


class ErrorOut(BaseModel):
    """Every error that is not a command's outcome: what went wrong, in words a user can act on."""

    status: Literal["invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "busy",
                    "unavailable", "error"]
    detail: str
    errors: list[dict[str, Any]] | None = Field(None, description="invalid: each field and its problem.")
    command_id: str | None = Field(None, description="unavailable: the command's id, to retry with.")


class Balance(BaseModel):
    venue: str
    currency: str
    balance: str
    available: str
    hold: str


class WalletSetOut(BaseModel):
    wallet_set_id: str
    run_id: str
    active: bool
    open_orders: int
    balances: list[Balance]


class Amount(BaseModel):
    venue: str
    currency: str
    amount: str


class Valued(BaseModel):
    currency: str
    amount: str
    usd: str | None = Field(description="None: no price route to USD (not zero).")


class HistoryPoint(BaseModel):
    time: str
    holdings: list[Amount] = Field(description="balance (available + hold) per venue and currency")
    usd: str | None = Field(description="their value in USD from the last candles closed by then; null when "
                                        "a currency held has no price route (listed in unpriced)")
    unpriced: list[str] = []


class WalletHistoryOut(BaseModel):
    """Holdings over time, from the archive: one point per step, each as it stood at that time."""

    account: str
    wallet_set: str | None = Field(description="null: the whole account, its pool included")
    step: str
    points: list[HistoryPoint]


class DatasetOut(BaseModel):
    """What one dataset of the archive holds of one book (``pair`` "*": a product list)."""

    venue: str
    pair: str
    kinds: list[str] = Field(description='"L2 book", "trades", "candles 5m", "bar-fill books", "listings"')
    first: str = Field(description="first event time, ISO 8601 UTC")
    last: str = Field(description="last event time, ISO 8601 UTC")
    events: int
    dataset: str = Field(description="the archived topic: pass it to a backtest as --dataset")
    origin: str = Field(description='"live namespace …", "import file" or "backfill"')


LevelOut = Annotated[list[str], Field(min_length=2, max_length=2, description="[price, size]")]
"""A book level as two decimal strings (a list, not a tuple: OpenAPI 3.0 has no fixed-length arrays)."""


class BookOut(BaseModel):
    venue: str
    pair: str
    stale: bool
    bids: list[LevelOut]
    asks: list[LevelOut]


MAX_DURATION_S = 10 * 366 * 86_400


class RunIn(Strict):
    strategy: Id
    balances: list[AllocationIn] = Field(min_length=1, max_length=100,
                                         description="The run's allocation (its wallet set).")
    params: dict[Annotated[str, Field(max_length=64)], ShortText] = Field({}, max_length=64)
    account: Id = "paper"
    deposit: StrictBool = Field(True, description="Deposit the allocation as paper money first (an admin's "
                                "right, as every deposit); false: the run's wallet set takes it from the "
                                "account's pool.")
    duration_s: int | None = Field(None, gt=0, le=MAX_DURATION_S, strict=True,
                                   description="Stop after this much event time.")
    history: StrictBool = Field(True, description="Give the run the archived candles its lookback reads.")
    command_id: Id | None = Field(None, description="Idempotency key of the start: the same key starts "
                                  "one run (the same run id), however often it is sent.")


class StrategyParamOut(BaseModel):
    """One parameter of a strategy, as a form shows it."""

    name: str
    type: Literal["int", "float", "bool", "text", "list", "amount"] = Field(
        description='the input it takes: "list" is comma-separated ("BTC,ETH"), "amount" a decimal ("0.01"), '
                    '"bool" true or false')
    default: str = Field(description="the default as the text the form would send")
    help: str = Field(description="what it means, when the strategy says; else empty")


class StrategyOut(BaseModel):
    """A runnable strategy."""

    name: str
    description: str
    params: list[StrategyParamOut] = Field(description="in declaration order")


class ParamsIn(Strict):
    params: dict[Annotated[str, Field(max_length=64)], ShortText] = Field({}, max_length=64)


class ParamsCheckedOut(BaseModel):
    """Parameters that a run would accept: every one with its parsed value as text (defaults included)."""

    strategy: str
    params: dict[str, str]


class RunOut(BaseModel):
    run_id: str
    wallet_set_id: str
    account: str
    command_id: str = Field(description="The start's idempotency key: send the start again with it.")
    history_candles: int = Field(0, description="Archived candles journaled into the run's inbox.")
    history_note: str | None = Field(None, description="Why no archived history was given, if so.")


class StopIn(Strict):
    reason: ShortText = "stopped from the API"
    release: StrictBool = Field(False, description="Give the run's wallet set back to the account's pool "
                                "once its cancelled orders are done (otherwise it keeps what the run left).")


class SentOut(BaseModel):
    command_id: str
    idempotency_key: str | None = Field(None, description="The key a retry sends (Idempotency-Key).")


class RunPerformanceOut(BaseModel):
    """A run's figures as the runs list shows them. A **paper** run (``basis`` "replica"): its wallet set
    now against the allocation it was started with, both valued at the latest book mids — what its trading
    made or lost against keeping what it was given (price moves of what it was given are not in it; its
    report has the curve since the start); funds moved into or out of its set later count as gain or loss.
    A **backtest** (``basis`` "report"): its stored report's figures, start to end."""

    equity_usd: str | None = Field(description="what it holds now (a backtest: at its end), in USD")
    start_usd: str | None = Field(description="what it was given, in USD (a paper run: at today's mids)")
    total_return: float | None = Field(description="equity_usd / start_usd - 1, a fraction (0.05 = 5 %)")
    max_drawdown: float | None = Field(description="deepest fall from a running peak, a fraction of that "
                                                   "peak; a backtest's only (a paper run's report has it)")
    basis: Literal["replica", "report"]


class RunSummaryOut(BaseModel):
    """A run as the list shows it."""

    run_id: str
    strategy: str
    mode: str = Field(description='"paper", "backtest" or "" when its start was not seen')
    account: str
    wallet_set_id: str
    state: str = Field(description='"requested" until the host answers, then starting, running, stopped, '
                                   'failed ...')
    detail: str = Field(description="the reason of the last state change")
    started: str | None = Field(description="when it was asked to start, ISO 8601 UTC")
    state_changed: str | None = Field(description="when its state last changed, ISO 8601 UTC")
    component_count: int
    performance: RunPerformanceOut | None = Field(None, description=(
        "How it is doing, without reading the archive; None while it cannot be valued (a paper run not yet "
        "funded, or released; a currency with no price; a backtest without a report)."))


class ComponentOut(BaseModel):
    """A UI component of a run: its declaration and latest data, so a page opened mid-run renders."""

    component_id: str
    kind: str = Field(description='"scatter", "line_chart", "bar_chart", "slider", "sliders", "table" ...; '
                                  '"" for data of a component not declared')
    spec: Any = Field(description="the declaration, as the strategy gave it")
    data: Any = Field(description="the latest data (null before the first update)")
    declared: str
    updated: str | None
    updates: int
    history: list[Any] = Field([], description="a component whose every update adds a point (a line_chart "
                               "declared with append) or a row (a table sent one object at a time): its last "
                               "1,000 updates, oldest first, the latest included; [] for other components")


class HoldingOut(BaseModel):
    venue: str
    currency: str
    amount: str


class RunDetailOut(RunSummaryOut):
    """Everything the read model knows of a run."""

    params: dict[str, str]
    allocations: list[HoldingOut]
    end: str | None = Field(description="its end on the market's clock, if it has one")
    duration_s: float | None
    stop_requested: str | None = Field(description="the reason of a stop request, once sent")
    inbox: dict[str, int] = Field(description="messages received, by type")
    outputs: dict[str, int] = Field(description="messages emitted, by type")
    components: list[ComponentOut]


class RunMessageOut(BaseModel):
    direction: Literal["inbox", "outputs"]
    type: str
    time: str
    topic: str
    partition: int
    offset: int
    event: dict[str, Any] = Field(description="the event as JSON, with its type")


class RunMessagesOut(BaseModel):
    messages: list[RunMessageOut]
    next: str | None = Field(description="pass as `after` for the next page; null: this is the last")


class LogOut(BaseModel):
    ts: str
    level: str
    message: str


class MarketStatusOut(BaseModel):
    """A book as the API's replica has it."""

    stale: bool = Field(description="true before its first snapshot, after a feed gap, or when empty")
    bid: str | None
    ask: str | None
    last_update_age_s: float | None = Field(description="seconds since its last message reached the API")


class FeedOut(BaseModel):
    state: Literal["connected", "disconnected", "stopped"]
    detail: str = Field(description="the feed's notice")
    since: str = Field(description="when, ISO 8601 UTC")


class MarketOut(BaseModel):
    """A listed market: its trading rules and its book's status."""

    venue: str
    pair: str
    base: str
    quote: str
    price_increment: str
    size_increment: str
    min_size: str
    max_size: str | None
    min_notional: str | None
    book: MarketStatusOut | None = Field(description="null while no message of its book was seen")
    feed: FeedOut | None = Field(None, description="its venue's feed as its last notice said (null: no "
                                 "notice of a feed of this venue seen, e.g. the synthetic market)")


class CandleOut(BaseModel):
    """One OHLCV candle of archived trades (decimal strings)."""

    start: str
    end: str
    open: str
    high: str
    low: str
    close: str
    volume: str
    trades: int


class OrderStepOut(BaseModel):
    ts: str
    type: str = Field(description="OrderRequested, OrderAccepted, OrderOpened, OrderFilled, OrderDone ...")
    event_id: str


class OrderViewOut(BaseModel):
    """An order as the ledger and the venue have told it."""

    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str
    type: str
    size: str
    price: str | None
    state: str = Field(description="requested, accepted, open, rejected or done")
    filled: str
    avg_price: str | None
    fees: dict[str, str] = Field(description="per currency")
    reason: str | None = Field(description="why it ended (done) or was rejected")
    created: str | None
    updated: str | None
    trail: list[OrderStepOut] | None = Field(None, description="every message about it (one order's read)")


class BacktestIn(Strict):
    """A backtest, as ``cryptick backtest`` takes it."""

    strategy: Id
    balances: list[AllocationIn] = Field(min_length=1, max_length=100, description="Its initial balances.")
    params: dict[Annotated[str, Field(max_length=64)], ShortText] = Field({}, max_length=64)
    start: IsoTime = Field(description="Start of the market window, ISO 8601 (UTC when no zone).")
    end: IsoTime = Field(description="End of the window (exclusive).")
    source: Literal["synthetic", "archive"] = Field(
        "synthetic", description="Market data: a seeded synthetic market, or the archive's recordings, "
        "imports and backfills (`GET /markets/datasets`).")
    datasets: list[Id] = Field([], max_length=50, description="With source archive: read only these "
                               "datasets (default: whichever one dataset holds each market).")
    namespace: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{0,64}$")] | None = Field(
        None, description="With source archive: read only this namespace's recorded books (\"\" the live "
        "one).")
    latency_ms: int = Field(50, ge=0, le=60_000, strict=True, description="One-way latency to the venue.")
    seed: int = Field(7, ge=0, le=2**31 - 1, strict=True, description="Seed of the synthetic market.")
    step_ms: int = Field(1000, ge=1, le=3_600_000, strict=True,
                         description="Synthetic market: event time between book updates.")
    sample_s: int = Field(60, ge=1, le=86_400, strict=True, description="Equity sampling interval.")
    store: StrictBool = Field(True, description="Store it (messages and row) in the archive, as the CLI "
                              "does: `cryptick runs`, `cryptick parity` and `GET /runs` then see it.")
    command_id: Id | None = Field(None, description="Idempotency key: the same key is the same backtest, "
                                  "however often it is sent; the same key with other options is a 409.")


class BacktestProgressOut(BaseModel):
    events: int = Field(description="market events replayed so far")
    time: str | None = Field(description="the market time reached, ISO 8601 UTC")
    fraction: float = Field(description="share of the window replayed, 0..1")
    events_per_s: float | None


class BacktestOut(BaseModel):
    """A backtest: its options, where it is, and its report once done."""

    backtest_id: str = Field(description="its run id (from its configuration, as the CLI's)")
    command_id: str | None = Field(description="the start's idempotency key (null for a stored run "
                                   "not started by this API)")
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    detail: str = Field(description="why it failed or was cancelled; whether it was stored")
    strategy: str
    params: dict[str, str]
    balances: list[HoldingOut]
    start: str
    end: str
    source: dict[str, Any] = Field(description="the data it read: kind, datasets, ...")
    latency_ms: int
    submitted: str | None
    started: str | None
    ended: str | None
    progress: BacktestProgressOut
    report: dict[str, Any] | None = Field(
        None, description="once done: metrics of the run and of HODL, fees, turnover, orders, fills, notes, "
        "and the equity and benchmark series as [time µs, USD] pairs")
    digest: str | None = Field(None, description="the hash of its outputs (equal runs print equal)")


class NoticeOut(BaseModel):
    """A service's notice: a feed connected or lost, a worker started, a problem."""

    time: str
    service: str = Field(description='"feed", "worker", "api", "archive"')
    process: str = Field(description="host:pid")
    level: str = Field(description='"info", "warning", "error"')
    logger: str
    message: str
    venue: str = Field(description='the venue it concerns ("" for none)')


class FillOut(BaseModel):
    """One fill of a virtual order: its price and size, the fee, and the displayed level it consumed."""

    fill_id: str = Field(description="order_id:fill_seq")
    order_id: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str
    price: str
    size: str
    fee: str
    fee_currency: str
    liquidity: str = Field(description='"maker" or "taker"')
    level_price: str = Field(description="the price of the book level it consumed")
    time: str


class TradeOut(BaseModel):
    """A trade the venue printed (real liquidity, not ours)."""

    trade_id: str
    price: str
    size: str
    taker_side: str | None
    time: str = Field(description="the venue's time")
    received: str | None = Field(description="when it was received")


class RunReportOut(BaseModel):
    """A run's report: what a backtest prints, and for a paper run the same figures from its archived
    inbox."""

    run_id: str
    mode: Literal["paper", "backtest"]
    report: dict[str, Any] = Field(
        description="metrics of the run and of HODL (return, volatility, Sharpe, drawdown), fees, turnover, "
        "orders, fills, notes, and the equity and benchmark series as [time µs, USD] pairs")
