"""Secrets never leak (DESIGN §9): a canary — a random string no code knows — is planted as every secret a
process takes (exchange API secrets from the environment and from a secrets directory, the admin's
password and key, a ClickHouse password in a DSN that is only shown or refused), then the demo and an API
run with it, and the canary is looked for, byte for byte, in what they leave: the CLI's output, every
message of every topic of the namespaces, every row of every table of the archive, and every file under
the cache (the logs among them). It is found nowhere."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from cryptick.flows import ApiProcess
from floor.kafka import list_topics
from floor.settings import Settings
from tests.conftest import drop_namespaces
from tests.integration.conftest import free_port

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "cryptick.cli"]
# every table of the archive into a file of its own, every column as ClickHouse writes it raw (unescaped)
DUMP = """
import sys
from pathlib import Path
from streams.archive.clickhouse import get_client
client, out = get_client(sys.argv[1]), Path(sys.argv[2])
tables = "SELECT name FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary"
for (table,) in client.query(tables).result_rows:
    (out / table).write_bytes(client.raw_query(f"SELECT * FROM `{table}` FORMAT TabSeparatedRaw"))
"""


def _run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, env=env, capture_output=True, timeout=timeout, check=False)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _messages(bootstrap: str, namespaces: tuple[str, ...]) -> tuple[int, bytes]:
    """How many messages the namespaces' topics hold, and each one's key, value and headers, raw."""
    topics = {t: n for t, n in list_topics(bootstrap).items() if t.split(".", 1)[0] in namespaces}
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"canary-{secrets.token_hex(4)}",
                         "enable.auto.commit": False})
    count, blob = 0, bytearray()
    try:
        ends = {(t, p): consumer.get_watermark_offsets(TopicPartition(t, p), timeout=10)[1]
                for t, n in topics.items() for p in range(n)}
        ends = {tp: end for tp, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in ends])
        while ends:
            msg = consumer.poll(10)
            assert msg is not None, f"no message within 10 s; still to read: {ends}"
            assert msg.error() is None, msg.error()
            tp = (msg.topic() or "", msg.partition() or 0)
            count += 1
            blob += (msg.key() or b"") + b"\n" + (msg.value() or b"") + b"\n"
            headers = msg.headers() or []
            for name, value in headers.items() if isinstance(headers, dict) else headers:
                raw = value.encode() if isinstance(value, str) else value or b""
                blob += f"{name}=".encode() + raw + b"\n"
            if (msg.offset() or 0) + 1 >= ends.get(tp, 0):
                ends.pop(tp, None)
    finally:
        consumer.close()
    return count, bytes(blob)


@pytest.mark.timeout(180)
def test_a_planted_secret_is_in_no_output_message_row_or_log(
        kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    canary = f"canary{secrets.token_hex(16)}"
    planted = canary.encode()
    cache, chdb, secrets_dir = tmp_path / "cache", tmp_path / "chdb", tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "KRAKEN_API_KEY").write_text(f"{canary}-key\n")
    (secrets_dir / "KRAKEN_API_SECRET").write_text(f"{canary}\n")
    plant = {
        "COINBASE_API_KEY": f"{canary}-key", "COINBASE_API_SECRET": canary, "COINBASE_API_PASSPHRASE": canary,
        "BITFINEX_API_KEY": f"{canary}-key", "BITFINEX_API_SECRET": canary,
        "CRYPTICK_SECRETS_DIR": str(secrets_dir),
        "CRYPTICK_ADMIN_PASSWORD": canary,
        "CRYPTICK_ADMIN_KEY": f"ck_canary{secrets.token_hex(4)}.{canary}",
    }
    for name, value in {**plant, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "CRYPTICK_CACHE": str(cache),
                        "CRYPTICK_AUTH_DB": str(cache / "auth.db"), "CLICKHOUSE_DSN": f"chdb://{chdb}",
                        "CRYPTICK_RUNTIME": "direct"}.items():
        monkeypatch.setenv(name, value)
    # the processes below do hold the canary: their settings read it from where it was planted
    held = Settings()
    for venue in ("coinbase", "bitfinex", "kraken"):  # kraken's from the secrets directory
        credentials = held.exchange_credentials(venue)
        assert credentials is not None and credentials.secret.get_secret_value() == canary, venue
    assert held.cryptick_admin_password is not None
    assert held.cryptick_admin_password.get_secret_value() == canary
    env = dict(os.environ)

    demo = _run([*CLI, "demo", "--steps", "40", "--speed", "1000"], env)
    shown = demo.stdout.decode(errors="replace")
    assert demo.returncode == 0 and "parity: identical" in shown, shown + demo.stderr.decode(errors="replace")
    found = re.search(r"namespace '(demo\d+)'", shown)
    assert found is not None, shown
    namespace = found[1]
    outputs = [demo.stdout, demo.stderr]
    try:
        # a worker on the demo's namespace that logs everything (the demo's log warnings only), and the API
        # on it, archiving it: the admin signs in with the planted password
        worker_log = cache / "logs" / "worker-debug.log"
        with worker_log.open("wb") as out:
            worker = subprocess.Popen(
                [*CLI, "worker", "--namespace", namespace, "--roles", "matching,ledger,routers", "--loglevel",
                 "debug", "--runtime", "faust"], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        api = ApiProcess(kafka_bootstrap, namespace, log_path=cache / "logs" / "api.log",
                         args=("--archive",))
        try:
            api.start(timeout=60)
            auth = {"Authorization": f"Bearer {plant['CRYPTICK_ADMIN_KEY']}"}
            login, wrong = (httpx.post(f"{api.base}/auth/login", json={"user": "admin", "password": p},
                                       timeout=30) for p in (canary, f"{canary}x"))
            logs = httpx.get(f"{api.base}/logs", headers=auth, timeout=30)
            assert (login.status_code, wrong.status_code, logs.status_code) == (200, 401, 200), logs.text
            outputs += [login.content, wrong.content, logs.content, str(login.headers).encode()]
            deadline = time.monotonic() + 60
            while b"worker started" not in worker_log.read_bytes():
                assert worker.poll() is None and time.monotonic() < deadline, worker_log.read_text()[-3000:]
                time.sleep(0.2)
        finally:
            api.stop()
            _stop(worker)

        # a ClickHouse password in a DSN, where it is only shown: a server that does not answer, a scheme
        # that is refused; and an exchange key without its secret, refused
        closed = free_port()
        for extra in ({"CLICKHOUSE_DSN": f"http://default:{canary}@127.0.0.1:{closed}/default"},
                      {"CLICKHOUSE_DSN": f"postgres://default:{canary}@127.0.0.1/default"},
                      {"POLONIEX_API_KEY": canary}):
            failed = _run([*CLI, "market", "datasets"], {**env, **extra}, timeout=60)
            assert failed.returncode != 0, failed
            outputs += [failed.stdout, failed.stderr]
        assert b"postgres://default:***@127.0.0.1/default" in b"".join(outputs)  # named, password masked

        count, messages = _messages(kafka_bootstrap, (namespace, f"{namespace}-replay"))
        dumped = tmp_path / "tables"
        dumped.mkdir()
        archive = _run([sys.executable, "-c", DUMP, f"chdb://{chdb}", str(dumped)], env)
        assert archive.returncode == 0, archive.stderr.decode(errors="replace")
        tables = {p.name: p.read_bytes() for p in dumped.iterdir()}
        files = {p: p.read_bytes() for p in sorted(cache.rglob("*")) if p.is_file()}
    finally:
        drop_namespaces(namespace)

    # each place looked at holds what the run left there, so a canary among it would be seen
    assert count > 100 and b"demo-run:o1" in messages
    assert {"archive_messages", "archive_service_notice", "runs"} <= set(tables)
    assert namespace.encode() in tables["archive_messages"]
    logs_dir = cache / "logs"
    assert {p.name for p in files if p.parent == logs_dir} >= {f"worker-{namespace}.log", "api.log"}
    assert len(files[worker_log]) > 10_000  # every log line of Faust, aiokafka and the agents
    leaks = [f"CLI output or API answer {i}" for i, out in enumerate(outputs) if planted in out]
    leaks += ["a message of the namespaces"] * (planted in messages)
    leaks += [f"table {name}" for name, rows in tables.items() if planted in rows]
    leaks += [str(p.relative_to(tmp_path)) for p, data in files.items() if planted in data]
    assert not leaks, f"the planted secret was found in: {leaks}"
