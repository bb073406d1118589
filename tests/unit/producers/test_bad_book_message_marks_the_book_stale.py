"""A book message that does not parse, of a book the parser follows, marks that book stale (issue #13).

Given a real capture of each venue, with one book update of a pair that already has its snapshot
corrupted (a level missing a field), when it is run through the venue's parser and the matching
engine, then the bad message yields exactly one ``BookStatusChanged(stale=True)`` for that pair,
with a reason that says why, and the engine's book of that pair stays stale after every later
message of the capture (none brings a new snapshot): nothing is matched on a book that misses an
update. The other books are left as they were, where the venue has no connection-wide sequence.
"""

from __future__ import annotations

import pytest

from schemas.events import BookSnapshot
from tests.unit.producers.corrupted import CASES, engine, parse_each, records, stale_reports


@pytest.mark.parametrize("venue", sorted(CASES))
def test_the_bad_message_is_a_stale_report_for_its_book(venue: str) -> None:
    case = CASES[venue]
    events = parse_each(case.parser(), records(case))

    (report,) = events[case.index]
    assert report == stale_reports(events[case.index], case.pair)[0]
    assert report.venue == venue and report.ts == records(case)[case.index].recv_ts
    assert report.reason.startswith("malformed book message: ")
    assert "not enough values to unpack" in report.reason
    if venue != "bitfinex":  # (Bitfinex numbers the whole connection: its next message stales every book)
        clean = parse_each(case.parser(), records(case, corrupt=False))
        for number, (want, got) in enumerate(zip(clean, events, strict=True)):
            if number != case.index:  # the other books see exactly the clean capture's events
                assert [e for e in got if e.pair != case.pair] == [e for e in want if e.pair != case.pair]


@pytest.mark.parametrize("venue", sorted(CASES))
def test_the_book_stays_stale_until_a_snapshot(venue: str) -> None:
    case = CASES[venue]
    matching = engine()
    for number, events in enumerate(parse_each(case.parser(), records(case))):
        for event in events:
            matching.handle(event)
        if number >= case.index:
            assert not any(isinstance(e, BookSnapshot) and e.pair == case.pair for e in events)
            assert matching.book(venue, case.pair).stale, f"fresh again after message {number}"
        elif any(isinstance(e, BookSnapshot) and e.pair == case.pair for e in events):
            assert not matching.book(venue, case.pair).stale
