"""Amounts enter exactly: decimal strings with at most 8 decimals, within the wire's range, never rounded."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.fields import MAX_AMOUNT, parse_amount
from api.models import AdjustIn, FundsIn, OrderIn, StopIn
from schemas.events import MAX_UNITS


def test_exact_parsing() -> None:
    assert parse_amount("1") == 100_000_000
    assert parse_amount("0.00000001") == 1
    assert parse_amount("12345.6789") == 1_234_567_890_000
    assert parse_amount(MAX_AMOUNT) == MAX_UNITS


@pytest.mark.parametrize("text", [
    "1.000000000000000000000000000001",  # 30 significant digits: was rounded to 1
    "0.000000001",  # a 9th decimal
    "1e-5", "1E3", "NaN", "Infinity", " 1", "1 ", "+1", "1.", ".5", "0x10", "\u0661", "1\n",  # not plain
    "", "0", "0.00000000", "-0",  # zero
    "92233720368.54775808",  # one unit past the wire's range
    "99999999999.99999999",
    "123456789012",  # 12 whole digits
])
def test_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_negative_only_where_signed() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_amount("-1")
    assert parse_amount("-1.5", signed=True) == -150_000_000


@pytest.mark.parametrize("amount", [1, 1.5, True, None, ["1"]])
def test_numbers_are_refused(amount: object) -> None:
    with pytest.raises(ValidationError, match="decimal strings"):
        FundsIn.model_validate({"venue": "coinbase", "currency": "USD", "amount": amount})


def test_requests_refuse_unknown_fields_and_loose_types() -> None:
    with pytest.raises(ValidationError):
        FundsIn.model_validate({"venue": "coinbase", "currency": "USD", "amount": "1", "amont": "2"})
    with pytest.raises(ValidationError):
        StopIn.model_validate({"release": 0})  # not a boolean
    with pytest.raises(ValidationError):
        StopIn.model_validate({"release": "true"})
    assert StopIn.model_validate({"release": True}).release is True


@pytest.mark.parametrize("bad", ["a" * 129, "x\x00y", "has space", "", "-leading", "é"])
def test_ids_are_bounded(bad: str) -> None:
    with pytest.raises(ValidationError):
        FundsIn.model_validate({"venue": "coinbase", "currency": "USD", "amount": "1", "command_id": bad})


def test_currency_is_upper_cased_and_adjustments_may_be_negative() -> None:
    body = AdjustIn.model_validate(
        {"allocations": [{"venue": "coinbase", "currency": "usd", "amount": "-2"}]})
    assert (body.allocations[0].currency, body.allocations[0].amount) == ("USD", -200_000_000)


def test_order_fields() -> None:
    base = {"run_id": "r", "wallet_set_id": "w", "venue": "coinbase", "pair": "BTC-USD", "side": "buy",
            "type": "limit", "size": "1", "price": "100"}
    assert OrderIn.model_validate(base).price == 100 * 100_000_000
    for field, value in [("pair", "BTCUSD"), ("cancel_after_s", 0), ("cancel_after_s", "5"),
                         ("cancel_after_s", 10**12), ("post_only", 1), ("side", "BUY")]:
        with pytest.raises(ValidationError):
            OrderIn.model_validate({**base, field: value})
