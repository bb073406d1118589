"""Exact conversion of venue numbers to fixed-point units and microseconds (pure).

Venues send prices and sizes as decimal strings (Coinbase, Poloniex, Kraken)
or as JSON numbers (Bitfinex). JSON numbers are decoded with
``parse_float=Decimal`` (see ``loads``), so the digits the venue sent are kept
exactly and never pass through a binary float.

Rounding: a value with more than 8 decimal places (Bitfinex sometimes prints
float noise such as ``19203.444049780002``) is rounded half-to-even to the
1e-8 unit. Values with at most 8 decimals convert exactly, with the same
result as ``streams.money.to_fixed`` (producers import only ``schemas``, so
the rule is restated here; a unit test checks the two agree).

Range, checked where a venue's number enters (every parser uses these, one rule
for all venues): a price is in ``(0, MAX_UNITS]``, a size in ``[0, MAX_UNITS]``
(0 removes a level). ``MAX_UNITS`` is what the wire's Avro ``long`` holds. A
number outside is an ``OutOfRange`` (a ``ValueError``) naming it; the parser turns it into a
malformed message (and, in a book message, a stale book).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

from schemas.events import MAX_UNITS, SCALE

# Enough digits for any 64-bit fixed-point value plus the decimals we drop.
_CTX = Context(prec=60, rounding=ROUND_HALF_EVEN)
_ONE = Decimal(1)
_SCALE = Decimal(SCALE)
_MICROS = Decimal(1_000_000)


def loads(raw: str | bytes) -> Any:
    """Decode a venue's JSON text, keeping non-integer numbers as exact ``Decimal``."""
    return json.loads(raw, parse_float=Decimal)


def to_units(value: str | int | Decimal) -> int:
    """A decimal string or number as fixed-point units (1e-8); >8 decimals round half-even."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return value * SCALE
    number = Decimal(value) if isinstance(value, str) else value
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return int(_CTX.multiply(number, _SCALE).quantize(_ONE, context=_CTX))


class OutOfRange(ValueError):
    """A venue's number outside what the wire and the books accept."""


def check_price(units: int) -> int:
    """``units`` if it is a price the wire and the books accept (``0 < units <= MAX_UNITS``)."""
    if not 0 < units <= MAX_UNITS:
        raise OutOfRange(f"price {_show(units)} is out of range (0, {_show(MAX_UNITS)}]")
    return units


def check_size(units: int) -> int:
    """``units`` if it is a size the wire and the books accept (``0 <= units <= MAX_UNITS``)."""
    if not 0 <= units <= MAX_UNITS:
        raise OutOfRange(f"size {_show(units)} is out of range [0, {_show(MAX_UNITS)}]")
    return units


def to_price(value: str | int | Decimal) -> int:
    """A venue's price as units, checked (``check_price``)."""
    return check_price(to_units(value))


def to_size(value: str | int | Decimal) -> int:
    """A venue's size as units, checked (``check_size``)."""
    return check_size(to_units(value))


def _show(units: int) -> str:
    sign, whole = ("-" if units < 0 else ""), abs(units)
    return f"{sign}{whole // SCALE}.{whole % SCALE:08d}".rstrip("0").rstrip(".")


def seconds_to_us(value: str | int | Decimal) -> int:
    """Seconds since the epoch ('1618678142.557535') as integer microseconds, half-even."""
    number = Decimal(value) if isinstance(value, str | int) else value
    return int(_CTX.multiply(number, _MICROS).quantize(_ONE, context=_CTX))


def ms_to_us(value: int) -> int:
    """Milliseconds since the epoch as microseconds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected integer milliseconds, got {value!r}")
    return value * 1000


def iso_to_us(text: str) -> int:
    """An ISO 8601 UTC time ('2021-04-17T16:44:07.859760Z') as microseconds since the epoch."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    # Whole seconds are exact in a float; the microseconds are added as an integer.
    whole = moment.replace(microsecond=0)
    return int(whole.timestamp()) * 1_000_000 + moment.microsecond


def decimals_step(decimals: object) -> int | None:
    """``10^-decimals`` in units (1e-8), or ``None`` if finer than one unit (REST metadata's
    "price decimals" / "quantity scale")."""
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimal places {decimals!r} is not a non-negative integer")
    return SCALE // 10**decimals if decimals <= 8 else None


def optional_units(value: str | int | Decimal | None) -> int | None:
    """An optional decimal field (absent or empty: None) as units (1e-8)."""
    return to_units(value) if value not in (None, "") else None  # type: ignore[arg-type]
