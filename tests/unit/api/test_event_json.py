"""Events as the browser reads them: an integer beyond 2^53 - 1 travels as its digits, any other as a
number (JSON.parse would round 9007199254740993 to 9007199254740992)."""

from __future__ import annotations

from api.services.event_hub import record_body
from api.services.event_stream import to_json
from schemas.events import AdjustWalletSet, Allocation, PostingLeg, WalletMovement

BEYOND = 2**53 + 1


def test_event_fields_nested_records_and_lists() -> None:
    legs = [PostingLeg("ws1", "available", "v", "SHIB", -BEYOND),
            PostingLeg("external", "external", "v", "SHIB", 5)]
    movement = WalletMovement("m1", "acct", "trade", "f1", legs, BEYOND)
    body = to_json(movement)
    assert body["ts"] == "9007199254740993"
    assert [leg["amount"] for leg in body["legs"]] == ["-9007199254740993", 5]
    adjusted = to_json(AdjustWalletSet("e1", "acct", "ws1", [Allocation("v", "USD", 2**53 - 1)], 1, "p"))
    assert adjusted["allocations"] == [{"venue": "v", "currency": "USD", "amount": 2**53 - 1}]  # a number


def test_archived_records_read_back_for_the_messages_page() -> None:
    body = record_body(WalletMovement, {"event_id": "m1", "legs": [{"amount": BEYOND}], "ts": 1})
    assert body == {"type": "WalletMovement", "event_id": "m1", "legs": [{"amount": "9007199254740993"}],
                    "ts": 1}
