"""Parameters of the efficient-frontier strategy, as ``--param key=value`` fills them."""

from __future__ import annotations

from dataclasses import dataclass

NAMED_TARGETS = ("max_sharpe", "min_variance")
DAY_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class EfficientFrontierParams:
    """Universe, estimation window, target choice and execution limits.

    ``target`` is ``max_sharpe``, ``min_variance`` or a frontier point index (``0`` is the
    minimum-variance end). ``tolerance`` is a fraction of equity: trading stops once every
    weight (cash included) is that close to its target. ``slice_fraction`` caps a child order
    at that share of the displayed size at the top of the book.
    """

    bases: tuple[str, ...] = ("BTC", "ETH", "LTC", "BCH", "ZEC", "XMR")
    quote: str = "USD"
    venues: tuple[str, ...] = ()  # default: the run's default venue
    candle_interval_s: int = 300
    lookback: int = 180 * DAY_S // 300  # candles: 180 days of 5-minute closes
    min_candles: int = 10
    risk_free_rate: float = 0.03
    max_weight: float = 1.0
    points: int = 20
    target: str = "max_sharpe"
    tolerance: float = 0.01
    slice_fraction: float = 0.25
    slice_interval_s: int = 5
    slippage_bps: int = 20
    recompute_interval_s: int = 3600
    path_interval_s: int = 300
    cloud_size: int = 500
    seed: int = 7
    auto_confirm: bool = False

    def __post_init__(self) -> None:
        if len(self.bases) < 2 or len(set(self.bases)) != len(self.bases):
            raise ValueError("bases must name at least two different currencies")
        if self.quote in self.bases:
            raise ValueError(f"the quote {self.quote} cannot also be a base")
        for name in ("candle_interval_s", "slice_interval_s", "recompute_interval_s", "path_interval_s",
                     "cloud_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.min_candles < 3 or self.lookback < self.min_candles:
            raise ValueError("need min_candles >= 3 and lookback >= min_candles")
        if self.points < 2:
            raise ValueError("points must be at least 2")
        if not 0.0 < self.max_weight <= 1.0 or self.max_weight * len(self.bases) < 1.0:
            raise ValueError(f"max_weight must be in (0, 1] and at least 1/{len(self.bases)} "
                             "so that the portfolio can be fully invested")
        if not 0.0 < self.tolerance < 0.5:
            raise ValueError("tolerance must be a fraction of equity in (0, 0.5)")
        if not 0.0 < self.slice_fraction <= 1.0:
            raise ValueError("slice_fraction must be in (0, 1]")
        if self.slippage_bps < 0:
            raise ValueError("slippage_bps cannot be negative")
        if self.target not in NAMED_TARGETS and not (self.target.isdigit()
                                                     and int(self.target) < self.points):
            raise ValueError(f"target must be {' or '.join(NAMED_TARGETS)} or a frontier point index "
                             f"below points={self.points}, got {self.target!r}")
