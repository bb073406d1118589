"""The Kraken incident of issue #13: a lost update below the checksum's ten levels went unseen.

Given the Kraken capture, whose update #108 deletes BTC-CHF's 15th ask, corrupted so that it does
not parse, when the capture runs through the parser and the engine, then the bad message marks
BTC-CHF stale at once -- no checksum would: the ten levels it covers never change -- and whenever
the engine's book differs from the clean run's (it keeps the deleted level), it is stale.
"""

from __future__ import annotations

from producers.exchanges.kraken.parse import KrakenParser
from schemas.events import BookDelta
from tests.unit.producers.corrupted import CASES, engine, parse_each, records, stale_reports

CASE = CASES["kraken"]
DELETED_ASK = 5_673_460_000_000  # 56734.6 CHF


def test_the_bad_update_marks_the_book_stale_at_once() -> None:
    parser = KrakenParser()
    events = parse_each(parser, records(CASE))

    (report,) = events[CASE.index]
    assert report.pair == "BTC-CHF" and report.reason.startswith("malformed book message: ")
    assert [r for e in events for r in stale_reports(e)] == [report]  # the only report of the run
    assert parser.checksum_failures == 0


def test_the_book_that_kept_the_deleted_level_is_never_fresh() -> None:
    clean, bad = engine(), engine()
    updates = 0
    for want, got in zip(parse_each(KrakenParser(), records(CASE, corrupt=False)),
                         parse_each(KrakenParser(), records(CASE)), strict=True):
        for event in want:
            clean.handle(event)
        for event in got:
            bad.handle(event)
        updates += any(isinstance(e, BookDelta) and e.pair == CASE.pair for e in got)
        if bad.book("kraken", CASE.pair).depth("ask", 20) != clean.book("kraken", CASE.pair).depth("ask", 20):
            assert bad.book("kraken", CASE.pair).stale
    assert updates >= 12  # later BTC-CHF updates, all applied to a book known to be wrong
    assert DELETED_ASK in [level.price for level in bad.book("kraken", CASE.pair).depth("ask", 20)]
    assert DELETED_ASK not in [level.price for level in clean.book("kraken", CASE.pair).depth("ask", 20)]
