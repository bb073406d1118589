"""An agent's inbox shell wired to its inbox topic: its history read from Kafka for rebuilds."""

from __future__ import annotations

from collections.abc import Callable

from floor.kafka import partition_history
from schemas.events import Event
from schemas.topics import qualified
from streams.core import Engine, KeyedEngine
from streams.runtime.inbox import InboxProcessor


def inbox_processor(inbox: str, output_topic: str, engine_factory: Callable[[], Engine | KeyedEngine],
                    accepts: frozenset[type], key_of: Callable[[Event], str],
                    bootstrap: str | None = None, namespace: str = "", *, keyed: bool = False,
                    dead_letters: bool = True) -> InboxProcessor:
    """An agent's inbox shell; with ``bootstrap`` it rebuilds state from the inbox on restart."""
    topic = qualified(inbox, namespace)
    return InboxProcessor(
        inbox=inbox, engine_factory=engine_factory, accepts=accepts, output_topic=output_topic,
        key_of=key_of, history=partition_history(bootstrap, topic) if bootstrap else None, source=topic,
        keyed=keyed, dead_letters=dead_letters,
    )
