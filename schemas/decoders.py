"""Decoders compiled per record type: the event fastavro's schemaless reader and the codec's dict give.

fastavro reads a body into a dict (and one per nested record) that the codec then turns into the event;
per message that cost as much as an agent's whole decision. Here each current schema of the contract gets
a function, generated once, that reads the body's fields in order and builds the event (and its nested
records) positionally: short strings and small longs inline, the rest through small helpers.

The compiled path takes only the canonical forms a writer produces: lengths, counts and union branches
within range, booleans 0 or 1, varints within 64 bits, UTF-8 text, no trailing bytes. Anything else —
truncated, corrupt, or merely unusual — raises, and the codec decodes the message with fastavro, which
gives what it gave before: its event, or its error in the ``DecodeError``. So what the codec returns is
unchanged (tests compare the two on every event type, on any values hypothesis draws and on mutated
bodies). Bodies written with an older (released) schema keep fastavro, which resolves them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from schemas.encoders import Unsupported

Decoder = Callable[[bytes], Any]


class Irregular(ValueError):
    """A body the compiled path does not take (fastavro decides)."""


def read_long(data: bytes, pos: int) -> tuple[int, int]:
    """The zig-zag varint at ``pos`` and the position after it."""
    b = data[pos]
    z = b & 0x7F
    shift = 7
    while b & 0x80:
        if shift > 63:  # ten bytes hold 64 bits: stop before a long run of continuation bytes grows z
            raise Irregular("a varint longer than ten bytes")
        pos += 1
        b = data[pos]
        z |= (b & 0x7F) << shift
        shift += 7
    if z >> 64:
        raise Irregular("a long past 64 bits")
    return (z >> 1) ^ -(z & 1), pos + 1


def read_string(data: bytes, pos: int) -> tuple[str, int]:
    n, pos = read_long(data, pos)
    end = pos + n
    if n < 0 or end > len(data):
        raise Irregular("a length past the body")
    return data[pos:end].decode(), end


def read_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    n, pos = read_long(data, pos)
    end = pos + n
    if n < 0 or end > len(data):
        raise Irregular("a length past the body")
    return data[pos:end], end


class _Compiler:
    """Writes the statements that read one record's fields into locals, and the helpers for arrays."""

    def __init__(self, classes: dict[str, type]) -> None:
        self.classes = classes  # a record's short name -> its dataclass
        self.lines: list[str] = []
        self.scope: dict[str, Any] = {}
        self.names: dict[str, str] = {}  # a record's full name -> its reader function
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"_{stem}{self.count}"

    def read(self, tp: Any, target: str, indent: str) -> list[str]:
        """Statements that read one value of ``tp`` at ``pos`` into ``target`` and move ``pos`` on."""
        if isinstance(tp, dict) and tp.get("type") == "record":
            tp = self.record(tp)
        if isinstance(tp, dict) and isinstance(tp.get("type"), str) and not tp.keys() - {"type"}:
            tp = tp["type"]
        if tp == "string":  # a short string (length < 64) inline: its length is one even byte
            return [f"{indent}b = data[pos]",
                    f"{indent}if b < 0x80 and not b & 1:",
                    f"{indent}    end = pos + 1 + (b >> 1)",
                    f"{indent}    {target} = data[pos + 1:end].decode()",
                    f"{indent}    pos = end",  # past the body: the next read or the last check fails
                    f"{indent}else:",
                    f"{indent}    {target}, pos = rs(data, pos)"]
        if tp == "long":  # inline, as read_long does it
            return [f"{indent}b = data[pos]",
                    f"{indent}z = b & 0x7F",
                    f"{indent}shift = 7",
                    f"{indent}while b & 0x80:",
                    f"{indent}    if shift > 63:",
                    f"{indent}        raise Irregular('a varint longer than ten bytes')",
                    f"{indent}    pos += 1",
                    f"{indent}    b = data[pos]",
                    f"{indent}    z |= (b & 0x7F) << shift",
                    f"{indent}    shift += 7",
                    f"{indent}if z >> 64:",
                    f"{indent}    raise Irregular('a long past 64 bits')",
                    f"{indent}{target} = (z >> 1) ^ -(z & 1)",
                    f"{indent}pos += 1"]
        if tp == "boolean":
            return [f"{indent}b = data[pos]",
                    f"{indent}if b > 1:",
                    f"{indent}    raise Irregular('a boolean other than 0 or 1')",
                    f"{indent}{target} = b == 1",
                    f"{indent}pos += 1"]
        if tp == "bytes":
            return [f"{indent}{target}, pos = rb(data, pos)"]
        if isinstance(tp, str) and tp in self.names:
            return [f"{indent}{target}, pos = {self.names[tp]}(data, pos)"]
        if isinstance(tp, list):
            return self.union(tp, target, indent)
        if isinstance(tp, dict) and tp.get("type") == "array":
            return [f"{indent}{target}, pos = {self.array(tp['items'])}(data, pos)"]
        raise Unsupported(str(tp))

    def union(self, branches: list[Any], target: str, indent: str) -> list[str]:
        if len(branches) != 2 or "null" not in branches:
            raise Unsupported(f"union {branches}")
        null = branches.index("null")
        other = branches[1 - null]
        return [f"{indent}b = data[pos]",
                f"{indent}pos += 1",
                f"{indent}if b == {2 * null}:",
                f"{indent}    {target} = None",
                f"{indent}elif b == {2 * (1 - null)}:",
                *self.read(other, target, indent + "    "),
                f"{indent}else:",
                f"{indent}    raise Irregular('a union branch out of range')"]

    def array(self, items: Any) -> str:
        """A function reading an array's blocks (positive counts only) into a list."""
        name = self.fresh("array")
        self.lines += [f"def {name}(data, pos):",
                       "    out = []",
                       "    while True:",
                       "        n, pos = rl(data, pos)",
                       "        if n == 0:",
                       "            return out, pos",
                       "        if n < 0 or n > len(data) - pos:",  # each item takes a byte at least
                       "            raise Irregular('a block count out of range')",
                       "        for _ in range(n):",
                       *self.read(items, "x", "            "),
                       "            out.append(x)",
                       ""]
        return name

    def record(self, schema: dict[str, Any]) -> str:
        """A function reading one record at ``pos`` into its dataclass; returns its full name."""
        full: str = schema["name"]
        cls = self.classes.get(full.rsplit(".", 1)[-1])
        fields = [f["name"] for f in schema["fields"]]
        if cls is None or [f.name for f in dataclasses.fields(cls)] != fields:
            raise Unsupported(f"{full}: no dataclass with its fields in its order")
        body: list[str] = []
        for i, f in enumerate(schema["fields"]):
            body += self.read(f["type"], f"f{i}", "    ")
        name = self.fresh("record")
        self.scope[f"{name}_cls"] = cls
        args = ", ".join(f"f{i}" for i in range(len(fields)))
        self.lines += [f"def {name}(data, pos):", *body, f"    return {name}_cls({args}), pos", ""]
        self.names[full] = name
        return full


def compile_decoder(schema: Any, classes: dict[str, type], start: int) -> Decoder:
    """The function of the event in a whole message (its body from ``start``) for a parsed record schema
    (fastavro's ``parse_schema``); it raises on anything but a canonical body that ends the message."""
    c = _Compiler(classes)
    top = c.names[c.record(schema)]
    c.lines += ["def decode(data):",
                f"    event, pos = {top}(data, {start})",
                "    if pos != len(data):",
                "        raise Irregular('bytes after the record')",
                "    return event", ""]
    scope = dict(c.scope, rl=read_long, rs=read_string, rb=read_bytes, Irregular=Irregular)
    # our own source, generated from the committed schemas; named after the type for profiles
    exec(compile("\n".join(c.lines), f"<decoder of {schema['name']}>", "exec"), scope)
    decoder: Decoder = scope["decode"]
    return decoder
