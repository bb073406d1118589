"""Snapshots of the API's read replica, so a restart folds only what came after the last one.

The replica (``api.services.views.AgentViews``) folds the ledger's and the
venue's inboxes through the engines and the runs' topics into the read models.
From offset 0 its start-up grows with the journals (27 s for a run with 900,000
inbox messages). Every ``EVERY_S`` seconds in which it folded at least
``MIN_MESSAGES`` messages it writes its whole state with the offsets it has
reached to a file of its own; a restart loads it and consumes from those offsets.

A snapshot is a cache, never the truth: it is used only if
- it was written by this very code (a hash of the sources of the folds, engines and
  schemas: any change to them, and the file is ignored), for this broker and
  namespace, and
- every partition still holds, at the offset before the saved one, the very
  message the replica had folded there (a topic deleted and made again, or a
  broker started fresh, fails this), and none of what follows was deleted.
Otherwise the replica folds from the start, as without one. The file is the
replica's own (mode 0600 in ``<CRYPTICK_CACHE>/replica/``), written by pickle —
it holds engine objects — and read only after the code hash matches.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from functools import cache
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition

log = logging.getLogger(__name__)

EVERY_S = 60.0
MIN_MESSAGES = 20_000
_SOURCES = ("api/services/views.py", "api/services/run_views.py", "api/services/order_views.py",
            "api/services/replica_snapshot.py", "streams", "schemas")


@cache
def code_version() -> str:
    """A hash of the code whose objects a snapshot holds."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for name in _SOURCES:
        path = root / name
        files = sorted(path.rglob("*.py")) + sorted(path.rglob("*.avsc")) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def snapshot_path(directory: Path, bootstrap: str, namespace: str) -> Path:
    key = hashlib.sha256(f"{bootstrap}\0{namespace}".encode()).hexdigest()[:24]
    return directory / f"replica-{namespace or 'live'}-{key}.pickle"


def message_digest(value: bytes | None) -> str:
    return hashlib.sha256(value or b"").hexdigest()[:32]


def save(path: Path, blob: bytes) -> float:
    """Write a pickled state (a dict) atomically, after the code's version; the seconds it took."""
    t = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as out:
        out.write(f"cryptick-replica {code_version()}\n".encode())
        out.write(blob)
    tmp.replace(path)
    return time.monotonic() - t


def load(path: Path, bootstrap: str) -> dict[str, Any] | None:
    """The snapshot at ``path`` if this code wrote it and the broker still holds what it was made from
    (``progress``: next offset per (topic, partition); ``digests``: the digest of the message before
    each); None otherwise, saying why in the log."""
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            if f.readline() != f"cryptick-replica {code_version()}\n".encode():  # read before any unpickling
                log.info("replica snapshot %s was written by other code: folding from the start", path)
                return None
            head = pickle.load(f)  # the replica's own file (0600), written by this very code
    except Exception as exc:
        log.warning("replica snapshot %s unreadable (%s): folding from the start", path, exc)
        return None
    if not isinstance(head, dict):
        return None
    why = _still_there(bootstrap, head["progress"], head["digests"])
    if why is not None:
        log.warning("replica snapshot %s does not match the topics (%s): folding from the start", path, why)
        return None
    return head


def _still_there(bootstrap: str, progress: dict[tuple[str, int], int],
                 digests: dict[tuple[str, int], str], timeout: float = 15.0) -> str | None:
    """None if every partition still holds, before its saved offset, the message folded there."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "cryptick-replica-check",
                         "enable.auto.commit": False})
    try:
        wanted = {tp: off for tp, off in progress.items() if off > 0}
        for (topic, partition), off in wanted.items():
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)
            if high < off:
                return f"{topic}[{partition}] ends at {high}, before the snapshot's {off}"
            if low > off - 1:
                return f"{topic}[{partition}] starts at {low}: what the snapshot folded was deleted"
        if not wanted:
            return None
        consumer.assign([TopicPartition(t, p, off - 1) for (t, p), off in wanted.items()])
        todo = dict(wanted)
        deadline = time.monotonic() + timeout
        while todo and time.monotonic() < deadline:
            m = consumer.poll(0.2)
            if m is None or m.error() is not None:
                continue
            tp = (m.topic() or "", m.partition() or 0)
            if tp in todo and m.offset() == todo[tp] - 1:
                if message_digest(m.value()) != digests.get(tp):
                    return f"{tp[0]}[{tp[1]}]@{todo[tp] - 1} is another message than the one folded"
                del todo[tp]
                consumer.pause([TopicPartition(*tp)])
        return None if not todo else f"{len(todo)} partitions did not answer in {timeout:.0f} s"
    finally:
        consumer.close()
