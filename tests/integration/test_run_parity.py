"""``cryptick parity RUN``: a stored backtest's inboxes through Kafka and the real worker give its outputs.

On the real broker and the real ClickHouse engine (chDB). The run is stored the
way ``cryptick backtest`` stores it; its ``strategy.journal`` is archived but
not replayed (no strategy agent on Kafka yet), so parity is over
``venue.events`` and ``ledger.events``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cryptick.commands.backtest import Options, run_backtest
from cryptick.commands.runs import check_parity
from replay.parity import archived_outputs
from replay.runs import ARCHIVE_COLUMNS, get_run
from schemas.topics import STRATEGY_JOURNAL, VENUE_EVENTS, qualified
from streams.archive.clickhouse import get_client

pytestmark = pytest.mark.integration

DEMO = Options("demo", ("synthetic:USD=20000", "synthetic:BTC=1"), "2018-01-01", "2018-01-01T00:05",
               ("interval_s=5", "offset_bps=1"))


def stored_demo(client: Any) -> str:
    report, _ = run_backtest(DEMO, show_progress=False, store=lambda: client)
    assert report.fills > 0
    return report.run_id


def test_a_stored_backtest_replayed_through_kafka_gives_identical_outputs(
    kafka_bootstrap: str, clickhouse_dsn: str, namespace: str, tmp_path: Path
) -> None:
    client = get_client(clickhouse_dsn)
    run_id = stored_demo(client)
    run = get_run(client, run_id)
    assert run is not None and run.messages[STRATEGY_JOURNAL] > 0
    lines: list[str] = []

    check = check_parity(client, kafka_bootstrap, run_id[:12], namespace, lines.append, tmp_path)

    assert check.identical, (lines, (tmp_path / f"worker-{namespace}.log").read_text())
    assert check.stored_sha256 == check.replayed_sha256 == run.outputs_sha256
    assert check.stored_count == check.replayed_count == run.outputs_count > 0
    assert lines[-3:] == [f"in-process (stored)  {run.outputs_sha256} ({run.outputs_count} events)",
                          f"Kafka replay         {run.outputs_sha256} ({run.outputs_count} events)",
                          "parity: identical"]


def test_parity_fails_when_the_stored_outputs_were_altered(
    kafka_bootstrap: str, clickhouse_dsn: str, namespace: str, tmp_path: Path
) -> None:
    client = get_client(clickhouse_dsn)
    run = get_run(client, stored_demo(client))
    assert run is not None
    topic = qualified(VENUE_EVENTS, run.namespace)
    partition, offset, key, value = client.query(
        "SELECT partition, offset, key, value FROM archive_messages FINAL WHERE topic = {t:String}"
        " AND event_type = 'OrderFilled' ORDER BY partition, offset LIMIT 1",
        parameters={"t": topic}, column_formats={"key": "bytes", "value": "bytes"}).result_rows[0]
    altered = value[:-1] + bytes([value[-1] ^ 1])  # still decodes: the last byte of a fill's body
    client.insert("archive_messages", [[topic, partition, offset, key, "OrderFilled", "x", 0, altered,
                                        datetime.fromtimestamp(0, UTC)]],
                  column_names=ARCHIVE_COLUMNS)
    assert archived_outputs(client, run.namespace).sha256 != run.outputs_sha256
    lines: list[str] = []

    check = check_parity(client, kafka_bootstrap, run.run_id, namespace, lines.append, tmp_path)

    assert not check.identical and not check.archive_intact
    assert check.replayed_sha256 == run.outputs_sha256 != check.stored_sha256
    assert lines[-1] == "parity: DIFFERENT" and lines[0].startswith("warning: the archived outputs hash to")
