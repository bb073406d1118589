"""Vectorised Avro decoding (pure): the bodies of many messages of one writer schema,
decoded into Arrow columns one field at a time across all records at once.

Decoding message by message through fastavro and the event classes costs about
20 µs an event in Python; here each field of N records is a few numpy passes
over N, and strings are only located (start, length) until one gather builds
each Arrow column at the end.

Supported writer schemas are the shapes ``schemas.generate`` produces: records
whose fields are boolean, int, long, string, bytes, a union of null and one of
those, or an array of records of those. Anything else raises ``Unsupported``
when the decoder is built; the caller then decodes those messages one by one.

A record is *not ok* when its bytes do not frame (a varint longer than ten
bytes, a negative or overlong length, a union branch other than null/value, a
boolean byte other than 0/1, a body that does not end exactly where its
message ends), or when it holds an array so long that decoding it a round at a
time across records no longer pays. ``InvalidText`` is raised when a string is
not UTF-8. The caller decodes those messages one by one, which tells a deep
book snapshot from garbage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

PAD = 16
"""Zero bytes the caller appends to the buffer, so reads past a bad record's end stay inside it."""

LONG_ARRAY_ROUNDS = 128
"""After this many items, an array still open in fewer than ``FEW_RECORDS`` records is left
to the one-by-one path (a deep snapshot among many small deltas)."""
FEW_RECORDS = 8

_SHIFTS = [np.uint64(7 * k) for k in range(10)]
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_HIGH = np.uint64(0x8080808080808080)
_BYTE_HIGH = np.uint64(0x80)
_LOW_BYTE = np.uint64(0x7F)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_PAIRS = (np.uint64(0x007F007F007F007F), np.uint64(0x7F007F007F007F00), np.uint64(1))
_QUADS = (np.uint64(0x00003FFF00003FFF), np.uint64(0x3FFF00003FFF0000), np.uint64(2))
_HALVES = (np.uint64(0x000000000FFFFFFF), np.uint64(0x0FFFFFFF00000000), np.uint64(4))


def words(buf: np.ndarray) -> np.ndarray:
    """Every 8-byte little-endian word of ``buf``, one per starting byte (an unaligned view)."""
    return np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))


class Unsupported(ValueError):
    """A writer schema outside the supported shapes."""


class InvalidText(ValueError):
    """A string field holds bytes that are not UTF-8."""


@dataclass(slots=True)
class Spans:
    """Byte strings located in the buffer, not yet copied."""

    start: np.ndarray
    length: np.ndarray
    text: bool


@dataclass(slots=True)
class Nullable:
    """A nullable column: which rows are present, and the values of those rows."""

    present: np.ndarray
    values: Col


@dataclass(slots=True)
class Lists:
    """An array-of-records column: per-row item counts and the items, row-major."""

    counts: np.ndarray
    fields: dict[str, Col]


Col = np.ndarray | Spans | Nullable | Lists
"""A decoded column before it becomes Arrow: numbers/booleans as numpy, strings as spans."""


@dataclass(slots=True)
class _Cursor:
    """Read positions of the records being decoded."""

    buf: np.ndarray  # uint8: the joined bodies plus PAD zero bytes
    words: np.ndarray  # uint64: ``words(buf)``
    pos: np.ndarray  # int64: the next byte to read, per record
    end: np.ndarray  # int64: where each record must end
    bad: np.ndarray  # bool: the record failed to frame

    def subset(self, rows: np.ndarray) -> _Cursor:
        return _Cursor(self.buf, self.words, self.pos[rows], self.end[rows], self.bad[rows])

    def update(self, rows: np.ndarray, sub: _Cursor) -> None:
        self.pos[rows] = sub.pos
        self.bad[rows] = sub.bad


Reader = Callable[[_Cursor], Col]


def _varint(c: _Cursor) -> np.ndarray:
    """The zigzag varints at every record's position, as int64; advances the cursor.

    Each varint is read as one 8-byte word: its length is where the first byte
    without a continuation bit is, and its 7-bit groups are packed together by
    three mask-and-shift steps (pairs, quads, halves), all full-width passes.
    The rare varint longer than 8 bytes takes one more pass per extra byte.
    """
    pos = np.minimum(c.pos, len(c.buf) - 11)  # a bad record may point anywhere
    word = c.words[pos]
    if not (word & _BYTE_HIGH).any():  # one byte each (lengths, union branches, counts)
        c.pos = c.pos + 1
        small: np.ndarray = (word & _LOW_BYTE).astype(np.int64)
        return (small >> 1) ^ -(small & 1)
    stop = ~word
    stop &= _HIGH  # bytes whose continuation bit is clear
    last = stop & (_ZERO - stop)  # the first of them, as a single bit
    mask = last - _ONE
    mask |= last  # every bit up to it (all ones when there is none)
    value = word & mask
    value &= _LOW7
    for low, high, shift in (_PAIRS, _QUADS, _HALVES):  # in place: no temporary but one a step
        upper = value & high
        upper >>= shift
        value &= low
        value |= upper
    step = np.bitwise_count(mask) >> 3  # bytes (uint8)
    longer = np.flatnonzero(last == 0)
    if longer.size:  # 9 or 10 bytes
        at = pos[longer]
        b8 = c.buf[at + 8]
        b9 = c.buf[at + 9]
        more = b8 >> 7
        value[longer] |= ((b8 & 0x7F).astype(np.uint64) << _SHIFTS[8]) | \
            ((b9 & 0x7F).astype(np.uint64) * more << _SHIFTS[9])
        step[longer] = 9 + more
        c.bad[longer] |= (more & (b9 >> 7)).astype(bool)
    c.pos = c.pos + step
    sign = _ZERO - (value & _ONE)  # zigzag: (v >> 1) ^ -(v & 1), in 64-bit two's complement
    value >>= _ONE
    value ^= sign
    out: np.ndarray = value.view(np.int64)
    return out


def _read_long(c: _Cursor) -> Col:
    return _varint(c)


def _read_bool(c: _Cursor) -> Col:
    b = c.buf[np.minimum(c.pos, len(c.buf) - 1)]
    c.bad |= b > 1
    c.pos = c.pos + 1
    out: np.ndarray = b == 1
    return out


def _bytes_reader(text: bool) -> Reader:
    def read(c: _Cursor) -> Col:
        length = _varint(c)
        start = c.pos
        wrong = (length < 0) | (start + length > c.end)
        c.bad |= wrong
        length = np.where(wrong, 0, length)
        c.pos = start + length
        return Spans(start, length, text)

    return read


def _optional(inner: Reader, null_branch: int) -> Reader:
    def read(c: _Cursor) -> Col:
        branch = _varint(c)
        c.bad |= (branch != 0) & (branch != 1)
        present = (branch == 1 - null_branch) & ~c.bad
        rows = np.flatnonzero(present)
        sub = c.subset(rows)
        values = inner(sub)
        c.update(rows, sub)
        return Nullable(present, values)

    return read


def _concat(parts: list[Col]) -> Col:
    first = parts[0]
    if isinstance(first, np.ndarray):
        return np.concatenate(parts)  # type: ignore[arg-type]
    if isinstance(first, Spans):
        spans = [p for p in parts if isinstance(p, Spans)]
        return Spans(np.concatenate([p.start for p in spans]), np.concatenate([p.length for p in spans]),
                     first.text)
    if isinstance(first, Nullable):
        opts = [p for p in parts if isinstance(p, Nullable)]
        return Nullable(np.concatenate([p.present for p in opts]), _concat([p.values for p in opts]))
    raise Unsupported("arrays inside arrays are not supported")


def _take(col: Col, order: np.ndarray) -> Col:
    if isinstance(col, np.ndarray):
        taken: np.ndarray = col[order]
        return taken
    if isinstance(col, Spans):
        return Spans(col.start[order], col.length[order], col.text)
    if isinstance(col, Nullable):
        inner = np.cumsum(col.present) - 1
        present = col.present[order]
        return Nullable(present, _take(col.values, inner[order][present]))
    raise Unsupported("arrays inside arrays are not supported")


def _array(fields: list[tuple[str, Reader]]) -> Reader:
    """An array of records: one item per open record per round, then put row-major."""

    def read(c: _Cursor) -> Col:
        n = len(c.pos)
        counts = np.zeros(n, dtype=np.int64)
        owners: list[np.ndarray] = []
        ranks: list[np.ndarray] = []
        parts: list[list[Col]] = [[] for _ in fields]
        rows = np.flatnonzero(~c.bad)  # the records whose array is still open
        work = c.subset(rows)
        remaining = np.zeros(len(rows), dtype=np.int64)
        rounds = 0
        while len(rows):
            need = np.flatnonzero(remaining == 0)
            if need.size:  # read block headers: a count, negative when a byte size follows
                head = work.subset(need)
                blocks = _varint(head)
                sized = np.flatnonzero(blocks < 0)
                if sized.size:
                    skip = head.subset(sized)
                    _varint(skip)
                    head.update(sized, skip)
                    blocks = np.abs(blocks)
                head.bad |= blocks > (head.end - head.pos)  # every item takes at least a byte
                blocks = np.where(head.bad, 0, blocks)
                work.update(need, head)
                remaining[need] = blocks
                closed = remaining == 0
                if closed.any():
                    c.update(rows[closed], work.subset(np.flatnonzero(closed)))
                    keep = np.flatnonzero(~closed)
                    rows, work, remaining = rows[keep], work.subset(keep), remaining[keep]
                    if not len(rows):
                        break
            rounds += 1
            if rounds > LONG_ARRAY_ROUNDS and len(rows) < FEW_RECORDS:
                c.bad[rows] = True  # not corrupt, only long: decoded one by one by the caller
                break
            for i, (_, reader) in enumerate(fields):
                parts[i].append(reader(work))
            owners.append(rows)
            ranks.append(counts[rows])
            counts[rows] += 1
            remaining -= 1
        owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
        rank = np.concatenate(ranks) if ranks else np.zeros(0, dtype=np.int64)
        # items came round by round; each kept item goes to its record's start plus its rank
        keep = ~c.bad[owner]
        counts[c.bad] = 0
        first = np.cumsum(counts) - counts
        order = np.empty(int(keep.sum()), dtype=np.int64)
        order[first[owner[keep]] + rank[keep]] = np.flatnonzero(keep)
        items = {name: _take(_concat(parts[i]), order) if parts[i] else np.zeros(0, dtype=np.int64)
                 for i, (name, _) in enumerate(fields)}
        return Lists(counts, items)

    return read


_PRIMITIVES: dict[str, Reader] = {
    "long": _read_long,
    "int": _read_long,
    "boolean": _read_bool,
    "string": _bytes_reader(text=True),
    "bytes": _bytes_reader(text=False),
}


class _Compiler:
    """Turns a writer schema into field readers, resolving named types."""

    def __init__(self) -> None:
        self.named: dict[str, Mapping[str, Any]] = {}

    def record_fields(self, schema: Mapping[str, Any], namespace: str, nested: bool
                      ) -> list[tuple[str, Reader]]:
        space = schema.get("namespace", namespace)
        name = schema["name"]
        self.named[name if "." in name else f"{space}.{name}"] = schema
        return [(f["name"], self.reader(f["type"], space, nested)) for f in schema["fields"]]

    def resolve(self, tp: Any, namespace: str) -> Any:
        if isinstance(tp, str) and tp not in _PRIMITIVES and tp != "null":
            found = self.named.get(tp if "." in tp else f"{namespace}.{tp}")
            if found is None:
                raise Unsupported(f"unknown named type {tp!r}")
            return found
        return tp

    def reader(self, tp: Any, namespace: str, nested: bool) -> Reader:
        tp = self.resolve(tp, namespace)
        if isinstance(tp, str):
            if tp in _PRIMITIVES:
                return _PRIMITIVES[tp]
            raise Unsupported(f"type {tp!r} is not supported")
        if isinstance(tp, list):
            if len(tp) == 2 and "null" in tp:
                null_branch = tp.index("null")
                return _optional(self.reader(tp[1 - null_branch], namespace, nested), null_branch)
            raise Unsupported(f"union {tp!r} is not supported")
        kind = tp.get("type")
        if kind in _PRIMITIVES and "logicalType" not in tp:
            return _PRIMITIVES[kind]
        if kind == "array" and not nested:
            items = self.resolve(tp["items"], namespace)
            if isinstance(items, Mapping) and items.get("type") == "record":
                return _array(self.record_fields(items, namespace, nested=True))
        raise Unsupported(f"type {tp!r} is not supported")


class BulkDecoder:
    """Decodes many Avro bodies written with one record schema into columns."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        if not isinstance(schema, Mapping) or schema.get("type") != "record":
            raise Unsupported("the writer schema is not a record")
        self._fields = _Compiler().record_fields(schema, schema.get("namespace", ""), nested=False)

    @property
    def field_names(self) -> list[str]:
        return [name for name, _ in self._fields]

    def decode(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray
               ) -> tuple[dict[str, Col], np.ndarray]:
        """Columns of the records at ``buf[starts[i]:ends[i]]`` and which records are ok.

        ``buf`` must end with ``PAD`` zero bytes. Rows that are not ok hold
        placeholders; ``to_arrow`` with the mask leaves them out.
        """
        c = _Cursor(buf, words(buf), starts.astype(np.int64), ends.astype(np.int64),
                    np.zeros(len(starts), dtype=bool))
        columns = {name: reader(c) for name, reader in self._fields}
        ok = ~c.bad & (c.pos == c.end)
        return columns, ok


def _binary(buf: np.ndarray, spans: Spans, valid: np.ndarray | None = None) -> pa.Array:
    length = spans.length
    offsets = np.zeros(len(length) + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    total = int(offsets[-1])
    if total:
        data = buf[np.repeat(spans.start - offsets[:-1], length) + np.arange(total, dtype=np.int64)]
    else:
        data = np.zeros(0, dtype=np.uint8)
    large = total >= 2**31 - 1
    if spans.text:
        kind = pa.large_string() if large else pa.string()
    else:
        kind = pa.large_binary() if large else pa.binary()
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = 0 if valid is None else int(len(valid) - np.count_nonzero(valid))
    array = pa.Array.from_buffers(kind, len(length), [bitmap, pa.py_buffer(
        offsets if large else offsets.astype(np.int32)), pa.py_buffer(data)], null_count=nulls)
    if spans.text:
        try:
            array.validate(full=True)
        except pa.ArrowInvalid as exc:
            raise InvalidText(str(exc)) from exc
    return array


def to_arrow(buf: np.ndarray, col: Col, rows: np.ndarray | None = None) -> pa.Array:
    """The Arrow array of a decoded column, keeping only ``rows`` (a boolean mask) if given."""
    if isinstance(col, np.ndarray):
        values = col if rows is None else col[rows]
        return pa.array(values, type=pa.bool_() if values.dtype == bool else pa.int64())
    if isinstance(col, Spans):
        return _binary(buf, col if rows is None else Spans(col.start[rows], col.length[rows], col.text))
    if isinstance(col, Nullable):
        present = col.present if rows is None else col.present[rows]
        inner_rows = None if rows is None else rows[col.present]
        values = col.values
        if isinstance(values, np.ndarray):
            full = np.zeros(len(present), dtype=values.dtype)
            full[present] = values if inner_rows is None else values[inner_rows]
            return pa.array(full, type=pa.bool_() if full.dtype == bool else pa.int64(), mask=~present)
        if isinstance(values, Spans):
            start = np.zeros(len(present), dtype=np.int64)
            length = np.zeros(len(present), dtype=np.int64)
            start[present] = values.start if inner_rows is None else values.start[inner_rows]
            length[present] = values.length if inner_rows is None else values.length[inner_rows]
            return _binary(buf, Spans(start, length, values.text), valid=present)
        raise Unsupported("optional arrays are not supported")
    counts = col.counts if rows is None else col.counts[rows]
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    item_rows = None if rows is None else np.repeat(rows, col.counts)
    children = [to_arrow(buf, child, item_rows) for child in col.fields.values()]
    items = pa.StructArray.from_arrays(children, names=list(col.fields))
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), items)


def join_bodies(values: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The messages joined into one padded buffer, with each message's start and end."""
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buf = np.frombuffer(b"".join(values) + bytes(PAD), dtype=np.uint8)
    return buf, starts, ends
