"""Small fixed-point helpers strategies share: price moves in basis points, rounding to increments."""

from __future__ import annotations

from streams.money import BPS


def round_down(value: int, increment: int) -> int:
    return value // increment * increment if increment > 0 else value


def round_up(value: int, increment: int) -> int:
    return -(-value // increment) * increment if increment > 0 else value


def moved(price: int, bps: int) -> int:
    """``price`` moved by ``bps`` basis points (negative: down), rounded toward the original price."""
    return price + price * bps // BPS if bps >= 0 else price - price * -bps // BPS
