"""USD values from mid prices: direct, inverted, one hop via BTC or USDT, or an explicit no route."""

from __future__ import annotations

from streams.ledger.valuation import NO_ROUTE, value_in_usd
from tests.unit.ledger.kit import funded, u


def test_usd_is_itself() -> None:
    assert value_in_usd({"USD": u("12.5")}, {}) == {"USD": u("12.5")}


def test_a_direct_price() -> None:
    prices = {("BTC", "USD"): u("50000")}
    assert value_in_usd({"BTC": u("0.5")}, prices) == {"BTC": u("25000")}


def test_an_inverted_price() -> None:
    prices = {("USD", "EUR"): u("0.8")}
    assert value_in_usd({"EUR": u("100")}, prices) == {"EUR": u("125")}


def test_one_hop_via_btc() -> None:
    prices = {("ETH", "BTC"): u("0.05"), ("BTC", "USD"): u("60000")}
    assert value_in_usd({"ETH": u("2")}, prices) == {"ETH": u("6000")}


def test_one_hop_via_usdt() -> None:
    prices = {("XMR", "USDT"): u("150"), ("USDT", "USD"): u("0.999")}
    assert value_in_usd({"XMR": u("3")}, prices) == {"XMR": u("449.55")}


def test_the_direct_route_wins_over_a_hop() -> None:
    prices = {("ETH", "USD"): u("3000"), ("ETH", "BTC"): u("0.05"), ("BTC", "USD"): u("70000")}
    assert value_in_usd({"ETH": u("1")}, prices) == {"ETH": u("3000")}


def test_no_route_is_explicit() -> None:
    prices = {("ZEC", "ETH"): u("0.01"), ("BTC", "USD"): u("50000")}
    assert value_in_usd({"ZEC": u("1"), "BTC": u("1")}, prices) == {"ZEC": NO_ROUTE, "BTC": u("50000")}
    assert NO_ROUTE == "no_route"


def test_two_hops_are_not_taken() -> None:
    prices = {("ZEC", "ETH"): u("0.01"), ("ETH", "BTC"): u("0.05"), ("BTC", "USD"): u("50000")}
    assert value_in_usd({"ZEC": u("1")}, prices) == {"ZEC": NO_ROUTE}


def test_the_result_is_rounded_down_once() -> None:
    prices = {("ETH", "BTC"): u("0.33333333"), ("BTC", "USD"): u("3")}
    # exact: 0.00000001 * 0.33333333 * 3 = 0.0000000099999999 -> 0
    assert value_in_usd({"ETH": 1}, prices) == {"ETH": 0}
    assert value_in_usd({"ETH": 3}, prices) == {"ETH": 2}


def test_the_ledger_offers_it() -> None:
    assert funded().value_in_usd({"BTC": u("1")}, {("BTC", "USD"): u("1")}) == {"BTC": u("1")}
