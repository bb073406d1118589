"""The typed event classes of the contract.

Every class here is one Avro record (``schemas/avsc/<Name>.avsc``, generated
from these definitions by ``python -m schemas.generate`` and checked by a test).

Conventions (DESIGN §2, §6):
- ``event_id`` is deterministic, derived from the event's cause, never random.
- ``ts`` is event time in integer microseconds since the epoch (UTC).
- prices, sizes and amounts are fixed-point integers at scale ``SCALE`` (1e-8).
- enumerations travel as strings (so a new value is a compatible change); the
  allowed values are the ``StrEnum`` classes below.
- command events (``COMMAND_TYPES``) end with ``principal``, who issued them
  (DESIGN §9), so the archive answers "who did what".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SCALE = 100_000_000
"""Fixed-point scale of every price, size and amount: 1 unit = 1e-8."""

MAX_UNITS = 2**63 - 1
"""The largest price, size or amount the wire holds (an Avro ``long``): 92,233,720,368.54775807.
Quantities enter checked against it; a value reached by arithmetic past it (a hold, a balance, a
fill's value) is a business rejection with a reason, never an encoding failure."""


class BookSide(StrEnum):
    BID = "bid"
    ASK = "ask"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    LIMIT = "limit"  # good till cancelled
    MARKET = "market"  # price is the protection price
    IOC = "ioc"  # immediate-or-cancel
    FOK = "fok"  # fill-or-kill


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


class DoneReason(StrEnum):
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    KILLED = "killed"  # fill-or-kill that could not fill whole
    IOC_REMAINDER_CANCELLED = "ioc_remainder_cancelled"
    POST_ONLY_REJECTED = "post_only_rejected"
    MARKET_REMAINDER_CANCELLED = "market_remainder_cancelled"
    BOOK_STALE = "book_stale"  # a taker order that met a stale book
    VALUE_OUT_OF_RANGE = "value_out_of_range"  # a fill's value or fee would pass MAX_UNITS


class Bucket(StrEnum):
    """Where a posting leg lands."""

    AVAILABLE = "available"  # a wallet set's spendable funds
    HOLD = "hold"  # a wallet set's reserved funds
    POOL = "pool"  # the account's unallocated funds
    EXTERNAL = "external"  # the outside world (deposits, withdrawals, counterparties)


class RunState(StrEnum):
    WAITING = "waiting"  # started, waiting for its wallet set
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"  # a handler raised or the run could not be built


class MovementKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    ALLOCATION = "allocation"
    DEALLOCATION = "deallocation"
    TRADE = "trade"
    FEE = "fee"


# --- nested records ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    """One price level of a book: price and displayed size."""

    price: int
    size: int


@dataclass(frozen=True, slots=True)
class LevelChange:
    """A new displayed size at a price; size 0 removes the level."""

    side: str  # BookSide
    price: int
    size: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """An amount of one currency on one venue (signed where it adjusts)."""

    venue: str
    currency: str
    amount: int


@dataclass(frozen=True, slots=True)
class HistoricalCandle:
    """One closed candle: its bucket, OHLC (fixed-point prices), volume (fixed-point base), trades."""

    start_ts: int
    end_ts: int
    open: int
    high: int
    low: int
    close: int
    volume: int
    trades: int


@dataclass(frozen=True, slots=True)
class PostingLeg:
    """One leg of a balanced posting; the legs of a posting sum to zero per currency."""

    wallet: str  # wallet set id, "pool" or "external"
    bucket: str  # Bucket
    venue: str
    currency: str
    amount: int


# --- market data (producers -> venue.journal, key "venue:PAIR") ---------------


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """The full L2 book of one venue and pair, best level first on each side.

    ``derived_from`` is None for a book the venue showed; ``"candles"`` for a book the bar-fill model
    (``producers.barfill``) made from a closed candle, for backtests on candles only.
    """

    event_id: str
    venue: str
    pair: str
    ts: int
    recv_ts: int
    seq: int | None
    bids: list[Level] = field(default_factory=list)
    asks: list[Level] = field(default_factory=list)
    derived_from: str | None = None


@dataclass(frozen=True, slots=True)
class BookDelta:
    """Changes to an L2 book; ``seq`` follows the venue's own numbering where it has one.

    ``seq`` only increases between snapshots of a book. Where a venue numbers per
    connection or skips numbers (Bitfinex, Poloniex), ``prev_seq`` is the ``seq``
    of this book's previous message, so a gap shows as ``prev_seq`` != the last
    ``seq`` seen; where it is None, the numbering is contiguous (``seq`` - 1).
    """

    event_id: str
    venue: str
    pair: str
    ts: int
    recv_ts: int
    seq: int | None
    changes: list[LevelChange] = field(default_factory=list)
    prev_seq: int | None = None


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """A trade printed by the venue (real liquidity, not ours)."""

    event_id: str
    venue: str
    pair: str
    ts: int
    recv_ts: int
    trade_id: str
    price: int
    size: int
    taker_side: str | None  # Side of the aggressor, when the venue says


@dataclass(frozen=True, slots=True)
class ClockTick:
    """Event time advances to ``ts``; drives timers such as ``cancel_after``."""

    event_id: str
    ts: int
    key: str  # the inbox key it was addressed to ("venue:PAIR", account or run id)


@dataclass(frozen=True, slots=True)
class MarketListed:
    """A venue's trading rules for a pair (from its REST product list)."""

    event_id: str
    venue: str
    pair: str
    base: str
    quote: str
    price_increment: int
    size_increment: int
    min_size: int
    max_size: int | None
    min_notional: int | None
    ts: int


@dataclass(frozen=True, slots=True)
class BookStatusChanged:
    """A book turned stale (sequence gap, out-of-order delta) or fresh (new snapshot)."""

    event_id: str
    venue: str
    pair: str
    stale: bool
    reason: str
    ts: int


# --- orders -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderRequested:
    """A strategy or a person asks for an order (into ``ledger.journal``).

    ``price`` is the worst price the order may trade at: the limit, or for a
    market order its protection price.
    """

    event_id: str
    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str  # Side
    order_type: str  # OrderType
    size: int
    price: int | None
    post_only: bool
    cancel_after_s: int | None
    ts: int
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """The ledger held funds for the order; routed into ``venue.journal``."""

    event_id: str
    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str
    order_type: str
    size: int
    price: int | None
    post_only: bool
    cancel_after_s: int | None
    hold_currency: str
    hold_amount: int
    ts: int


@dataclass(frozen=True, slots=True)
class OrderRejected:
    """An order request refused, with a machine reason and a human detail."""

    event_id: str
    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    reason: str
    detail: str
    ts: int


@dataclass(frozen=True, slots=True)
class CancelRequested:
    """Ask to cancel an open order (into ``ledger.journal``, forwarded to the venue)."""

    event_id: str
    order_id: str
    account: str
    run_id: str
    venue: str
    pair: str
    ts: int
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class CancelRejected:
    """A cancel request for an unknown or finished order."""

    event_id: str
    order_id: str
    account: str
    run_id: str
    venue: str
    pair: str
    reason: str
    ts: int


@dataclass(frozen=True, slots=True)
class OrderOpened:
    """A virtual order rests on the book."""

    event_id: str
    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str
    price: int
    size: int
    remaining: int
    queue_ahead: int
    ts: int


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """A (partial) fill of a virtual order; ``event_id`` is ``order_id:fill_seq``."""

    event_id: str
    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str
    price: int
    size: int
    fee: int
    fee_currency: str
    liquidity: str  # Liquidity
    level_price: int  # the displayed level this fill consumed
    fill_seq: int
    ts: int


@dataclass(frozen=True, slots=True)
class OrderDone:
    """A virtual order is finished; nothing more will happen to it."""

    event_id: str
    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str
    reason: str  # DoneReason
    filled_size: int
    avg_price: int | None
    fees: int
    ts: int


# --- wallets (commands into ledger.journal, key = account) ----------------------


@dataclass(frozen=True, slots=True)
class DepositFunds:
    """A virtual deposit (paper mode) onto the account's unallocated pool."""

    event_id: str
    account: str
    venue: str
    currency: str
    amount: int
    ts: int
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class WithdrawFunds:
    """A virtual withdrawal from the account's unallocated pool."""

    event_id: str
    account: str
    venue: str
    currency: str
    amount: int
    ts: int
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class CreateWalletSet:
    """Partition funds from the pool to a run: all allocations or none."""

    event_id: str
    account: str
    wallet_set_id: str
    run_id: str
    allocations: list[Allocation] = field(default_factory=list)
    ts: int = 0
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class AdjustWalletSet:
    """Top up (positive amounts) or reduce (negative amounts) an active wallet set."""

    event_id: str
    account: str
    wallet_set_id: str
    allocations: list[Allocation] = field(default_factory=list)
    ts: int = 0
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class DeactivateWalletSet:
    """Return a wallet set's funds to the pool."""

    event_id: str
    account: str
    wallet_set_id: str
    ts: int
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class BalanceReported:
    """An exchange's own balance for a currency (live mode), to reconcile against."""

    event_id: str
    account: str
    venue: str
    currency: str
    amount: int
    ts: int


# --- wallet events (ledger -> ledger.events) ------------------------------------


@dataclass(frozen=True, slots=True)
class WalletMovement:
    """A balanced posting: its legs sum to zero per currency."""

    event_id: str
    account: str
    kind: str  # MovementKind
    cause_id: str
    legs: list[PostingLeg] = field(default_factory=list)
    ts: int = 0
    run_id: str | None = None
    """The run whose wallet set its legs move (a movement moves one wallet set at most); '' for none; None
    in events written before the field existed (their run is read from the wallet set's name)."""


@dataclass(frozen=True, slots=True)
class FundsHeld:
    """Funds reserved in a wallet set for an accepted order."""

    event_id: str
    account: str
    order_id: str
    wallet_set_id: str
    venue: str
    currency: str
    amount: int
    ts: int
    run_id: str | None = None
    """The run whose wallet set this is; '' for a wallet set of no run; None in events written before the
    field existed (their run is read from the wallet set's name, ``schemas.topics``)."""


@dataclass(frozen=True, slots=True)
class HoldReleased:
    """What was left of an order's hold returns to available."""

    event_id: str
    account: str
    order_id: str
    wallet_set_id: str
    venue: str
    currency: str
    amount: int
    reason: str
    ts: int
    run_id: str | None = None
    """The run whose wallet set this is; '' for a wallet set of no run; None in events written before the
    field existed (their run is read from the wallet set's name, ``schemas.topics``)."""


@dataclass(frozen=True, slots=True)
class WalletSetCreated:
    event_id: str
    account: str
    wallet_set_id: str
    run_id: str
    allocations: list[Allocation] = field(default_factory=list)
    ts: int = 0


@dataclass(frozen=True, slots=True)
class WalletSetDeactivated:
    """A wallet set deactivated: its funds are back in the pool, and it takes no more orders."""

    event_id: str
    account: str
    wallet_set_id: str
    ts: int
    run_id: str | None = None
    """The run whose wallet set this is; '' for a wallet set of no run; None in events written before the
    field existed (their run is read from the wallet set's name, ``schemas.topics``)."""


@dataclass(frozen=True, slots=True)
class CommandRejected:
    """A wallet command refused, with a machine reason and a human detail."""

    event_id: str
    command_id: str
    account: str
    reason: str
    detail: str
    ts: int
    run_id: str | None = None
    """The run the refused command was about; '' for none; None in events written before the field
    existed (their run is read from the command's id, ``schemas.topics``)."""


@dataclass(frozen=True, slots=True)
class BalanceDiscrepancy:
    """The exchange reports a balance other than the ledger's; nothing is overwritten."""

    event_id: str
    account: str
    venue: str
    currency: str
    ledger_amount: int
    reported_amount: int
    ts: int


# --- strategy runs (strategy.journal, strategy.events; key = run id) ------------------


@dataclass(frozen=True, slots=True)
class StartRun:
    """Command: start a run of a strategy (paper mode) once its wallet set exists.

    ``params_json`` is the strategy's parameters as a JSON object of strings;
    ``start_ts`` 0 means: start with the first market event after subscribing.
    ``duration_us`` (v2) ends the run that long after the first market event it sees, on the
    market's clock (a fast or replayed feed runs ahead of the wall clock); ``end_ts`` is an
    absolute end, and the earlier of the two ends the run.
    """

    event_id: str
    run_id: str
    strategy: str
    params_json: str
    account: str
    wallet_set_id: str
    mode: str
    start_ts: int
    end_ts: int | None
    allocations: list[Allocation] = field(default_factory=list)
    ts: int = 0
    duration_us: int | None = None
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class HistoryLoaded:
    """Archived candles of one market from before a run, journaled into the run's inbox as it starts,
    so its lookback is served from the inbox (and a replay of the inbox sees the same history)."""

    event_id: str
    run_id: str
    venue: str
    pair: str
    interval_s: int
    candles: list[HistoricalCandle] = field(default_factory=list)
    ts: int = 0


@dataclass(frozen=True, slots=True)
class StopRun:
    """Command: stop a run; its open orders are cancelled and its subscriptions end. With ``release``
    (v2), its wallet set goes back to the account's pool once those orders are done."""

    event_id: str
    run_id: str
    reason: str
    ts: int
    release: bool = False
    principal: str = ""  # who issued it (see COMMAND_TYPES)


@dataclass(frozen=True, slots=True)
class RunStateChanged:
    """A run's life: ``waiting`` (for its wallet set), ``running``, ``stopped`` or ``failed``, with why."""

    event_id: str
    run_id: str
    strategy: str
    state: str  # RunState
    detail: str
    ts: int


@dataclass(frozen=True, slots=True)
class MarketSubscription:
    """A run starts (or stops) receiving one book's market events in its ``strategy.journal``.

    Routed to ``venue.journal`` (key ``venue:PAIR``), where the market fan-out
    keeps the subscribers of each book in order with the book's own events.
    """

    event_id: str
    run_id: str
    account: str
    venue: str
    pair: str
    subscribed: bool
    ts: int


@dataclass(frozen=True, slots=True)
class ControlMessage:
    """A message from the dashboard to a run, e.g. a slider moved on a component (JSON payload)."""

    event_id: str
    run_id: str
    component_id: str
    payload_json: str
    ts: int
    principal: str = ""  # who issued it (see COMMAND_TYPES)

    @property
    def payload(self) -> Any:
        return json.loads(self.payload_json)


@dataclass(frozen=True, slots=True)
class UiComponentDeclared:
    """A run declares a dashboard component: its kind and a JSON spec the dashboard renders generically."""

    event_id: str
    run_id: str
    component_id: str
    kind: str
    spec_json: str
    ts: int


@dataclass(frozen=True, slots=True)
class UiComponentUpdated:
    """New JSON data for a declared component."""

    event_id: str
    run_id: str
    component_id: str
    data_json: str
    ts: int


@dataclass(frozen=True, slots=True)
class StrategyLogged:
    """A log line of a run (the dashboard's log panel)."""

    event_id: str
    run_id: str
    level: str
    message: str
    ts: int


@dataclass(frozen=True, slots=True)
class TimerSet:
    """A run asks to be woken at ``at_ts`` by a ``ClockTick`` addressed to it."""

    event_id: str
    run_id: str
    timer_id: str
    name: str
    at_ts: int
    ts: int


# --- plumbing -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceNotice:
    """A service's notice for the people running it: a feed connected or lost, a worker's partitions,
    a dead letter written, an archive that fell behind (``notices.v1``; the logs stream)."""

    event_id: str
    service: str  # "feed", "worker", "api", "archive", ...
    process: str  # host:pid
    level: str  # "info", "warning", "error"
    logger: str
    message: str
    venue: str  # the venue it concerns, "" for none
    ts: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An inbox message that could not be decoded or processed, kept with its bytes."""

    event_id: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    reason: str
    ts: int


NESTED: tuple[type, ...] = (Level, LevelChange, Allocation, PostingLeg, HistoricalCandle)

COMMAND_TYPES: tuple[type, ...] = (
    OrderRequested,
    CancelRequested,
    DepositFunds,
    WithdrawFunds,
    CreateWalletSet,
    AdjustWalletSet,
    DeactivateWalletSet,
    StartRun,
    StopRun,
    ControlMessage,
)
"""What a person or a program asks for: these carry ``principal``, who issued them — a user's or an API
key's principal id (``alice``), ``cli:<OS user>`` for the CLI, ``run:<run id>`` for what a strategy run
sends (its orders, cancels, wallet set), ``backtest`` for a backtest's own setup; ``""`` in data written
before the field existed (it is the Avro default). ``MarketSubscription`` is no such command: only the
strategy host sends it, as a consequence of a run's start or end, and its ``run_id`` says whose it is."""

EVENT_TYPES: tuple[type, ...] = (
    BookSnapshot,
    BookDelta,
    PublicTrade,
    ClockTick,
    MarketListed,
    BookStatusChanged,
    OrderRequested,
    OrderAccepted,
    OrderRejected,
    CancelRequested,
    CancelRejected,
    OrderOpened,
    OrderFilled,
    OrderDone,
    DepositFunds,
    WithdrawFunds,
    CreateWalletSet,
    AdjustWalletSet,
    DeactivateWalletSet,
    BalanceReported,
    WalletMovement,
    FundsHeld,
    HoldReleased,
    WalletSetCreated,
    WalletSetDeactivated,
    CommandRejected,
    BalanceDiscrepancy,
    StartRun,
    HistoryLoaded,
    StopRun,
    RunStateChanged,
    MarketSubscription,
    ControlMessage,
    UiComponentDeclared,
    UiComponentUpdated,
    StrategyLogged,
    TimerSet,
    DeadLetter,
    ServiceNotice,
)

Event = (
    BookSnapshot
    | BookDelta
    | PublicTrade
    | ClockTick
    | MarketListed
    | BookStatusChanged
    | OrderRequested
    | OrderAccepted
    | OrderRejected
    | CancelRequested
    | CancelRejected
    | OrderOpened
    | OrderFilled
    | OrderDone
    | DepositFunds
    | WithdrawFunds
    | CreateWalletSet
    | AdjustWalletSet
    | DeactivateWalletSet
    | BalanceReported
    | WalletMovement
    | FundsHeld
    | HoldReleased
    | WalletSetCreated
    | WalletSetDeactivated
    | CommandRejected
    | BalanceDiscrepancy
    | StartRun
    | HistoryLoaded
    | StopRun
    | RunStateChanged
    | MarketSubscription
    | ControlMessage
    | UiComponentDeclared
    | UiComponentUpdated
    | StrategyLogged
    | TimerSet
    | DeadLetter
    | ServiceNotice
)
