"""Hand-made public trades for the candle tests."""

from __future__ import annotations

from schemas.events import SCALE, PublicTrade

T0 = 1_514_764_800_000_000  # 2018-01-01T00:00:00Z, µs
MIN = 60_000_000


def trade(
    n: int,
    ts: int,
    price: float,
    size: float,
    recv_delay: int = 1_000,
    venue: str = "v",
    pair: str = "BTC-USD",
    event_id: str | None = None,
) -> PublicTrade:
    """Trade ``n`` at ``T0 + ts`` µs, received ``recv_delay`` µs later (prices and sizes in units)."""
    return PublicTrade(
        event_id or f"{venue}:{pair}:trade:{n}",
        venue,
        pair,
        T0 + ts,
        T0 + ts + recv_delay,
        str(n),
        round(price * SCALE),
        round(size * SCALE),
        None,
    )


def sample() -> list[PublicTrade]:
    """Seven trades over three minutes, one received late, one at the same time as another."""
    return [
        trade(1, 0, 100.0, 1.0),
        trade(2, 10_000_000, 105.0, 0.5),
        trade(3, 20_000_000, 95.0, 2.0),
        trade(4, 59_999_999, 101.0, 0.25),
        trade(5, MIN + 5_000_000, 102.0, 1.0, recv_delay=2 * MIN),  # received in the fourth minute
        trade(6, MIN + 5_000_000, 103.0, 3.0),  # same event time as trade 5: journal order decides
        trade(7, 2 * MIN + 1, 99.0, 1.5),
    ]
