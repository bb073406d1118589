"""Poloniex ids and Bitfinex sequence numbers advance only once a message has parsed (issue #13).

Given a real capture with one book update corrupted, when the next messages arrive, then the
parser's own gap check sees the bad message as missing (the next update of the book, or for
Bitfinex the next message of the connection, reports a gap), and a real gap later on -- a message
dropped after the bad one -- is still reported. Before, the id or number advanced before the
message was read: the bad message left no trace, the connector never resnapshotted, and only the
engine's check on ``prev_seq`` staled the book, for good.
"""

from __future__ import annotations

from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.poloniex.parse import PoloniexParser
from schemas.events import BookStatusChanged
from tests.unit.producers.corrupted import CASES, parse_each, records, stale_reports


def _without(messages: list, index: int) -> list:
    return messages[:index] + messages[index + 1 :]


def test_poloniex_the_next_update_shows_the_bad_ones_id_missing() -> None:
    case = CASES["poloniex"]
    parser = PoloniexParser()
    events = parse_each(parser, records(case))

    after = next(n for n in range(case.index + 1, len(events)) if stale_reports(events[n], case.pair))
    (gap,) = stale_reports(events[after], case.pair)
    assert gap.reason == "book id gap: lastId 4485693 after id 4485692"  # 4485693: the bad entry's id
    assert parser.gaps == 1


def test_poloniex_a_real_gap_after_the_bad_message_is_reported() -> None:
    case = CASES["poloniex"]
    messages = records(case)
    dropped = 46  # a later BTC_USDT update (id 4485700), dropped on the way
    assert '"id":4485700' in messages[dropped].payload
    parser = PoloniexParser()
    events = parse_each(parser, _without(messages, dropped))

    reasons = [r.reason for e in events for r in stale_reports(e, case.pair)]
    assert reasons[1:] == [
        "book id gap: lastId 4485693 after id 4485692",
        "book id gap: lastId 4485700 after id 4485699",
    ]
    assert parser.gaps == 2


def test_bitfinex_the_next_message_shows_the_bad_ones_number_missing() -> None:
    case = CASES["bitfinex"]
    parser = BitfinexParser()
    messages = records(case)
    events = parse_each(parser, messages[: case.index + 1])
    assert parser.last_seq == 18  # the bad message is number 19: not counted as seen

    after = parse_each(parser, messages[case.index + 1 : case.index + 3])  # a subscription, then #20
    reports = stale_reports(after[1])
    assert {r.pair for r in reports} == set(parser.book_pairs()) >= {case.pair}
    assert all(r.reason == "sequence gap: expected 19, got 20" for r in reports)
    assert stale_reports(events[-1]) and parser.gaps == 1


def test_bitfinex_a_real_gap_after_the_bad_message_is_reported() -> None:
    case = CASES["bitfinex"]
    messages = records(case)
    dropped = next(i for i, r in enumerate(messages) if r.payload.endswith(",600]"))
    parser = BitfinexParser()
    events = parse_each(parser, _without(messages, dropped))

    reasons = sorted({r.reason for e in events for r in stale_reports(e) if "gap" in r.reason})
    assert reasons == ["sequence gap: expected 19, got 20", "sequence gap: expected 600, got 601"]
    assert parser.gaps == 2 and parser.last_seq == 1670


def test_bitfinex_a_bad_first_message_is_seen_too() -> None:
    parser = BitfinexParser()
    parser.parse('{"event":"subscribed","channel":"book","chanId":7,"symbol":"tBTCUSD"}', 1)
    (report,) = parser.parse("[7,[[60000,1,0.5],[60001,1]],1]", 2)  # numbers start at 1 per connection
    assert report.reason.startswith("malformed book message: ") and parser.last_seq is None

    gap, _snapshot = parser.parse("[7,[[60000,1,0.5]],2]", 3)

    assert isinstance(gap, BookStatusChanged) and gap.reason == "sequence gap: expected 1, got 2"
