"""Encoders compiled per record type: the bytes fastavro's schemaless writer gives, without its dict.

``Codec.encode`` through fastavro builds a dict per event (and one per nested record), then walks the
parsed schema for every field; an agent that encodes each output as it goes (the ledger: 1.6 outputs
per input) spends most of its time there. Here each record type of the contract gets a function,
generated once from its parsed schema, that reads the event's attributes in field order and joins their
Avro encodings: strings and longs through small caches of their encodings (a ledger's outputs repeat
accounts, venues, currencies, wallet sets, timestamps and amounts), booleans as fastavro writes them
(one byte, 1 if truthy), unions of null and one type, arrays of records.

Only values of the exact types the events declare take this path (``str``, ``int`` within Avro's long,
``bytes``, ``list``, ``None`` where optional): anything else makes the function raise and the codec
falls back to fastavro, which encodes it as before or raises its error. So the bytes, and the
failures, are fastavro's (tests compare them on every event type and on any values hypothesis draws).
A cached encoding is reached only by a value equal to the one it encodes, which fastavro writes alike
(``True`` or ``1.0`` where ``1`` was cached: fastavro writes 1 for both).
A schema shape outside this subset (maps, enums, fixed, floats) gets no compiled encoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Encoder = Callable[[Any], bytes]

CACHE_SIZE = 1 << 14
"""Encodings kept per cache (strings, longs); a full cache starts over (unique ids pass through it)."""


class Unsupported(ValueError):
    """A schema shape the compiler does not take (the codec keeps fastavro for that type)."""


_LAST = [bytes([z]) if z < 0x80 else bytes([(z & 0x7F) | 0x80, z >> 7]) for z in range(1 << 14)]
_MORE = [bytes([(z & 0x7F) | 0x80, (z >> 7) | 0x80]) for z in range(1 << 14)]


def long_bytes(n: int) -> bytes:
    """Avro's zig-zag varint of a long (14 bits at a time from tables); raises if ``n`` is not one."""
    if type(n) is not int or not -0x8000_0000_0000_0000 <= n <= 0x7FFF_FFFF_FFFF_FFFF:
        raise TypeError(f"not an Avro long: {n!r}")
    z = (n << 1) ^ (n >> 63)
    if z < 0x4000:
        return _LAST[z]
    out = _MORE[z & 0x3FFF]
    z >>= 14
    while z >= 0x4000:
        out += _MORE[z & 0x3FFF]
        z >>= 14
    return out + _LAST[z]


class _Caches:
    """The encodings of strings and longs seen lately, and the functions that fill them."""

    def __init__(self) -> None:
        self.strings: dict[str, bytes] = {}
        self.longs: dict[int, bytes] = {}

    def string(self, s: str) -> bytes:
        if type(s) is not str:
            raise TypeError(f"not a str: {s!r}")
        data = s.encode()
        out = _LAST[len(data) << 1] + data if len(data) < 0x2000 else long_bytes(len(data)) + data
        cache = self.strings
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[s] = out
        return out

    def long(self, n: int) -> bytes:
        out = long_bytes(n)
        cache = self.longs
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[n] = out
        return out


def _blob(b: bytes) -> bytes:
    if type(b) is not bytes:
        raise TypeError(f"not bytes: {b!r}")
    return long_bytes(len(b)) + b


class _Compiler:
    """Writes the source of one module of encoder functions; ``names`` holds the named records."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, str] = {}  # a record's full name -> its function
        self.schemas: dict[str, dict[str, Any]] = {}  # a record's full name -> its schema
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"_{stem}{self.count}"

    def expr(self, tp: Any, value: str) -> str:
        """An expression of the bytes of ``value`` (an attribute: read twice costs little) for ``tp``."""
        if isinstance(tp, str):
            if tp == "string":
                return f"(sg({value}) or s({value}))"
            if tp == "long":
                return f"(lg({value}) or l({value}))"
            if tp == "boolean":
                return f"(b'\\x01' if {value} else b'\\x00')"
            if tp == "bytes":
                return f"blob({value})"
            if tp in self.names:
                return f"{self.names[tp]}({value})"
            raise Unsupported(tp)
        if isinstance(tp, list):
            return self.union(tp, value)
        kind = tp["type"]
        if kind == "array":
            return f"{self.array(tp['items'])}({value})"
        if kind == "record":
            return f"{self.record(tp)}({value})"
        if isinstance(kind, str) and not tp.keys() - {"type"}:
            return self.expr(kind, value)
        raise Unsupported(str(kind))

    def union(self, branches: list[Any], value: str) -> str:
        if len(branches) != 2 or "null" not in branches:
            raise Unsupported(f"union {branches}")
        null = branches.index("null")
        other = branches[1 - null]
        check = {"string": "str", "long": "int", "bytes": "bytes"}.get(other)
        if check is None:
            raise Unsupported(f"union with {other}")
        # strict: fastavro picks a union's branch by validating the value, so only exact types go here
        return (f"({long_bytes(null)!r} if {value} is None else {long_bytes(1 - null)!r} + "
                f"{self.expr(other, value)} if type({value}) is {check} else fail({value}))")

    def array(self, items: Any) -> str:
        name = self.fresh("array")
        if isinstance(items, dict) and items.get("type") == "record":
            self.record(items)
            items = items["name"]
        if isinstance(items, str) and items in self.schemas:  # records: their fields inline, one join
            fields = [self.expr(f["type"], f"x.{f['name']}") for f in self.schemas[items]["fields"]]
            body = ["    out = [l(len(v))]", "    for x in v:", f"        out += ({', '.join(fields)})",
                    "    out.append(b'\\x00')", "    return b''.join(out)"]
        else:
            body = [f"    return b''.join([l(len(v)), *[{self.expr(items, 'x')} for x in v], b'\\x00'])"]
        self.lines += [f"def {name}(v):", "    if type(v) is not list:", "        fail(v)", "    if not v:",
                       "        return b'\\x00'", *body, ""]
        return name

    def record(self, schema: dict[str, Any], header: bytes = b"") -> str:
        """A function of one record's bytes (after ``header``), from its attributes in field order."""
        name = self.fresh("record")
        self.names[schema["name"]] = name
        self.schemas[schema["name"]] = schema
        parts = [repr(header)] if header else []
        for f in schema["fields"]:
            parts.append(self.expr(f["type"], f"e.{f['name']}"))
        body = ",\n        ".join(parts)
        self.lines += [f"def {name}(e):", f"    return b''.join((\n        {body},\n    ))", ""]
        return name


def _fail(value: Any) -> bytes:
    raise TypeError(f"{value!r} is not of its field's type")


def compile_encoder(schema: Any, header: bytes, caches: _Caches | None = None) -> Encoder:
    """The function of an event's single-object bytes (``header`` then the body) for a parsed record
    schema (fastavro's ``parse_schema``); it raises when a value is not of its field's exact type."""
    c = _Compiler()
    top = c.record(schema, header)
    caches = caches or _Caches()
    scope: dict[str, Any] = {
        "sg": caches.strings.get, "s": caches.string, "lg": caches.longs.get, "l": caches.long,
        "blob": _blob, "fail": _fail,
    }
    # our own source, generated from the committed schemas; named after the type for profiles
    exec(compile("\n".join(c.lines), f"<encoder of {schema['name']}>", "exec"), scope)
    encoder: Encoder = scope[top]
    return encoder


def shared_caches() -> _Caches:
    """One set of caches for every type's encoder (the same strings recur across types)."""
    return _Caches()
