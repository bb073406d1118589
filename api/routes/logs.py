"""The services' notices: what feeds, workers, the archive and the API said (``GET /logs``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import Viewer, ViewsDep
from api.errors import READS
from api.fields import ID_PATTERN, VENUE_PATTERN
from api.models import NoticeOut, iso_time

router = APIRouter(tags=["logs"])

RANK = {"debug": 0, "info": 1, "warning": 2, "error": 3, "critical": 4}


@router.get("/logs", response_model=list[NoticeOut], responses=READS)
def logs(views: ViewsDep, _: Viewer,
         service: Annotated[str | None, Query(pattern=ID_PATTERN, description="e.g. feed")] = None,
         level: Annotated[Literal["info", "warning", "error"], Query(
             description="this level and above")] = "info",
         venue: Annotated[str | None, Query(pattern=VENUE_PATTERN)] = None,
         limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[NoticeOut]:
    """The services' latest notices (the replica keeps the last 1,000), oldest first: feeds connected,
    lost and their malformed messages, workers started and stopped, dead letters, the archive. Live on
    ``/streams/events?kinds=notices`` (or ``logs``, with the runs' own log lines); a run's lines are on
    ``GET /runs/{id}/logs``."""
    floor = RANK[level]
    chosen = [n for n in views.recent_notices()
              if RANK.get(n.level, 3) >= floor and (service is None or n.service == service)
              and (venue is None or n.venue == venue)]
    return [NoticeOut(time=iso_time(n.ts) or "", service=n.service, process=n.process, level=n.level,
                      logger=n.logger, message=n.message, venue=n.venue) for n in chosen[-limit:]]
