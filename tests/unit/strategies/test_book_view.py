"""A run's book keeps exactly the levels the matching core's L2 book keeps, fed the same messages, and its
touch (``bid``, ``ask``: plain attributes, kept as the book changes) is that book's best prices.

Drawn sequences of snapshots and deltas, on a book only 4 levels deep (so levels beyond the depth come and
go), must leave both with the same levels, best prices and depth.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import BookDelta, BookSnapshot, Level, LevelChange
from strategies.book import BookView
from streams.matching.book import ASK, BID, L2Book

DEPTH = 4
NO_WATCH: tuple[dict[int, object], dict[int, object]] = ({}, {})

changes = st.builds(LevelChange, st.sampled_from(["bid", "ask", "bid", "ask", "other"]),
                    st.integers(1, 12), st.sampled_from([0, 0, 1, 2, 3]))
levels = st.lists(st.builds(Level, st.integers(1, 12), st.integers(0, 3)), max_size=8)
messages = st.lists(st.one_of(
    st.lists(changes, min_size=1, max_size=1), st.lists(changes, min_size=0, max_size=3),
    st.tuples(levels, levels)), max_size=60)


def feed(view: BookView, book: L2Book, message: list[LevelChange] | tuple[list[Level], list[Level]],
         ts: int) -> None:
    if isinstance(message, tuple):
        event: BookSnapshot | BookDelta = BookSnapshot(f"s{ts}", "v", "X-Y", ts, ts, None, *message)
        book.load_snapshot(*message, ((), ()))
    else:
        event = BookDelta(f"d{ts}", "v", "X-Y", ts, ts, None, message)
        book.apply_changes(message, NO_WATCH)
    view.apply(event)


def state(book: L2Book) -> tuple[object, ...]:
    return (book.keys[BID], book.keys[ASK], book.sizes[BID], book.sizes[ASK])


@settings(max_examples=300, deadline=None)
@given(messages)
def test_the_view_keeps_the_levels_of_the_core_book(msgs: list[object]) -> None:
    view, book = BookView("v", "X-Y", DEPTH), L2Book("v", "X-Y", DEPTH)
    for ts, message in enumerate(msgs, 1):
        feed(view, book, message, ts)  # type: ignore[arg-type]
        assert state(view._book) == state(book)
        assert (view.bid, view.ask, view.ts) == (book.keys[BID][-1] if book.keys[BID] else None,
                                                 -book.keys[ASK][-1] if book.keys[ASK] else None, ts)
        assert view.depth("ask", DEPTH) == book.depth("ask", DEPTH)
        assert view.depth("bid", DEPTH) == book.depth("bid", DEPTH)


def test_a_full_side_ignores_a_worse_level_and_drops_its_worst_for_a_better_one() -> None:
    view = BookView("v", "X-Y", 2)
    view.apply(BookSnapshot("s", "v", "X-Y", 1, 1, None, [Level(10, 1), Level(9, 1)], [Level(11, 1)]))
    view.apply(BookDelta("d1", "v", "X-Y", 2, 2, None, [LevelChange("bid", 8, 5)]))  # beyond the depth
    assert view.depth("bid", 5) == [Level(10, 1), Level(9, 1)]
    view.apply(BookDelta("d2", "v", "X-Y", 3, 3, None, [LevelChange("bid", 12, 5)]))  # better: 9 goes
    assert view.depth("bid", 5) == [Level(12, 5), Level(10, 1)] and view.bid == 12
    view.apply(BookDelta("d3", "v", "X-Y", 4, 4, None, [LevelChange("ask", 11, 0)]))
    assert (view.ask, view.mid, view.depth("ask", 5)) == (None, None, [])
