"""Command events carry their principal (a compatible evolution): old data reads as principal ''."""

from __future__ import annotations

import dataclasses
import io
import json
import re

import pytest
from fastavro import parse_schema, schemaless_reader, schemaless_writer

from schemas.codec import AVSC_DIR, HEADER_SIZE, MARKER, RELEASED_DIR, default_codec, fingerprint
from schemas.events import COMMAND_TYPES, EVENT_TYPES
from tests.unit.archive.samples import sample_events


def test_the_commands_and_only_they_end_with_a_principal_defaulting_to_empty() -> None:
    for cls in EVENT_TYPES:
        last = dataclasses.fields(cls)[-1]
        if cls in COMMAND_TYPES:
            assert (last.name, last.default) == ("principal", ""), cls.__name__
        else:
            assert "principal" not in {f.name for f in dataclasses.fields(cls)}, cls.__name__


def _last_release_without_principal(name: str) -> dict[str, object]:
    versions = sorted((int(m[1]), p) for p in RELEASED_DIR.glob(f"{name}.v*.avsc")
                      if (m := re.fullmatch(rf"{name}\.v(\d+)\.avsc", p.name)))
    schemas = [json.loads(p.read_text()) for _, p in versions]
    names = [{f["name"] for f in s["fields"]} for s in schemas]
    assert "principal" in names[-1], f"run: python -m schemas.release ({name})"
    return next(s for s, n in zip(reversed(schemas), reversed(names), strict=True) if "principal" not in n)


@pytest.mark.parametrize("cls", COMMAND_TYPES, ids=lambda c: c.__name__)
def test_a_command_written_before_the_principal_reads_with_principal_empty(cls: type) -> None:
    codec = default_codec()
    event = next(e for e in sample_events() if type(e) is cls and e.principal)  # type: ignore[attr-defined]
    current = json.loads((AVSC_DIR / f"{cls.__name__}.avsc").read_text())
    record = schemaless_reader(io.BytesIO(codec.encode(event)[HEADER_SIZE:]), parse_schema(current), None)
    old = _last_release_without_principal(cls.__name__)
    body = io.BytesIO()
    schemaless_writer(body, parse_schema(old), {k: v for k, v in record.items() if k != "principal"})
    decoded = codec.decode(MARKER + fingerprint(old) + body.getvalue())
    assert decoded == dataclasses.replace(event, principal="")
