"""bench/dashboard.py's pure parts: what it streams at the pages and the candles it archives."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from schemas.codec import default_codec, encode
from schemas.events import StrategyLogged, UiComponentUpdated

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    sys.path.append(str(BENCH))  # after the packages: bench/api.py must not shadow ours
    try:
        spec = importlib.util.spec_from_file_location("bench_dashboard", BENCH / "dashboard.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


TEMPLATES = {
    "frontier": {"points": [{"index": i, "volatility": 0.5 + i / 100, "expected_return": i / 50}
                            for i in range(100)], "cloud": [[1.0, 2.0]] * 500},
    "weights": {"current": {"BTC": 0.5, "USD": 0.5}, "target": None, "awaiting_confirmation": False},
    "risk": {"min": 0.6, "max": 2.3},
}


def test_a_second_of_the_stream_is_the_documented_mix(bench: ModuleType) -> None:
    second = Counter(bench.component_at(n, 1000) for n in range(1000))
    assert second == {"weights": 399, "frontier": 1, "weights_path": 200, "orders": 200, "risk": 100,
                      "log": 100}


def test_every_streamed_event_is_a_valid_event_of_the_run_shaped_as_the_strategy_sends_it(
        bench: ModuleType) -> None:
    codec = default_codec()
    seen = {}
    for n in range(20):
        e = bench.stream_event("run-1", TEMPLATES, n, 1000, 1_700_000_000_000_000 + n, f"run-1:bench:{n}")
        assert codec.decode(encode(e)) == e  # on the wire as the strategy's own
        assert e.run_id == "run-1" and e.ts == 1_700_000_000_000_000 + n
        if isinstance(e, UiComponentUpdated):
            seen[e.component_id] = json.loads(e.data_json)
        else:
            assert isinstance(e, StrategyLogged)
    assert seen["frontier"] == TEMPLATES["frontier"]  # the run's own 100-point frontier
    assert len(seen["orders"]["rows"]) == 50
    assert set(seen["weights_path"]) == {"ts", "weights", "target"}
    assert set(seen["weights_path"]["weights"]) == set(bench.BASES)
    assert set(seen["weights"]["current"]) == {"BTC", "USD"}
    assert seen["risk"]["min"] == 0.6


def test_updates_of_one_component_differ(bench: ModuleType) -> None:
    datas = {bench.stream_event("r", TEMPLATES, n, 1000, 1, "e").data_json for n in range(2, 200, 10)}
    assert len(datas) == 20  # "weights" at 2, 12, 22, ...: each one new data


def test_the_archived_candles_are_consecutive_minutes_before_the_end(bench: ModuleType) -> None:
    lines = bench.bars_csv(2, 1_700_000_030, 60).splitlines()
    assert lines[0] == "timestamp,open,high,low,close,volume"
    rows = [[float(x) for x in line.split(",")] for line in lines[1:]]
    stamps = [int(r[0]) for r in rows]
    assert len(rows) == 60 and stamps[-1] + 60 <= 1_700_000_030
    assert all(b - a == 60 for a, b in itertools.pairwise(stamps))
    assert all(h >= max(o, c) and low <= min(o, c) for _, o, h, low, c, _ in rows)


def test_quantiles_are_nearest_rank(bench: ModuleType) -> None:
    xs = [float(x) for x in range(1, 101)]
    assert (bench.pct(xs, .5), bench.pct(xs, .99), bench.pct(xs, 1.0)) == (50.0, 99.0, 100.0)


def test_a_profile_is_told_by_self_time_script_and_the_page_s_own_functions(bench: ModuleType) -> None:
    def node(i: int, fn: str, url: str, children: list[int]) -> dict[str, object]:
        return {"id": i, "callFrame": {"functionName": fn, "url": url, "lineNumber": i}, "children": children}

    profile = {"nodes": [node(1, "(root)", "", [2]),
                         node(2, "RunPage", "http://h/assets/RunPage-x.js", [3, 4]),
                         node(3, "_Box", "http://h/assets/mantine-y.js", []),
                         node(4, "parseJson", "http://h/assets/index-z.js", [])],
               "samples": [3, 3, 3, 4], "timeDeltas": [10, 10, 10, 10]}
    lines = bench.profile_lines(profile)
    assert lines[1].split() == ["75.0%", "_Box", "mantine-y.js:4"]  # self time, most first (lines from 1)
    assert "mantine-y.js 75%" in lines[3] and "index-z.js 25%" in lines[3]
    own = lines[5:]
    assert own[0].split() == ["100.0%", "RunPage", "RunPage-x.js:3"]  # with what it called
    assert own[1].split() == ["25.0%", "parseJson", "index-z.js:5"]
    assert not any("_Box" in line for line in own)  # a library's: not the page's own
