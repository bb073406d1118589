"""The strategy host gives an ended run's wallet set back when asked, whatever order its last events take."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.events import (
    SCALE,
    Allocation,
    BookSnapshot,
    ClockTick,
    CommandRejected,
    ControlMessage,
    DeactivateWalletSet,
    Event,
    Level,
    MarketListed,
    OrderDone,
    OrderRequested,
    PostingLeg,
    StartRun,
    StopRun,
    StrategyLogged,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
)
from schemas.topics import run_create_command, run_release_command, run_wallet_set
from strategies.api import MarketRef, Strategy
from strategies.context import Context
from strategies.host import RELEASE_ATTEMPTS, StrategyHost

T0 = 1_514_764_800_000_000
S = 1_000_000
V, PAIR, ACC = "synthetic", "BTC-USD", "paper"


class Bidder(Strategy):
    """Bids once as it starts and notes what it saw then, and every control message."""

    name = "bidder"

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def markets(self, default_venue: str) -> list[MarketRef]:
        return [MarketRef(V, PAIR)]

    def on_start(self, ctx: Context) -> None:
        book = ctx.book(V, PAIR)
        self.seen.append(("start", book is not None and book.ask is not None))
        ctx.submit_order(V, PAIR, "buy", SCALE // 100, 9_000 * SCALE, "limit")

    def on_control(self, ctx: Context, message: ControlMessage) -> None:
        self.seen.append((message.component_id, ctx.book(V, PAIR) is not None))


def host() -> tuple[StrategyHost, Bidder]:
    strategy = Bidder()
    return StrategyHost(lambda cmd: strategy), strategy


def start(run: str, end: int | None = None) -> StartRun:
    return StartRun(f"{run}:start", run, "bidder", "{}", ACC, run_wallet_set(run), "paper", 0, end,
                    [Allocation(V, "USD", 1000 * SCALE)], T0)


def created(run: str, ts: int = T0) -> WalletSetCreated:
    return WalletSetCreated(f"{run}:create:created", ACC, run_wallet_set(run), run,
                            [Allocation(V, "USD", 1000 * SCALE)], ts)


def allocated(run: str, ts: int = T0) -> WalletMovement:
    return WalletMovement(f"{run}:create:allocation", ACC, "allocation", run_create_command(run),
                          [PostingLeg("pool", "pool", V, "USD", -1000 * SCALE),
                           PostingLeg(run_wallet_set(run), "available", V, "USD", 1000 * SCALE)], ts)


def book(ts: int) -> list[Event]:
    listed = MarketListed(f"l:{ts}", V, PAIR, "BTC", "USD", SCALE // 100, SCALE // 10**6, SCALE // 10**6,
                          None, None, ts)
    return [listed, BookSnapshot(f"s:{ts}", V, PAIR, ts, ts, None, [Level(9_990 * SCALE, SCALE)],
                                 [Level(10_010 * SCALE, SCALE)])]


def done(run: str, order_id: str, ts: int) -> OrderDone:
    return OrderDone(f"{order_id}:done", order_id, ACC, run, run_wallet_set(run), V, PAIR, "buy", "cancelled",
                     0, None, 0, ts)


def release(run: str, ts: int, n: int = 1) -> StopRun:
    return StopRun(f"{run}:stop:release:{n}", run, "release", ts, True)


def feed(h: StrategyHost, run: str, events: Sequence[Event]) -> list[Event]:
    out: list[Event] = []
    for e in events:
        out += h.handle_keyed(run, e)
    return out


def releases(outs: Sequence[Event]) -> list[str]:
    return [o.event_id for o in outs if isinstance(o, DeactivateWalletSet)]


def running(h: StrategyHost, run: str, end: int | None = None) -> str:
    """The run started, funded, on its book, with its bid out; the bid's order id."""
    outs = feed(h, run, [start(run, end), created(run), allocated(run), *book(T0 + S)])
    return next(o.order_id for o in outs if isinstance(o, OrderRequested))


def test_the_release_waits_for_the_cancelled_bid_and_goes_once() -> None:
    h, _ = host()
    bid = running(h, "r1")
    assert releases(feed(h, "r1", [release("r1", T0 + 5 * S)])) == []  # the bid's cancel is on its way
    outs = feed(h, "r1", [done("r1", bid, T0 + 6 * S), release("r1", T0 + 7 * S, 2)])
    assert releases(outs) == [run_release_command("r1")]
    logs = feed(h, "r1", [WalletSetDeactivated("d", ACC, run_wallet_set("r1"), T0 + 8 * S)])
    assert [(e.event_id, e.level) for e in logs if isinstance(e, StrategyLogged)] == [("r1:released", "info")]


def test_another_wallet_set_of_the_run_deactivated_is_not_its_release() -> None:
    """Wallet events reach the run they name, from any of its wallet sets (a client may create another one
    for the run): only the run's own set being deactivated releases it."""
    h, _ = host()
    bid = running(h, "r1")
    outs = feed(h, "r1", [done("r1", bid, T0 + 6 * S), release("r1", T0 + 7 * S)])
    assert releases(outs) == [run_release_command("r1")]
    other = feed(h, "r1", [WalletSetDeactivated("d2", ACC, "manual-ws", T0 + 8 * S, "r1")])
    assert [e for e in other if isinstance(e, StrategyLogged)] == []
    logs = feed(h, "r1", [WalletSetDeactivated("d", ACC, run_wallet_set("r1"), T0 + 9 * S, "r1")])
    assert [(e.event_id, e.level) for e in logs if isinstance(e, StrategyLogged)] == [("r1:released", "info")]


def test_the_order_done_that_crosses_the_end_still_counts() -> None:
    h, _ = host()
    end = T0 + 60 * S
    bid = running(h, "r1", end)
    outs = feed(h, "r1", [done("r1", bid, end + S)])  # the first event past the end ends the run ...
    assert h.state("r1") == "stopped" and not h.ended["r1"].open  # ... and its bid is known to be done
    assert releases(outs + feed(h, "r1", [release("r1", end + 2 * S)])) == [run_release_command("r1")]


def test_a_stop_between_the_sets_creation_and_its_allocation_still_releases() -> None:
    h, _ = host()
    feed(h, "r2", [start("r2"), created("r2")])
    assert releases(feed(h, "r2", [release("r2", T0 + S)])) == []  # the allocation is still to come
    assert releases(feed(h, "r2", [allocated("r2", T0 + 2 * S)])) == [run_release_command("r2")]


def test_a_create_landing_after_the_end_of_a_waiting_run_is_released_when_asked() -> None:
    h, _ = host()
    end = T0 + 10 * S
    outs = feed(h, "r3", [start("r3", end), created("r3", end), allocated("r3", end), release("r3", end + S)])
    assert h.state("r3") == "stopped" and releases(outs) == [run_release_command("r3")]


def test_a_refused_release_is_retried_while_the_ledger_still_sees_open_orders_then_reported() -> None:
    h, _ = host()
    bid = running(h, "r4")
    outs = feed(h, "r4", [release("r4", T0 + 5 * S), done("r4", bid, T0 + 6 * S)])
    sent = releases(outs)
    for attempt in range(1, RELEASE_ATTEMPTS + 1):
        assert sent == [run_release_command("r4", attempt)]
        refusal = CommandRejected(f"rej{attempt}", sent[0], ACC, "open_orders", "1 open order", T0 + 7 * S)
        outs = feed(h, "r4", [refusal])
        sent = releases(outs)
    assert sent == [] and [e.level for e in outs if isinstance(e, StrategyLogged)] == ["warning"]
    assert releases(feed(h, "r4", [release("r4", T0 + 5 * S)])) == []  # the same ask again: nothing
    again = releases(feed(h, "r4", [release("r4", T0 + 9 * S, 2)]))  # a new ask retries
    assert again == [run_release_command("r4", RELEASE_ATTEMPTS + 1)]


def test_a_release_of_a_run_never_funded_says_so() -> None:
    h, _ = host()
    feed(h, "r5", [start("r5")])
    refused = CommandRejected("rej", run_create_command("r5"), ACC, "insufficient_funds", "no", T0)
    outs = feed(h, "r5", [release("r5", T0 + S), refused])
    assert releases(outs) == []
    assert [e.message for e in outs if isinstance(e, StrategyLogged)] == [
        "nothing to release: the run's wallet set was never created"]
    assert feed(h, "r5", [release("r5", T0 + 2 * S, 2)]) == []


def test_controls_before_the_first_book_reach_the_strategy_after_it_started_on_that_book() -> None:
    h, strategy = host()
    feed(h, "r6", [start("r6"), ControlMessage("c1", "r6", "early", "{}", T0)])  # sent while it waits
    feed(h, "r6", [created("r6"), allocated("r6")])
    feed(h, "r6", [ControlMessage("c2", "r6", "running", "{}", T0)])  # running, no book yet
    assert strategy.seen == []
    feed(h, "r6", book(T0 + S))
    # on_start comes just before the first market event is applied (strategies.runtime); the controls
    # that waited come right after it, with the book there
    assert strategy.seen == [("start", False), ("early", True), ("running", True)]
    feed(h, "r6", [ClockTick("t", T0 + 2 * S, "r6"), ControlMessage("c3", "r6", "later", "{}", T0 + 2 * S)])
    assert strategy.seen[-1] == ("later", True)
