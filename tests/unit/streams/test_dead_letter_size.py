"""A dead letter of a huge undecodable message fits the broker: the value is cut, the reason says so."""

from __future__ import annotations

from schemas.codec import default_codec
from schemas.events import DeadLetter
from strategies.topology import LEDGER, Configs
from streams.runtime.inbox import DEAD_LETTER_BYTES
from streams.runtime.shell import processor


def test_a_huge_bad_message_gives_a_small_letter() -> None:
    proc = processor(LEDGER, Configs())
    value = b"\x00" + b"x" * 1_040_000
    out = proc.process(0, 0, b"main", value)
    assert len(out) == 1 and isinstance(out[0].event, DeadLetter)
    letter = out[0].event
    assert letter.value == value[:DEAD_LETTER_BYTES]
    assert "1,040,001-byte value" in letter.reason and "@0" in letter.reason
    assert len(out[0].value) < DEAD_LETTER_BYTES + 10_000
    assert default_codec().decode(out[0].value) == letter
