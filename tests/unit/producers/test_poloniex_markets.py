"""MarketListed from Poloniex's /markets (the API docs' example output, and variants of it)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from producers.exchanges.feed import MalformedMessage, VenueError
from producers.exchanges.poloniex.markets import parse_markets
from schemas.events import MarketListed

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "rest-doc-examples" / "POLONIEX.markets.json"
TS = 1_700_000_000_000_000


def example() -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = json.loads(EXAMPLE.read_text())
    return body


def with_market(symbol: str, **limits: Any) -> list[dict[str, Any]]:
    """The example plus a copy of its market renamed ``symbol``, with other trade limits."""
    body = example()
    other = copy.deepcopy(body[0])
    other["symbol"] = other["symbolTradeLimit"]["symbol"] = symbol
    other["symbolTradeLimit"].update(limits)
    return [*body, other]


def parse(body: Any) -> list[MarketListed]:
    return parse_markets(json.dumps(body), TS)


def test_the_documented_market() -> None:
    assert parse_markets(EXAMPLE.read_bytes(), TS) == [
        MarketListed(
            event_id=f"poloniex:BTC-USDT:market:{TS}",
            venue="poloniex",
            pair="BTC-USDT",
            base="BTC",
            quote="USDT",
            price_increment=1_000_000,  # priceScale 2
            size_increment=100,  # quantityScale 6
            min_size=100,  # minQuantity 0.000001
            max_size=None,
            min_notional=100_000_000,  # minAmount 1 USDT
            ts=TS,
        )
    ]


def test_scale_zero_is_a_step_of_one() -> None:
    # ccxt's comment on /markets shows such a market: BTS_BTC, quantityScale 0, minQuantity 100
    listed = parse(with_market("BTS_USDT", quantityScale=0, minQuantity="100"))
    bts = next(m for m in listed if m.pair == "BTS-USDT")
    assert (bts.size_increment, bts.min_size) == (100_000_000, 10_000_000_000)


@pytest.mark.parametrize("state", ["PAUSE", "POST_ONLY"])
def test_markets_not_normal_are_left_out(state: str) -> None:
    body = with_market("ETH_USDT")
    body[1]["state"] = state
    assert [m.pair for m in parse(body)] == ["BTC-USDT"]


def test_scales_above_eight_decimals_are_left_out() -> None:
    # BTS_BTC had priceScale 10: its prices cannot be carried in 1e-8 units
    body = [*with_market("BTS_BTC", priceScale=10), *with_market("DOGE_BTC", quantityScale=9)[1:]]
    assert [m.pair for m in parse(body)] == ["BTC-USDT"]


def test_max_quantity_when_set_and_zero_means_no_limit() -> None:
    body = with_market("ETH_USDT", maxQuantity="1000")
    body[0]["symbolTradeLimit"]["maxQuantity"] = "0"
    assert {m.pair: m.max_size for m in parse(body)} == {"BTC-USDT": None, "ETH-USDT": 100_000_000_000}


def test_an_error_object_is_the_venues() -> None:
    with pytest.raises(VenueError, match="500: Internal System Error"):
        parse({"code": 500, "message": "Internal System Error"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"markets": []}, "expected a JSON array of markets"),
        ([{"symbol": "BTC_USDT", "state": "NORMAL"}], "bad Poloniex market"),
        ([{"symbol": "BTCUSDT", "state": "NORMAL", "symbolTradeLimit": {}}], "not a Poloniex symbol"),
        ([{"symbol": "BTC_USDT", "state": "NORMAL", "symbolTradeLimit": {
            "priceScale": "2", "quantityScale": 6, "minQuantity": "1"}}], "decimal places '2'"),
        (["BTC_USDT"], "bad Poloniex market"),
    ],
)
def test_a_malformed_answer_says_what_is_wrong(body: Any, message: str) -> None:
    with pytest.raises(MalformedMessage, match=message):
        parse(body)


def test_not_json() -> None:
    with pytest.raises(MalformedMessage, match="not JSON"):
        parse_markets(b"<html>502</html>", TS)
