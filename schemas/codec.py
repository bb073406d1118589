"""Avro single-object encoding of the events (fastavro).

Wire format (Avro spec, "single object encoding"): the two marker bytes
``C3 01``, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer
schema's Parsing Canonical Form, then the Avro binary body. The fingerprint
names the schema, so one topic can carry several event types and a reader can
resolve data written with an older (released) version of a schema.
"""

from __future__ import annotations

import dataclasses
import io
import json
import struct
import typing
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro import reader as fastavro_reader
from fastavro.schema import to_parsing_canonical_form

from schemas.decoders import Decoder, compile_decoder
from schemas.encoders import Encoder, Unsupported, compile_encoder, shared_caches
from schemas.events import EVENT_TYPES, NESTED, Event

MARKER = b"\xc3\x01"
HEADER_SIZE = 10
AVSC_DIR = Path(__file__).parent / "avsc"
RELEASED_DIR = Path(__file__).parent / "released"


class DecodeError(ValueError):
    """Bytes that are not a known event; the message says why."""


def _crc64_table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (0xC15D213AA4D7A795 & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _crc64_table()


def crc64_avro(data: bytes) -> int:
    """The Rabin CRC-64-AVRO fingerprint of ``data`` (Avro specification)."""
    fp = 0xC15D213AA4D7A795
    for b in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


def fingerprint(schema: dict[str, Any]) -> bytes:
    """8-byte little-endian fingerprint of a schema's canonical form."""
    canonical = to_parsing_canonical_form(schema)
    return struct.pack("<Q", crc64_avro(canonical.encode()))


def _to_dict_fn(cls: type) -> Callable[[Any], dict[str, Any]]:
    hints = typing.get_type_hints(cls)
    plain: list[str] = []
    nested: list[str] = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if typing.get_origin(tp) is list and typing.get_args(tp)[0] in NESTED:
            nested.append(f.name)
        else:
            plain.append(f.name)

    def to_dict(obj: Any) -> dict[str, Any]:
        d = {name: getattr(obj, name) for name in plain}
        for name in nested:
            d[name] = [_nested_to_dict(x) for x in getattr(obj, name)]
        return d

    return to_dict


def _plain_field(value: Any) -> Any:
    if isinstance(value, list):
        return [_nested_to_dict(x) if hasattr(x, "__slots__") and dataclasses.is_dataclass(x) else x
                for x in value]
    return value


def _nested_to_dict(obj: Any) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in obj.__slots__}


def _from_dict_fn(cls: type) -> Callable[[dict[str, Any]], Any]:
    hints = typing.get_type_hints(cls)
    nested: list[tuple[str, type]] = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if typing.get_origin(tp) is list and typing.get_args(tp)[0] in NESTED:
            nested.append((f.name, typing.get_args(tp)[0]))

    if not nested:
        return lambda d: cls(**d)

    def from_dict(d: dict[str, Any]) -> Any:
        for name, item_cls in nested:
            d[name] = [item_cls(**x) for x in d[name]]
        return cls(**d)

    return from_dict


@dataclasses.dataclass(frozen=True, slots=True)
class _Entry:
    cls: type
    writer: Any  # parsed writer schema
    reader: Any  # parsed reader (current) schema
    from_dict: Callable[[dict[str, Any]], Any]
    writer_json: bytes = b""  # the writer schema as written, for a container header
    reader_raw: Any = None  # the reader schema as JSON (None: the writer's)


def _varint(n: int) -> bytes:
    """Avro's zig-zag variable-length long."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SYNC = bytes(16)


def _container(writer_json: bytes, bodies: Sequence[bytes]) -> bytes:
    """An Avro object container file holding ``bodies`` (schemaless encodings of one schema) as one
    block: the form in which fastavro decodes many records in one call."""
    meta = {b"avro.schema": writer_json, b"avro.codec": b"null"}
    head = bytearray(b"Obj\x01")
    head += _varint(len(meta))
    for k, v in meta.items():
        head += _varint(len(k)) + k + _varint(len(v)) + v
    head += b"\x00" + _SYNC
    data = b"".join(bodies)
    return bytes(head) + _varint(len(bodies)) + _varint(len(data)) + data + _SYNC


class Codec:
    """Encodes events to single-object Avro and back, resolving older versions.

    Events of the current schemas are encoded and decoded by functions compiled per type
    (``schemas.encoders``, ``schemas.decoders``); whatever those do not take (a value not of its
    field's type, a body not in canonical form, an older schema) goes through fastavro, the reference
    they give the same results as. ``compiled=False``: fastavro only."""

    def __init__(self, schema_dir: Path = AVSC_DIR, released_dir: Path = RELEASED_DIR, *,
                 compiled: bool = True) -> None:
        self._by_fp: dict[bytes, _Entry] = {}
        self._by_cls: dict[type, tuple[bytes, Any, Callable[[Any], dict[str, Any]]]] = {}
        self._encoders: dict[type, Encoder] = {}
        self._decoders: dict[bytes, Decoder] = {}  # by the whole header (marker and fingerprint)
        caches = shared_caches()
        classes = {c.__name__: c for c in (*EVENT_TYPES, *NESTED)}
        for cls in EVENT_TYPES:
            raw = json.loads((schema_dir / f"{cls.__name__}.avsc").read_text())
            parsed = parse_schema(raw, _write_hint=False)
            fp = fingerprint(raw)
            from_dict = _from_dict_fn(cls)
            self._by_fp[fp] = _Entry(cls, parsed, parsed, from_dict, json.dumps(raw).encode())
            self._by_cls[cls] = (MARKER + fp, parsed, _to_dict_fn(cls))
            if compiled:
                try:
                    self._encoders[cls] = compile_encoder(parsed, MARKER + fp, caches)
                    self._decoders[MARKER + fp] = compile_decoder(parsed, classes, HEADER_SIZE)
                except Unsupported:  # a shape the compilers do not take: fastavro only
                    self._encoders.pop(cls, None)
            for old in sorted(released_dir.glob(f"{cls.__name__}.v*.avsc")):
                old_raw = json.loads(old.read_text())
                old_fp = fingerprint(old_raw)
                if old_fp not in self._by_fp:
                    old_parsed = parse_schema(old_raw, _write_hint=False)
                    self._by_fp[old_fp] = _Entry(cls, old_parsed, parsed, from_dict,
                                                 json.dumps(old_raw).encode(), raw)

    def encode(self, event: Event) -> bytes:
        """Avro single-object bytes of ``event``."""
        fast = self._encoders.get(type(event))
        if fast is not None:
            try:
                return fast(event)
            except Exception:  # a value not of its field's type: fastavro encodes it or raises its error
                pass
        try:
            header, schema, to_dict = self._by_cls[type(event)]
        except KeyError:
            raise TypeError(f"{type(event).__name__} is not an event of the contract") from None
        buf = io.BytesIO()
        buf.write(header)
        schemaless_writer(buf, schema, to_dict(event))
        return buf.getvalue()

    def decode(self, data: bytes) -> Event:
        """The event in ``data``; raises DecodeError saying why it is not one."""
        fast = self._decoders.get(data[:HEADER_SIZE])
        if fast is not None:
            try:
                return fast(data)  # type: ignore[no-any-return]
            except Exception:  # not a canonical body: fastavro decodes it or says why not
                pass
        if len(data) < HEADER_SIZE or data[:2] != MARKER:
            raise DecodeError("not Avro single-object encoding (missing C3 01 marker)")
        entry = self._by_fp.get(data[2:HEADER_SIZE])
        if entry is None:
            raise DecodeError(f"unknown schema fingerprint {data[2:HEADER_SIZE].hex()}")
        buf = io.BytesIO(data)
        buf.seek(HEADER_SIZE)
        try:
            if entry.writer is entry.reader:
                record = schemaless_reader(buf, entry.writer, None)
            else:
                record = schemaless_reader(buf, entry.writer, entry.reader)
        except Exception as exc:  # fastavro raises several types on corrupt bodies
            raise DecodeError(f"corrupt {entry.cls.__name__} body: {exc!r}") from exc
        if buf.tell() != len(data):
            raise DecodeError(f"{len(data) - buf.tell()} trailing bytes after {entry.cls.__name__}")
        assert isinstance(record, dict)
        event: Event = entry.from_dict(record)
        return event

    def decode_records(self, values: Sequence[bytes]) -> list[tuple[type, dict[str, Any]] | DecodeError]:
        """Each value's event class and its fields as a plain dict (nested records as dicts, bytes as
        bytes), in order — what ``decode`` would build the event from — or the ``DecodeError`` that
        ``decode`` would raise. Values of one schema are decoded together (an Avro container block):
        about three times faster than one by one, for reads that only show events (as JSON)."""
        out: list[tuple[type, dict[str, Any]] | DecodeError | None] = [None] * len(values)
        groups: dict[bytes, list[int]] = {}
        for i, data in enumerate(values):
            fp = data[2:HEADER_SIZE] if len(data) >= HEADER_SIZE and data[:2] == MARKER else b""
            if fp in self._by_fp:
                groups.setdefault(fp, []).append(i)
            else:
                out[i] = self._error(data)
        for fp, idx in groups.items():
            entry = self._by_fp[fp]
            try:
                blob = _container(entry.writer_json, [values[i][HEADER_SIZE:] for i in idx])
                records = list(fastavro_reader(io.BytesIO(blob), reader_schema=entry.reader_raw))
            except Exception:  # one corrupt body spoils the block: one by one, each with its own error
                records = []
            if len(records) != len(idx):
                for i in idx:
                    out[i] = self._one(values[i])
                continue
            for i, record in zip(idx, records, strict=True):
                assert isinstance(record, dict)
                out[i] = (entry.cls, record)
        return [o if o is not None else DecodeError("not decoded") for o in out]

    def _error(self, data: bytes) -> DecodeError:
        try:
            self.decode(data)
        except DecodeError as exc:
            return exc
        return DecodeError("not decoded")

    def _one(self, data: bytes) -> tuple[type, dict[str, Any]] | DecodeError:
        try:
            event = self.decode(data)
        except DecodeError as exc:
            return exc
        return type(event), {f.name: _plain_field(getattr(event, f.name)) for f in dataclasses.fields(event)}

    def event_type(self, data: bytes) -> type | None:
        """The event class named by the header, without decoding the body."""
        entry = self._by_fp.get(data[2:HEADER_SIZE]) if data[:2] == MARKER else None
        return entry.cls if entry else None


@cache
def default_codec() -> Codec:
    """The codec of the committed schemas (loaded once)."""
    return Codec()


def encode(event: Event) -> bytes:
    return default_codec().encode(event)


def decode(data: bytes) -> Event:
    return default_codec().decode(data)
