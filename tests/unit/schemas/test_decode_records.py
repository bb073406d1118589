"""``Codec.decode_records`` (many values at once, as plain dicts) gives what ``decode`` gives, for every
event type, old schema versions and bad values included."""

from __future__ import annotations

import dataclasses
import random

from schemas.codec import HEADER_SIZE, DecodeError, default_codec
from tests.unit.archive.samples import sample_events


def _plain(event: object) -> dict[str, object]:
    out = {}
    for f in dataclasses.fields(event):  # type: ignore[arg-type]
        v = getattr(event, f.name)
        out[f.name] = [dataclasses.asdict(x) if dataclasses.is_dataclass(x) else x for x in v] \
            if isinstance(v, list) else v
    return out


def test_many_values_decode_as_one_by_one() -> None:
    codec = default_codec()
    events = sample_events()
    values = [codec.encode(e) for e in events] * 3
    random.Random(5).shuffle(values)
    got = codec.decode_records(values)
    for value, result in zip(values, got, strict=True):
        event = codec.decode(value)
        assert not isinstance(result, DecodeError)
        assert result[0] is type(event) and result[1] == _plain(event)


def test_bad_values_get_decodes_error_and_spoil_nothing_else() -> None:
    codec = default_codec()
    good = [codec.encode(e) for e in sample_events()[:5]]
    trailing = good[0] + b"\x00\x01"
    cut = good[1][:HEADER_SIZE + 1]
    values = [good[0], trailing, b"junk", good[1], cut, *good[2:]]
    got = codec.decode_records(values)
    assert isinstance(got[1], DecodeError) and "trailing bytes" in str(got[1])
    assert isinstance(got[2], DecodeError) and "marker" in str(got[2])
    assert isinstance(got[4], DecodeError)
    for i, value in [(0, good[0]), (3, good[1]), *[(5 + k, v) for k, v in enumerate(good[2:])]]:
        r = got[i]
        assert not isinstance(r, DecodeError) and r[1] == _plain(codec.decode(value))


def test_values_written_with_released_schemas_resolve_as_decode_does() -> None:
    import io
    import json

    from fastavro import parse_schema, schemaless_writer

    from schemas.codec import MARKER, RELEASED_DIR, fingerprint

    codec = default_codec()
    values = []
    for name in ("BookDelta.v1", "BookSnapshot.v1", "StartRun.v1", "StopRun.v1"):
        raw = json.loads((RELEASED_DIR / f"{name}.avsc").read_text())
        event = next(e for e in sample_events() if type(e).__name__ == name.split(".")[0])
        record = {f["name"]: _plain(event)[f["name"]] for f in raw["fields"]}
        buf = io.BytesIO()
        buf.write(MARKER + fingerprint(raw))
        schemaless_writer(buf, parse_schema(raw), record)
        values += [buf.getvalue()] * 2
    got = codec.decode_records(values)
    for value, result in zip(values, got, strict=True):
        assert not isinstance(result, DecodeError), result
        assert result[1] == _plain(codec.decode(value))


def test_a_record_shows_as_its_event_does() -> None:
    """What a run's messages answer (``record_body``) is what the streams send (``event_body``)."""
    from api.services.event_hub import event_body, record_body

    codec = default_codec()
    for event in sample_events():
        result = codec.decode_records([codec.encode(event)])[0]
        assert not isinstance(result, DecodeError)
        assert record_body(*result) == event_body(codec.decode(codec.encode(event))), type(event).__name__
