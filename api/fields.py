"""The typed fields of requests: amounts, ids and names, each with its range, checked where it enters.

Amounts travel as decimal strings ("1234.5"), parsed exactly (integer
arithmetic, no decimal context to round in): at most 8 decimals, at most
``MAX_UNITS`` units (92,233,720,368.54775807, the wire's Avro ``long``). A JSON
number is refused: a float cannot hold 8 decimals exactly, and an integer would
be ambiguous (whole units or 1e-8 units?).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints, WithJsonSchema

from schemas.events import MAX_UNITS, SCALE
from streams.money import to_decimal_str

DECIMALS = 8
_AMOUNT = re.compile(r"(-?)([0-9]{1,11})(?:\.([0-9]{1,8}))?")
MAX_AMOUNT = to_decimal_str(MAX_UNITS)


def parse_amount(text: str, *, signed: bool = False) -> int:
    """A decimal string -> fixed-point units, exactly; ValueError with the rule it breaks."""
    m = _AMOUNT.fullmatch(text)
    if m is None:
        raise ValueError(f"{text[:40]!r} is not a decimal amount: digits, an optional '.' and at most "
                         f"{DECIMALS} decimals, e.g. \"0.25\"")
    sign, whole, frac = m.groups()
    units = int(whole) * SCALE + int((frac or "").ljust(DECIMALS, "0"))
    if sign and not signed:
        raise ValueError(f"{text!r} is negative; give a positive amount")
    if units == 0:
        raise ValueError("the amount must not be zero")
    if units > MAX_UNITS:
        raise ValueError(f"{text!r} is above the largest amount, {MAX_AMOUNT}")
    return -units if sign else units


def _amount(value: Any, signed: bool) -> int:
    if not isinstance(value, str):
        raise ValueError("give amounts as decimal strings, e.g. \"0.25\" (not JSON numbers)")
    return parse_amount(value, signed=signed)


def _schema(signed: bool) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": r"^-?[0-9]{1,11}(\.[0-9]{1,8})?$" if signed else r"^[0-9]{1,11}(\.[0-9]{1,8})?$",
        "description": (f"A decimal string, at most {DECIMALS} decimals, not zero, at most {MAX_AMOUNT} "
                        f"in size{'; negative reduces' if signed else ''}."),
        "examples": ["-0.5" if signed else "0.25"],
    }


DecimalAmount = Annotated[int, BeforeValidator(lambda v: _amount(v, False)), WithJsonSchema(_schema(False))]
"""A positive amount, price or size, held as fixed-point units."""
SignedDecimalAmount = Annotated[int, BeforeValidator(lambda v: _amount(v, True)),
                                WithJsonSchema(_schema(True))]
"""A non-zero amount that may be negative (an adjustment)."""

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""Ids of accounts, runs, wallet sets, orders and commands: 1-128 of ``A-Z a-z 0-9 . _ : @ -``."""

VENUE_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
Venue = Annotated[str, StringConstraints(pattern=VENUE_PATTERN)]
CURRENCY_PATTERN = r"^[A-Za-z0-9]{1,16}$"
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN, to_upper=True)]
PAIR_PATTERN = r"^[A-Z0-9]{1,16}-[A-Z0-9]{1,16}$"
Pair = Annotated[str, StringConstraints(pattern=PAIR_PATTERN)]
ShortText = Annotated[str, StringConstraints(max_length=500)]


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)


def _iso_time(value: Any) -> Any:
    """An ISO 8601 date or date-time only: pydantic would also take a number as seconds since 1970, which
    is not what the documents say (and "0.5" as a time is a mistake, not a moment)."""
    if isinstance(value, str) and not _ISO.match(value.strip()):
        raise ValueError("expected an ISO 8601 date or time, e.g. 2018-01-01 or 2018-01-01T12:00:00Z")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("expected an ISO 8601 date or time as a string, e.g. \"2018-01-01T12:00:00Z\"")
    return value


IsoTime = Annotated[datetime, BeforeValidator(_iso_time)]
"""A time as ISO 8601 text (UTC when it has no zone)."""
