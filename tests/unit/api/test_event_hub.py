"""The event hub's pure parts: ids that resume, filters by kind, account and run, slow clients dropped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from api.services.event_hub import EventHub, HubEvent, Subscriber, behind, decode_id, encode_id, parse_kinds
from schemas.codec import encode
from schemas.events import OrderFilled, PostingLeg, RunStateChanged, WalletMovement


def test_an_id_names_a_position_and_back() -> None:
    position = [0, 1, 255, 10**12, 2**63 - 1]
    assert decode_id(encode_id(position), len(position)) == position


@pytest.mark.parametrize("bad", ["", "42", "p1.zz", "p1.1.-1", "p1." + "f" * 17, "p2.1.2"])
def test_an_id_that_is_not_ours_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        decode_id(bad, 2)


def test_an_id_made_for_other_topics_asks_for_a_reset() -> None:
    assert decode_id(encode_id([1, 2, 3]), 4) is None


def test_kinds() -> None:
    assert parse_kinds("fills, logs") == {"OrderFilled", "StrategyLogged", "ServiceNotice"}
    assert parse_kinds("notices") == {"ServiceNotice"}
    with pytest.raises(ValueError, match="unknown stream 'gossip'"):
        parse_kinds("fills,gossip")
    with pytest.raises(ValueError, match="no stream asked for"):
        parse_kinds(" , ")


T = 1_514_764_800_000_000


def fill(account: str, run: str, ws: str, n: int) -> OrderFilled:
    return OrderFilled(f"o{n}:fill", f"o{n}", account, run, ws, "synthetic", "BTC-USD", "buy",
                       900_000_000_000, 10_000_000, 180_000_000, "USD", "taker", 900_000_000_000, 1, T + n)


def movement(account: str, ws: str, n: int) -> WalletMovement:
    return WalletMovement(f"m{n}", account, "trade", f"o{n}:fill",
                          [PostingLeg(ws, "hold", "synthetic", "USD", -5),
                           PostingLeg("external", "external", "synthetic", "USD", 5)], T + n)


class Feed:
    """Events through the hub's decoding, at made-up offsets of slot 0."""

    def __init__(self, hub: EventHub) -> None:
        self.hub = hub
        self.position = [0] * len(hub.slots)
        hub._published = list(self.position)  # as if its consumer had started at offset 0

    def __call__(self, *events: object) -> list[HubEvent]:
        out = []
        for e in events:
            offset = self.position[0]
            self.position[0] = offset + 1
            ev = self.hub._hub_event(encode(e), 0, offset, self.position)  # type: ignore[arg-type]
            assert ev is not None
            out.append(ev)
        return out


def received(sub: Subscriber) -> list[dict[str, object]]:
    frames = sub.take().decode().split("\r\n\r\n")
    return [json.loads(f.split("data: ", 1)[1]) for f in frames if f]


def run_async(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def test_filters_by_account_and_by_run_including_its_wallet_sets_movements() -> None:
    hub = EventHub("unused:9092", "ns", run_lookup={"r9": ("carol", "ws9")}.get)
    feed = Feed(hub)

    async def scenario() -> None:
        alice, _ = hub.subscribe(parse_kinds("fills,wallets,runs"), account="alice")
        r1, _ = hub.subscribe(parse_kinds("fills,wallets"), run="r1")
        carol, _ = hub.subscribe(parse_kinds("runs"), account="carol")
        everyone, _ = hub.subscribe(parse_kinds("fills"))
        batch = feed(fill("alice", "r1", "ws1", 1), fill("bob", "r2", "ws2", 2), movement("alice", "ws1", 3),
                     movement("alice", "ws7", 4), RunStateChanged("s1", "r9", "hodl", "running", "", T))
        for sub in (alice, r1, carol, everyone):
            sub.offer(batch)
        assert [e["event_id"] for e in received(alice)] == ["o1:fill", "m3", "m4"]
        assert [e["event_id"] for e in received(r1)] == ["o1:fill", "m3"]  # ws1 learnt from its fill
        assert [e["event_id"] for e in received(carol)] == ["s1"]  # the run's account, from the replica
        assert [e["event_id"] for e in received(everyone)] == ["o1:fill", "o2:fill"]

    run_async(scenario)


def test_a_slow_client_is_dropped_with_a_reason_and_the_others_go_on() -> None:
    hub = EventHub("unused:9092", "ns", max_pending=3)
    feed = Feed(hub)

    async def scenario() -> None:
        slow, _ = hub.subscribe(parse_kinds("fills"))
        fast, _ = hub.subscribe(parse_kinds("fills"))
        for n in range(5):
            batch = feed(fill("a", "r", "w", n))
            slow.offer(batch)
            fast.offer(batch)
            fast.take()
        assert slow.dropped and "Last-Event-ID" in slow.dropped
        assert not slow.pending and slow.wake.is_set()
        assert fast.dropped is None and fast.sent == 5
        assert hub.clients == 1

    run_async(scenario)


def test_a_resumed_client_skips_what_it_had_and_its_ids_never_go_back() -> None:
    hub = EventHub("unused:9092", "ns")
    feed = Feed(hub)
    first = feed(fill("a", "r", "w", 0), fill("a", "r", "w", 1), fill("a", "r", "w", 2))

    async def scenario() -> None:
        hub._published = [1] + [0] * (len(hub.slots) - 1)  # this API process started at offset 1
        since = [2] + [0] * (len(hub.slots) - 2) + [7]  # the client had seen up to offset 1, and 7 elsewhere
        sub, position = hub.subscribe(parse_kinds("fills"), since=since)
        assert behind(since, position) == 0 and sub.ahead
        sub.offer(first[1:])
        frames = sub.take().decode()
        assert frames.count("event: OrderFilled") == 1  # offset 1 skipped: it had it
        assert f"id: {encode_id([3] + [0] * (len(hub.slots) - 2) + [7])}" in frames

    run_async(scenario)


def test_a_client_joining_after_events_sent_to_nobody_starts_after_them() -> None:
    """What the hub read while no client was connected is behind a new client: a resume must catch up
    on it from the topics, not expect it live (it would be lost)."""
    hub = EventHub("unused:9092", "ns")
    feed = Feed(hub)

    async def scenario() -> None:
        batch = feed(fill("a", "r", "w", 0), fill("a", "r", "w", 1))
        hub._publish(batch, list(feed.position))  # no subscriber: delivered to nobody
        sub, start = hub.subscribe(parse_kinds("fills"), since=[0] * len(hub.slots))
        assert start[0] == 2 and behind([0] * len(hub.slots), start) == 2
        hub._deliver(sub.loop, batch, list(feed.position))  # a stale delivery is not sent twice
        assert not sub.pending

    run_async(scenario)


def test_clients_with_the_same_filters_share_one_chunk_and_others_get_their_own() -> None:
    hub = EventHub("unused:9092", "ns")
    feed = Feed(hub)

    async def scenario() -> None:
        a, _ = hub.subscribe(parse_kinds("fills"))
        b, _ = hub.subscribe(parse_kinds("fills"))
        alice, _ = hub.subscribe(parse_kinds("fills"), account="alice")
        batch = feed(fill("alice", "r1", "ws1", 1), fill("bob", "r2", "ws2", 2))
        hub._deliver(a.loop, batch, list(feed.position))
        assert a.pending[0] is b.pending[0] and a.waiting == b.waiting == 2
        assert [e["event_id"] for e in received(alice)] == ["o1:fill"]
        assert [e["event_id"] for e in received(a)] == ["o1:fill", "o2:fill"]

    run_async(scenario)
