"""The Coinbase incident of issue #13: an IOC sell filled against a bid the venue had deleted.

Given the Coinbase capture, whose l2update #321 deletes YFI-BTC's best bid (0.82613), corrupted
so that it does not parse, when an IOC sell at that bid's price reaches the engine right after it,
then the order fills nothing and ends ``book_stale`` (Coinbase has no sequence numbers: only the
parser's stale report can tell the engine that its book misses an update). On the clean capture
the same order finds the bid gone and fills nothing either -- never a fill on liquidity that is
not there.
"""

from __future__ import annotations

from schemas.events import SCALE, OrderDone, OrderFilled
from tests.unit.producers.corrupted import CASES, engine, first, ioc, parse_each, records

CASE = CASES["coinbase"]
DELETED_BID = 82_613_000  # 0.82613 BTC


def _ioc_after_the_deletion(corrupt: bool) -> list[object]:
    matching = engine()
    messages = records(CASE, corrupt)
    for events in parse_each(CASE.parser(), messages)[: CASE.index + 1]:
        for event in events:
            matching.handle(event)
    order = ioc("coinbase", CASE.pair, "sell", SCALE // 100, DELETED_BID, messages[CASE.index].recv_ts)
    return list(matching.handle(order))


def test_an_ioc_sell_on_the_book_that_missed_a_deletion_ends_book_stale() -> None:
    outputs = _ioc_after_the_deletion(corrupt=True)

    assert not any(isinstance(e, OrderFilled) for e in outputs)
    done = first(outputs, OrderDone)
    assert (done.reason, done.filled_size) == ("book_stale", 0)
    # the control: on the clean capture the bid is gone, and the order finds nothing to take either
    clean = _ioc_after_the_deletion(corrupt=False)
    assert not any(isinstance(e, OrderFilled) for e in clean)
    assert first(clean, OrderDone).reason != "book_stale"
