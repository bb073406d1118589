"""A stored backtest reads back whole: its row in ``runs``, its messages in ``archive_messages`` (chDB)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cryptick.commands.backtest import backtest
from cryptick.commands.runs import register
from replay.archive_reader import topic_messages
from replay.backtests import Options, prepare, run_backtest
from replay.engine import Backtest, BacktestConfig, Latency, RunSetup
from replay.parity import archived_outputs, digest
from replay.report import build_report, to_text
from replay.runs import (
    ARCHIVE_COLUMNS,
    RUN_TOPICS,
    RunArchive,
    StoredRun,
    backtest_run,
    find_run,
    get_run,
    list_runs,
    save_run,
)
from replay.sources import ListSource, MemoryJournal
from schemas.codec import default_codec
from schemas.events import SCALE, Allocation
from schemas.topics import RUN_OUTPUTS, STRATEGY_EVENTS, VENUE_EVENTS, qualified
from strategies.run import RunSpec, new_run
from streams.archive.batch import RawBatch
from streams.archive.clickhouse import get_client
from streams.archive.decode import decode_batch
from tests.unit.replay.kit import MS, T0, VENUE, S, Script, listing, market_buy, snapshot, trade

END = T0 + 60 * S
EVENTS = (snapshot(T0, [(9000, 2)], [(9001, 2)]), trade(T0 + 20 * S, 9001, 1),
          snapshot(T0 + 30 * S, [(9100, 2)], [(9101, 2)]))
CREATED = datetime(2024, 5, 1, 12, 0, 0, 123_000, tzinfo=UTC)


def script_run(tag: str) -> tuple[RunSpec, Script, BacktestConfig]:
    """A run that buys 0.5 BTC at 10 s and logs."""
    spec = new_run("script", {"size": "0.5"}, [Allocation(VENUE, "USD", 10_000 * SCALE)], T0, END, tag=tag)
    script = Script({T0: lambda ctx: (ctx.log("buying"), market_buy(0.5, 9100)(ctx))})
    return spec, script, BacktestConfig(T0, END, Latency(40 * MS, 60 * MS), sample_us=10 * S)


def stored_backtest(client: Any, tag: str, created: datetime = CREATED) -> tuple[StoredRun, MemoryJournal]:
    """``script_run`` stored; and the same run's journal kept in memory."""
    spec, script, config = script_run(tag)
    memory = MemoryJournal()
    archive = RunArchive(client, spec.namespace, forward=memory, batch=7)  # several inserts
    result = Backtest(config, ListSource((listing(),), EVENTS), [RunSetup(spec, script)], archive).run()
    archive.close()
    report = build_report(result.runs[0], T0, END, config.sample_us)
    run = backtest_run(result.runs[0], report, config, archive, {"kind": "list"}, created)
    save_run(client, run)
    return run, memory


@pytest.fixture()
def client(clickhouse_dsn: str) -> Any:
    return get_client(clickhouse_dsn)


def test_a_stored_run_reads_back_equal(client: Any) -> None:
    run, _ = stored_backtest(client, "roundtrip")
    back = get_run(client, run.run_id)
    assert back == run
    assert back.report is not None and to_text(back.report) == to_text(run.report)  # type: ignore[arg-type]
    assert (back.mode, back.status, back.order_latency_us, back.report_latency_us) == (
        "backtest", "done", 40_000, 60_000)
    assert back.balances == (Allocation(VENUE, "USD", 10_000 * SCALE),)
    assert {(h.currency, h.hold) for h in back.final_balances} == {("USD", 0), ("BTC", 0)}
    btc = next(h for h in back.final_balances if h.currency == "BTC")
    assert btc.balance == btc.available == SCALE // 2
    assert back.report.fills == 1 and back.report.orders == 1  # type: ignore[union-attr]


def test_its_messages_are_archived_as_the_engine_numbered_them(client: Any) -> None:
    run, memory = stored_backtest(client, "messages")
    for topic in RUN_TOPICS:
        archived = [(m.partition, m.offset, m.key, m.value)
                    for m in topic_messages(client, qualified(topic, run.namespace))]
        kept = sorted((m.partition, m.offset, m.key, m.value) for m in memory.topic(topic))
        assert archived == kept, topic
        assert run.messages[topic] == len(kept) > 0, topic


def test_its_rows_are_those_of_the_messages_the_engine_encodes_one_by_one(client: Any) -> None:
    """The archive encodes the run's events in batches, off the engine's path: its rows are, column for
    column, what archiving the engine's own encodings (a plain ``MemoryJournal``) gives."""
    run, _ = stored_backtest(client, "bytes")
    spec, script, config = script_run("bytes")
    engine = MemoryJournal()
    Backtest(config, ListSource((listing(),), EVENTS), [RunSetup(spec, script)], engine).run()
    codec = default_codec()
    expected = decode_batch(RawBatch.from_records(
        (qualified(m.topic, run.namespace), m.partition, m.offset, m.key, m.value,
         codec.decode(m.value).ts // 1000) for t in RUN_TOPICS for m in engine.topic(t))).raw.to_pylist()
    columns = [c for c in ARCHIVE_COLUMNS if c != "kafka_ts"]
    archived = client.query(
        f"SELECT {', '.join(columns)}, toUnixTimestamp64Milli(kafka_ts) FROM archive_messages FINAL"
        " WHERE topic IN {t:Array(String)} ORDER BY topic, partition, offset",
        parameters={"t": [qualified(t, run.namespace) for t in RUN_TOPICS]},
        column_formats={"value": "bytes", "key": "bytes"}).result_rows
    want = sorted((*(r[c] for c in columns), int(r["kafka_ts"].timestamp() * 1000)) for r in expected)
    assert [tuple(r) for r in archived] == want
    assert sum(run.messages.values()) == len(want) > 10


def test_a_failed_insert_fails_the_backtest_and_leaves_nothing_stored(
        client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are inserted by a writer thread while the run goes on: an insert that fails (here the
    second batch's) fails the run, and what the first batch wrote is deleted."""
    import streams.archive.writer as writer

    opts = Options("demo", ("synthetic:USD=10000",), "2018-01-01", "2018-01-01T00:40",
                   ("interval_s=10",), step_ms=250)
    calls = []
    real = writer._insert_tables

    def failing(target: Any, tables: Any) -> None:
        calls.append(len(tables))
        if len(calls) == 3:  # the second batch's typed tables
            raise RuntimeError("the insert failed")
        real(target, tables)

    monkeypatch.setattr(writer, "_insert_tables", failing)
    with pytest.raises(RuntimeError, match="the insert failed"):
        run_backtest(opts, store=lambda: client)
    prepared = prepare(opts)
    namespace = f"backtest-{prepared.run_id}"
    assert len(calls) >= 3 and get_run(client, prepared.run_id) is None
    for topic in RUN_TOPICS:
        assert list(topic_messages(client, qualified(topic, namespace))) == [], topic
    typed = client.query("SELECT count() FROM archive_book_delta WHERE startsWith(kafka_topic, {n:String})",
                         parameters={"n": namespace}).result_rows
    assert typed == [(0,)]


def test_strategy_records_are_archived_with_their_type_id_and_time(client: Any) -> None:
    run, _ = stored_backtest(client, "records")
    rows = client.query(
        "SELECT event_type, event_id, ts, value FROM archive_messages FINAL WHERE topic = {t:String}"
        " ORDER BY partition, offset",
        parameters={"t": qualified(STRATEGY_EVENTS, run.namespace)}, column_formats={"value": "bytes"},
    ).result_rows
    logged = [r for r in rows if r[0] == "StrategyLogged"]
    assert len(logged) == 1
    record = default_codec().decode(logged[0][3])
    assert record.message == "buying"  # type: ignore[union-attr]
    assert logged[0][2] == T0 and logged[0][1] == record.event_id


def test_the_recorded_outputs_digest_is_the_archived_outputs_of_all_three_topics(client: Any) -> None:
    run, memory = stored_backtest(client, "digest")
    outputs = [m for t in RUN_OUTPUTS for m in memory.topic(t)]
    in_memory = digest((m.topic, m.key, m.value) for m in outputs)
    archived = archived_outputs(client, run.namespace, RUN_OUTPUTS)
    assert run.outputs_sha256 == in_memory.sha256 == archived.sha256
    assert run.outputs_count == in_memory.total and in_memory.counts["OrderFilled"] == 1


def test_storing_a_run_again_replaces_its_row_and_messages(client: Any) -> None:
    first, _ = stored_backtest(client, "again")
    client.insert("archive_messages", [[qualified(VENUE_EVENTS, first.namespace), 0, 10_000, b"x", "Junk",
                                        "junk", 0, b"junk", datetime.fromtimestamp(0, UTC)]],
                  column_names=ARCHIVE_COLUMNS)
    later = datetime(2024, 5, 2, tzinfo=UTC)
    second, _ = stored_backtest(client, "again", created=later)
    assert get_run(client, first.run_id) == dataclasses.replace(first, created_at=later) == second
    # the junk row is gone
    assert archived_outputs(client, first.namespace, RUN_OUTPUTS).sha256 == first.outputs_sha256
    assert [r.run_id for r in list_runs(client, 1000)].count(first.run_id) == 1


def test_runs_list_newest_first_and_resolve_by_prefix(client: Any) -> None:
    old, _ = stored_backtest(client, "old", created=datetime(2030, 1, 1, tzinfo=UTC))
    new, _ = stored_backtest(client, "new", created=datetime(2030, 1, 2, tzinfo=UTC))
    assert [r.run_id for r in list_runs(client, 2)] == [new.run_id, old.run_id]
    light = list_runs(client, 2, mode="backtest", reports=False)  # a listing: rows without their reports
    assert [r.run_id for r in light] == [new.run_id, old.run_id] and all(r.report is None for r in light)
    assert light[0] == dataclasses.replace(new, report=None)
    papers = list_runs(client, 1000, mode="paper")
    assert all(r.mode == "paper" for r in papers) and new.run_id not in {r.run_id for r in papers}
    assert find_run(client, new.run_id[:-2]) == new
    assert get_run(client, "script-nope") is None
    with pytest.raises(LookupError, match="no stored run 'nope'"):
        find_run(client, "nope")
    with pytest.raises(LookupError, match="matches several runs"):
        find_run(client, "script-")


def test_the_commands_store_list_show_and_export_a_backtest(client: Any, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("backtest")(backtest)
    register(app)
    cli = CliRunner()
    done = cli.invoke(app, ["backtest", "hodl", "--balance", "synthetic:USD=1000", "--start", "2018-01-01",
                            "--end", "2018-01-01T00:03", "--no-progress"])
    assert done.exit_code == 0, done.output
    run_id = done.stdout.splitlines()[0].split("  run ")[1]
    assert done.stdout.splitlines()[-1] == (f"stored run {run_id}; `cryptick parity {run_id}` replays it "
                                            "through Kafka")
    stored = get_run(client, run_id)
    assert stored is not None and stored.source == {"kind": "synthetic", "seed": 7, "step_ms": 1000}

    listed = cli.invoke(app, ["runs"]).stdout.splitlines()
    assert listed[0].split() == ["RUN", "STRATEGY", "MODE", "FROM", "TO", "STATUS", "RETURN", "HODL",
                                 "ORDERS/FILLS", "CREATED"]
    assert [run_id, "hodl", "backtest"] in [line.split()[:3] for line in listed[1:]]

    shown = cli.invoke(app, ["run", "show", run_id[:-3]]).stdout
    assert f"outputs    sha256 {stored.outputs_sha256} ({stored.outputs_count} events)" in shown
    assert "initial balances\n  synthetic    USD                    1000\n" in shown
    assert shown.rstrip().endswith(to_text(stored.report).rstrip())  # type: ignore[arg-type]

    page = tmp_path / "run.html"
    exported = cli.invoke(app, ["report", run_id, "--html", str(page)])
    assert exported.exit_code == 0 and page.read_text().startswith("<!DOCTYPE html>")

    missing = cli.invoke(app, ["report", "hodl-nothing"])
    assert (missing.exit_code, missing.stderr.strip()) == (
        2, "error: no stored run 'hodl-nothing'; `cryptick runs` lists them")

    again = cli.invoke(app, ["backtest", "hodl", "--balance", "synthetic:USD=1000", "--start", "2018-01-01",
                             "--end", "2018-01-01T00:04", "--no-progress", "--no-store"])
    other = again.stdout.splitlines()[0].split("  run ")[1]
    assert again.exit_code == 0 and "stored run" not in again.stdout and get_run(client, other) is None
