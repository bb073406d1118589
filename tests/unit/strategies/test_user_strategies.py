"""A user's own strategy loads from a file, a module path or an entry point, without editing the
project; a broken one is reported with why, and the others still load."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from strategies import registry

FIXTURE = Path(__file__).parents[2] / "fixtures" / "user_strategies" / "dip_buyer.py"


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test loads plugins anew (the registry remembers what it loaded in this process)."""
    monkeypatch.setattr(registry, "_RUNNABLES", dict(registry._RUNNABLES))
    monkeypatch.setattr(registry, "_loaded", None)
    monkeypatch.setattr(registry, "_done", set())
    monkeypatch.setattr(registry, "_problems", {})


def test_a_strategy_from_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.ENV, f"{FIXTURE}:DipBuyer")
    assert "dip_buyer" in registry.names()
    strategy = registry.get("dip_buyer").create({"drop_bps": "20"})
    assert strategy.params.drop_bps == 20
    assert registry.problems() == {}


def test_a_strategy_from_a_module_path_and_from_an_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIXTURE.parent))
    monkeypatch.setenv(registry.ENV, "dip_buyer:DipBuyer")
    assert registry.get("dip_buyer").strategy.__name__ == "DipBuyer"
    monkeypatch.setattr(registry, "entry_points", lambda group: [
        EntryPoint("dips", "dip_buyer:DipBuyer", group)] if group == registry.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(registry, "_loaded", None)
    assert registry.get("dips").strategy is registry.get("dip_buyer").strategy  # the entry point's name


def test_broken_plugins_are_reported_and_do_not_hide_the_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad_syntax = tmp_path / "bad.py"
    bad_syntax.write_text("def (:\n")
    not_a_strategy = tmp_path / "plain.py"
    not_a_strategy.write_text("class Thing:\n    pass\n")
    monkeypatch.setenv(registry.ENV, ",".join([
        f"{bad_syntax}:X", f"{not_a_strategy}:Thing", f"{tmp_path / 'missing.py'}:Y", "no_colon",
        f"{FIXTURE}:DipBuyer"]))
    assert "dip_buyer" in registry.names()
    problems = registry.problems()
    assert set(problems) == {f"{bad_syntax}:X", f"{not_a_strategy}:Thing", f"{tmp_path / 'missing.py'}:Y",
                             "no_colon"}
    assert "SyntaxError" in problems[f"{bad_syntax}:X"]
    assert "not a subclass of strategies.api.Strategy" in problems[f"{not_a_strategy}:Thing"]
    assert "no such file" in problems[f"{tmp_path / 'missing.py'}:Y"]
    with pytest.raises(registry.UnknownStrategy, match="did not load: SyntaxError"):
        registry.get("x")


def test_the_cli_backtests_a_users_strategy() -> None:
    env = dict(os.environ, CRYPTICK_STRATEGIES=f"{FIXTURE}:DipBuyer")
    done = subprocess.run(
        [sys.executable, "-m", "cryptick.cli", "backtest", "dip_buyer", "--balance", "synthetic:USD=1000",
         "--start", "2018-01-01", "--end", "2018-01-01T06:00", "--no-store", "--no-progress"],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "orders / fills                                  1 / 1" in done.stdout
    listed = subprocess.run([sys.executable, "-m", "cryptick.cli", "strategies"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "dip_buyer" in listed.stdout and "drop_bps=5" in listed.stdout
