"""The SSE endpoint streams fills and wallet movements as they happen, over real HTTP."""

from __future__ import annotations

import json

import pytest

from floor.kafka import producer
from schemas.codec import encode
from schemas.events import OrderFilled, OrderOpened, PostingLeg, WalletMovement
from schemas.topics import LEDGER_EVENTS, VENUE_EVENTS, qualified
from tests.integration import http

pytestmark = pytest.mark.integration
BEYOND_A_FLOAT = 2**53 + 1  # 9007199254740993: a float holds 9007199254740992


def test_health_reports_the_broker(api_server: str, kafka_bootstrap: str) -> None:
    body = http.get(f"{api_server}/health", timeout=5).json()
    assert body["status"] == "ok"
    assert body["kafka"] == kafka_bootstrap
    assert body["topics"] >= 7


def test_unknown_stream_kind_is_a_clear_422(api_server: str) -> None:
    r = http.get(f"{api_server}/streams/events", params={"kinds": "fills,gossip"}, timeout=5)
    assert r.status_code == 422
    assert "unknown stream 'gossip'" in r.text


def test_fills_and_wallet_movements_arrive_as_they_happen(
    api_server: str, kafka_bootstrap: str, namespace: str
) -> None:
    fill = OrderFilled("o1:fill:1", "o1", "main", "r1", "ws1", "synthetic", "BTC-USD", "buy",
                       900_000_000_000, 10_000_000, 180_000_000, "USD", "taker",
                       900_000_000_000, 1, 1_514_764_800_000_000)
    opened = OrderOpened("o2:opened", "o2", "main", "r1", "ws1", "synthetic", "BTC-USD", "sell",
                         910_000_000_000, 5, 5, 0, 1_514_764_800_000_001)
    movement = WalletMovement("o1:fill:1:settle", "main", "trade", "o1:fill:1",
                              [PostingLeg("ws1", "hold", "synthetic", "USD", -5),
                               PostingLeg("external", "external", "synthetic", "USD", 5),
                               PostingLeg("ws1", "available", "synthetic", "SHIB", -BEYOND_A_FLOAT),
                               PostingLeg("external", "external", "synthetic", "SHIB", BEYOND_A_FLOAT)],
                              1_514_764_800_000_002)
    received: list[tuple[str, dict[str, object]]] = []
    with http.stream("GET", f"{api_server}/streams/events", timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        event_name = None
        for line in lines:
            if line.startswith("event:"):
                event_name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event_name == "ready":
                break
        prod = producer(kafka_bootstrap)
        prod.produce(qualified(VENUE_EVENTS, namespace), key=b"synthetic:BTC-USD", value=encode(opened))
        prod.produce(qualified(VENUE_EVENTS, namespace), key=b"synthetic:BTC-USD", value=encode(fill))
        prod.produce(qualified(LEDGER_EVENTS, namespace), key=b"main", value=encode(movement))
        assert prod.flush(10) == 0
        for line in lines:
            if line.startswith("event:"):
                event_name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event_name:
                received.append((event_name, json.loads(line.split(":", 1)[1])))
                if len(received) == 2:
                    break
    by_type = dict(received)
    assert set(by_type) == {"OrderFilled", "WalletMovement"}  # OrderOpened is not asked for
    assert by_type["OrderFilled"]["event_id"] == "o1:fill:1"
    assert by_type["OrderFilled"]["price"] == 900_000_000_000
    assert by_type["WalletMovement"]["legs"][0]["amount"] == -5  # type: ignore[index]
    # 2^53 + 1 units: a JSON number would reach a browser as 2^53; its digits arrive exactly
    assert [leg["amount"] for leg in by_type["WalletMovement"]["legs"][2:]] == [  # type: ignore[index]
        "-9007199254740993", "9007199254740993"]

