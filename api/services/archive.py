"""The archive sink inside the API process (``cryptick api --archive``): the API then owns the embedded
store, writes every topic of its namespace to it and serves the archive's reads from it, so archiving,
candles, datasets and run histories work at once (chDB opens one data path per process)."""

from __future__ import annotations

import logging
import threading

from streams.archive.clickhouse import get_client
from streams.archive.sink import ArchiveSink

log = logging.getLogger(__name__)


class ArchiveThread:
    def __init__(self, dsn: str, bootstrap: str, namespace: str) -> None:
        self.sink = ArchiveSink.for_namespace(get_client(dsn), bootstrap, namespace)
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="archive-sink", daemon=True)

    def start(self) -> ArchiveThread:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.sink.run(self._stop)
        except Exception as exc:  # reported on /health: the API's reads go on
            log.exception("the archive sink stopped")
            self.error = repr(exc)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self.error is None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        try:
            self.sink.close()
        except Exception:
            log.exception("closing the archive sink")
