"""MarketListed from the captured REST product lists."""

from __future__ import annotations

from producers.exchanges.bitfinex.markets import parse_pair_list
from producers.exchanges.capture import Direction, read_capture
from producers.exchanges.coinbase.markets import parse_products
from schemas.events import MarketListed
from tests.unit.producers.kit import CAPTURES


def _rest(name: str, url_suffix: str) -> tuple[str, int]:
    lines = (CAPTURES / name).read_text(encoding="utf-8").splitlines()
    record = next(
        r for r in read_capture(lines) if r.direction is Direction.REST and str(r.url).endswith(url_suffix)
    )
    return record.payload, record.recv_ts


def test_coinbase_btc_usd() -> None:
    payload, ts = _rest("COINBASE.0", "/products")
    markets = parse_products(payload, ts)
    assert len(markets) == 162 == len({m.pair for m in markets})
    btc = next(m for m in markets if m.pair == "BTC-USD")
    assert btc == MarketListed(
        event_id=f"coinbase:BTC-USD:market:{ts}",
        venue="coinbase",
        pair="BTC-USD",
        base="BTC",
        quote="USD",
        price_increment=1_000_000,  # quote_increment 0.01
        size_increment=1,  # base_increment 0.00000001
        min_size=10_000,  # base_min_size 0.0001
        max_size=28_000_000_000,  # base_max_size 280
        min_notional=500_000_000,  # min_market_funds 5
        ts=1618677816841500,
    )


def test_coinbase_increments_are_positive() -> None:
    payload, ts = _rest("COINBASE.0", "/products")
    assert all(m.price_increment > 0 and m.size_increment > 0 for m in parse_products(payload, ts))


def test_bitfinex_pair_list_with_defaults() -> None:
    payload, ts = _rest("BITFINEX.0", "pub:list:pair:exchange")
    markets = {m.pair: m for m in parse_pair_list(payload, ts)}
    assert {"BTC-USD", "BTC-USDT", "AAVE-USD", "AAVE-USDT", "ETH-BTC", "ZEC-USD", "XMR-USD"} <= set(markets)
    btc = markets["BTC-USD"]
    assert (btc.base, btc.quote, btc.price_increment, btc.size_increment) == ("BTC", "USD", 1, 1)
    assert (btc.min_size, btc.max_size, btc.min_notional, btc.ts) == (0, None, None, ts)
