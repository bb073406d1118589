"""Backtests started over HTTP: a queue, one runner thread, progress to watchers, cancel.

A backtest is CPU work of seconds to minutes; the API runs one at a time on a
thread of its own (the API's 2-core budget: a second backtest would only halve
both) and keeps its state here — queued, running (market events so far, event
time reached, share of the span, events/s), done with its report, failed with
the reason, or cancelled. It runs through ``replay.backtests.run_backtest``,
exactly as ``cryptick backtest`` does, and is stored in the archive the same
way (its messages and its ``runs`` row), so ``cryptick runs``, ``cryptick
parity`` and ``GET /runs`` see it like any other.

The start is idempotent under its ``command_id``: the same key gives the same
job; the same key with other options is a conflict. The backtest's id is its
run id (derived from its configuration, as the CLI's).

Watchers (the SSE route) get a wake-up on every change, at most
``NOTIFY_S`` apart while it runs; what they read is the job's latest state, so a
watcher that reconnects misses nothing that matters: progress is a level, not
a log.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from replay.backtests import Options, Prepared, prepare, run_backtest

STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL = frozenset({"done", "failed", "cancelled"})
NOTIFY_S = 0.25
STORED_TTL_S = 5.0  # the archive's list of backtests is read again after this, or when a job ends
PROGRESS_EVERY = 1_000  # market events between progress calls (and cancel checks)

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a running backtest when it was asked to stop."""


class Conflict(ValueError):
    """A command id used before for other options."""


class QueueFull(RuntimeError):
    """Too many backtests waiting."""


class NoArchive(RuntimeError):
    """This API does not read or write the archive (an embedded store it does not own)."""


@dataclass
class Job:
    """One backtest asked for over HTTP, and where it is."""

    key: str
    prepared: Prepared
    store: bool
    submitted: float = field(default_factory=time.time)
    state: str = "queued"
    detail: str = ""
    started: float | None = None
    ended: float | None = None
    events: int = 0
    event_ts: int | None = None
    datasets: list[str] = field(default_factory=list)
    report: Any = None  # replay.report.Report once done
    digest: str | None = None
    cancel: bool = False
    version: int = 0

    @property
    def run_id(self) -> str:
        return self.prepared.run_id

    @property
    def opts(self) -> Options:
        return self.prepared.opts

    def fraction(self) -> float:
        if self.state == "done":
            return 1.0
        if self.event_ts is None:
            return 0.0
        p = self.prepared
        return min(1.0, max(0.0, (self.event_ts - p.start_ts) / (p.end_ts - p.start_ts)))

    def rate(self) -> float | None:
        if self.started is None:
            return None
        elapsed = (self.ended or time.time()) - self.started
        return self.events / elapsed if elapsed > 0 else None


class BacktestJobs:
    """The API's backtests: submit, look up, cancel, watch. ``start()`` the runner, ``stop()`` it."""

    def __init__(self, archive: Callable[[], Any] | None, max_queued: int = 20, keep: int = 200,
                 no_archive: str = "") -> None:
        self._archive = archive  # a ClickHouse client of the calling thread's, to read and store
        self.no_archive = no_archive  # why there is none (None above): said to whoever asks for it
        self.max_queued = max_queued
        self.keep = keep
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()  # by command id, oldest first
        self._by_run: dict[str, Job] = {}  # run id -> its latest job
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchers: dict[str, set[asyncio.Event]] = {}
        self.finished = 0  # jobs ended: the cached list of stored backtests is read again
        self._stored: tuple[int, float, list[Any] | Exception] | None = None
        # run id -> (start value, end value, total return, max drawdown) of the stored backtests listed
        self.stored_metrics: dict[str, tuple[float, float, float, float]] = {}

    @property
    def has_archive(self) -> bool:
        return self._archive is not None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> BacktestJobs:
        self._loop = loop
        self._thread = threading.Thread(target=self._run, name="backtests", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel = True
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    # --- asking ----------------------------------------------------------------------

    def submit(self, opts: Options, key: str, store: bool) -> tuple[Job, bool]:
        """(the job, whether it is new). Checks ``opts`` first (``prepare``'s errors), then the key."""
        prepared = prepare(opts)
        if self._archive is None and (store or opts.source == "archive"):
            raise NoArchive(f"{self.no_archive}; send \"store\": false with the synthetic source to run one "
                            "here unstored")
        with self._lock:
            known = self._jobs.get(key)
            if known is not None:
                if known.opts != opts or known.store != store:
                    raise Conflict(f"command_id {key!r} started backtest {known.run_id} with other options; "
                                   "use a new command_id for a new backtest")
                return known, False
            waiting = sum(1 for j in self._jobs.values() if j.state == "queued")
            if waiting >= self.max_queued:
                raise QueueFull(f"{waiting} backtests are waiting; try again when one has finished")
            job = Job(key, prepared, store)
            self._jobs[key] = job
            self._by_run[job.run_id] = job
            self._forget_old()
        self._queue.put(job)
        self._changed(job)
        return job, True

    def get(self, run_id: str) -> Job | None:
        with self._lock:
            return self._by_run.get(run_id)

    def jobs(self) -> list[Job]:
        """Every job still remembered, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def cancel(self, run_id: str) -> Job | None:
        """Ask the run's latest job to stop: a queued one ends now, a running one at its next progress
        check (every ``PROGRESS_EVERY`` market events); a finished one is left as it is."""
        with self._lock:
            job = self._by_run.get(run_id)
            if job is None or job.state in FINAL:
                return job
            job.cancel = True
            if job.state == "queued":
                self._end(job, "cancelled", "cancelled before it started")
        self._changed(job)
        return job

    def stored(self, limit: int = 1000) -> list[Any]:
        """The archive's latest ``limit`` backtests (``replay.runs.StoredRun``, newest first, without their
        reports; their figures in ``stored_metrics``), read again after ``STORED_TTL_S`` or once a job has
        ended. Blocking (run it on a worker thread); raises what the archive raises (locked, down)."""
        from replay.runs import list_runs, run_metrics

        now = time.monotonic()
        cached = self._stored
        if cached is not None and cached[0] == self.finished and now - cached[1] < STORED_TTL_S:
            if isinstance(cached[2], Exception):  # a locked store is not tried on every request
                raise cached[2]
            return cached[2]
        if self._archive is None:
            raise NoArchive(self.no_archive)
        try:
            client = self._archive()
            runs = list_runs(client, limit, mode="backtest", reports=False)  # a listing: no reports
            self.stored_metrics = run_metrics(client, limit, mode="backtest")  # but their figures
        except Exception as exc:
            self._stored = (self.finished, now, exc)
            raise
        self._stored = (self.finished, now, runs)
        return runs

    # --- watching ----------------------------------------------------------------------

    def watch(self, run_id: str) -> asyncio.Event:
        """An event set whenever the run's job changes (call ``unwatch`` with it when done)."""
        ev = asyncio.Event()
        with self._lock:
            self._watchers.setdefault(run_id, set()).add(ev)
        return ev

    def unwatch(self, run_id: str, ev: asyncio.Event) -> None:
        with self._lock:
            watchers = self._watchers.get(run_id)
            if watchers is not None:
                watchers.discard(ev)
                if not watchers:
                    del self._watchers[run_id]

    def _changed(self, job: Job) -> None:
        with self._lock:
            job.version += 1
            watchers = list(self._watchers.get(job.run_id, ()))
        loop = self._loop
        if not watchers or loop is None or loop.is_closed():
            return
        for ev in watchers:
            loop.call_soon_threadsafe(ev.set)

    # --- the runner -----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            with self._lock:
                if job.state != "queued":  # cancelled while it waited
                    continue
                job.state, job.started = "running", time.time()
            self._changed(job)
            self._execute(job)
            self._changed(job)

    def _execute(self, job: Job) -> None:
        from replay.backtests import UsageError
        from replay.engine import BacktestError
        from replay.sources import NoData, OverlappingData

        last = [0.0]

        def progress(events: int, now: int) -> None:
            if job.cancel:
                raise Cancelled
            job.events, job.event_ts = events, now
            t = time.monotonic()
            if t - last[0] >= NOTIFY_S:
                last[0] = t
                self._changed(job)

        archive = self._archive
        try:
            report, digest = run_backtest(job.opts, progress, store=archive if job.store else None,
                                          say=lambda line: job.datasets.append(line.removeprefix("data: ")),
                                          archive=archive,
                                          progress_every=PROGRESS_EVERY)
        except Cancelled:
            self._ended(job, "cancelled", "cancelled while running; nothing of it was stored")
        except (UsageError, BacktestError, NoData, OverlappingData) as exc:
            self._ended(job, "failed", str(exc.args[0] if exc.args else exc))
        except Exception as exc:  # the archive locked or down, a strategy's bug: the API goes on
            log.warning("backtest %s failed", job.run_id, exc_info=exc, extra={"run_id": job.run_id})
            self._ended(job, "failed", f"{type(exc).__name__}: {exc}")
        else:
            with self._lock:
                job.report, job.digest = report, digest
                self._end(job, "done", "stored" if job.store else "not stored (store: false)")

    def _ended(self, job: Job, state: str, detail: str) -> None:
        with self._lock:
            self._end(job, state, detail)

    def _end(self, job: Job, state: str, detail: str) -> None:
        job.state, job.detail, job.ended = state, detail, time.time()
        self.finished += 1

    def _forget_old(self) -> None:
        """Keep the last ``keep`` jobs (those waiting or running always)."""
        while len(self._jobs) > self.keep:
            oldest = next(iter(self._jobs.values()))
            if oldest.state not in FINAL:
                return
            self._jobs.popitem(last=False)
            if self._by_run.get(oldest.run_id) is oldest:
                del self._by_run[oldest.run_id]
