"""The agent shell's core: decode, run, encode; dead letters; redelivery; rebuild on restart."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.codec import decode, encode
from schemas.events import ClockTick, DeadLetter, DepositFunds, Event
from schemas.topics import DEAD_LETTERS, LEDGER_EVENTS, LEDGER_JOURNAL
from streams.runtime.inbox import InboxProcessor


@dataclass
class Counter:
    """Emits a tick numbered by how many deposits it has seen: state is visible in outputs."""

    seen: int = 0
    fail_on: str = "boom"
    calls: list[str] = field(default_factory=list)

    def handle(self, event: Event) -> list[Event]:
        assert isinstance(event, DepositFunds)
        if event.currency == self.fail_on:
            raise RuntimeError("broken invariant")
        self.seen += 1
        return [ClockTick(f"{event.event_id}:out", event.ts, f"n={self.seen}")]


def deposit(i: int, currency: str = "USD") -> bytes:
    return encode(DepositFunds(f"d{i}", "main", "v", currency, 100, i))


def make(history: dict[int, list[bytes]] | None = None) -> InboxProcessor:
    def read(partition: int, start: int, end: int):  # type: ignore[no-untyped-def]
        for off, value in enumerate((history or {}).get(partition, [])[:end]):
            if off >= start:
                yield off, b"main", value

    return InboxProcessor(
        inbox=LEDGER_JOURNAL, engine_factory=Counter, accepts=frozenset({DepositFunds}),
        output_topic=LEDGER_EVENTS, key_of=lambda e: "main", history=read if history else None,
    )


def test_outputs_are_encoded_for_the_output_topic() -> None:
    p = make()
    [out] = p.process(0, 0, b"main", deposit(0))
    assert out.topic == LEDGER_EVENTS and out.key == b"main"
    assert decode(out.value) == ClockTick("d0:out", 0, "n=1")


def test_undecodable_bytes_go_to_the_dead_letter_topic_with_reason_and_bytes() -> None:
    p = make()
    [out] = p.process(0, 5, b"k", b"not avro")
    assert out.topic == DEAD_LETTERS
    letter = decode(out.value)
    assert isinstance(letter, DeadLetter)
    assert letter.value == b"not avro" and letter.key == b"k"
    assert letter.offset == 5 and "marker" in letter.reason
    # and the agent goes on
    assert decode(p.process(0, 6, b"main", deposit(6))[0].value) == ClockTick("d6:out", 6, "n=1")


def test_an_event_of_the_wrong_inbox_is_dead_lettered() -> None:
    p = make()
    [out] = p.process(0, 0, b"k", encode(ClockTick("t", 1, "k")))
    letter = decode(out.value)
    assert isinstance(letter, DeadLetter) and "does not belong on ledger.journal" in letter.reason


def test_an_engine_failure_is_dead_lettered_and_processing_continues() -> None:
    p = make()
    [out] = p.process(0, 0, b"main", deposit(0, "boom"))
    letter = decode(out.value)
    assert isinstance(letter, DeadLetter) and "broken invariant" in letter.reason
    assert p.process(0, 1, b"main", deposit(1))


def test_redelivered_offsets_are_not_applied_twice() -> None:
    p = make()
    p.process(0, 0, b"main", deposit(0))
    p.process(0, 1, b"main", deposit(1))
    assert p.process(0, 1, b"main", deposit(1)) == []
    assert decode(p.process(0, 2, b"main", deposit(2))[0].value) == ClockTick("d2:out", 2, "n=3")


def test_partitions_have_separate_engines() -> None:
    p = make()
    p.process(0, 0, b"main", deposit(0))
    assert decode(p.process(1, 0, b"main", deposit(1))[0].value) == ClockTick("d1:out", 1, "n=1")


def test_resuming_mid_log_rebuilds_state_from_the_inbox_without_re_emitting() -> None:
    history = {0: [deposit(0), b"junk", deposit(2), deposit(3)]}
    p = make(history)
    # a restarted worker resumes at offset 3: offsets 0..2 are replayed silently
    [out] = p.process(0, 3, b"main", deposit(3))
    assert decode(out.value) == ClockTick("d3:out", 3, "n=3")
