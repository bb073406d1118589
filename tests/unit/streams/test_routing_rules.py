"""Where each output event goes next (``streams.routing.rules``): given an event, the inboxes it is
appended to. Wallet events reach their run by the run they name; events written before they named it
(released v1 schemas, read with ``run_id`` '') by the run's key conventions."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from fastavro import parse_schema, schemaless_writer

from schemas.codec import MARKER, RELEASED_DIR, default_codec, fingerprint
from schemas.events import (
    CancelRequested,
    CommandRejected,
    Event,
    FundsHeld,
    HoldReleased,
    MarketSubscription,
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderRequested,
    PostingLeg,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
)
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL, VENUE_JOURNAL
from streams.routing.rules import routes, strategy_routes

T = 1_700_000_000_000_000
V, P = "coinbase", "BTC-USD"


def movement(wallet: str, run_id: str = "") -> WalletMovement:
    legs = [PostingLeg(wallet, "hold", V, "USD", -5), PostingLeg("external", "external", V, "USD", 5)]
    return WalletMovement("m1", "acct", "trade", "o1:fill:1", legs, T, run_id)


def test_the_venue_reports_an_order_to_its_ledger_and_its_run() -> None:
    fill = OrderFilled("o1:fill:1", "o1", "acct", "r1", "ws1", V, P, "buy", 5, 1, 0, "USD", "taker", 5, 1, T)
    assert routes(fill) == [(LEDGER_JOURNAL, "acct"), (STRATEGY_JOURNAL, "r1")]


def test_an_accepted_order_and_a_cancel_go_to_the_venue_of_their_book() -> None:
    accepted = OrderAccepted("o1:acc", "o1", "acct", "r1", "ws1", V, P, "buy", "limit", 1, 5, False, None,
                             "USD", 5, T)
    assert routes(accepted) == [(VENUE_JOURNAL, f"{V}:{P}")]
    assert routes(CancelRequested("c1", "o1", "acct", "r1", V, P, T)) == [(VENUE_JOURNAL, f"{V}:{P}")]


def test_a_rejected_order_goes_back_to_its_run_only() -> None:
    assert routes(OrderRejected("o1:rej", "o1", "acct", "r1", "ws1", V, P, "no_funds", "", T)) \
        == [(STRATEGY_JOURNAL, "r1")]


@pytest.mark.parametrize("event", [
    movement("ws1", "r1"),
    FundsHeld("o1:held", "acct", "o1", "ws1", V, "USD", 5, T, "r1"),
    HoldReleased("o1:rel", "acct", "o1", "ws1", V, "USD", 5, "filled", T, "r1"),
    WalletSetDeactivated("d1:done", "acct", "ws1", T, "r1"),
    CommandRejected("d1:rej", "d1", "acct", "open_orders", "", T, "r1"),
    WalletSetCreated("c1:done", "acct", "ws1", "r1", [], T),
], ids=lambda e: type(e).__name__)
def test_a_wallet_event_goes_to_the_run_it_names_whatever_its_ids(event: Event) -> None:
    assert routes(event) == [(STRATEGY_JOURNAL, "r1")]


@pytest.mark.parametrize("event", [
    movement("r7:ws", ""),
    FundsHeld("o1:held", "acct", "o1", "r7:ws", V, "USD", 5, T, ""),
    HoldReleased("o1:rel", "acct", "o1", "r7:ws", V, "USD", 5, "filled", T, ""),
    WalletSetDeactivated("d1:done", "acct", "r7:ws", T, ""),
    CommandRejected("r7:release:rej", "r7:release", "acct", "unknown_wallet_set", "", T, ""),
    WalletSetCreated("c1:done", "acct", "r7:ws", "", [], T),
], ids=lambda e: type(e).__name__)
def test_a_wallet_event_of_no_run_goes_nowhere_whatever_its_ids_look_like(event: Event) -> None:
    """'' says "no run": an id that looks like a run's (a client may choose ``r7:release``) is not read."""
    assert routes(event) == []


@pytest.mark.parametrize("event", [
    movement("r7:ws", "r1"),
    FundsHeld("o1:held", "acct", "o1", "r7:ws", V, "USD", 5, T, "r1"),
    CommandRejected("r7:create:rej", "r7:create", "acct", "insufficient_funds", "", T, "r1"),
], ids=lambda e: type(e).__name__)
def test_the_run_an_event_names_wins_over_what_its_ids_suggest(event: Event) -> None:
    assert routes(event) == [(STRATEGY_JOURNAL, "r1")]


def _written_before_run_id(event: Event) -> Event:
    """``event`` as its v1 writer wrote it (no ``run_id``), read back by today's codec."""
    name = type(event).__name__
    old = json.loads((RELEASED_DIR / f"{name}.v1.avsc").read_text())
    assert "run_id" not in {f["name"] for f in old["fields"]}
    record = {f["name"]: getattr(event, f["name"]) for f in old["fields"]}
    if isinstance(event, WalletMovement):
        record["legs"] = [dataclasses.asdict(leg) for leg in event.legs]
    body = io.BytesIO()
    schemaless_writer(body, parse_schema(old), record)
    return default_codec().decode(MARKER + fingerprint(old) + body.getvalue())


@pytest.mark.parametrize("event", [
    movement("r7:ws"),
    FundsHeld("o1:held", "acct", "o1", "r7:ws", V, "USD", 5, T),
    HoldReleased("o1:rel", "acct", "o1", "r7:ws", V, "USD", 5, "filled", T),
    WalletSetDeactivated("r7:release:done", "acct", "r7:ws", T),
    CommandRejected("r7:create:rej", "r7:create", "acct", "insufficient_funds", "", T),
    CommandRejected("r7:release:2:rej", "r7:release:2", "acct", "open_orders", "", T),
], ids=lambda e: f"{type(e).__name__}-{getattr(e, 'command_id', '')}")
def test_an_event_written_before_run_id_reaches_its_run_by_its_ids(event: Event) -> None:
    old = _written_before_run_id(event)
    assert old.run_id is None  # type: ignore[attr-defined]
    assert routes(old) == [(STRATEGY_JOURNAL, "r7")]


def test_a_runs_output_goes_to_its_ledger_and_its_subscriptions_to_the_venue() -> None:
    order = OrderRequested("o1", "o1", "acct", "r1", "ws1", V, P, "buy", "limit", 1, 5, False, None, T)
    assert strategy_routes(order) == [(LEDGER_JOURNAL, "acct")]
    assert strategy_routes(CancelRequested("c1", "o1", "acct", "r1", V, P, T)) == [(LEDGER_JOURNAL, "acct")]
    subscribe = MarketSubscription("s1", "r1", "acct", V, P, True, T)
    assert strategy_routes(subscribe) == [(VENUE_JOURNAL, f"{V}:{P}")]
