"""What the CLI sends carries ``cli:<OS user>`` as its principal."""

from __future__ import annotations

import getpass
from collections.abc import Sequence

import pytest

from cryptick import paper
from cryptick.principal import cli_principal
from producers.scenario import Scenario, demo_messages
from schemas.events import (
    COMMAND_TYPES,
    SCALE,
    Allocation,
    ControlMessage,
    DepositFunds,
    Event,
    StartRun,
    StopRun,
)
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL


def _no_user() -> str:
    raise KeyError("getpwuid(): uid not found: 1234")


def test_the_cli_principal_is_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    assert cli_principal() == "cli:carol"
    monkeypatch.setattr(getpass, "getuser", _no_user)
    assert cli_principal() == "cli:unknown"


def test_paper_start_stop_and_control_send_the_cli_principal(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, str, Event]] = []

    def send(bootstrap: str, namespace: str, messages: Sequence[tuple[str, str, Event]]) -> None:
        sent.extend(messages)

    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    monkeypatch.setattr(paper, "_send", send)
    monkeypatch.setattr("floor.kafka.check_partitions", lambda bootstrap, topics: None)
    spec = paper.start("unused:9092", "ns", "hodl", {"bases": "BTC"}, [Allocation("synthetic", "USD", SCALE)],
                       at_us=1)
    paper.stop("unused:9092", "ns", spec.run_id, release=True)
    paper.control("unused:9092", "ns", spec.run_id, "knob", {"n": 1})
    assert [(topic, type(e), e.principal) for topic, _, e in sent] == [  # type: ignore[union-attr]
        (LEDGER_JOURNAL, DepositFunds, "cli:carol"), (STRATEGY_JOURNAL, StartRun, "cli:carol"),
        (STRATEGY_JOURNAL, StopRun, "cli:carol"), (STRATEGY_JOURNAL, ControlMessage, "cli:carol")]


def test_the_demo_scenario_stamps_each_command_with_its_principal() -> None:
    commands = [m.event for m in demo_messages(Scenario(steps=400, principal="cli:carol"))
                if isinstance(m.event, COMMAND_TYPES)]
    assert len(commands) > 10 and {c.principal for c in commands} == {"cli:carol"}  # type: ignore[attr-defined]
