"""Whatever prices and sizes the feeds and orders carry (each within the wire's range), every
output of the matching engine encodes: a fill that would pass MAX_UNITS ends its order instead."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.codec import encode
from schemas.events import MAX_UNITS, BookSnapshot, Event, Level, OrderAccepted, PublicTrade
from streams.matching.engine import MatchingEngine

V, PAIR, TS = "coinbase", "BTC-USD", 1_600_000_000_000_000
unit = st.one_of(st.integers(1, MAX_UNITS), st.integers(MAX_UNITS - 10**12, MAX_UNITS),
                 st.integers(1, 10**12))


@st.composite
def inboxes(draw: st.DrawFn) -> list[Event]:
    bids = sorted({draw(unit) for _ in range(draw(st.integers(0, 4)))}, reverse=True)
    asks = sorted({draw(unit) for _ in range(draw(st.integers(0, 4)))})
    if bids and asks and bids[0] >= asks[0]:
        asks = [p for p in asks if p > bids[0]]
    events: list[Event] = [BookSnapshot("s", V, PAIR, TS, TS, None, [Level(p, draw(unit)) for p in bids],
                                        [Level(p, draw(unit)) for p in asks])]
    for n in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            side = draw(st.sampled_from(("buy", "sell")))
            otype = draw(st.sampled_from(("limit", "ioc", "market")))
            events.append(OrderAccepted(f"a{n}", f"o{n}", "acct", "run", "ws", V, PAIR, side, otype,
                                        draw(unit), draw(unit), False, None, "USD", 0, TS))
        else:
            events.append(PublicTrade(f"t{n}", V, PAIR, TS, TS, f"t{n}", draw(unit), draw(unit),
                                      draw(st.sampled_from(("buy", "sell", None)))))
    return events


@settings(max_examples=300, deadline=None)
@given(inboxes())
def test_every_matching_output_encodes(events: list[Event]) -> None:
    engine = MatchingEngine()
    for event in events:
        for out in engine.handle(event):
            encode(out)
