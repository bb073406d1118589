"""The agents' inbox shells wired through in-memory topics: the live topology without a broker.

Each processor reads its topic's partitions in offset order, as a consumer
group member would; outputs are appended to the partition of their key. ``run``
delivers until nothing is left. Kafka interleaves partitions by arrival; this
bus goes processor by processor, which is one of the orders Kafka allows.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from schemas.codec import default_codec
from schemas.events import Event
from schemas.topics import DEAD_LETTERS, DEFAULT_PARTITIONS, partition_of


class MemoryBus:
    def __init__(self, processors: list[Any]) -> None:
        self.processors = processors
        self.log: dict[tuple[str, int], list[tuple[bytes, bytes]]] = defaultdict(list)
        self._read: dict[tuple[int, str, int], int] = defaultdict(int)
        self.codec = default_codec()

    def put(self, topic: str, key: str, event: Event) -> None:
        k = key.encode()
        self.log[(topic, partition_of(topic, k))].append((k, self.codec.encode(event)))

    def run(self, limit: int = 100_000) -> int:
        delivered = 0
        while True:
            moved = 0
            for i, proc in enumerate(self.processors):
                for part in range(DEFAULT_PARTITIONS[proc.inbox]):
                    msgs = self.log[(proc.inbox, part)]
                    at = self._read[(i, proc.inbox, part)]
                    while at < len(msgs):
                        key, value = msgs[at]
                        for out in proc.process(part, at, key, value):
                            where = (out.topic, partition_of(out.topic, out.key))
                            self.log[where].append((out.key, out.value))
                        at += 1
                        moved += 1
                    self._read[(i, proc.inbox, part)] = at
            delivered += moved
            if not moved:
                return delivered
            if delivered > limit:
                raise RuntimeError("the bus does not settle")

    def events(self, topic: str, key: str | None = None) -> list[Event]:
        """Every event on ``topic`` (of one key), partition by partition, in offset order."""
        out = []
        for part in range(DEFAULT_PARTITIONS[topic]):
            for k, v in self.log[(topic, part)]:
                if key is None or k == key.encode():
                    out.append(self.codec.decode(v))
        return out

    def dead_letters(self) -> list[Event]:
        return self.events(DEAD_LETTERS)


def live_processors(factory: Any = None) -> list[Any]:
    """Every processor a live worker runs: the topology's agents and routers."""
    from strategies.topology import HOPS, NODES, Configs
    from streams.routing.agent import router
    from streams.runtime.shell import processor

    configs = Configs() if factory is None else Configs(strategies=factory)
    return [*(processor(node, configs) for node in NODES), *(router(hop) for hop in HOPS)]
