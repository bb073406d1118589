"""Runs: one strategy, its parameters, its wallet set and its topic namespace."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schemas.events import Allocation
from schemas.topics import run_wallet_set
from strategies.records import canonical_json

MODES = ("backtest", "paper", "live")


@dataclass(frozen=True, slots=True)
class RunSpec:
    """Everything that identifies a run; ids derive from it, so equal specs make equal runs."""

    run_id: str
    strategy: str
    params: tuple[tuple[str, str], ...]
    allocations: tuple[Allocation, ...]
    start_ts: int
    end_ts: int | None
    mode: str = "backtest"
    account: str = "backtest"
    duration_us: int | None = None
    """How long the run lasts from the first market event it sees (event time), or None: see ``StartRun``."""

    @property
    def wallet_set_id(self) -> str:
        return run_wallet_set(self.run_id)

    @property
    def principal(self) -> str:
        """Who issues what the run sends (its orders, cancels, wallet set): ``run_principal``."""
        return run_principal(self.run_id)

    @property
    def namespace(self) -> str:
        """The run's own topic namespace (DESIGN §2: a backtest or replay runs in its own)."""
        return f"{self.mode}-{self.run_id}"

    @property
    def default_venue(self) -> str:
        """The venue of the first allocation: where a strategy trades unless told otherwise."""
        return self.allocations[0].venue if self.allocations else ""


def new_run(strategy: str, params: Mapping[str, str], allocations: Sequence[Allocation],
            start_ts: int, end_ts: int | None, mode: str = "backtest", account: str = "backtest",
            tag: str = "", duration_us: int | None = None) -> RunSpec:
    """A run with a deterministic id ``<strategy>-<10 hex>`` derived from its configuration.

    ``tag`` tells apart several runs of the same configuration (they then get
    different ids, wallet sets and namespaces and can coexist). ``duration_us``
    ends the run that long after the first market event it sees (a paper run's
    ``--for``: on the market's clock, not the wall clock's).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    check_duration(duration_us)
    ps = tuple(sorted(params.items()))
    config: dict[str, object] = {
        "strategy": strategy, "params": ps, "mode": mode, "account": account, "tag": tag,
        "allocations": [[a.venue, a.currency, a.amount] for a in allocations],
        "start": start_ts, "end": end_ts,
    }
    if duration_us is not None:  # absent otherwise: the ids of runs without one stay as they were
        config["duration"] = duration_us
    run_id = f"{strategy}-{hashlib.sha256(canonical_json(config).encode()).hexdigest()[:10]}"
    return RunSpec(run_id, strategy, ps, tuple(allocations), start_ts, end_ts, mode, account, duration_us)


def run_principal(run_id: str) -> str:
    """The principal of the commands a run sends: ``run:<run id>`` (who started the run is the
    ``principal`` of its ``StartRun``)."""
    return f"run:{run_id}"


def check_duration(duration_us: int | None) -> None:
    """ValueError unless ``duration_us`` is None or a positive number of microseconds."""
    if duration_us is not None and duration_us <= 0:
        raise ValueError(f"a run's duration must be positive, not {duration_us} µs")
