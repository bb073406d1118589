"""Prometheus's scrape of the API: ``GET /metrics`` in its text format."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import Viewer

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(request: Request, who: Viewer) -> Response:
    """The API's metrics in Prometheus's text format: requests by route and status with their latency, SSE
    clients, the replica, each book's staleness and age, each feed's connection, the archive sink. They
    span every account, so they are for a principal of every account (a viewer's key is enough:
    `cryptick keys create --user admin --role viewer --label prometheus`, given to Prometheus as a bearer
    token)."""
    if who.accounts is not None:
        raise HTTPException(403, "the metrics span every account: for a principal of every account")
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
