"""Pair names normalise to BASE-QUOTE, uppercase, with the venues' aliases translated."""

from __future__ import annotations

import pytest

from producers.exchanges.bitfinex.symbols import normalise_pair as bitfinex_pair
from producers.exchanges.bitfinex.symbols import trading_symbol
from producers.exchanges.coinbase.symbols import normalise_pair as coinbase_pair
from producers.exchanges.kraken.symbols import normalise_pair as kraken_pair
from producers.exchanges.kraken.symbols import ws_pair
from producers.exchanges.poloniex.symbols import normalise_pair as poloniex_pair
from producers.exchanges.poloniex.symbols import venue_symbol


@pytest.mark.parametrize(
    ("symbol", "pair"),
    [
        ("tBTCUSD", "BTC-USD"),
        ("tAAVE:USD", "AAVE-USD"),
        ("tBTCUST", "BTC-USDT"),
        ("tAAVE:UST", "AAVE-USDT"),
        ("tTESTBTC:TESTUSD", "TESTBTC-TESTUSD"),
        ("ETHBTC", "ETH-BTC"),  # REST lists omit the 't'
        ("BTC:CNHT", "BTC-CNHT"),
    ],
)
def test_bitfinex(symbol: str, pair: str) -> None:
    assert bitfinex_pair(symbol) == pair


@pytest.mark.parametrize(
    ("pair", "symbol"), [("BTC-USD", "tBTCUSD"), ("BTC-USDT", "tBTCUST"), ("AAVE-USD", "tAAVE:USD")]
)
def test_bitfinex_round_trip(pair: str, symbol: str) -> None:
    assert trading_symbol(pair) == symbol
    assert bitfinex_pair(symbol) == pair


@pytest.mark.parametrize("bad", ["tBTCUSDX", "tBTC:", "t:USD", "tBTC:US:D", "fUSD"])
def test_bitfinex_refuses_what_is_not_a_pair(bad: str) -> None:
    with pytest.raises(ValueError):
        bitfinex_pair(bad)


def test_kraken() -> None:
    assert kraken_pair("XBT/CHF") == "BTC-CHF"
    assert kraken_pair("ADA/XBT") == "ADA-BTC"
    assert kraken_pair("XDG/USD") == "DOGE-USD"
    assert kraken_pair("waves/eur") == "WAVES-EUR"
    assert ws_pair("BTC-USD") == "XBT/USD"
    with pytest.raises(ValueError):
        kraken_pair("XBTUSD")


def test_poloniex() -> None:
    assert poloniex_pair("BTC_USDT") == "BTC-USDT"
    assert poloniex_pair("bch_btc") == "BCH-BTC"
    assert venue_symbol("ZEC-USDT") == "ZEC_USDT"
    with pytest.raises(ValueError):
        poloniex_pair("BTCUSDT")


def test_coinbase() -> None:
    assert coinbase_pair("BTC-USD") == "BTC-USD"
    assert coinbase_pair("skl-gbp") == "SKL-GBP"
    with pytest.raises(ValueError):
        coinbase_pair("BTCUSD")
