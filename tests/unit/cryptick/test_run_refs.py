"""A RUN given to ``run show``, ``report`` or ``parity`` names one run, paper or stored: an exact id wins,
then a prefix of one run; a prefix of a paper run and a stored backtest is refused with both ids."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import typer

from cryptick.commands.runs import _paper
from replay.runs import ARCHIVE_COLUMNS, StoredRun, save_run
from schemas.codec import default_codec
from schemas.events import SCALE, Allocation, StartRun
from schemas.topics import STRATEGY_JOURNAL, qualified, run_wallet_set
from schemas.units import US
from streams.archive.clickhouse import get_client

T0 = 1_700_000_000 * US
USD = Allocation("synthetic", "USD", 1_000 * SCALE)
OFFSETS = itertools.count(uuid.uuid4().int % 2**40)


@pytest.fixture()
def client(clickhouse_dsn: str) -> Any:
    return get_client(clickhouse_dsn)


@pytest.fixture()
def ids() -> str:
    """A prefix no other test's runs share (the chDB engine is one for the session)."""
    return f"ref{uuid.uuid4().hex[:8]}"


def stored(client: Any, run_id: str, mode: str = "backtest") -> None:
    save_run(client, StoredRun(run_id, "hodl", (), mode, f"{mode}-{run_id}", T0, T0 + 60 * US, (USD,), (),
                               0, 0, "", 0, datetime(2000, 1, 1, tzinfo=UTC),  # listed last
                               "done" if mode == "backtest" else "stopped"))


def paper(client: Any, run_id: str) -> None:
    """A paper run as the archive knows it: its StartRun on a namespace's strategy.journal."""
    start = StartRun(f"{run_id}:start", run_id, "hodl", "{}", "paper", run_wallet_set(run_id), "paper", 0,
                     None, [USD], T0)
    offset = next(OFFSETS)  # a row per (topic, partition, offset) survives FINAL
    row = [qualified(STRATEGY_JOURNAL, "refs"), 0, offset, run_id.encode(), "StartRun", start.event_id, T0,
           default_codec().encode(start), datetime.fromtimestamp(T0 / US, UTC)]
    client.insert("archive_messages", [row], column_names=ARCHIVE_COLUMNS)


def refused(client: Any, ref: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(typer.Exit) as exit_:
        _paper(client, ref)
    assert exit_.value.exit_code == 2
    return capsys.readouterr().err.strip()


def test_a_prefix_of_a_backtest_and_a_paper_run_is_refused_with_both(
        client: Any, ids: str, capsys: pytest.CaptureFixture[str]) -> None:
    stored(client, f"{ids}-aaa")
    paper(client, f"{ids}-bbb")
    assert refused(client, ids, capsys) == (
        f"error: {ids} matches several runs: {ids}-aaa, {ids}-bbb; give more of the id")
    assert _paper(client, f"{ids}-b").run_id == f"{ids}-bbb"  # type: ignore[union-attr]
    assert _paper(client, f"{ids}-a") is None  # the backtest: `_find` shows it


def test_a_prefix_of_several_backtests_and_a_paper_run_is_refused(
        client: Any, ids: str, capsys: pytest.CaptureFixture[str]) -> None:
    stored(client, f"{ids}-aaa")
    stored(client, f"{ids}-aab")
    paper(client, f"{ids}-bbb")
    error = refused(client, ids, capsys)
    assert "matches several runs" in error and "give more of the id" in error


def test_an_exact_id_wins_over_the_runs_it_is_a_prefix_of(client: Any, ids: str) -> None:
    stored(client, f"{ids}-x")
    paper(client, f"{ids}-x1")
    paper(client, f"{ids}-y")
    stored(client, f"{ids}-y1")
    assert _paper(client, f"{ids}-x") is None  # the backtest
    assert _paper(client, f"{ids}-y").run_id == f"{ids}-y"  # type: ignore[union-attr]


def test_a_prefix_of_one_paper_run_is_that_run(client: Any, ids: str) -> None:
    paper(client, f"{ids}-only")
    assert _paper(client, ids).run_id == f"{ids}-only"  # type: ignore[union-attr]


def test_a_paper_run_whose_report_is_stored_is_one_run(client: Any, ids: str) -> None:
    paper(client, f"{ids}-done")
    stored(client, f"{ids}-done", mode="paper")
    assert _paper(client, ids).run_id == f"{ids}-done"  # type: ignore[union-attr]
    assert _paper(client, f"{ids}-done").run_id == f"{ids}-done"  # type: ignore[union-attr]


def test_a_prefix_of_several_paper_runs_is_refused(
        client: Any, ids: str, capsys: pytest.CaptureFixture[str]) -> None:
    paper(client, f"{ids}-p1")
    paper(client, f"{ids}-p2")
    error = refused(client, ids, capsys)
    assert "matches several paper runs" in error and f"{ids}-p1" in error and f"{ids}-p2" in error


def test_a_prefix_of_no_paper_run_is_left_to_the_stored_runs(client: Any, ids: str) -> None:
    stored(client, f"{ids}-bt")
    assert _paper(client, ids) is None
    assert _paper(client, f"{ids}-none") is None
