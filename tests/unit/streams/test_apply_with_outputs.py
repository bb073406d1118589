"""An input is applied only together with its encoded outputs, live and in every rebuild.

Given an inbox with one message whose outputs cannot be encoded (a codec that refuses one event
stands in for a value past the wire's range), when the shell processes it, then the engine is as
if that message had never come, the message is a dead letter with the reason, and a restart
rebuild over the same inbox gives exactly the live state."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from schemas.codec import Codec, decode, encode
from schemas.events import SCALE, DeadLetter, DepositFunds, Event, FundsHeld, OrderFilled
from schemas.topics import LEDGER_EVENTS, LEDGER_JOURNAL, VENUE_EVENTS, VENUE_JOURNAL
from strategies.topology import account_of as ledger_key
from strategies.topology import venue_of as venue_key
from streams.ledger.engine import INBOX_TYPES as LEDGER_TYPES
from streams.ledger.engine import Ledger
from streams.matching.engine import INBOX_TYPES as VENUE_TYPES
from streams.matching.engine import MatchingEngine
from streams.runtime.inbox import InboxProcessor
from tests.unit.ledger.kit import alloc, create, deposit, listed, order
from tests.unit.matching.conftest import Make

P = SCALE


class Refusing(Codec):
    """The real codec, except that it cannot encode the events ``bad`` picks."""

    def __init__(self, bad: Callable[[Event], bool]) -> None:
        super().__init__()
        self.bad = bad

    def encode(self, event: Event) -> bytes:
        if self.bad(event):
            raise ValueError(f"{type(event).__name__} {event.event_id}: value out of range")
        return super().encode(event)


def inbox(*events: Event) -> list[bytes]:
    return [encode(e) for e in events]


def history(values: list[bytes]) -> Callable[[int, int, int], Iterator[tuple[int, bytes | None, bytes]]]:
    def read(partition: int, start: int, end: int) -> Iterator[tuple[int, bytes | None, bytes]]:
        for off, value in enumerate(values[start:end], start):
            yield off, b"k", value
    return read


def ledger_shell(values: list[bytes], bad: Callable[[Event], bool]) -> InboxProcessor:
    return InboxProcessor(inbox=LEDGER_JOURNAL, engine_factory=Ledger, accepts=LEDGER_TYPES,
                          output_topic=LEDGER_EVENTS, key_of=ledger_key, history=history(values),
                          codec=Refusing(bad))


def venue_shell(values: list[bytes], bad: Callable[[Event], bool]) -> InboxProcessor:
    return InboxProcessor(inbox=VENUE_JOURNAL, engine_factory=MatchingEngine, accepts=VENUE_TYPES,
                          output_topic=VENUE_EVENTS, key_of=venue_key, history=history(values),
                          codec=Refusing(bad))


def feed(shell: InboxProcessor, values: list[bytes], start: int = 0) -> list[list[Event]]:
    return [[decode(o.value) for o in shell.process(0, off, b"k", v)]
            for off, v in enumerate(values) if off >= start]


def poison_hold(e: Event) -> bool:
    return isinstance(e, FundsHeld) and e.order_id == "o1"


LEDGER_INBOX = inbox(listed(), deposit("d1", "USD", "1000"), create("c1", alloc("USD", "1000")),
                     order("o1", "buy", "1", "900"), order("o2", "buy", "1", "990"))


def test_a_ledger_input_whose_outputs_cannot_be_encoded_changes_nothing_and_is_dead_lettered() -> None:
    shell = ledger_shell(LEDGER_INBOX, poison_hold)
    feed(shell, LEDGER_INBOX[:3])
    before = shell.engines[0].export_state()  # type: ignore[union-attr]

    [[letter]] = feed(shell, LEDGER_INBOX[:4], start=3)

    assert isinstance(letter, DeadLetter) and letter.offset == 3
    assert letter.reason == "processing failed: ValueError('FundsHeld req:o1:hold: value out of range')"
    assert shell.engines[0].export_state() == before  # type: ignore[union-attr]
    assert shell.rebuilds == 0  # the ledger decides before it applies: nothing to undo
    # no hold nobody can see: the next order gets every dollar the events say is there
    [[held, accepted]] = feed(shell, LEDGER_INBOX, start=4)
    assert isinstance(held, FundsHeld) and held.amount == 990 * P + 990 * P * 60 // 10_000
    assert type(accepted).__name__ == "OrderAccepted"


def test_a_ledger_restart_over_the_poison_message_rebuilds_the_live_state() -> None:
    live = ledger_shell(LEDGER_INBOX, poison_hold)
    feed(live, LEDGER_INBOX)
    values = [*LEDGER_INBOX, encode(deposit("d2", "USD", "5"))]

    restarted = ledger_shell(values, poison_hold)
    [[*_]] = feed(restarted, values, start=5)
    feed(live, values, start=5)

    assert restarted.engines[0].export_state() == live.engines[0].export_state()  # type: ignore[union-attr]


def test_an_engine_that_changed_before_encoding_failed_is_rebuilt_without_the_input() -> None:
    mk = Make()
    values = inbox(mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]),
                   mk.accept("o1", "buy", P, 101 * P, order_type="ioc"),
                   mk.accept("o2", "buy", P, 101 * P, order_type="ioc"))
    shell = venue_shell(values, lambda e: isinstance(e, OrderFilled) and e.order_id == "o1")

    outputs = feed(shell, values)

    [letter] = outputs[1]
    assert isinstance(letter, DeadLetter) and "OrderFilled o1:fill:1: value out of range" in letter.reason
    # o1 took nothing: the ask it would have filled against is o2's
    assert outputs[2] == [mk.filled("o2", 1, 101 * P, P, "taker"),
                          mk.done("o2", "filled", [mk.filled("o2", 1, 101 * P, P, "taker")])]
    without = MatchingEngine()
    for value in (values[0], values[2]):
        without.handle(decode(value))
    assert shell.engines[0].export_state() == without.export_state()  # type: ignore[union-attr]
    assert shell.skipped == {0: {1}}


def test_a_matching_restart_over_the_poison_message_rebuilds_the_live_state() -> None:
    mk = Make()
    values = inbox(mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, 3 * P)]),
                   mk.accept("o1", "buy", P, 101 * P, order_type="ioc"),
                   mk.accept("o2", "buy", 2 * P, 100 * P),
                   mk.accept("o3", "buy", P, 101 * P, order_type="ioc"),
                   mk.trade(100 * P, P, "sell"))
    bad: Callable[[Event], bool] = lambda e: isinstance(e, OrderFilled) and e.order_id == "o1"  # noqa: E731
    live = venue_shell(values, bad)
    feed(live, values)

    restarted = venue_shell(values, bad)
    feed(restarted, values, start=4)

    assert restarted.engines[0].export_state() == live.engines[0].export_state()  # type: ignore[union-attr]
    assert restarted.skipped == live.skipped == {0: {1}}


class Tally:
    """A split engine whose apply breaks half-way on a deposit of currency 'BAD'."""

    def __init__(self) -> None:
        self.amounts: list[int] = []

    def decide(self, event: Event) -> list[Event]:
        return []

    def apply(self, event: Event, outputs: list[Event]) -> None:
        assert isinstance(event, DepositFunds)
        self.amounts.append(event.amount)
        if event.currency == "BAD":
            raise RuntimeError("broken half-way")

    def handle(self, event: Event) -> list[Event]:
        self.apply(event, [])
        return []


def tally_shell(values: list[bytes] | None) -> InboxProcessor:
    return InboxProcessor(inbox=LEDGER_JOURNAL, engine_factory=Tally, accepts=frozenset({DepositFunds}),
                          output_topic=LEDGER_EVENTS, key_of=ledger_key,
                          history=history(values) if values is not None else None)


TALLY_INBOX = inbox(deposit("d1", "USD", "1"), deposit("d2", "BAD", "2"), deposit("d3", "USD", "3"))


def test_a_split_engine_that_fails_while_applying_is_rebuilt_without_the_input() -> None:
    shell = tally_shell(TALLY_INBOX)
    outputs = feed(shell, TALLY_INBOX)
    assert [type(o) for out in outputs for o in out] == [DeadLetter]
    assert shell.engines[0].amounts == [1 * P, 3 * P]  # type: ignore[union-attr]


def test_without_an_inbox_history_a_diverged_engine_is_counted_and_reported() -> None:
    shell = tally_shell(None)
    [_, [letter], _] = feed(shell, TALLY_INBOX)
    assert isinstance(letter, DeadLetter) and "broken half-way" in letter.reason
    assert shell.diverged == 1


def test_a_processor_that_leaves_bad_messages_to_another_still_reports_its_own_failures() -> None:
    values = [b"junk", TALLY_INBOX[1]]
    shell = tally_shell(values)
    shell.dead_letters = False
    shell.source = "ns.ledger.journal.v1"
    junk, [letter] = feed(shell, values)
    assert junk == []  # the other agent on this inbox reports undecodable bytes
    assert isinstance(letter, DeadLetter)
    assert letter.event_id == f"ns.ledger.journal.v1:0:1:{LEDGER_EVENTS}"  # not the other's id
