"""A worker named by CRYPTICK_WORKER_INSTANCE is a static member of its group; unnamed, a dynamic one."""

from __future__ import annotations

import pytest

from cryptick.worker import INSTANCE_ENV, build, instance_name


def test_the_instance_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INSTANCE_ENV, "worker-2")
    assert instance_name() == "worker-2"
    monkeypatch.setenv(INSTANCE_ENV, "")
    assert instance_name() is None
    monkeypatch.delenv(INSTANCE_ENV)
    assert instance_name() is None


def test_the_faust_app_joins_as_that_instance() -> None:
    app = build("127.0.0.1:1", "ns", ("ledger",), instance="worker-2")
    assert app.conf.consumer_group_instance_id == "worker-2"
    assert build("127.0.0.1:1", "ns", ("ledger",)).conf.consumer_group_instance_id is None
