"""Prices are checked where they enter, with one rule for every venue: ``0 < price <= MAX_UNITS``.

Given a real capture of each venue, when one price of a book update of a followed pair is made
negative, zero or larger than the wire holds, then the update marks its book stale with the
reason naming the price (sizes were checked before, prices were not: a negative bid was applied).
A snapshot with such a price marks its book stale instead of loading it; a trade with one is a
malformed message (it is skipped, and changes no book).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import FeedParser, MalformedMessage
from producers.exchanges.kraken.parse import KrakenParser
from producers.exchanges.poloniex.parse import PoloniexParser
from tests.unit.producers.corrupted import CASES, parse_each, records, stale_reports
from tests.unit.producers.kit import received

# the price, as the venue wrote it, in each case's book update
PRICE_TEXT = {
    "coinbase": '"0.82613"', "kraken": '"56734.60000"', "poloniex": '"21614.6"', "bitfinex": "279380",
}
TOO_BIG = "92233720368.54775808"  # MAX_UNITS + 1 unit
BAD = {"negative": ("-1.5", "price -1.5 is out of range"), "zero": ("0", "price 0 is out of range"),
       "too big": (TOO_BIG, f"price {TOO_BIG} is out of range")}


def _quoted(venue: str, text: str) -> str:
    return text if venue == "bitfinex" else f'"{text}"'


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize("venue", sorted(CASES))
def test_an_update_with_a_price_out_of_range_marks_the_book_stale(venue: str, bad: str) -> None:
    case = CASES[venue]
    messages = records(case, corrupt=False)
    text, reason = BAD[bad]
    original = messages[case.index].payload
    assert original.count(PRICE_TEXT[venue]) == 1
    messages[case.index] = replace(messages[case.index],
                                   payload=original.replace(PRICE_TEXT[venue], _quoted(venue, text)))

    events = parse_each(case.parser(), messages)[case.index]

    (report,) = stale_reports(events)
    assert events == [report] and report.pair == case.pair
    assert report.reason.startswith(f"malformed book message: {reason}")


SNAPSHOTS: list[tuple[type[FeedParser], str, int, str, str]] = [
    (CoinbaseParser, "COINBASE.ws.28.0", 2, '["14.8024"', '["-14.8024"'),
    (PoloniexParser, "POLONIEX.ws.1.0", 2, '["0.9998"', '["0"'),
    (KrakenParser, "KRAKEN.ws.50.0", 12, '["0.000022900"', '["-0.000022900"'),
    (BitfinexParser, "BITFINEX.ws.11.0", 31, "[60400,", f"[{TOO_BIG},"),
]


@pytest.mark.parametrize(("parser", "capture", "index", "price", "bad"), SNAPSHOTS,
                         ids=[s[1] for s in SNAPSHOTS])
def test_a_snapshot_with_a_price_out_of_range_marks_the_book_stale(
    parser: type[FeedParser], capture: str, index: int, price: str, bad: str
) -> None:
    messages = received(capture)
    parser_ = parser()
    parse_each(parser_, messages[:index])
    corrupted = messages[index].payload.replace(price, bad, 1)
    assert corrupted != messages[index].payload

    events = parser_.parse(corrupted, messages[index].recv_ts)

    (report,) = stale_reports(events)
    assert events == [report]
    assert report.reason.startswith("malformed book message: price ") and "is out of range" in report.reason


TRADES: list[tuple[type[FeedParser], str]] = [
    (CoinbaseParser, '{"type":"match","trade_id":1,"side":"sell","size":"985","price":"-0.00001305",'
                     '"product_id":"SKL-BTC","time":"2021-04-17T16:43:37.089723Z"}'),
    (PoloniexParser, '{"channel":"trades","data":[{"symbol":"BTC_USDT","quantity":"0.01149",'
                     '"takerSide":"sell","createTime":1661123520381,"price":"0","id":"60184114",'
                     '"ts":1661123520386}]}'),
    (KrakenParser, '[993,[["-354.11000000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]'),
]


@pytest.mark.parametrize(("parser", "raw"), TRADES, ids=[t[0].__name__ for t in TRADES])
def test_a_trade_with_a_price_out_of_range_is_malformed(parser: type[FeedParser], raw: str) -> None:
    with pytest.raises(MalformedMessage, match=r"price .* is out of range"):
        parser().parse(raw, 1)


def test_bitfinex_trade_with_a_price_out_of_range_is_malformed() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"trades","chanId":5,"symbol":"tBTCUSD"}', 1)
    with pytest.raises(MalformedMessage, match="price -60000 is out of range"):
        parser.parse('[5,"te",[1,1618677442819,0.5,-60000],1]', 2)
