"""One grammar for a typed time, exact to the microsecond, the same for every command and query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.units import US, micros, parse_time

JAN_2018 = 1_514_764_800 * US


@pytest.mark.parametrize("text, expected", [
    ("2018-01-01", JAN_2018),
    ("2018-01-01T00:00", JAN_2018),
    ("2018-01-01T12:00:00.5Z", JAN_2018 + 12 * 3600 * US + US // 2),
    ("2018-01-01T01:00+01:00", JAN_2018),
    ("  2018-01-01T00:00:00.000001  ", JAN_2018 + 1),
    ("1514764800", JAN_2018),
    ("1514764800.25", JAN_2018 + US // 4),
    ("1514764800.000001", JAN_2018 + 1),
])
def test_iso_8601_and_unix_seconds_read_exactly(text: str, expected: int) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2018-13-01", "", "1514764800.0000001", "-5"])
def test_anything_else_is_refused_naming_the_forms_it_takes(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO 8601|microseconds"):
        parse_time(text)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2199, 12, 31)))
def test_a_moment_is_its_microseconds_exactly_where_a_float_would_round(moment: datetime) -> None:
    expected = (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    assert micros(moment) == expected == parse_time(moment.isoformat())
    assert micros(moment.replace(tzinfo=UTC)) == expected
    assert micros(moment.replace(tzinfo=timezone(timedelta(hours=2)))) == expected - 2 * 3600 * US


def test_the_cli_the_backtests_and_the_api_read_a_time_alike() -> None:
    from api.models import micros as api_micros
    from cryptick.commands.market import parse_time as market_time
    from replay.backtests import UsageError
    from replay.backtests import parse_time as backtest_time

    for text in ("2018-01-01T12:00:00.5Z", "1514764800.25", "2018-01-01"):
        assert backtest_time(text, "--start") == market_time(text) == parse_time(text)
    assert api_micros(datetime(2018, 1, 1, 12, 0, 0, 500_000)) == parse_time("2018-01-01T12:00:00.5")
    with pytest.raises(UsageError, match="bad --start: 'soon' is not a time"):
        backtest_time("soon", "--start")
    with pytest.raises(typer.BadParameter, match="'soon' is not a time"):
        market_time("soon")
