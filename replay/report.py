"""The report of a backtest (metrics, text, HTML); runs are valued by ``streams.ledger.valuation.Valuer``."""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from replay.engine import RunResult

# --- metrics ------------------------------------------------------------------------

YEAR_US = 365 * 24 * 3600 * 1_000_000  # crypto trades every day
SHORTEST_ANNUALISED_US = 30 * 24 * 3600 * 1_000_000
"""Runs shorter than this show no annualised return in the printed report."""
Curve = Sequence[tuple[int, float]]
"""(event time in µs, value in USD), time ascending."""


@dataclass(frozen=True, slots=True)
class Metrics:
    """Performance of one equity curve. Returns are fractions (0.05 = 5 %); None where undefined."""

    start_value: float
    end_value: float
    total_return: float
    annualised_return: float | None
    volatility: float | None  # annualised standard deviation of the period returns
    sharpe: float | None  # mean / standard deviation of period returns, annualised; risk-free rate 0
    sortino: float | None  # mean / downside deviation (target 0, over all periods), annualised
    max_drawdown: float  # deepest fall from a running peak, as a fraction of that peak
    max_drawdown_duration_us: int  # from that peak until the curve is back at it (or the end)
    drawdown_recovered: bool


def metrics(curve: Curve, periods_per_year: float) -> Metrics:
    """Metrics of ``curve`` sampled ``periods_per_year`` times a year (returns between samples)."""
    if not curve:
        raise ValueError("no equity samples: the books never had prices to value the run")
    values = [v for _, v in curve]
    start, end = values[0], values[-1]
    total = end / start - 1 if start else 0.0
    returns = [b / a - 1 for a, b in pairwise(values) if a]
    vol = sharpe = sortino = None
    if len(returns) >= 2:
        mean, sd = statistics.fmean(returns), statistics.stdev(returns)
        scale = math.sqrt(periods_per_year)
        vol = sd * scale
        sharpe = mean / sd * scale if sd > 0 else None
        downside = math.sqrt(statistics.fmean([min(r, 0.0) ** 2 for r in returns]))
        sortino = mean / downside * scale if downside > 0 else None
    depth, duration, recovered = _max_drawdown(curve)
    return Metrics(start, end, total, _annualised(curve, total), vol, sharpe, sortino, depth, duration,
                   recovered)


def _annualised(curve: Curve, total: float) -> float | None:
    span = curve[-1][0] - curve[0][0]
    if span <= 0 or total <= -1:
        return None
    try:
        return float((1 + total) ** (YEAR_US / span) - 1)
    except OverflowError:  # a short run compounded over a year: no meaningful figure
        return None


def _max_drawdown(curve: Curve) -> tuple[float, int, bool]:
    """(depth, duration, recovered) of the deepest drawdown."""
    peak_ts, peak = curve[0]
    best = (0.0, 0, True)
    depth = 0.0  # of the current episode (since peak_ts)
    for ts, value in curve[1:]:
        if value >= peak:
            if depth > best[0]:
                best = (depth, ts - peak_ts, True)
            peak_ts, peak, depth = ts, value, 0.0
        elif peak > 0:
            depth = max(depth, (peak - value) / peak)
    if depth > best[0]:
        best = (depth, curve[-1][0] - peak_ts, False)
    return best


# --- the report -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """A run's report: its metrics against HODL of its initial allocation, and its trading figures."""

    run_id: str
    strategy: str
    params: tuple[tuple[str, str], ...]
    start_ts: int
    end_ts: int
    result: Metrics
    hodl: Metrics
    fees_usd: float
    traded_usd: float
    turnover: float  # traded value / mean equity
    orders: int
    fills: int
    rejected: int
    cancels: int
    equity: Curve
    benchmark: Curve
    market_return: float | None = None  # HODL of the run's markets, equal weights, from their prices
    notes: tuple[str, ...] = ()  # what a reader must know to trust the figures (no fills, gaps, candles)


def build_report(run: RunResult, start_ts: int, end_ts: int, sample_us: int, notes: Sequence[str] = ()
                 ) -> Report:
    """The report of one run of a backtest sampled every ``sample_us``; ``notes`` from the caller (the data
    it read) come after the run's own (it traded nothing, its markets' data had gaps)."""
    ppy = YEAR_US / sample_us
    result, hodl = metrics(run.equity, ppy), metrics(run.benchmark, ppy)
    mean_equity = statistics.fmean(v for _, v in run.equity)
    turnover = run.traded_usd / mean_equity if mean_equity > 0 else 0.0
    spec = run.spec
    market = metrics(run.market, ppy).total_return if run.market else None
    own = []
    if run.fills == 0:
        moved = "" if market is None else f" while its markets moved {_pct(market)}"
        own.append(f"the run traded nothing ({run.orders} orders, {run.rejected} rejected){moved}: "
                   "its return is what it held, not a strategy's")
    for g in run.gaps:
        own.append(f"gap in the data: {g.market} received nothing for more than {_span(g.longest_us)} "
                   f"from {_when(g.first_ts)} UTC ({g.count} gap{'s' if g.count > 1 else ''} in all)")
    return Report(spec.run_id, spec.strategy, spec.params, start_ts, end_ts, result, hodl, run.fees_usd,
                  run.traded_usd, turnover, run.orders, run.fills, run.rejected, run.cancels, run.equity,
                  run.benchmark, market, (*own, *notes))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.2f} %"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def _usd(x: float) -> str:
    return f"{x:,.2f} USD"


def _span(us: int) -> str:
    days, rest = divmod(us // 1_000_000, 86_400)
    hours, rest = divmod(rest, 3600)
    return f"{days}d {hours:02d}h {rest // 60:02d}m"


def rows(report: Report) -> list[tuple[str, str, str]]:
    """(figure, the run, HODL of the initial allocation) rows shared by text and HTML."""
    r, h = report.result, report.hodl

    def dd(m: Metrics) -> str:
        return f"{_span(m.max_drawdown_duration_us)}{'' if m.drawdown_recovered else ' (not recovered)'}"

    # Compounding a few hours' return over a year gives a number nobody should read.
    short = report.end_ts - report.start_ts < SHORTEST_ANNUALISED_US

    def annual(m: Metrics) -> str:
        return "n/a (run < 30 days)" if short else _pct(m.annualised_return)

    return [
        ("start value", _usd(r.start_value), _usd(h.start_value)),
        ("end value", _usd(r.end_value), _usd(h.end_value)),
        ("total return", _pct(r.total_return), _pct(h.total_return)),
        ("annualised return", annual(r), annual(h)),
        ("volatility (annualised)", _pct(r.volatility), _pct(h.volatility)),
        ("Sharpe ratio", _num(r.sharpe), _num(h.sharpe)),
        ("Sortino ratio", _num(r.sortino), _num(h.sortino)),
        ("max drawdown", _pct(r.max_drawdown), _pct(h.max_drawdown)),
        ("max drawdown duration", dd(r), dd(h)),
    ]


def activity(report: Report) -> list[tuple[str, str]]:
    return [
        ("fees paid", _usd(report.fees_usd)),
        ("traded value", _usd(report.traded_usd)),
        ("turnover (traded / mean equity)", f"{report.turnover:.2f}x"),
        ("orders / fills", f"{report.orders} / {report.fills}"),
        ("rejected / cancel requests", f"{report.rejected} / {report.cancels}"),
        ("its markets held (equal weights)", _pct(report.market_return)),
    ]


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M")


def to_text(report: Report) -> str:
    """The report as plain text (for the terminal)."""
    params = ", ".join(f"{k}={v}" for k, v in report.params) or "defaults"
    lines = [f"{report.strategy} ({params})  run {report.run_id}",
             f"{_when(report.start_ts)} -> {_when(report.end_ts)} UTC", ""]
    table, more = rows(report), activity(report)
    width = max(len(name) for name in [*(r[0] for r in table), *(a[0] for a in more)])
    w1 = max(len("run"), *(len(r[1]) for r in table), *(len(a[1]) for a in more))
    w2 = max(len("HODL initial"), *(len(r[2]) for r in table))
    lines.append(f"{'':<{width}}  {'run':>{w1}}  {'HODL initial':>{w2}}")
    lines += [f"{name:<{width}}  {run:>{w1}}  {hodl:>{w2}}" for name, run, hodl in table]
    lines.append("")
    lines += [f"{name:<{width}}  {value:>{w1}}" for name, value in more]
    if report.notes:
        lines += ["", *(f"note: {n}" for n in report.notes)]
    return "\n".join(lines)


# --- HTML -------------------------------------------------------------------------------

_W, _H, _PAD = 900, 320, 48
MAX_POINTS = 1500


def _points(curve: Curve, t0: int, t1: int, lo: float, hi: float) -> str:
    step = max(1, len(curve) // MAX_POINTS)
    chosen = list(curve[::step]) + ([curve[-1]] if (len(curve) - 1) % step else [])
    span_t, span_v = max(t1 - t0, 1), (hi - lo) or 1.0
    return " ".join(f"{_PAD + (ts - t0) / span_t * (_W - 2 * _PAD):.1f},"
                    f"{_H - _PAD - (v - lo) / span_v * (_H - 2 * _PAD):.1f}" for ts, v in chosen)


def svg_chart(report: Report) -> str:
    """The equity curve and HODL of the initial allocation as an inline SVG line chart."""
    both = [*report.equity, *report.benchmark]
    t0, t1 = report.equity[0][0], report.equity[-1][0]
    lo, hi = min(v for _, v in both), max(v for _, v in both)
    y = [(_H - _PAD, lo), (_PAD, hi)]
    labels = "".join(f'<text x="{_PAD - 6}" y="{py + 4}" text-anchor="end">{v:,.0f}</text>' for py, v in y)
    labels += (f'<text x="{_PAD}" y="{_H - _PAD + 18}">{_when(t0)}</text>'
               f'<text x="{_W - _PAD}" y="{_H - _PAD + 18}" text-anchor="end">{_when(t1)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" '
            f'font-family="sans-serif" font-size="12">'
            f'<rect x="{_PAD}" y="{_PAD}" width="{_W - 2 * _PAD}" height="{_H - 2 * _PAD}" fill="#fafafa" '
            f'stroke="#ccc"/>{labels}'
            f'<polyline fill="none" stroke="#999" stroke-width="1.5" stroke-dasharray="4 3" '
            f'points="{_points(report.benchmark, t0, t1, lo, hi)}"/>'
            f'<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" '
            f'points="{_points(report.equity, t0, t1, lo, hi)}"/>'
            f'<text x="{_PAD}" y="{_PAD - 10}" fill="#1f6feb">equity (USD)</text>'
            f'<text x="{_PAD + 110}" y="{_PAD - 10}" fill="#999">HODL of the initial allocation</text>'
            f"</svg>")


def to_html(report: Report) -> str:
    """A self-contained HTML page: the chart (inline SVG), the metrics, the activity; no external assets."""
    esc = html.escape
    params = ", ".join(f"{k}={v}" for k, v in report.params) or "defaults"
    metric_rows = "".join(f"<tr><th>{esc(n)}</th><td>{esc(r)}</td><td>{esc(h)}</td></tr>"
                          for n, r, h in rows(report))
    activity_rows = "".join(f"<tr><th>{esc(n)}</th><td>{esc(v)}</td></tr>" for n, v in activity(report))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(report.strategy)} backtest {esc(report.run_id)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
        "margin:1em 0}th,td{padding:4px 12px;border-bottom:1px solid #eee;text-align:right}"
        "th{text-align:left;font-weight:normal;color:#555}</style></head><body>"
        f"<h1>{esc(report.strategy)} <small>({esc(params)})</small></h1>"
        f"<p>run {esc(report.run_id)}, {esc(_when(report.start_ts))} to {esc(_when(report.end_ts))} UTC</p>"
        f"{svg_chart(report)}"
        f"<table><tr><th></th><th>run</th><th>HODL initial</th></tr>{metric_rows}</table>"
        f"<table>{activity_rows}</table>"
        + "".join(f"<p class=\"note\">note: {esc(n)}</p>" for n in report.notes)
        + "</body></html>\n"
    )
