"""The vectorised decoder reads exactly what the codec reads, and flags what does not frame."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from schemas.codec import AVSC_DIR, HEADER_SIZE, default_codec
from schemas.events import BookDelta, BookSnapshot, Level, LevelChange, PublicTrade
from streams.archive.columnar import BulkDecoder, InvalidText, Unsupported, join_bodies, to_arrow
from tests.unit.archive.samples import as_row, sample_events


def _decode(cls: type, values: list[bytes]) -> tuple[pa.Table, np.ndarray]:
    decoder = BulkDecoder(json.loads((AVSC_DIR / f"{cls.__name__}.avsc").read_text()))
    buf, starts, ends = join_bodies(values)
    columns, ok = decoder.decode(buf, starts + HEADER_SIZE, ends)
    return pa.table({name: to_arrow(buf, col, ok) for name, col in columns.items()}), ok


@pytest.mark.parametrize("event", sample_events(), ids=lambda e: type(e).__name__)
def test_every_event_type_decodes_like_the_codec(event: object) -> None:
    codec = default_codec()
    table, ok = _decode(type(event), [codec.encode(event)] * 2)  # type: ignore[arg-type]
    assert ok.tolist() == [True, True]
    assert table.to_pylist() == [as_row(event)] * 2


def _trade(i: int, side: str | None = "buy") -> PublicTrade:
    return PublicTrade(f"t{i}", "v", "BTC-USD", 10 * i, 10 * i + 1, str(i), 100 + i, 7 * i, side)


def test_many_records_with_mixed_nulls() -> None:
    trades = [_trade(i, None if i % 3 else "sell") for i in range(50)]
    table, ok = _decode(PublicTrade, [default_codec().encode(t) for t in trades])
    assert ok.all()
    assert table.to_pylist() == [as_row(t) for t in trades]


def test_arrays_of_different_lengths_keep_their_items_in_order() -> None:
    deltas = [
        BookDelta(
            f"d{i}",
            "v",
            "BTC-USD",
            i,
            i,
            i if i % 2 else None,
            [LevelChange("bid" if j % 2 else "ask", 1000 * i + j, j) for j in range(i % 7)],
            None if i % 3 else i - 1,
        )
        for i in range(40)
    ]
    table, ok = _decode(BookDelta, [default_codec().encode(d) for d in deltas])
    assert ok.all()
    assert table.to_pylist() == [as_row(d) for d in deltas]


def _zigzag(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def test_arrays_written_in_sized_blocks_are_read() -> None:
    """Avro lets a writer split an array into blocks, a negative count followed by a byte size."""
    codec = default_codec()
    plain = codec.encode(BookSnapshot("s", "v", "P", 1, 2, None, [Level(5, 6), Level(3, 4)], []))
    header = plain[:HEADER_SIZE]
    items = [_zigzag(5) + _zigzag(6), _zigzag(3) + _zigzag(4)]
    body = (
        b"".join(_zigzag(len(s)) + s.encode() for s in ("s", "v", "P")) + _zigzag(1) + _zigzag(2) + _zigzag(0)
    )
    body += _zigzag(-1) + _zigzag(len(items[0])) + items[0] + _zigzag(1) + items[1] + _zigzag(0)
    body += _zigzag(0)  # no asks
    body += _zigzag(0)  # derived_from: the null branch
    value = header + body
    assert codec.decode(value) == codec.decode(plain)
    table, ok = _decode(BookSnapshot, [value])
    assert ok.tolist() == [True]
    assert table.to_pylist()[0]["bids"] == [{"price": 5, "size": 6}, {"price": 3, "size": 4}]


def test_bodies_that_do_not_frame_are_flagged_and_the_rest_decode() -> None:
    codec = default_codec()
    good = [codec.encode(_trade(i)) for i in range(4)]
    truncated = good[0][:-3]
    trailing = good[1] + b"\x00"
    assert good[2][-5:] == b"\x02\x06buy"  # union branch 1 (zigzag 2), then the string
    bad_branch = good[2][:-5] + b"\x04" + good[2][-4:]  # branch 2 of a two-branch union
    overlong = good[3][:HEADER_SIZE] + b"\xff" * 12
    values = [good[0], truncated, good[1], trailing, bad_branch, overlong, good[3]]
    table, ok = _decode(PublicTrade, values)
    assert ok.tolist() == [True, False, True, False, False, False, True]
    assert [r["event_id"] for r in table.to_pylist()] == ["t0", "t1", "t3"]


def test_text_that_is_not_utf8_is_refused() -> None:
    value = default_codec().encode(_trade(1)).replace(b"BTC-USD", b"BTC-\xffSD")
    with pytest.raises(InvalidText):
        _decode(PublicTrade, [value])


def test_very_long_arrays_are_left_to_the_one_by_one_path() -> None:
    deep = BookSnapshot("s", "v", "P", 1, 2, 3, [Level(i, 1) for i in range(300)], [])
    shallow = BookSnapshot("t", "v", "P", 1, 2, 3, [Level(1, 1)], [Level(2, 2)])
    table, ok = _decode(BookSnapshot, [default_codec().encode(e) for e in (shallow, deep)])
    assert ok.tolist() == [True, False]
    assert table.num_rows == 1


def test_schemas_outside_the_supported_shapes_are_refused_up_front() -> None:
    with pytest.raises(Unsupported):
        BulkDecoder(
            {
                "type": "record",
                "name": "X",
                "fields": [{"name": "m", "type": {"type": "map", "values": "long"}}],
            }
        )
    with pytest.raises(Unsupported):
        BulkDecoder({"type": "record", "name": "X", "fields": [{"name": "u", "type": ["long", "string"]}]})
