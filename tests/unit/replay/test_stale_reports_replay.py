"""A stale report archived with a book reaches the backtest's matching engine, as it reached live's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.sources import ArchiveSource, MemoryJournal
from schemas.codec import default_codec
from schemas.events import BookStatusChanged, Event, OrderDone, OrderFilled
from schemas.topics import VENUE_EVENTS, VENUE_JOURNAL, partition_of, venue_key
from strategies.api import MarketRef
from streams.archive.clickhouse import get_client
from tests.unit.replay.kit import T0, VENUE, P, S, Script, delta, listing, run_spec, snapshot

COLUMNS = ["topic", "partition", "offset", "key", "event_type", "event_id", "ts", "value", "kafka_ts"]


def test_a_market_order_after_a_stale_report_fills_nothing(clickhouse_dsn: str, namespace: str) -> None:
    client = get_client(clickhouse_dsn)
    pair = f"S{namespace.upper()}-USD"  # a book of this test only
    events: list[Event] = [
        listing(pair), snapshot(T0, [(9000, 1)], [(9001, 1)], pair=pair),
        BookStatusChanged(f"{pair}:stale", VENUE, pair, True, "malformed book message: bad price", T0 + S),
        delta(T0 + 2 * S, ("bid", 8999, 1), pair=pair)]
    topic = f"import.{namespace}.capture"
    rows: list[list[Any]] = []
    offsets: dict[int, int] = {}
    for e in events:
        key = venue_key(VENUE, pair).encode()
        part = partition_of(VENUE_JOURNAL, key)
        offsets[part] = offsets.get(part, -1) + 1
        rows.append([topic, part, offsets[part], key, type(e).__name__, e.event_id, e.ts,
                     default_codec().encode(e), datetime.fromtimestamp(0, UTC)])
    client.insert("archive_messages", rows, column_names=COLUMNS)

    def buy(ctx: Any) -> None:
        ctx.submit_order(VENUE, pair, "buy", P // 10, 9100 * P, "market")

    journal = MemoryJournal({VENUE_EVENTS})
    source = ArchiveSource(client, None, [MarketRef(VENUE, pair)], T0, T0 + 10 * S)
    script = Script({T0 + 2 * S: buy}, pairs=(pair,))
    Backtest(BacktestConfig(T0, T0 + 10 * S), source, [RunSetup(run_spec(), script)], journal=journal).run()

    outs = [default_codec().decode(m.value) for m in journal.topic(VENUE_EVENTS)]
    assert not [o for o in outs if isinstance(o, OrderFilled)]
    assert [o.reason for o in outs if isinstance(o, OrderDone)] == ["book_stale"]
    assert source.used() == {topic: [f"{VENUE}:{pair}"]}
