"""A run's duration counts on the clock of the market it trades on, from the first market event it sees."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.events import (
    SCALE,
    Allocation,
    BookSnapshot,
    ClockTick,
    Event,
    Level,
    MarketListed,
    PostingLeg,
    PublicTrade,
    RunStateChanged,
    StartRun,
    WalletMovement,
    WalletSetCreated,
)
from schemas.topics import run_create_command, run_wallet_set
from strategies.api import MarketRef, Strategy
from strategies.context import Context
from strategies.host import StrategyHost

WALL = 1_780_000_000_000_000  # when the user started the run (2026)
S = 1_000_000
V, PAIR, ACC = "synthetic", "BTC-USD", "paper"


class Watcher(Strategy):
    """Notes the time of every trade it is shown."""

    name = "watcher"

    def __init__(self) -> None:
        self.trades: list[int] = []

    def markets(self, default_venue: str) -> list[MarketRef]:
        return [MarketRef(V, PAIR)]

    def on_trade(self, ctx: Context, trade: PublicTrade) -> None:
        self.trades.append(trade.ts)


def start(run: str, duration_us: int | None, end_ts: int | None = None) -> StartRun:
    return StartRun(f"{run}:start", run, "watcher", "{}", ACC, run_wallet_set(run), "paper", 0, end_ts,
                    [Allocation(V, "USD", 1000 * SCALE)], WALL, duration_us)


def funded(run: str) -> list[Event]:
    """The ledger's answer to the run's create, stamped with the command's (wall-clock) time."""
    return [WalletSetCreated(f"{run}:create:created", ACC, run_wallet_set(run), run,
                             [Allocation(V, "USD", 1000 * SCALE)], WALL),
            WalletMovement(f"{run}:create:allocation", ACC, "allocation", run_create_command(run),
                           [PostingLeg("pool", "pool", V, "USD", -1000 * SCALE),
                            PostingLeg(run_wallet_set(run), "available", V, "USD", 1000 * SCALE)], WALL)]


def market(t0: int) -> list[Event]:
    """A listing stamped long before, then a book and trades every 10 s of market time from ``t0``."""
    step = SCALE // 10**6
    listed = MarketListed("l", V, PAIR, "BTC", "USD", SCALE // 100, step, step, None, None, t0 - 86_400 * S)
    out: list[Event] = [listed, BookSnapshot("s", V, PAIR, t0, t0, None, [Level(9_990 * SCALE, SCALE)],
                                             [Level(10_010 * SCALE, SCALE)])]
    for i in range(1, 10):
        ts = t0 + i * 10 * S
        out.append(PublicTrade(f"t{i}", V, PAIR, ts, ts, f"{i}", 10_000 * SCALE, SCALE // 10, "buy"))
    return out


def run_through(run: str, cmd: StartRun, events: Sequence[Event]
                ) -> tuple[StrategyHost, Watcher, list[Event]]:
    strategy = Watcher()
    h = StrategyHost(lambda _: strategy)
    outs: list[Event] = []
    for e in [cmd, *funded(run), *events]:
        outs += h.handle_keyed(run, e)
    return h, strategy, outs


def ended(outs: Sequence[Event]) -> RunStateChanged:
    return [o for o in outs if isinstance(o, RunStateChanged)][-1]


def test_a_market_clock_ahead_of_the_start_gets_the_whole_duration() -> None:
    ahead = WALL + 3 * 86_400 * S  # a fast feed: its clock days ahead of the wall clock's
    h, strategy, outs = run_through("r1", start("r1", 45 * S), market(ahead))
    assert strategy.trades == [ahead + i * 10 * S for i in range(1, 5)]  # 10 s .. 40 s: within the 45 s
    assert h.state("r1") == "stopped"
    assert (ended(outs).detail, ended(outs).ts) == ("end of the run reached", ahead + 50 * S)


def test_a_market_clock_behind_the_start_ends_the_run_too() -> None:
    behind = 1_514_764_800_000_000  # a replayed 2018 feed: years behind the wall clock
    h, strategy, outs = run_through("r2", start("r2", 25 * S), market(behind))
    assert strategy.trades == [behind + 10 * S, behind + 20 * S]
    assert (h.state("r2"), ended(outs).ts) == ("stopped", behind + 30 * S)


def test_the_duration_counts_from_the_first_market_event_not_from_the_listing_or_the_funds() -> None:
    t0 = WALL + 86_400 * S
    tick = ClockTick(f"tick:r3:{t0}", t0, "r3")
    h, strategy, _ = run_through("r3", start("r3", 15 * S), [tick, *market(t0 + 100 * S)])
    assert strategy.trades == []  # the tick started the clock: the book 100 s later is past the end
    assert h.state("r3") == "stopped"


def test_an_absolute_end_still_ends_the_run_and_the_earlier_end_wins() -> None:
    t0 = WALL + 86_400 * S
    h, strategy, outs = run_through("r4", start("r4", None, end_ts=t0 + 35 * S), market(t0))
    assert strategy.trades == [t0 + 10 * S, t0 + 20 * S, t0 + 30 * S]
    assert (h.state("r4"), ended(outs).ts) == ("stopped", t0 + 40 * S)
    outs = run_through("r5", start("r5", 65 * S, end_ts=t0 + 35 * S), market(t0))[2]
    assert ended(outs).ts == t0 + 40 * S  # the absolute end comes first
    outs = run_through("r6", start("r6", 15 * S, end_ts=t0 + 35 * S), market(t0))[2]
    assert ended(outs).ts == t0 + 20 * S  # the duration's end comes first


def test_without_an_end_or_a_duration_the_run_goes_on() -> None:
    h, strategy, _ = run_through("r7", start("r7", None), market(WALL))
    assert len(strategy.trades) == 9 and h.state("r7") == "running"


def test_a_duration_that_is_not_positive_fails_the_start() -> None:
    h, _, outs = run_through("r8", start("r8", 0), market(WALL))
    assert h.state("r8") == "failed"
    assert "duration must be positive" in ended(outs).detail


def test_the_same_inbox_ends_the_run_at_the_same_event() -> None:
    ahead = WALL + 7 * 86_400 * S
    first = run_through("r9", start("r9", 45 * S), market(ahead))[2]
    again = run_through("r9", start("r9", 45 * S), market(ahead))[2]
    assert first == again and ended(first).ts == ahead + 50 * S


def test_a_control_message_stamped_by_the_wall_clock_does_not_end_a_run_on_an_older_market() -> None:
    from schemas.events import ControlMessage

    behind = 1_514_764_800_000_000  # a 2018 feed; the dashboard's message is stamped now
    events = market(behind)
    control = ControlMessage("r10:control:x:1", "r10", "x", "{}", WALL)
    h, strategy, _outs = run_through("r10", start("r10", 3600 * S), [*events[:4], control, *events[4:]])
    assert len(strategy.trades) == 9 and h.state("r10") == "running"
