"""The strategy agent's own logs (its node, ``strategy.journal`` -> ``StrategyHost`` -> ``strategy.events``,
is in ``strategies.topology``)."""

from __future__ import annotations

import logging
from typing import Any

from schemas.events import Event, RunState, RunStateChanged

log = logging.getLogger(__name__)


def log_run_failures(engine: Any, event: Event, out: list[Any]) -> None:
    """The processor's observer: a run that fails (a strategy's error, a refused start) is logged with its
    reason and run id when it happens (not on a rebuild); the run's own state says it too."""
    for o in out:
        e = o.event
        if type(e) is RunStateChanged and e.state == RunState.FAILED:
            log.warning("run %s (%s) failed: %s", e.run_id, e.strategy, e.detail,
                        extra={"run_id": e.run_id, "event_id": e.event_id})
