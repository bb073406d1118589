"""Market rules over REST: a local server answers with the venues' recorded product
lists (Kraken's and Poloniex's: their API docs' examples), after a 429 and a 502; the
client waits and retries within its rate limit, and `cryptick markets` journals the
rules where the engines read them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from floor.kafka import create_topics, read_topic
from producers.exchanges.feed import MalformedMessage
from producers.exchanges.rest import MARKET_ENDPOINTS, RateLimiter, RestClient, RestError, fetch_markets
from schemas.codec import decode
from schemas.events import SCALE, MarketListed
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, all_topics, every_partition, qualified

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exchange-captures"
DOC_EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "rest-doc-examples"


def recorded(name: str) -> bytes:
    """The body of a recorded REST response: '<url> -> <time>: <body>'."""
    first = (CAPTURES / name).read_text().splitlines()[0]
    return first.split(": ", 1)[1].strip().encode()


class Venue(BaseHTTPRequestHandler):
    bodies: dict[str, bytes] = {
        "/products": recorded("COINBASE.0"),
        "/pairs": recorded("BITFINEX.0"),
        "/0/public/AssetPairs": (DOC_EXAMPLES / "KRAKEN.AssetPairs.json").read_bytes(),
        "/markets": (DOC_EXAMPLES / "POLONIEX.markets.json").read_bytes(),
        "/kraken-busy": b'{"error": ["EService:Unavailable"]}',
        "/html": b"<html><body>Bad gateway</body></html>",
    }
    script: list[int] = []  # status codes to answer first, then 200
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status = self.script.pop(0) if self.script else 200
        body = self.bodies.get(self.path, b"") if status == 200 else b"slow down"
        if status == 200 and not body:
            status = 404
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def venue() -> Iterator[str]:
    Venue.script, Venue.hits = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Venue)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def fast_client(**kw: object) -> RestClient:
    async def no_wait(_: float) -> None:
        return None

    return RestClient(RateLimiter(1000.0, burst=10), backoff_s=0.0, sleep=no_wait, **kw)  # type: ignore[arg-type]


def test_coinbase_rules_after_a_429_and_a_502(venue: str) -> None:
    Venue.script = [429, 502]
    listings = asyncio.run(fetch_markets("coinbase", fast_client(), f"{venue}/products", now_us=7))
    assert Venue.hits == ["/products"] * 3
    btc = next(m for m in listings if m.pair == "BTC-USD")
    assert (btc.base, btc.quote, btc.price_increment, btc.ts) == ("BTC", "USD", SCALE // 100, 7)
    assert btc.min_size > 0 and len(listings) > 100


def test_kraken_rules_after_a_429_and_a_502(venue: str) -> None:
    Venue.script = [429, 502]
    listings = asyncio.run(fetch_markets("kraken", fast_client(), f"{venue}/0/public/AssetPairs", now_us=7))
    assert Venue.hits == ["/0/public/AssetPairs"] * 3
    assert [(m.pair, m.price_increment, m.min_size, m.ts) for m in listings] == [
        ("BTC-USD", SCALE // 10, SCALE // 10_000, 7),
        ("ETH-BTC", SCALE // 100_000, SCALE // 100, 7),
    ]


def test_poloniex_rules_after_a_502(venue: str) -> None:
    Venue.script = [502]
    listings = asyncio.run(fetch_markets("poloniex", fast_client(), f"{venue}/markets", now_us=7))
    assert Venue.hits == ["/markets"] * 2
    assert [(m.pair, m.price_increment, m.size_increment) for m in listings] == [
        ("BTC-USDT", SCALE // 100, SCALE // 1_000_000)
    ]


def test_venues_fetched_in_a_row_share_the_rate_limit(venue: str) -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    client = RestClient(RateLimiter(2.0, burst=1, clock=lambda: now[0], sleep=sleep), sleep=sleep)

    async def both() -> None:
        await fetch_markets("kraken", client, f"{venue}/0/public/AssetPairs")
        await fetch_markets("poloniex", client, f"{venue}/markets")

    asyncio.run(both())
    assert Venue.hits == ["/0/public/AssetPairs", "/markets"] and waits == [0.5]


def test_an_error_kraken_reports_in_a_200_is_a_rest_error(venue: str) -> None:
    with pytest.raises(RestError, match=r"kraken answered with an error: EService:Unavailable"):
        asyncio.run(fetch_markets("kraken", fast_client(), f"{venue}/kraken-busy"))
    assert Venue.hits == ["/kraken-busy"]


def test_an_answer_that_is_not_a_market_list_says_so(venue: str) -> None:
    with pytest.raises(MalformedMessage, match="not JSON"):
        asyncio.run(fetch_markets("poloniex", fast_client(), f"{venue}/html"))
    with pytest.raises(MalformedMessage, match="expected a JSON array of markets"):
        asyncio.run(fetch_markets("poloniex", fast_client(), f"{venue}/0/public/AssetPairs"))


def test_a_request_that_is_wrong_is_not_retried(venue: str) -> None:
    with pytest.raises(RestError, match="HTTP 404"):
        asyncio.run(fetch_markets("coinbase", fast_client(), f"{venue}/nowhere"))
    assert Venue.hits == ["/nowhere"]


def test_persistent_failure_gives_up_with_the_reason(venue: str) -> None:
    Venue.script = [503] * 10
    with pytest.raises(RestError, match="HTTP 503"):
        asyncio.run(fetch_markets("bitfinex", fast_client(retries=2), f"{venue}/pairs"))
    assert len(Venue.hits) == 3


def test_the_rate_limit_spaces_requests() -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    limiter = RateLimiter(2.0, burst=1, clock=lambda: now[0], sleep=sleep)

    async def three() -> None:
        for _ in range(3):
            await limiter.acquire()

    asyncio.run(three())
    assert waits == [0.5, 0.5]  # 2 a second: the 2nd and 3rd wait half a second each


@pytest.mark.integration
def test_cryptick_markets_journals_the_rules_for_venue_and_ledger(
    venue: str, kafka_bootstrap: str, namespace: str
) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    result = CliRunner().invoke(app, ["markets", "--venues", "bitfinex", "--url", f"{venue}/pairs",
                                      "--namespace", namespace])
    assert result.exit_code == 0, result.output
    on_venue = [decode(r.value) for r in read_topic(kafka_bootstrap, qualified(VENUE_JOURNAL, namespace))]
    ledger = list(read_topic(kafka_bootstrap, qualified(LEDGER_JOURNAL, namespace)))
    on_ledger = [decode(r.value) for r in ledger]
    assert all(isinstance(e, MarketListed) for e in on_venue + on_ledger)
    assert len(on_venue) > 100
    for p in every_partition(LEDGER_JOURNAL):  # every ledger gets every listing: any account may trade
        assert sorted(decode(r.value).event_id for r in ledger if r.partition == p) == sorted(
            e.event_id for e in on_venue)
    assert any(e.pair == "BTC-USD" for e in on_venue)  # type: ignore[union-attr]
    assert f"journaled {len(on_venue)} markets of bitfinex" in result.output


@pytest.mark.integration
def test_cryptick_markets_kraken_poloniex(
    venue: str, kafka_bootstrap: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, path in (("kraken", "/0/public/AssetPairs"), ("poloniex", "/markets")):
        monkeypatch.setitem(MARKET_ENDPOINTS, name, (f"{venue}{path}", MARKET_ENDPOINTS[name][1]))
    create_topics(kafka_bootstrap, all_topics(namespace))
    result = CliRunner().invoke(app, ["markets", "kraken", "poloniex", "--namespace", namespace])
    assert result.exit_code == 0, result.output
    assert "journaled 3 markets of kraken, poloniex" in result.output
    on_venue = [decode(r.value) for r in read_topic(kafka_bootstrap, qualified(VENUE_JOURNAL, namespace))]
    assert sorted((e.venue, e.pair) for e in on_venue) == [  # type: ignore[union-attr]
        ("kraken", "BTC-USD"), ("kraken", "ETH-BTC"), ("poloniex", "BTC-USDT")
    ]


def test_cryptick_markets_reports_a_venue_error_in_one_line(venue: str) -> None:
    result = CliRunner().invoke(app, ["markets", "kraken", "--url", f"{venue}/kraken-busy"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: GET {venue}/kraken-busy: kraken answered with an error: EService:Unavailable"
    )
