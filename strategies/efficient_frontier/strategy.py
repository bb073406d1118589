"""EfficientFrontier: diversify the run's wallet set towards a Markowitz portfolio, in slices.

Every ``recompute_interval_s`` (and at the start, retrying each candle until ``min_candles``
closes are there) it estimates returns and covariance from ``ctx.history`` candles, solves
the frontier and resolves the selected target (``max_sharpe``, ``min_variance``, a frontier
point, custom weights or a risk level) into weights. A changed target is *proposed* and
waits for a ``confirm`` control message, unless ``auto_confirm``. Towards the active target
it trades every ``slice_interval_s``: USD-valued trades from the holdings (sells first, so
that buys are paid by them when cash is short), each routed to the venue with the best price
after fees and cut into IOC child orders of at most ``slice_fraction`` of the touch's size.
It stops when every weight, cash included, is within ``tolerance`` of the target; a later
recompute resumes trading if prices moved the weights out of it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from schemas.events import SCALE, OrderDone, OrderFilled, OrderRejected, OrderType
from schemas.units import US
from strategies.api import MarketRef, OrderEvent, Strategy, Timer
from strategies.context import Context
from strategies.records import ControlMessage
from streams.money import fees_for_venue
from streams.money import to_decimal_str as fmt

from . import controls
from .analysis import Analysis, aligned_closes, analyse, evaluate, frontier_data, resolve
from .controls import ControlState, Invalid, Select, Weights
from .params import EfficientFrontierParams
from .portfolio import PortfolioError
from .slicing import VenueQuote, best_venue, child_order, min_trade_usd
from .targets import deviation, plan_trades, usd_values, weights_of

ORDER_ROWS = 50
PATH_POINTS = 10_000


class EfficientFrontierStrategy(Strategy):
    name = "efficient_frontier"
    description = ("Diversify into a Markowitz efficient-frontier portfolio (max Sharpe, min variance, a "
                   "frontier point, custom weights or a risk level), trading in slices after confirmation.")
    params_type = EfficientFrontierParams
    params: EfficientFrontierParams

    def __init__(self, params: EfficientFrontierParams | None = None) -> None:
        super().__init__(params)
        # The runtime reads the candle interval from the object: here it is a parameter.
        self.candle_interval_s = self.params.candle_interval_s  # type: ignore[misc]
        self.history_candles = self.params.lookback  # type: ignore[misc]
        self.state: ControlState = controls.initial_state(self.params.target)
        self.analysis: Analysis | None = None
        self.converged = False
        self.slicing = False
        self.path: list[tuple[int, dict[str, float]]] = []
        self.order_rows: dict[str, dict[str, Any]] = {}

    @property
    def assets(self) -> tuple[str, ...]:
        return (*self.params.bases, self.params.quote)

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        venues = self.params.venues or (default_venue,)
        return [MarketRef(v, f"{b}-{self.params.quote}") for v in venues for b in self.params.bases]

    # --- handlers -----------------------------------------------------------------------

    def on_start(self, ctx: Context) -> None:
        p = self.params
        ctx.declare_component("frontier", "scatter", {
            "title": "Efficient frontier", "x": "volatility", "y": "expected_return",
            "pick": {"point": "index"}, "targets": ["max_sharpe", "min_variance"], "cloud": "cloud"})
        ctx.declare_component("weights", "bar_chart", {
            "title": "Current and target weights", "assets": list(self.assets),
            "series": ["current", "target", "proposed"]})
        ctx.declare_component("weights_path", "line_chart", {
            "title": "Weights over time", "x": "ts", "series": list(self.assets), "append": True})
        ctx.declare_component("custom_weights", "sliders", {
            "title": "Custom weights", "field": "weights", "assets": list(p.bases), "min": 0.0,
            "max": p.max_weight, "step": 0.01, "sum": 1.0})
        ctx.declare_component("risk", "slider", {"title": "Risk level (annualised volatility)",
                                                 "field": "volatility", "min": 0.0, "max": 2.0, "step": 0.01})
        # A new target trades only after confirm: the dashboard asks in a dialog showing the weights.
        ctx.declare_component("controls", "buttons", {
            "title": "Controls", "field": "action", "actions": ["confirm", "pause", "resume"],
            "prompt": {"action": "confirm",
                       "when": {"component": "weights", "field": "awaiting_confirmation"},
                       "show": "weights", "title": "Trade towards the new target?"}})
        ctx.declare_component("orders", "table", {
            "title": "Orders", "columns": ["order_id", "venue", "pair", "side", "size", "limit", "filled",
                                           "status"]})
        ctx.log(f"efficient_frontier: target {controls.describe(self.state.selection)} over "
                f"{', '.join(p.bases)}; {'auto-confirming' if p.auto_confirm else 'changes need confirm'}")
        self._recompute(ctx)
        ctx.set_timer(ctx.now + p.path_interval_s * US, "path")

    def on_timer(self, ctx: Context, timer: Timer) -> None:
        if timer.name == "recompute":
            self._recompute(ctx)
        elif timer.name == "slice":
            self.slicing = False
            self._slice(ctx)
        elif timer.name == "path":
            self._record_path(ctx)
            ctx.set_timer(timer.at_ts + self.params.path_interval_s * US, "path")

    def on_control(self, ctx: Context, message: ControlMessage) -> None:
        try:
            payload = message.payload
        except ValueError:
            payload = None
        p = self.params
        command = controls.parse_control(message.component_id, payload, p.bases, p.points, p.max_weight)
        if isinstance(command, Invalid):
            ctx.log(f"ignored control on {message.component_id}: {command.reason}", "warning")
            return
        if isinstance(command, Select):
            if self.analysis is None:
                self.state = controls.ControlState(command.selection, None, self.state.active,
                                                   self.state.paused)
                ctx.log(f"target {controls.describe(command.selection)} applies once the frontier is "
                        "computed")
                return
            self._adopt(ctx, command.selection)
            return
        after = controls.apply(self.state, command)
        if isinstance(after, Invalid):
            ctx.log(f"ignored {type(command).__name__.lower()}: {after.reason}", "warning")
            return
        before, self.state = self.state, after
        if isinstance(command, controls.Pause):
            ctx.cancel_all()
            ctx.log("paused: no new orders until resume")
        elif isinstance(command, controls.Resume):
            ctx.log("resumed")
            self._start_trading(ctx)
        else:
            ctx.log("target confirmed: trading towards it")
            self._activated(ctx, before.active)
        self._publish_weights(ctx)

    def on_fill(self, ctx: Context, fill: OrderFilled) -> None:
        row = self.order_rows.get(fill.order_id)
        if row is not None:
            row["filled"] = fmt(ctx.orders[fill.order_id].filled) if fill.order_id in ctx.orders \
                else row["filled"]
            self._publish_orders(ctx)

    def on_order_event(self, ctx: Context, event: OrderEvent) -> None:
        row = self.order_rows.get(event.order_id)
        if row is None:
            return
        if isinstance(event, OrderRejected):
            row["status"] = f"rejected: {event.reason}"
            ctx.log(f"order {event.order_id} on {event.venue}:{event.pair} rejected: {event.detail}",
                    "warning")
        elif isinstance(event, OrderDone):
            row["status"], row["filled"] = event.reason, fmt(event.filled_size)
        else:
            return
        self._publish_orders(ctx)

    # --- the frontier -------------------------------------------------------------------

    def _recompute(self, ctx: Context) -> None:
        p = self.params
        venue = self.markets(ctx.run.default_venue)[0].venue
        histories = {b: ctx.history(f"{b}-{p.quote}", p.lookback, venue) for b in p.bases}
        ends, closes = aligned_closes(histories, p.bases)
        closes, ends = closes[-p.lookback:], ends[-p.lookback:]
        if len(closes) < p.min_candles:
            ctx.set_timer(ctx.now + p.candle_interval_s * US, "recompute")
            return
        try:
            self.analysis = analyse(closes, p.bases, interval_s=p.candle_interval_s, last_ts=ends[-1],
                                    max_weight=p.max_weight, risk_free_rate=p.risk_free_rate,
                                    points=p.points, cloud_size=p.cloud_size, seed=p.seed)
        except PortfolioError as exc:
            ctx.log(f"frontier not computed: {exc}", "warning")
            ctx.set_timer(ctx.now + p.candle_interval_s * US, "recompute")
            return
        ctx.set_timer(ctx.now + p.recompute_interval_s * US, "recompute")
        ctx.log(f"frontier computed from {len(closes)} candles of {p.candle_interval_s} s")
        self._adopt(ctx, self.state.selection)
        if self.converged and self.state.active is not None:
            current = self._current_weights(ctx)
            if current is not None and deviation(current, self._target()) > p.tolerance:
                self.converged = False
                ctx.log("weights drifted out of tolerance: rebalancing")
                self._start_trading(ctx)

    def _adopt(self, ctx: Context, selection: controls.Selection) -> None:
        assert self.analysis is not None
        try:
            weights, note = resolve(self.analysis, selection)
        except PortfolioError as exc:
            ctx.log(f"ignored target {controls.describe(selection)}: {exc}", "warning")
            return
        if note:
            ctx.log(note, "warning")
        before = self.state
        self.state = controls.propose(before, selection, weights, auto_confirm=self.params.auto_confirm,
                                      tolerance=self.params.tolerance)
        if self.state.proposed is not None and self.state.proposed != before.proposed:
            ctx.log(f"new target proposed ({controls.describe(selection)}): {_show(weights)}; "
                    "send confirm to trade")
        if self.state.active != before.active:
            ctx.log(f"target active ({controls.describe(selection)}): {_show(weights)}")
            self._activated(ctx, before.active)
        self._publish_frontier(ctx)
        self._publish_weights(ctx)
        self._publish_risk(ctx)

    def _activated(self, ctx: Context, previous: Weights | None) -> None:
        if self.state.active != previous:
            self.converged = False
            self._start_trading(ctx)

    # --- trading ------------------------------------------------------------------------

    def _target(self) -> dict[str, float]:
        target = dict(self.state.active or ())
        target[self.params.quote] = 0.0
        return target

    def _prices(self, ctx: Context) -> dict[str, int]:
        prices: dict[str, int] = {}
        for m in sorted(self.markets(ctx.run.default_venue)):
            book = ctx.book(m.venue, m.pair)
            if m.base not in prices and book is not None and book.mid is not None:
                prices[m.base] = book.mid
        return prices

    def _values(self, ctx: Context) -> dict[str, int] | None:
        wallet = ctx.wallet()
        holdings = {a: wallet.balance(a) for a in self.assets}
        prices = self._prices(ctx)
        if any(holdings[b] and b not in prices for b in self.params.bases):
            return None
        return usd_values(holdings, prices, self.params.quote)

    def _current_weights(self, ctx: Context) -> dict[str, float] | None:
        values = self._values(ctx)
        return None if values is None else weights_of(values, self.assets)

    def _start_trading(self, ctx: Context) -> None:
        if not self.slicing and not self.state.paused and self.state.active is not None:
            self._slice(ctx)

    def _quotes(self, ctx: Context, base: str) -> list[VenueQuote]:
        out = []
        for m in self.markets(ctx.run.default_venue):
            book, rules = ctx.book(m.venue, m.pair), ctx.market(m.venue, m.pair)
            if m.base == base and book is not None and rules is not None:
                out.append(VenueQuote(m.venue, m.pair, book.best_bid(), book.best_ask(), rules,
                                      fees_for_venue(m.venue).max_bps))
        return out

    def _slice(self, ctx: Context) -> None:
        p = self.params
        if self.state.paused or self.state.active is None or self.converged:
            return
        values = self._values(ctx)
        if values is None or ctx.open_orders():  # no prices yet, or children still in flight
            self._again(ctx)
            return
        current = weights_of(values, self.assets)
        target = self._target()
        gap = deviation(current, target)
        if gap <= p.tolerance:
            self.converged = True
            ctx.log(f"every weight within {p.tolerance:.2%} of the target (largest gap {gap:.2%}): "
                    "trading stops")
            self._record_path(ctx)
            self._publish_weights(ctx)
            return
        quotes = {b: self._quotes(ctx, b) for b in p.bases}
        floors = {b: min((min_trade_usd(q) for q in qs), default=0) for b, qs in quotes.items()}
        trades = plan_trades(values, target, p.quote, floors)
        wallet = ctx.wallet()
        cash = {v: wallet.available(p.quote, v) for v in {q.venue for qs in quotes.values() for q in qs}}
        placed = 0
        for trade in trades:
            if trade.side == "sell":
                candidates = [q for q in quotes[trade.asset] if wallet.available(trade.asset, q.venue) > 0]
            else:
                candidates = [q for q in quotes[trade.asset] if cash.get(q.venue, 0) > 0]
            quote = best_venue(trade.side, candidates)
            if quote is None:
                continue
            funds = wallet.available(trade.asset, quote.venue) if trade.side == "sell" else cash[quote.venue]
            child = child_order(trade.side, trade.usd, quote, slice_fraction=p.slice_fraction,
                                slippage_bps=p.slippage_bps, funds=funds)
            if child is None:
                continue
            if child.side == "buy":
                cash[child.venue] -= child.size * child.limit // SCALE * (10_000 + quote.fee_bps) // 10_000
            order_id = ctx.submit_order(child.venue, child.pair, child.side, child.size, child.limit,
                                        OrderType.IOC)
            self.order_rows[order_id] = {"order_id": order_id, "venue": child.venue, "pair": child.pair,
                                         "side": child.side, "size": fmt(child.size),
                                         "limit": fmt(child.limit), "filled": "0", "status": "requested"}
            placed += 1
        if placed:
            self._publish_orders(ctx)
        if trades:
            self._again(ctx)  # more slices, or waiting for liquidity, cash from sells or fills
        else:
            self.converged = True  # every gap is under the minimum order sizes: nothing can help
            ctx.log(f"cannot get closer than {gap:.2%}: the remaining gaps are under the minimum "
                    "order sizes; trading stops", "warning")

    def _again(self, ctx: Context) -> None:
        if not self.slicing:
            self.slicing = True
            ctx.set_timer(ctx.now + self.params.slice_interval_s * US, "slice")

    # --- dashboard ----------------------------------------------------------------------

    def _record_path(self, ctx: Context) -> None:
        current = self._current_weights(ctx)
        if current is None:
            return
        point = {a: round(w, 6) for a, w in current.items()}
        self.path.append((ctx.now, point))
        del self.path[:-PATH_POINTS]
        ctx.update_component("weights_path", {"ts": ctx.now, "weights": point,
                                              "target": dict(self.state.active or ())})

    def _publish_frontier(self, ctx: Context) -> None:
        if self.analysis is not None:
            ctx.update_component("frontier", frontier_data(self.analysis, self._current_weights(ctx),
                                                           self.state.active))

    def _publish_risk(self, ctx: Context) -> None:
        if self.analysis is not None:
            top = max(p.volatility for p in self.analysis.frontier)
            data = {"min": round(self.analysis.min_variance.volatility, 6), "max": round(top, 6)}
            level = self._risk_level()
            if level is not None:  # the slider starts where the run is, not at its lowest
                data["volatility"] = round(level, 6)
            ctx.update_component("risk", data)

    def _risk_level(self) -> float | None:
        """The risk level the run is at: the one asked for, else its target's (proposed or active)."""
        selection, target = self.state.selection, self.state.proposed or self.state.active
        if isinstance(selection, controls.Risk):
            return selection.volatility
        portfolio = None if target is None or self.analysis is None else evaluate(self.analysis, dict(target))
        return None if portfolio is None else portfolio.volatility

    def _publish_weights(self, ctx: Context) -> None:
        s = self.state
        ctx.update_component("weights", {
            "current": self._current_weights(ctx), "target": dict(s.active) if s.active else None,
            "proposed": dict(s.proposed) if s.proposed else None,
            "awaiting_confirmation": s.proposed is not None, "paused": s.paused,
            "converged": self.converged, "selection": controls.describe(s.selection)})

    def _publish_orders(self, ctx: Context) -> None:
        rows = deque(self.order_rows.values(), maxlen=ORDER_ROWS)
        ctx.update_component("orders", {"rows": list(rows)})


def _show(weights: Weights) -> str:
    return ", ".join(f"{a} {w:.1%}" for a, w in weights if w >= 0.0005)
