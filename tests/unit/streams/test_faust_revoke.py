"""On Faust, a partition revoked from a worker is forgotten by its inbox agent: if it comes back (scaled
out, then in), its engine is rebuilt from the inbox rather than resumed from the state it left with."""

from __future__ import annotations

import asyncio

from faust.types import TP

from streams.runtime.app import Runtime, create_app, register_inbox_agent


class Remembering:
    inbox = "venue.journal.v1"

    def __init__(self) -> None:
        self.forgotten: list[int] = []

    def process(self, *_: object) -> list[object]:
        return []

    def forget(self, partition: int) -> None:
        self.forgotten.append(partition)


def test_revoked_partitions_of_the_inbox_are_forgotten() -> None:
    app = create_app("127.0.0.1:1", "ns")
    processor = Remembering()
    register_inbox_agent(Runtime(app, "127.0.0.1:1", "ns"), "matching", processor)
    revoked = {TP("ns.venue.journal.v1", 1), TP("ns.venue.journal.v1", 3), TP("ns.ledger.journal.v1", 0),
               TP("venue.journal.v1", 2)}  # another namespace's topic of that name
    asyncio.run(app.on_partitions_revoked.send(revoked))
    assert sorted(processor.forgotten) == [1, 3]
