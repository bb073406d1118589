"""The folds people read count a re-sent output (same event id) once."""

from __future__ import annotations

from replay.projections import balances, done, fills
from schemas.events import SCALE, OrderDone, OrderFilled, PostingLeg, WalletMovement


def test_a_resent_output_counts_once() -> None:
    legs = [PostingLeg("external", "external", "v", "USD", -SCALE),
            PostingLeg("pool", "pool", "v", "USD", SCALE)]
    move = WalletMovement("m1", "acct", "deposit", "d1", legs, 1)
    fill = OrderFilled("f1", "o1", "acct", "run", "ws", "v", "BTC-USD", "buy", SCALE, SCALE, 0, "USD",
                       "taker", SCALE, 1, 2)
    end = OrderDone("d1", "o1", "acct", "run", "ws", "v", "BTC-USD", "buy", "filled", SCALE, SCALE, 0, 3)
    assert balances([move, move])[("pool", "v", "USD", "pool")] == SCALE
    assert fills([fill, fill]) == [fill] and done([end, end]) == [end]
