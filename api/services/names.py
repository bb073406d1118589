"""Known venues and currencies: a command naming another is refused with the reason, before it is sent."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import HTTPException

from api.services.views import AgentViews
from streams.money import DEFAULT_FEES

KNOWN_VENUES = frozenset(DEFAULT_FEES)
"""The venues the project trades on (their fees are known); a venue with a listing counts too."""


def check_names(views: AgentViews, names: Iterable[tuple[str, str]]) -> None:
    """422 for a (venue, currency) no listing and no known venue names; a venue with listings knows
    its currencies (the bases and quotes of its pairs)."""
    markets = views.markets()
    listed: dict[str, set[str]] = {}
    for venue, pair in markets:
        listed.setdefault(venue, set()).update(pair.split("-", 1))
    for venue, currency in names:
        if venue not in listed and venue not in KNOWN_VENUES:
            known = sorted(KNOWN_VENUES | set(listed))
            raise HTTPException(422, f"unknown venue {venue!r}; known venues: {', '.join(known)}")
        if venue in listed and currency not in listed[venue]:
            raise HTTPException(422, f"{venue} lists no pair with {currency!r}; its currencies: "
                                     f"{', '.join(sorted(listed[venue]))}")
