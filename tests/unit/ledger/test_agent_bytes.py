"""The ledger agent's shell sends the same bytes with the compiled codec as with fastavro alone.

Given an inbox with every kind of input the ledger decides (deposits, wallet sets, accepted and refused
orders, fills, done, cancels, withdrawals, a reported balance, a bad message), when one shell decodes and
encodes with the compiled codec and another with fastavro only, then their outputs are identical, byte
for byte, topic and key included.
"""

from __future__ import annotations

from schemas.codec import Codec
from schemas.events import Event
from strategies.topology import LEDGER, Configs
from streams.runtime.inbox import Outgoing
from streams.runtime.shell import processor
from tests.unit.ledger.kit import (
    adjust,
    alloc,
    cancel,
    create,
    deactivate,
    deposit,
    done,
    fill,
    listed,
    opened,
    order,
    reported,
    withdraw,
)

FASTAVRO = Codec(compiled=False)


def inbox() -> list[Event]:
    return [
        listed(), deposit("dep-usd", "USD", "50000"), deposit("dep-btc", "BTC", "10"),
        create("ws", alloc("USD", "10000"), alloc("BTC", "2")),
        order("o1", "buy", "0.5", "20000"), opened("o1", "buy", "0.5", "20000"),
        fill("o1", 1, "buy", "0.2", "19990.5", "2.4"), fill("o1", 2, "buy", "0.3", "20000", "0"),
        done("o1", "buy", "0.5"),
        order("o2", "sell", "1", "21000.01"), fill("o2", 1, "sell", "0.25", "21000.01", "3.15"),
        cancel("o2"), done("o2", "sell", "0.25", reason="cancelled"),
        order("o3", "buy", "1000", "20000"), order("o4", "buy", "0", "20000"), order("o5", "buy", "1", None),
        cancel("nope"), adjust("adj", alloc("USD", "-100")), withdraw("wd", "BTC", "1"),
        reported("rep", "USD", "123.45"), deposit("dep-usd", "USD", "50000"),  # a repeated id
        deactivate("deact"),
    ]


def outputs(codec: Codec) -> list[Outgoing]:
    p = processor(LEDGER, Configs())
    p.codec = codec
    out: list[Outgoing] = []
    values = [FASTAVRO.encode(e) for e in inbox()] + [b"\xc3\x01not an event"]
    for offset, value in enumerate(values):
        out += p.process(0, offset, b"alice", value)
    return out


def test_the_shell_sends_the_same_bytes_with_the_compiled_codec() -> None:
    compiled, reference = outputs(Codec()), outputs(FASTAVRO)
    kinds = {type(o.event).__name__ for o in reference}
    assert {"FundsHeld", "OrderAccepted", "WalletMovement", "HoldReleased", "OrderRejected", "CancelRejected",
            "CancelRequested", "BalanceDiscrepancy", "DeadLetter"} <= kinds
    assert [(o.topic, o.key, o.value) for o in compiled] == [(o.topic, o.key, o.value) for o in reference]
