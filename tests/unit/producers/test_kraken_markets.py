"""MarketListed from Kraken's AssetPairs (the API docs' example response, and variants of it)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from producers.exchanges.feed import MalformedMessage, VenueError
from producers.exchanges.kraken.markets import parse_asset_pairs
from schemas.events import MarketListed

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "rest-doc-examples" / "KRAKEN.AssetPairs.json"
TS = 1_700_000_000_000_000


def example() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return body


def parse(body: dict[str, Any]) -> list[MarketListed]:
    return parse_asset_pairs(json.dumps(body), TS)


def test_the_documented_pairs() -> None:
    assert parse_asset_pairs(EXAMPLE.read_bytes(), TS) == [
        MarketListed(
            event_id=f"kraken:BTC-USD:market:{TS}",
            venue="kraken",
            pair="BTC-USD",  # wsname XBT/USD, as the websocket feed names it
            base="BTC",
            quote="USD",
            price_increment=10_000_000,  # tick_size 0.1
            size_increment=1,  # lot_decimals 8
            min_size=10_000,  # ordermin 0.0001
            max_size=None,
            min_notional=50_000_000,  # costmin 0.5 USD
            ts=TS,
        ),
        MarketListed(
            event_id=f"kraken:ETH-BTC:market:{TS}",
            venue="kraken",
            pair="ETH-BTC",
            base="ETH",
            quote="BTC",
            price_increment=1_000,  # tick_size 0.00001
            size_increment=1,
            min_size=1_000_000,  # ordermin 0.01
            max_size=None,
            min_notional=2_000,  # costmin 0.00002 BTC
            ts=TS,
        ),
    ]


def test_without_tick_size_the_price_step_is_ten_to_minus_pair_decimals() -> None:
    body = example()
    for pair in body["result"].values():
        del pair["tick_size"], pair["costmin"]
    steps = {m.pair: (m.price_increment, m.min_notional) for m in parse(body)}
    assert steps == {"BTC-USD": (10_000_000, None), "ETH-BTC": (1_000, None)}  # 1 and 5 decimals


def test_lot_decimals_give_the_size_step() -> None:
    body = example()
    body["result"]["XXBTZUSD"]["lot_decimals"] = 3
    assert next(m for m in parse(body) if m.pair == "BTC-USD").size_increment == 100_000


@pytest.mark.parametrize("status", ["cancel_only", "post_only", "limit_only", "reduce_only", "delisted"])
def test_pairs_not_online_are_left_out(status: str) -> None:
    body = example()
    body["result"]["XXBTZUSD"]["status"] = status
    assert [m.pair for m in parse(body)] == ["ETH-BTC"]


def test_a_response_without_status_counts_as_online() -> None:
    body = example()
    for pair in body["result"].values():
        del pair["status"]
    assert [m.pair for m in parse(body)] == ["BTC-USD", "ETH-BTC"]


def test_dark_pool_pairs_and_pairs_without_a_websocket_name_are_left_out() -> None:
    body = example()
    body["result"]["XBTUSD.d"] = copy.deepcopy(body["result"]["XXBTZUSD"])
    del body["result"]["XETHXXBT"]["wsname"]
    assert [m.pair for m in parse(body)] == ["BTC-USD"]


def test_steps_finer_than_one_unit_are_left_out() -> None:
    body = example()
    body["result"]["XXBTZUSD"]["tick_size"] = "0.000000001"
    body["result"]["XETHXXBT"]["lot_decimals"] = 10
    assert parse(body) == []


def test_a_tick_that_is_not_a_whole_number_of_units_is_left_out() -> None:
    body = example()
    body["result"]["XXBTZUSD"]["tick_size"] = "0.000000015"  # 1.5 units: rounding would change the grid
    assert [m.pair for m in parse(body)] == ["ETH-BTC"]


def test_an_error_in_the_error_array_is_the_venues() -> None:
    with pytest.raises(VenueError, match="EGeneral:Invalid arguments; EService:Unavailable"):
        parse({"error": ["EGeneral:Invalid arguments", "EService:Unavailable"]})


def test_warnings_come_with_a_result_and_are_ignored() -> None:
    body = example()
    body["error"] = ["WGeneral:Something to know"]
    assert len(parse(body)) == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("<html>busy</html>", "not JSON"),
        ("[]", "expected"),
        ('{"error": []}', "expected a result object"),
        ('{"error": [], "result": {"X": {"wsname": "XBT/USD"}}}', "bad Kraken asset pair 'X'"),
        ('{"error": [], "result": {"X": {"wsname": "XBT/USD", "pair_decimals": "1", "lot_decimals": 8, '
         '"ordermin": "1"}}}', "bad Kraken asset pair"),
        ('{"error": [], "result": {"X": {"wsname": "XBTUSD", "pair_decimals": 1, "lot_decimals": 8, '
         '"ordermin": "1"}}}', "not a Kraken websocket pair"),
    ],
)
def test_a_malformed_answer_says_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(MalformedMessage, match=message):
        parse_asset_pairs(raw, TS)
