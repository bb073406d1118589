"""Many events of one type encoded at once, column by column: the bytes ``Codec.encode`` writes for each.

A backtest that stores its journals encodes every message it archives. One by one (``Codec.encode``:
a dict per record, a fastavro call per message) that was most of what storing cost; here the events of a
batch are grouped by type and each field is encoded for the whole group with numpy (zig-zag varints,
length-prefixed strings, optional values, arrays of records), then the fields are laid side by side, row
by row, after the single-object header. The result is byte for byte what ``Codec.encode`` gives (the
tests compare them on every event type); a group the columnar path cannot take (a value of an unexpected
type) is encoded one by one instead.

The Avro subset handled is the events' (``schemas/avsc``): records of long, int, boolean, string and
bytes fields, unions of null and one of these, arrays of records or of primitives, and named types.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from schemas.codec import AVSC_DIR, MARKER, Codec, default_codec, fingerprint

Ragged = tuple[np.ndarray, np.ndarray]
"""Bytes of many rows: one uint8 buffer, row after row, and each row's length (int64)."""
Column = Callable[[Sequence[Any]], list[Ragged]]
"""Encodes one value per row: the pieces each row's bytes are made of, in order (laid out by ``rows``)."""

_SHIFTS = np.arange(10, dtype=np.uint64) * np.uint64(7)
_LIMITS = np.uint64(1) << (np.arange(1, 10, dtype=np.uint64) * np.uint64(7))


def varints(values: np.ndarray) -> Ragged:
    """Avro longs (zig-zag varints) of int64 ``values``."""
    v = values.astype(np.int64, copy=False)
    z = ((v << 1) ^ (v >> 63)).view(np.uint64)
    count = 1 + (z[:, None] >= _LIMITS[None, :]).sum(axis=1)
    groups = ((z[:, None] >> _SHIFTS[None, :]) & np.uint64(0x7F)).astype(np.uint8)
    more = np.arange(10)[None, :] < (count[:, None] - 1)
    groups |= (more * 0x80).astype(np.uint8)
    return groups[np.arange(10)[None, :] < count[:, None]], count.astype(np.int64)


def rows(pieces: Sequence[Ragged], n: int) -> Ragged:
    """Each row's bytes of every piece, one after the other."""
    if not pieces:
        return np.zeros(0, dtype=np.uint8), np.zeros(n, dtype=np.int64)
    lengths = np.zeros(n, dtype=np.int64)
    for _, length in pieces:
        lengths += length
    ends = np.cumsum(lengths)
    out = np.empty(int(ends[-1]) if n else 0, dtype=np.uint8)
    at = ends - lengths  # where the next piece of each row goes
    for data, length in pieces:
        if len(data):
            src = np.cumsum(length) - length
            index = np.repeat(at - src, length)
            index += _counting(len(data))
            out[index] = data
        at = at + length
    return out, lengths


_COUNT = np.arange(1 << 16, dtype=np.int64)


def _counting(n: int) -> np.ndarray:
    """0, 1, ..., n - 1 (a view of one array kept for every call)."""
    global _COUNT
    if n > len(_COUNT):
        _COUNT = np.arange(max(n, 2 * len(_COUNT)), dtype=np.int64)
    return _COUNT[:n]


def _ones(n: int) -> np.ndarray:
    return np.ones(n, dtype=np.int64)


def _long(values: Sequence[Any]) -> list[Ragged]:
    if not values:
        return [(np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64))]
    longs = np.array(values)
    if longs.dtype != np.int64:  # a text, a float or an int beyond 64 bits: not for this path
        raise TypeError(f"not 64-bit integers: {longs.dtype}")
    return [varints(longs)]


def _boolean(values: Sequence[Any]) -> list[Ragged]:
    flags = np.fromiter((1 if v is True else 0 if v is False else _not_bool(v) for v in values),
                        dtype=np.uint8, count=len(values))
    return [(flags, _ones(len(values)))]


def _not_bool(value: Any) -> int:
    raise TypeError(f"not a boolean: {value!r}")


def _blobs(values: Sequence[bytes]) -> list[Ragged]:
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    body = np.frombuffer(b"".join(values), dtype=np.uint8)
    return [varints(lengths), (body, lengths)]


def _string(values: Sequence[Any]) -> list[Ragged]:
    return _blobs([v.encode() for v in values])


def _bytes(values: Sequence[Any]) -> list[Ragged]:
    if not all(type(v) is bytes for v in values):
        raise TypeError("not bytes")
    return _blobs(list(values))


_PRIMITIVES: dict[str, Column] = {"long": _long, "int": _long, "boolean": _boolean, "string": _string,
                                  "bytes": _bytes}


def _optional(inner: Column, null_branch: int) -> Column:
    null_byte, value_byte = (0, 2) if null_branch == 0 else (2, 0)  # the branch's index as a varint

    def encode(values: Sequence[Any]) -> list[Ragged]:
        present = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
        branch = np.where(present, value_byte, null_byte).astype(np.uint8)
        out = [(branch, _ones(len(values)))]
        for data, length in inner([v for v in values if v is not None]):
            full = np.zeros(len(values), dtype=np.int64)
            full[present] = length
            out.append((data, full))
        return out

    return encode


def _array(inner: Column) -> Column:
    def encode(values: Sequence[Any]) -> list[Ragged]:
        n = len(values)
        counts = np.fromiter(map(len, values), dtype=np.int64, count=n)
        items = [x for v in values for x in v]
        data, length = rows(inner(items) if items else [], len(items))
        ends = np.concatenate(([0], np.cumsum(length)))
        last = np.cumsum(counts)
        per_row = ends[last] - ends[last - counts]
        head, head_length = varints(counts[counts > 0])  # no count before an empty array's end
        head_full = np.zeros(n, dtype=np.int64)
        head_full[counts > 0] = head_length
        return [(head, head_full), (data, per_row), (np.zeros(n, dtype=np.uint8), _ones(n))]

    return encode


def _record(fields: list[tuple[str, Column]]) -> Column:
    getters = [attrgetter(name) for name, _ in fields]

    def encode(values: Sequence[Any]) -> list[Ragged]:
        return [piece for (_, column), get in zip(fields, getters, strict=True)
                for piece in column(list(map(get, values)))]

    return encode


class Unsupported(ValueError):
    """A schema outside the subset this module encodes."""


class _Compiler:
    def __init__(self) -> None:
        self.named: dict[str, Column] = {}

    def column(self, tp: Any, namespace: str) -> Column:
        if isinstance(tp, str):
            if tp in _PRIMITIVES:
                return _PRIMITIVES[tp]
            found = self.named.get(tp if "." in tp else f"{namespace}.{tp}")
            if found is None:
                raise Unsupported(f"type {tp!r}")
            return found
        if isinstance(tp, list):
            if len(tp) == 2 and "null" in tp:
                null_branch = tp.index("null")
                return _optional(self.column(tp[1 - null_branch], namespace), null_branch)
            raise Unsupported(f"union {tp!r}")
        kind = tp.get("type")
        if "logicalType" in tp:
            raise Unsupported(f"logical type {tp['logicalType']!r}")
        if kind in _PRIMITIVES:
            return _PRIMITIVES[kind]
        if kind == "array":
            return _array(self.column(tp["items"], namespace))
        if kind == "record":
            space = tp.get("namespace", namespace)
            record = _record([(f["name"], self.column(f["type"], space)) for f in tp["fields"]])
            name = tp["name"]
            self.named[name if "." in name else f"{space}.{name}"] = record
            return record
        raise Unsupported(f"type {kind!r}")


class BulkEncoder:
    """Encodes lists of events, each list of one type, as ``codec`` does one by one."""

    def __init__(self, codec: Codec | None = None, schema_dir: Path = AVSC_DIR,
                 columnar_from: int = 8) -> None:
        self.codec = codec or default_codec()
        self.schema_dir = schema_dir
        self.columnar_from = columnar_from  # fewer events of a type than this are encoded one by one
        self._plans: dict[type, tuple[bytes, Column] | None] = {}

    def _plan(self, cls: type) -> tuple[bytes, Column] | None:
        if cls not in self._plans:
            plan = None
            path = self.schema_dir / f"{cls.__name__}.avsc"
            if path.exists():
                try:
                    schema: Mapping[str, Any] = json.loads(path.read_text())
                    column = _Compiler().column(dict(schema), "")
                    plan = (MARKER + fingerprint(dict(schema)), column)
                except (Unsupported, KeyError, TypeError):
                    plan = None
            self._plans[cls] = plan
        return self._plans[cls]

    def encode(self, events: Sequence[Any]) -> list[bytes]:
        """The encodings of ``events`` (all of one type), in order."""
        if not events:
            return []
        plan = self._plan(type(events[0]))
        if plan is None or len(events) < self.columnar_from:
            return [self.codec.encode(e) for e in events]
        header, column = plan
        n = len(events)
        try:
            pieces = column(events)
        except (TypeError, ValueError, OverflowError, AttributeError):  # an unexpected value: one by one
            return [self.codec.encode(e) for e in events]
        heads = (np.tile(np.frombuffer(header, dtype=np.uint8), n), np.full(n, len(header), dtype=np.int64))
        data, lengths = rows([heads, *pieces], n)
        blob = data.tobytes()
        ends = np.cumsum(lengths).tolist()
        return [blob[s:e] for s, e in zip([0, *ends[:-1]], ends, strict=True)]


def encode_all(encoder: BulkEncoder, items: Sequence[Any]) -> list[bytes]:
    """The encodings of ``items`` of any types, in order: each type's items encoded together."""
    groups: dict[type, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(type(item), []).append(i)
    out: list[bytes] = [b""] * len(items)
    for idx in groups.values():
        for i, value in zip(idx, encoder.encode([items[i] for i in idx]), strict=True):
            out[i] = value
    return out
