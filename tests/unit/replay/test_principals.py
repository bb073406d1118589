"""A backtest stamps commands as the live runtime does: its own setup ``backtest``, its runs' ``run:<id>``."""

from __future__ import annotations

from replay.engine import BACKTEST_PRINCIPAL
from replay.sources import MemoryJournal
from schemas.codec import default_codec
from schemas.events import COMMAND_TYPES
from schemas.topics import RUN_INBOXES, RUN_OUTPUTS
from tests.unit.replay.kit import PAIR, T0, VENUE, P, S, Script, backtest, run_spec, snapshot


def test_setup_commands_are_the_backtests_and_the_runs_commands_are_the_runs() -> None:
    spec = run_spec()
    # a bid far below the book: it rests until the end of the run cancels it
    bid = Script({T0: lambda ctx: ctx.submit_order(VENUE, PAIR, "buy", P // 100, 8000 * P)})
    journal = MemoryJournal()
    backtest([snapshot(T0, [(9000, 1)], [(9001, 1)])], bid, end=T0 + 10 * S, journal=journal, spec=spec)
    decode = default_codec().decode
    seen = {(type(e).__name__, e.principal)  # type: ignore[union-attr]
            for topic in (*RUN_INBOXES, *RUN_OUTPUTS) for m in journal.topic(topic)
            if isinstance(e := decode(m.value), COMMAND_TYPES)}
    run = f"run:{spec.run_id}"
    assert seen == {("DepositFunds", BACKTEST_PRINCIPAL), ("StartRun", BACKTEST_PRINCIPAL),
                    ("StopRun", BACKTEST_PRINCIPAL), ("CreateWalletSet", run), ("OrderRequested", run),
                    ("CancelRequested", run)}
