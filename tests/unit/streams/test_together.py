"""Shells of one inbox in one consumer (matching and the market fan-out on ``venue.journal``): each message
is decoded once for both, and their outputs are those of each shell alone."""

from __future__ import annotations

from schemas.codec import Codec
from schemas.events import DeadLetter, Event
from schemas.topics import VENUE_JOURNAL
from strategies.topology import FANOUT, MATCHING, Configs
from streams.runtime.direct import Together
from streams.runtime.shell import processor
from tests.unit.streams.test_snapshots import inboxes  # noqa: F401  (the fixture: a live topology's inboxes)

Log = list[tuple[bytes, bytes]]


class Counting(Codec):
    """The real codec, counting its decodes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def decode(self, data: bytes) -> Event:
        self.calls += 1
        return super().decode(data)


def test_one_decode_for_both_shells_and_the_same_outputs(
        inboxes: dict[tuple[str, int], Log]) -> None:  # noqa: F811
    part, log = max(((p, log) for (t, p), log in inboxes.items() if t == VENUE_JOURNAL),
                    key=lambda c: len(c[1]))
    alone = [processor(MATCHING, Configs()), processor(FANOUT, Configs())]
    together = Together([processor(MATCHING, Configs()), processor(FANOUT, Configs())])
    counting = Counting()
    together._decode = counting.decode  # type: ignore[method-assign]
    for shell in together.processors:
        shell.codec = counting

    for offset, (key, value) in enumerate(log):
        expected = [o for p in alone for o in p.process(part, offset, key, value)]
        assert together.process(part, offset, key, value) == expected

    assert counting.calls == len(log)  # once per message, not once per shell
    assert together.processors[1].counters.events_out.get(part, 0) > 0  # the fan-out forwarded books


def test_a_message_that_does_not_decode_is_dead_lettered_once() -> None:
    together = Together([processor(MATCHING, Configs()), processor(FANOUT, Configs())])
    [letter] = together.process(0, 0, b"k", b"\x00junk")  # the fan-out leaves bad messages to matching
    assert isinstance(letter.event, DeadLetter) and letter.event.offset == 0
