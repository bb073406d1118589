"""``cryptick market import`` and ``candles``: recordings into the archive, replayable and in candles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cryptick.commands.market import BATCH, app
from replay.archive_reader import count
from streams.archive.clickhouse import get_client
from streams.archive.reader import market_events
from streams.archive.writer import ArchiveWriter
from streams.market.store import candles

pytestmark = pytest.mark.integration

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exchange-captures"


def test_captures_of_the_four_venues_are_imported_once_and_replayable(clickhouse_dsn: str) -> None:
    files = [
        str(CAPTURES / f)
        for f in ("COINBASE.ws.28.0", "COINBASE.0", "BITFINEX.ws.11.0", "KRAKEN.ws.50.0", "POLONIEX.ws.1.0")
    ]
    first = CliRunner().invoke(app, ["import", *files])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert len(lines) == 5 and all(" events (" in line for line in lines)
    assert "9836 events (9719 BookDelta, 10 BookSnapshot, 107 PublicTrade) from coinbase" in lines[0]
    topics = [line.rsplit("as topic ", 1)[1] for line in lines]
    client = get_client(clickhouse_dsn)
    counts = [count(client, t) for t in topics]
    assert counts == [9836, 162, 1810, 4279, 300]

    again = CliRunner().invoke(app, ["import", files[0]])
    assert again.exit_code == 0 and again.output.splitlines()[0] == lines[0]
    assert count(client, topics[0]) == 9836

    books = [("kraken", "XMR-USD"), ("poloniex", "BTC-USDT"), ("coinbase", "SKL-USD")]
    replayed = list(market_events(client, books, 0, 2**62, topics=topics))
    assert {(x.event.venue, x.event.pair) for x in replayed} == set(books)  # type: ignore[union-attr]
    assert {x.topic for x in replayed} == {topics[0], topics[1], topics[3], topics[4]}  # listings too
    for venue in ("kraken", "poloniex", "coinbase"):
        first = next(
            type(x.event).__name__
            for x in replayed
            if x.event.venue == venue and type(x.event).__name__.startswith("Book")
        )  # type: ignore[union-attr]
        assert first == "BookSnapshot"  # each book replays from its snapshot


def test_ohlcv_csv_round_trip_through_candles(tmp_path: Path, clickhouse_dsn: str, namespace: str) -> None:
    venue = f"csv{namespace}"
    csv_file = tmp_path / "btc.csv"
    csv_file.write_text(
        "timestamp,open,high,low,close,volume\n"
        "2018-01-01T00:00:00Z,13000.5,13100,12900,13050.25,12.5\n"
        "2018-01-01T00:01:00Z,13050.25,13060,13000,13001,0.125\n"
    )
    run = CliRunner().invoke(app, ["import", str(csv_file), "--venue", venue, "--pair", "BTC-USD"])
    assert run.exit_code == 0, run.output
    assert "10 events (2 BookSnapshot, 8 PublicTrade)" in run.output  # a bar-fill book per candle
    out = CliRunner().invoke(
        app,
        [
            "candles",
            "--venue",
            venue,
            "--pair",
            "BTC-USD",
            "--start",
            "2018-01-01",
            "--end",
            "2018-01-02",
            "--freq",
            "highest",
        ],
    )
    assert out.output.splitlines() == [
        "start\topen\thigh\tlow\tclose\tvolume\ttrades",
        "2018-01-01T00:00:00Z\t13000.5\t13100\t12900\t13050.25\t12.5\t4",
        "2018-01-01T00:01:00Z\t13050.25\t13060\t13000\t13001\t0.125\t4",
    ]
    daily = CliRunner().invoke(
        app,
        [
            "candles",
            "--venue",
            venue,
            "--pair",
            "BTC-USD",
            "--start",
            "2018-01-01",
            "--end",
            "2018-01-02",
            "--freq",
            "daily",
            "--received-before",
            "2018-01-01T00:01:30Z",
        ],
    )
    assert daily.output.splitlines()[1] == "2018-01-01T00:00:00Z\t13000.5\t13100\t12900\t13050.25\t12.5\t4"


def test_a_file_larger_than_a_batch_reaches_the_writer_in_bounded_batches(
    tmp_path: Path, clickhouse_dsn: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[int] = []
    for method in ("write", "submit"):  # whichever the import uses
        original = getattr(ArchiveWriter, method)

        def spy(self: ArchiveWriter, batch: Any, _original: Any = original) -> Any:
            handed.append(len(batch))
            return _original(self, batch)

        monkeypatch.setattr(ArchiveWriter, method, spy)
    rows = 2 * BATCH // 5 + 100  # four trades and a book a candle: two full batches and 500 events
    csv_file = tmp_path / "big.csv"
    with csv_file.open("w") as out:
        out.write("timestamp,open,high,low,close,volume\n")
        out.writelines(f"{1_514_764_800 + 60 * i},100,110,90,105,1\n" for i in range(rows))
    run = CliRunner().invoke(app, ["import", str(csv_file), "--venue", f"big{namespace}", "--pair", "A-B"])
    assert run.exit_code == 0, run.output
    assert f"{5 * rows} events ({rows} BookSnapshot, {4 * rows} PublicTrade)" in run.output
    assert handed == [BATCH, BATCH, 500]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "timestamp,open,high,low,close\n1,1,1,1,1\n",
            ["--venue", "v", "--pair", "A-B"],
            "error: {f}:1: missing column(s) volume;"
            " the header must name timestamp,open,high,low,close,volume",
        ),
        (
            "timestamp,open,high,low,close,volume\n1514764800,1,1,1,1,1\n",
            [],
            "error: {f}: an OHLCV file needs --venue and --pair",
        ),
        (
            "1618678132.83097: {}\nnonsense\n",
            ["--format", "capture", "--venue", "kraken"],
            "error: {f}:2: unrecognised capture line: 'nonsense'",
        ),
        (
            "1618678132.83097: {}\n",
            ["--format", "capture"],
            "error: {f}: cannot tell the venue from the capture: pass --venue",
        ),
    ],
)
def test_bad_files_fail_with_one_line(
    tmp_path: Path, clickhouse_dsn: str, content: str, args: list[str], message: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(content)
    result = CliRunner().invoke(app, ["import", str(path), *args])
    assert result.exit_code == 2
    assert result.output.strip() == message.format(f=path)


def test_missing_file(tmp_path: Path, clickhouse_dsn: str) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path / "nope.csv"), "--venue", "v", "--pair", "A-B"])
    assert (
        result.exit_code == 2
        and result.output.strip() == f"error: {tmp_path / 'nope.csv'}: No such file or directory"
    )


def test_candles_errors_and_empty_range(clickhouse_dsn: str, namespace: str) -> None:
    base = [
        "candles",
        "--venue",
        f"none{namespace}",
        "--pair",
        "A-B",
        "--start",
        "2018-01-01",
        "--end",
        "2018-01-02",
    ]
    bad = CliRunner().invoke(app, [*base, "--freq", "2m"])
    assert bad.exit_code == 2
    assert bad.output.strip() == "error: unknown freq '2m': use one of 1m, 5m, 1h, 1d, highest, daily"
    empty = CliRunner().invoke(app, base)
    assert (
        empty.exit_code == 0 and empty.output.strip() == f"no candles for none{namespace} A-B in that range"
    )


def test_import_memory_does_not_grow_with_the_file(
    tmp_path: Path, clickhouse_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracemalloc

    import cryptick.commands.market as market

    monkeypatch.setattr(market, "BATCH", 2_000)
    one = (CAPTURES / "KRAKEN.ws.50.0").read_bytes()
    warm_up = CliRunner().invoke(app, ["import", str(CAPTURES / "KRAKEN.ws.50.0")])  # loads the modules
    assert warm_up.exit_code == 0, warm_up.output
    peaks, sizes = [], []
    for copies in (2, 10):
        capture = tmp_path / f"KRAKEN.ws.{copies}"
        capture.write_bytes(one * copies)
        tracemalloc.start()
        try:
            run = CliRunner().invoke(app, ["import", str(capture)])
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert run.exit_code == 0 and f"{4279 * copies} events" in run.output, run.output
        sizes.append(len(one) * copies)
    # five times the file, the same memory (a whole-file read peaks at several times the file)
    assert peaks[1] < 1.25 * peaks[0] and peaks[1] < sizes[1], (peaks, sizes)


def test_the_last_import_of_the_same_candles_wins_in_import_order(
        tmp_path: Path, clickhouse_dsn: str, namespace: str) -> None:
    venue = f"re{namespace}"
    versions = {}
    for name, close in (("a", 110), ("b", 125), ("c", 117)):  # three versions of one candle
        versions[name] = tmp_path / f"{name}.csv"
        versions[name].write_text(f"timestamp,open,high,low,close,volume\n1514764800,100,130,90,{close},1\n")

    def close_after(name: str) -> int:
        done = CliRunner().invoke(app, ["import", str(versions[name]), "--venue", venue,
                                        "--pair", "BTC-USD", "--interval", "1m"])
        assert done.exit_code == 0, done.output
        (candle,) = candles(get_client(clickhouse_dsn), venue, "BTC-USD", 1_514_764_800_000_000,
                            1_514_764_860_000_000, "1m")
        return candle.close // 100_000_000

    assert [close_after(n) for n in ("a", "b", "c", "a", "c")] == [110, 125, 117, 110, 117]


def test_several_csv_files_with_one_pair_must_not_overlap(tmp_path: Path, clickhouse_dsn: str) -> None:
    header = "timestamp,open,high,low,close,volume\n"
    jan = tmp_path / "jan.csv"
    jan.write_text(header + "".join(f"{1_514_764_800 + 60 * i},1,1,1,1,1\n" for i in range(30)))
    feb = tmp_path / "feb.csv"
    feb.write_text(header + "".join(f"{1_514_764_800 + 1800 + 60 * i},1,1,1,1,1\n" for i in range(30)))
    eth = tmp_path / "eth.csv"
    eth.write_text(header + "".join(f"{1_514_764_800 + 600 + 60 * i},2,2,2,2,1\n" for i in range(5)))

    refused = CliRunner().invoke(app, ["import", str(jan), str(feb), str(eth), "--venue", "v",
                                       "--pair", "BTC-USD"])

    assert refused.exit_code == 2
    assert f"{jan} and {eth} both hold candles from 2018-01-01T00:10:00Z" in refused.output
    assert "one at a time" in refused.output
    fine = CliRunner().invoke(app, ["import", str(jan), str(feb), "--venue", f"ok{tmp_path.name[-6:]}",
                                    "--pair", "BTC-USD"])
    assert fine.exit_code == 0, fine.output
