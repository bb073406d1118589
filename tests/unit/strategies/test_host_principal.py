"""What a run sends names the run as its principal; who started it is the principal of its start."""

from __future__ import annotations

import dataclasses

from schemas.events import (
    COMMAND_TYPES,
    CancelRequested,
    CreateWalletSet,
    DeactivateWalletSet,
    OrderRequested,
    StopRun,
)
from strategies.run import new_run, run_principal
from tests.unit.strategies.test_host_release import T0, S, allocated, book, created, done, feed, host, start


def test_a_runs_orders_cancels_and_wallet_set_commands_carry_run_principal() -> None:
    h, _ = host()
    outs = feed(h, "r1", [dataclasses.replace(start("r1"), principal="alice"), created("r1"), allocated("r1"),
                          *book(T0 + S)])
    bid = next(o.order_id for o in outs if isinstance(o, OrderRequested))
    outs += feed(h, "r1", [StopRun("r1:stop:release:1", "r1", "release", T0 + 2 * S, True, principal="alice"),
                           done("r1", bid, T0 + 3 * S)])
    commands = [(type(o), o.principal) for o in outs if isinstance(o, COMMAND_TYPES)]  # type: ignore[union-attr]
    assert commands == [(CreateWalletSet, "run:r1"), (OrderRequested, "run:r1"), (CancelRequested, "run:r1"),
                        (DeactivateWalletSet, "run:r1")]


def test_the_run_principal_names_the_run() -> None:
    spec = new_run("hodl", {}, [], T0, None)
    assert spec.principal == run_principal(spec.run_id) == f"run:{spec.run_id}"
