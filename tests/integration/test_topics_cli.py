"""`cryptick topics delete`: a finished namespace's topics go, and nothing else does."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from floor.kafka import create_topics, list_topics, namespace_topics
from schemas.topics import all_topics

runner = CliRunner()


def test_topics_delete_removes_the_namespace_and_only_it(
    kafka_bootstrap: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    other = f"{namespace}x"  # shares the prefix: must survive
    create_topics(kafka_bootstrap, all_topics(namespace) + all_topics(other))
    assert len(namespace_topics(kafka_bootstrap, namespace)) == len(all_topics(namespace))

    refused = runner.invoke(app, ["topics", "delete", "--namespace", namespace], input="n\n")
    assert refused.exit_code == 1
    assert len(namespace_topics(kafka_bootstrap, namespace)) == len(all_topics(namespace))

    done = runner.invoke(app, ["topics", "delete", "--namespace", namespace, "--yes"])
    assert done.exit_code == 0, done.output
    assert f"deleted {len(all_topics(namespace))} topics" in done.output
    present = list_topics(kafka_bootstrap)
    assert not [t.name for t in all_topics(namespace) if t.name in present]
    assert all(t.name in present for t in all_topics(other))

    again = runner.invoke(app, ["topics", "delete", "--namespace", namespace, "--yes"])
    assert again.exit_code == 0 and "no topics" in again.output


def test_topics_delete_never_takes_the_live_namespace() -> None:
    result = runner.invoke(app, ["topics", "delete", "--namespace", "", "--yes"])
    assert result.exit_code == 2
    assert "live namespace is never deleted" in result.output
