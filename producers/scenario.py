"""The demo scenario (pure): a synthetic market, funds, and a few orders against it.

Returns inbox messages in the order they are to be published: listings and
snapshots first, then the market stream with order requests woven in at fixed
steps, so the same seed always asks for the same orders at the same event time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from producers.clock import Clock
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.events import (
    SCALE,
    Allocation,
    BookDelta,
    BookSnapshot,
    CancelRequested,
    CreateWalletSet,
    DepositFunds,
    Event,
    MarketListed,
    OrderRequested,
)
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, every_partition, venue_key


@dataclass(frozen=True, slots=True)
class Message:
    topic: str  # logical inbox topic
    key: str
    event: Event
    partition: int | None = None  # None: the key's partition (``partition_of``); else this one


def listing_messages(listing: MarketListed) -> list[Message]:
    """A market's listing to its book's ``venue.journal`` and to every ``ledger.journal`` partition: each
    ledger checks its accounts' orders against the listing, and an account's key may map to any of them."""
    key = venue_key(listing.venue, listing.pair)
    return [Message(VENUE_JOURNAL, key, listing),
            *(Message(LEDGER_JOURNAL, key, listing, p) for p in every_partition(LEDGER_JOURNAL))]


@dataclass(frozen=True, slots=True)
class Scenario:
    account: str = "main"
    run_id: str = "demo-run"
    wallet_set_id: str = "demo-ws"
    steps: int = 400
    seed: int = 7
    usd: int = 100_000 * SCALE
    btc: int = 2 * SCALE
    principal: str = ""  # who issues its commands (``cryptick demo``: the CLI's user)


def demo_messages(sc: Scenario | None = None) -> Iterator[Message]:
    sc = sc or Scenario()
    cfg = SyntheticConfig(seed=sc.seed, bases=("BTC", "ETH"))
    feed = SyntheticFeed(cfg)
    venue = cfg.venue
    t0 = cfg.start_ts
    for listing in feed.listings():
        yield from listing_messages(listing)
    for currency, amount in (("USD", sc.usd), ("BTC", sc.btc)):
        yield Message(LEDGER_JOURNAL, sc.account, DepositFunds(
            event_id=f"{sc.run_id}:dep:{currency.lower()}", account=sc.account, venue=venue,
            currency=currency, amount=amount, ts=t0, principal=sc.principal))
    yield Message(LEDGER_JOURNAL, sc.account, CreateWalletSet(
        event_id=f"{sc.run_id}:ws", account=sc.account, wallet_set_id=sc.wallet_set_id, run_id=sc.run_id,
        allocations=[Allocation(venue, "USD", sc.usd // 2), Allocation(venue, "BTC", sc.btc // 2)], ts=t0,
        principal=sc.principal))

    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    n_orders = 0

    def order(pair: str, side: str, otype: str, size: int, price: int | None, ts: int,
              cancel_after: int | None = None) -> Message:
        nonlocal n_orders
        n_orders += 1
        oid = f"{sc.run_id}:o{n_orders}"
        return Message(LEDGER_JOURNAL, sc.account, OrderRequested(
            event_id=oid, order_id=oid, account=sc.account, run_id=sc.run_id, wallet_set_id=sc.wallet_set_id,
            venue=venue, pair=pair, side=side, order_type=otype, size=size, price=price, post_only=False,
            cancel_after_s=cancel_after, ts=ts, principal=sc.principal))

    plan = {40: "market_buy", 80: "limit_sell_rest", 120: "ioc_buy", 160: "limit_buy_deep",
            200: "cancel_deep", 240: "fok_too_big", 280: "bad_size", 300: "unknown_pair",
            320: "limit_sell_cross", 360: "fok_small"}
    step = 0
    clock = Clock([venue_key(venue, p) for p in cfg.pairs()], every_us=10_000_000)
    for event in feed.events(sc.steps):
        yield Message(VENUE_JOURNAL, venue_key(event.venue, event.pair), event)  # type: ignore[union-attr]
        for t in clock.advance(event.ts):
            yield Message(VENUE_JOURNAL, t.key, t)
        if isinstance(event, BookSnapshot) and event.pair == "BTC-USD":
            bids = {lv.price: lv.size for lv in event.bids}
            asks = {lv.price: lv.size for lv in event.asks}
        if not isinstance(event, BookDelta) or event.pair != "BTC-USD":
            continue
        for ch in event.changes:
            side = bids if ch.side == "bid" else asks
            if ch.size:
                side[ch.price] = ch.size
            else:
                side.pop(ch.price, None)
        step += 1
        action = plan.get(step)
        if action is None:
            continue
        ts = event.ts
        mid = (max(bids) + min(asks)) // 2
        tick = SCALE // 100
        if action == "market_buy":
            yield order("BTC-USD", "buy", "market", SCALE // 10, mid * 102 // 100 // tick * tick, ts)
        elif action == "limit_sell_rest":
            yield order("BTC-USD", "sell", "limit", SCALE // 20, mid * 1001 // 1000 // tick * tick, ts)
        elif action == "ioc_buy":
            yield order("BTC-USD", "buy", "ioc", SCALE // 5, mid * 1001 // 1000 // tick * tick, ts)
        elif action == "limit_buy_deep":
            yield order("BTC-USD", "buy", "limit", SCALE // 10, mid * 90 // 100 // tick * tick, ts)
        elif action == "cancel_deep":
            oid = f"{sc.run_id}:o{n_orders}"
            yield Message(LEDGER_JOURNAL, sc.account, CancelRequested(
                event_id=f"{oid}:cancel", order_id=oid, account=sc.account, run_id=sc.run_id, venue=venue,
                pair="BTC-USD", ts=ts, principal=sc.principal))
        elif action == "fok_too_big":
            yield order("BTC-USD", "buy", "fok", 500 * SCALE, mid * 1001 // 1000 // tick * tick, ts)
        elif action == "bad_size":
            yield order("BTC-USD", "buy", "limit", 0, mid // tick * tick, ts)
        elif action == "unknown_pair":
            yield order("DOGE-USD", "buy", "limit", SCALE, SCALE // 10, ts)
        elif action == "fok_small":
            yield order("BTC-USD", "buy", "fok", SCALE // 50, mid * 1002 // 1000 // tick * tick, ts)
        elif action == "limit_sell_cross":
            yield order("BTC-USD", "sell", "limit", SCALE // 10, mid * 999 // 1000 // tick * tick, ts,
                        cancel_after=60)
