"""A local Apache Kafka broker on the JVM (no Docker): provision, format, start, check, stop.

The broker's jars come from Maven Central through ``mvn`` into a cache
directory outside the repository (``CRYPTICK_CACHE``, default
``~/.cache/cryptick``); the data, logs and pid file live there too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
KAFKA_VERSION = "3.9.1"


class KafkaError(RuntimeError):
    """The local broker could not be provisioned, started or reached."""


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs. A broker this process started and that has exited is a
    zombie until reaped, and a signal 0 still reaches it: reap it here, or ``stop`` would wait for it
    in vain (and a restart in the same process, as in the chaos tests, with it)."""
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child: its own parent reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class LocalKafka:
    cache: Path
    port: int = 9092
    controller_port: int = 9093
    home_dir: Path | None = None  # default: <cache>/kafka-<port>

    @classmethod
    def from_env(cls) -> LocalKafka:
        cache = Path(os.environ.get("CRYPTICK_CACHE", Path.home() / ".cache" / "cryptick"))
        port = int(os.environ.get("CRYPTICK_KAFKA_PORT", "9092"))
        home = os.environ.get("CRYPTICK_KAFKA_HOME")
        return cls(cache=cache, port=port, controller_port=port + 1, home_dir=Path(home) if home else None)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def libs(self) -> Path:
        return self.cache / f"kafka-{KAFKA_VERSION}" / "libs"

    @property
    def home(self) -> Path:
        return self.home_dir or self.cache / f"kafka-{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "kafka.log"

    # --- provisioning ---------------------------------------------------------

    def provision(self) -> None:
        """Fetch the broker jars with Maven (once; cached)."""
        marker = self.libs / ".complete"
        if marker.exists():
            return
        self.libs.mkdir(parents=True, exist_ok=True)
        cmd = [
            "mvn", "-q", "-B", "-f", str(HERE / "pom.xml"),
            "dependency:copy-dependencies", f"-DoutputDirectory={self.libs}",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise KafkaError(f"mvn could not fetch Kafka {KAFKA_VERSION}:\n{result.stdout}{result.stderr}")
        if not any(self.libs.glob("kafka_2.13-*.jar")):
            raise KafkaError(f"mvn ran but no kafka jar landed in {self.libs}")
        marker.touch()

    def _java(self, main: str, *args: str, **popen: object) -> list[str]:
        return [
            "java", "-Xms256m", "-Xmx1g", "-XX:+UseG1GC",
            f"-Dlog4j.configuration=file:{HERE / 'log4j.properties'}",
            "-cp", f"{self.libs}/*", main, *args,
        ]

    def _config(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        text = (HERE / "server.properties.in").read_text().format(
            port=self.port, controller_port=self.controller_port, data_dir=self.data_dir
        )
        path = self.home / "server.properties"
        path.write_text(text)
        return path

    def format(self, fresh: bool = False) -> None:
        """Format KRaft storage (once, or anew with ``fresh``)."""
        config = self._config()
        if fresh and self.data_dir.exists():
            import shutil

            shutil.rmtree(self.data_dir)
        if (self.data_dir / "meta.properties").exists():
            return
        cluster_id = uuid.uuid4().hex[:22]
        result = subprocess.run(
            self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)),
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise KafkaError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    # --- lifecycle -------------------------------------------------------------

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if running(pid) else None

    def port_open(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def healthy(self, timeout: float = 5.0) -> bool:
        """The broker answers a metadata request."""
        if not self.port_open():
            return False
        from confluent_kafka.admin import AdminClient

        try:
            meta = AdminClient({"bootstrap.servers": self.bootstrap}).list_topics(timeout=timeout)
        except Exception:
            return False
        return bool(meta.brokers)

    def start(self, wait: float = 180.0, fresh: bool = False) -> None:
        """Provision, format and start the broker; return once it answers (a broker holding many
        thousand partitions takes minutes to load them: ``cryptick topics delete`` keeps it small)."""
        if self.pid() and self.healthy():
            return
        if self.port_open():
            raise KafkaError(f"port {self.port} is taken by another process; set CRYPTICK_KAFKA_PORT")
        self.provision()
        self.format(fresh=fresh)
        log = self.log_file.open("ab")
        proc = subprocess.Popen(
            self._java("kafka.Kafka", str(self.home / "server.properties")),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-3000:]
                raise KafkaError(f"Kafka exited with code {proc.returncode}:\n{tail}")
            if self.healthy(timeout=2.0):
                return
            time.sleep(0.5)
        raise KafkaError(f"Kafka did not answer on {self.bootstrap} within {wait:.0f}s; see {self.log_file}")

    def stop(self, wait: float = 120.0) -> bool:
        """Stop the broker if it runs; True if one was stopped. It is given time to close its logs
        cleanly: a killed broker recovers every partition at its next start."""
        pid = self.pid()
        if pid is None:
            return False
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.pid() is not None:
            time.sleep(0.2)
        if self.pid() is not None:
            os.killpg(pid, signal.SIGKILL)
            # gone before we return: a start right after must find the port free
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.pid() is not None:
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> str:
        pid = self.pid()
        if pid is None:
            return f"stopped (cache {self.cache})"
        state = "healthy" if self.healthy() else "not answering"
        return f"running pid {pid} on {self.bootstrap}: {state}"
