"""An agent's inbox shell built from its topology node, wired to its inbox topic (history from Kafka)."""

from __future__ import annotations

from typing import Any

from floor.kafka import partition_history
from schemas.topics import qualified
from streams.core import Node
from streams.runtime.inbox import InboxProcessor


def processor(node: Node, configs: Any, bootstrap: str | None = None, namespace: str = "") -> InboxProcessor:
    """The shell of ``node`` (its engines built with ``configs``); with ``bootstrap`` it rebuilds an engine
    from the inbox on restart (a worker's), without it it starts empty (a replica, a fold, a test)."""
    topic = qualified(node.inbox, namespace)
    return InboxProcessor(
        inbox=node.inbox, engine_factory=lambda: node.engine(configs), accepts=node.accepts,
        output_topic=node.output, key_of=node.key_of,
        history=partition_history(bootstrap, topic) if bootstrap else None, source=topic,
        keyed=node.keyed, dead_letters=node.dead_letters,
    )
