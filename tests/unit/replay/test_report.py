"""Report math on a hand-made equity curve, and the text and HTML exports."""

from __future__ import annotations

import math
import re

import pytest

from replay.engine import RunResult
from replay.report import YEAR_US, Report, build_report, metrics, to_html, to_text
from strategies.run import new_run

DAY = 86_400_000_000
T0 = 1_514_764_800_000_000
CURVE = [(T0 + i * DAY, v) for i, v in enumerate([100.0, 120.0, 90.0, 130.0, 117.0])]


def test_returns_volatility_sharpe_sortino() -> None:
    m = metrics(CURVE, periods_per_year=365)
    r = [0.2, -0.25, 130 / 90 - 1, -0.1]
    mean = sum(r) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in r) / 3)
    down = math.sqrt((0.25**2 + 0.1**2) / 4)
    assert m.start_value == 100.0 and m.end_value == 117.0
    assert m.total_return == pytest.approx(0.17)
    assert m.annualised_return == pytest.approx(1.17 ** (365 / 4) - 1)
    assert m.volatility == pytest.approx(sd * math.sqrt(365))
    assert m.sharpe == pytest.approx(mean / sd * math.sqrt(365))
    assert m.sortino == pytest.approx(mean / down * math.sqrt(365))


def test_max_drawdown_is_the_deepest_fall_and_lasts_until_the_peak_is_regained() -> None:
    m = metrics(CURVE, periods_per_year=365)
    # 120 -> 90 is 25 %, regained at 130 two days after the peak; 130 -> 117 is only 10 %
    assert (m.max_drawdown, m.max_drawdown_duration_us, m.drawdown_recovered) == (0.25, 2 * DAY, True)


def test_a_drawdown_still_open_at_the_end_lasts_until_the_end() -> None:
    m = metrics([(0, 100.0), (DAY, 80.0), (2 * DAY, 90.0)], periods_per_year=365)
    assert (m.max_drawdown, m.max_drawdown_duration_us, m.drawdown_recovered) == (0.2, 2 * DAY, False)


def test_a_flat_curve_has_no_ratios() -> None:
    m = metrics([(0, 50.0), (DAY, 50.0), (2 * DAY, 50.0)], periods_per_year=365)
    assert (m.total_return, m.volatility, m.sharpe, m.sortino, m.max_drawdown) == (0.0, 0.0, None, None, 0.0)
    assert m.annualised_return == 0.0


def test_an_empty_curve_is_an_error_that_says_why() -> None:
    with pytest.raises(ValueError, match="never had prices"):
        metrics([], 365)


def _report() -> Report:
    spec = new_run("demo", {"pair": "BTC-USD"}, [], T0, T0 + 4 * DAY)
    bench = [(ts, 100.0 + i) for i, (ts, _) in enumerate(CURVE)]
    run = RunResult(spec, tuple(CURVE), tuple(bench), 1.5, 250.0, 10, 4, 1, 6, 30, None)
    return build_report(run, T0, T0 + 4 * DAY, DAY)


def test_build_report_compares_with_hodl_and_computes_turnover() -> None:
    rep = _report()
    assert rep.result.total_return == pytest.approx(0.17) and rep.hodl.total_return == pytest.approx(0.04)
    assert rep.turnover == pytest.approx(250.0 / 111.4)
    assert (rep.orders, rep.fills, rep.rejected, rep.cancels, rep.fees_usd) == (10, 4, 1, 6, 1.5)
    assert YEAR_US / DAY == 365


def test_text_lists_every_figure_for_the_run_and_hodl() -> None:
    text = to_text(_report())
    assert "demo (pair=BTC-USD)" in text
    assert re.search(r"total return\s+17\.00 %\s+4\.00 %", text)
    assert re.search(r"max drawdown\s+25\.00 %\s+0\.00 %", text)
    assert re.search(r"max drawdown duration\s+2d 00h 00m\s+0d 00h 00m", text)
    assert re.search(r"fees paid\s+1\.50 USD", text) and "orders / fills" in text


def test_html_is_self_contained_with_an_inline_svg_chart() -> None:
    page = to_html(_report())
    assert page.startswith("<!DOCTYPE html>") and page.count("<polyline") == 2
    assert "<svg" in page and "17.00 %" in page
    assert not re.search(r"(src|href)=", page)  # no external scripts, styles or images
