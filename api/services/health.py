"""The state of the replica, the workers and the feeds, as (component, status, detail) lines."""

from __future__ import annotations

from api.services.archive import ArchiveThread
from api.services.event_hub import EventHub
from api.services.views import RECENT_PROBLEM_S, AgentViews
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, qualified

WORKER_LAG_LIMIT = 10_000
"""Inbox messages a worker group may be behind before it counts as lagging."""
STALE_FEED_S = 60.0
"""A book with no message (not even a clock tick) for this long has a silent feed."""
REPLICA_BEHIND_LIMIT = 10_000


def components(bootstrap: str, namespace: str, views: AgentViews, hub: EventHub,
               archive: ArchiveThread | None = None, silent_s: float = STALE_FEED_S
               ) -> list[tuple[str, str, str]]:
    parts = [_replica(views), _streams(hub), _workers(bootstrap, namespace), _feeds(views, silent_s)]
    if archive is not None:
        parts.append(_archive(archive))
    return parts


def _archive(archive: ArchiveThread) -> tuple[str, str, str]:
    if not archive.alive:
        return "archive", "degraded", f"the sink stopped: {archive.error or 'not running'}"
    return "archive", "ok", f"{archive.sink.archived} messages archived by this process"


def _streams(hub: EventHub) -> tuple[str, str, str]:
    if not hub.alive:
        return "streams", "degraded", f"stopped: {hub.error or 'not running'}; /streams/events answers 503"
    return "streams", "ok", f"{hub.clients} clients, {hub.events} events streamed"


def _replica(views: AgentViews) -> tuple[str, str, str]:
    st = views.status()
    if not st.alive:
        return "replica", "degraded", f"stopped: {st.error or 'not running'}; reads and command " \
                                      "outcomes are not served"
    if st.last_problem is not None and (st.last_problem_age_s or 0) < RECENT_PROBLEM_S:
        return "replica", "degraded", (f"could not fold {st.dead_letters} message(s); last "
                                       f"{st.last_problem_age_s:.0f} s ago: {st.last_problem}")
    if st.behind > REPLICA_BEHIND_LIMIT:
        return "replica", "degraded", f"{st.behind} inbox messages behind"
    started = "" if views.start_s is None else f"; ready in {views.start_s:.1f} s from {views.started_from}"
    return "replica", "ok", f"{st.behind} messages behind, {st.dead_letters} dead letters{started}"


def _workers(bootstrap: str, namespace: str) -> tuple[str, str, str]:
    from floor.kafka import group_id
    from streams.runtime.lag import group_lag

    topics = [qualified(t, namespace) for t in (VENUE_JOURNAL, LEDGER_JOURNAL)]
    group = group_id(namespace)
    try:
        lag = group_lag(bootstrap, group, topics)
        members = _members(bootstrap, group)
    except Exception as exc:
        return "workers", "degraded", f"lag unknown: {exc}"
    if lag and not members:
        return "workers", "degraded", f"no worker is running: {lag} inbox messages wait (cryptick worker)"
    if lag > WORKER_LAG_LIMIT:
        return "workers", "degraded", f"{lag} inbox messages not processed; {members} worker(s) behind"
    return "workers", "ok", f"{members} worker(s), {lag} inbox messages not processed yet"


def _members(bootstrap: str, group: str) -> int:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    described = admin.describe_consumer_groups([group], request_timeout=5)[group].result(5)
    return len(described.members)


def _feeds(views: AgentViews, silent_s: float = STALE_FEED_S) -> tuple[str, str, str]:
    books = views.status().books
    down = sorted(f"{venue} {state}" for venue, (state, _detail, _ts) in views.feeds().items()
                  if state != "connected")
    if down:  # a feed says it lost its venue (or stopped): its books will not move until it is back
        return "feeds", "degraded", f"feeds not connected: {', '.join(down[:10])}"
    if not books:
        return "feeds", "idle", "no books yet"
    stale = sorted(k for k, (is_stale, _age) in books.items() if is_stale)
    silent = sorted(k for k, (_s, age) in books.items() if age > silent_s)
    if stale or silent:
        parts = []
        if stale:
            parts.append(f"stale: {', '.join(stale[:10])}")
        if silent:
            parts.append(f"silent for over {silent_s:g} s: {', '.join(silent[:10])}")
        return "feeds", "degraded", "; ".join(parts)
    return "feeds", "ok", f"{len(books)} books fresh"
