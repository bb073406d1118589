"""A broker started by this very process and then gone is seen as stopped at once (it is a zombie until
reaped, and a signal 0 still reaches a zombie): ``stop`` and a restart do not wait for it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from infra.kafka.local import LocalKafka, running


def test_an_exited_child_is_not_running() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while running(child.pid):
        assert time.monotonic() < deadline, "an exited child still counts as running"
        time.sleep(0.01)


def test_a_running_child_is_running() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert running(child.pid)
    finally:
        child.kill()
        child.wait()


def test_stop_returns_at_once_when_the_broker_process_has_exited(tmp_path: Path) -> None:
    kafka = LocalKafka(cache=tmp_path, port=1)
    child = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    kafka.home.mkdir(parents=True)
    kafka.pid_file.write_text(str(child.pid))
    time.sleep(0.5)  # it has exited: a zombie until someone reaps it
    started = time.monotonic()
    assert kafka.pid() is None
    assert kafka.stop() is False
    assert time.monotonic() - started < 1.0
