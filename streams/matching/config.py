"""Settings of the matching engine: fees, queue model and book depth per venue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from streams.money import DEFAULT_FEES, FALLBACK_FEES, FeeSchedule

MIN_LEVELS = 100


@dataclass(frozen=True, slots=True)
class MatchingConfig:
    """Fee schedule per venue, queue-position model per venue, levels kept per book side.

    ``queue_position`` overrides the default (``queue_position_default``, on)
    for the venues it names; venues missing from ``fees`` pay ``FALLBACK_FEES``.
    """

    fees: Mapping[str, FeeSchedule] = field(default_factory=lambda: dict(DEFAULT_FEES))
    queue_position: Mapping[str, bool] = field(default_factory=dict)
    queue_position_default: bool = True
    max_levels: int = 1000

    def __post_init__(self) -> None:
        if self.max_levels < MIN_LEVELS:
            raise ValueError(f"max_levels must be at least {MIN_LEVELS}, got {self.max_levels}")

    def fee_schedule(self, venue: str) -> FeeSchedule:
        return self.fees.get(venue, FALLBACK_FEES)

    def queue_model(self, venue: str) -> bool:
        return self.queue_position.get(venue, self.queue_position_default)
