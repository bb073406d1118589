"""Venue numbers become fixed-point units and microseconds exactly; >8 decimals round half-even."""

from __future__ import annotations

from decimal import Decimal

import pytest

from producers.exchanges.numbers import (
    OutOfRange,
    iso_to_us,
    loads,
    ms_to_us,
    seconds_to_us,
    to_price,
    to_size,
    to_units,
)
from schemas.events import MAX_UNITS
from streams.money import to_fixed


@pytest.mark.parametrize(
    "text", ["0", "1", "0.1", "0.00000001", "14.8024", "21614.59", "1e-5", "354.11000000", "-0.5"]
)
def test_decimal_strings_agree_with_the_ledger_rule(text: str) -> None:
    assert to_units(text) == to_fixed(text)


def test_json_floats_are_decoded_exactly() -> None:
    # 0.1 + 0.2 style noise must not appear: the JSON digits are kept as Decimal.
    assert to_units(loads("0.0010262")) == 102620
    assert to_units(loads("0.00002505")) == 2505
    assert to_units(loads("1e-8")) == 1
    assert to_units(60400) == 60400 * 100_000_000


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("19203.444049780002", 1920344404978),  # Bitfinex float noise: dropped
        ("0.000000005", 0),  # half to even: 0
        ("0.000000015", 2),  # half to even: 2
        ("0.000000025", 2),
        ("-0.000000015", -2),
        ("1.999999999", 200000000),
    ],
)
def test_more_than_8_decimals_round_half_even(text: str, units: int) -> None:
    assert to_units(Decimal(text)) == units
    assert to_units(text) == units


def test_booleans_and_non_finite_values_are_refused() -> None:
    with pytest.raises(TypeError):
        to_units(True)
    with pytest.raises(ValueError):
        to_units("NaN")


def test_times() -> None:
    assert seconds_to_us("1618678142.557535") == 1618678142557535
    assert seconds_to_us("1618677817.0208309") == 1618677817020831  # 7 digits: rounded
    assert ms_to_us(1661123520381) == 1661123520381000
    assert iso_to_us("2021-04-17T16:43:37.089723Z") == 1618677817089723
    assert iso_to_us("2021-04-17T16:43:37Z") == 1618677817000000
    assert iso_to_us("2021-04-17T16:43:37.5Z") == 1618677817500000
    with pytest.raises(ValueError):
        iso_to_us("2021-04-17T16:43:37")  # no zone: refused


def test_prices_and_sizes_are_range_checked_where_they_enter() -> None:
    """One rule for every venue: 0 < price <= MAX_UNITS, 0 <= size <= MAX_UNITS (issue #13)."""
    too_big = "92233720368.54775808"  # MAX_UNITS + 1 unit
    assert to_price("0.00000001") == 1 and to_price("92233720368.54775807") == MAX_UNITS
    assert to_size("0") == 0 and to_size("92233720368.54775807") == MAX_UNITS
    for bad, shown in (("0", "0"), ("-0.00000001", "-0.00000001"), (too_big, too_big)):
        with pytest.raises(OutOfRange, match=rf"^price {shown} is out of range \(0, 92233720368.54775807\]$"):
            to_price(bad)
    for bad in ("-0.00000001", too_big):
        with pytest.raises(OutOfRange, match=r"^size .* is out of range"):
            to_size(bad)
