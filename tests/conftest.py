"""Shared fixtures: a real Kafka broker and a real ClickHouse engine (chDB)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session", autouse=True)
def _test_principals(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The APIs the tests start use an auth store of the session's own, with the tests' admin key
    (``tests/integration/http.py`` sends it)."""
    from tests.integration.http import ADMIN_KEY

    os.environ["CRYPTICK_AUTH_DB"] = str(tmp_path_factory.mktemp("auth") / "auth.db")
    os.environ["CRYPTICK_ADMIN_KEY"] = ADMIN_KEY


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A broker: KAFKA_BOOTSTRAP_SERVERS if set, else testcontainers if Docker answers, else local."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
        return
    if _docker_answers():
        from testcontainers.kafka import KafkaContainer  # type: ignore[import-untyped]

        with KafkaContainer("apache/kafka:3.9.1").with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
        return
    from infra.kafka.local import LocalKafka

    kafka = LocalKafka.from_env()
    started_here = kafka.pid() is None
    kafka.start()
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = kafka.bootstrap
    yield kafka.bootstrap
    if started_here:
        kafka.stop()


@pytest.fixture(scope="session")
def clickhouse_dsn() -> str:
    """One chDB data path for the whole session (chDB opens one path per process)."""
    dsn = os.environ.get("CLICKHOUSE_DSN")
    if not dsn:
        dsn = f"chdb://{Path(tempfile.mkdtemp(prefix='cryptick-chdb-'))}"
        os.environ["CLICKHOUSE_DSN"] = dsn
    return dsn


def drop_namespaces(*namespaces: str) -> None:
    """Delete the topics of test namespaces (and of their replays, ``<ns>r``/``<ns>-replay``) once the
    test is done: a broker that keeps every test's partitions takes minutes to start (CI failed so)."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        return  # the test never reached a broker
    from floor.kafka import delete_topics, list_topics

    try:
        names = [n for n in list_topics(bootstrap, timeout=5) if n.split(".", 1)[0].startswith(namespaces)]
        delete_topics(bootstrap, names, timeout=30)
    except Exception as exc:  # best effort: the broker may be down (chaos tests)
        print(f"could not delete the topics of {namespaces}: {exc}")


@pytest.fixture()
def namespace() -> Iterator[str]:
    """A fresh topic namespace per test; its topics are deleted after it."""
    ns = f"t{uuid.uuid4().hex[:10]}"
    yield ns
    drop_namespaces(ns)
