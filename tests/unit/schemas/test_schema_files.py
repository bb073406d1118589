"""The committed .avsc files are the contract: generated from the classes, and evolvable."""

from __future__ import annotations

import json
from pathlib import Path

import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from schemas.codec import AVSC_DIR, RELEASED_DIR
from schemas.events import EVENT_TYPES
from schemas.generate import render

NAMES = [c.__name__ for c in EVENT_TYPES]


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_committed_schema_matches_the_class(cls: type) -> None:
    path = AVSC_DIR / f"{cls.__name__}.avsc"
    assert path.read_text() == render(cls), "run: python -m schemas.generate"


def test_no_stray_schema_files() -> None:
    assert sorted(p.stem for p in AVSC_DIR.glob("*.avsc")) == sorted(NAMES)


def _released() -> list[Path]:
    return sorted(RELEASED_DIR.glob("*.avsc"))


def test_every_schema_has_a_released_version() -> None:
    released = {p.name.split(".v")[0] for p in _released()}
    assert set(NAMES) <= released, "run: python -m schemas.release"


@pytest.mark.parametrize("old", _released(), ids=lambda p: p.stem)
def test_current_schema_reads_every_released_version(old: Path) -> None:
    name = old.name.split(".v")[0]
    current = AVSC_DIR / f"{name}.avsc"
    assert current.exists(), f"{name} was released and must not be removed"
    reader = avro.schema.parse(current.read_text())
    writer = avro.schema.parse(old.read_text())
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    assert result.compatibility is SchemaCompatibilityType.compatible, result.messages


def test_the_checker_catches_an_incompatible_change() -> None:
    """A guard on the guard: removing a field's default while adding it must fail."""
    old = json.loads((AVSC_DIR / "ClockTick.avsc").read_text())
    new = json.loads(json.dumps(old))
    new["fields"].append({"name": "added_without_default", "type": "long"})
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(new)), avro.schema.parse(json.dumps(old))
    )
    assert result.compatibility is SchemaCompatibilityType.incompatible
