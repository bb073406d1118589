"""A message Kafka does not take is never dropped silently: producers say so, with what to do."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from floor.kafka import DeliveryFailed
from producers.publish import publish
from producers.scenario import Message
from schemas.events import ClockTick
from schemas.topics import VENUE_JOURNAL

pytestmark = pytest.mark.integration


def test_publishing_into_a_namespace_without_topics_fails_loudly(kafka_bootstrap: str,
                                                                  namespace: str) -> None:
    tick = Message(VENUE_JOURNAL, "synthetic:BTC-USD", ClockTick("t", 1, "k"))
    with pytest.raises(DeliveryFailed, match=f"cryptick topics create --namespace {namespace}"):
        publish(kafka_bootstrap, [tick], namespace)


def test_the_cli_turns_it_into_a_one_line_error(kafka_bootstrap: str, namespace: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    for args in (["paper", "hodl", "--balance", "synthetic:USD=1", "--namespace", namespace],
                 ["feed", "--feeds", "synthetic", "--steps", "5", "--namespace", namespace]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "does not exist; create the namespace's topics" in result.output, (args, result.output)
