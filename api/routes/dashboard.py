"""The web dashboard: its built files (``dashboard/dist``, ``make dashboard``), served as they are.

Its pages live under ``/ui/`` — the API's own paths (``/runs/{id}``, ``/markets``) answer JSON, so a page
at the same path could never be reloaded — and each page path answers ``index.html``, whose router
shows the page. ``/`` leads there. The files are public (they hold no data: every read they make needs
a session); the scripts are files, never inline, under the API's content security policy.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.deps import PUBLIC_ROUTE

BASE = "/ui"
DIST = Path(__file__).resolve().parents[2] / "dashboard" / "dist"

router = APIRouter(dependencies=PUBLIC_ROUTE, include_in_schema=False)


def dist(request: Request) -> Path:
    path: Path = request.app.state.dashboard_dir
    return path


@router.get("/", responses={307: {"description": "To the dashboard."}})
def home() -> RedirectResponse:
    return RedirectResponse(f"{BASE}/", status_code=307)


@router.get(BASE, responses={404: {"description": "The dashboard is not built."}})
@router.get(BASE + "/{page:path}", responses={404: {"description": "The dashboard is not built."}})
def page(request: Request, page: str = "") -> FileResponse:
    """Every dashboard page is its ``index.html``: the page's router shows what the path names."""
    index = dist(request) / "index.html"
    if not index.is_file():
        raise HTTPException(404, f"the dashboard is not built ({index} is missing): run `make dashboard`")
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


class Assets(StaticFiles):
    """The built scripts and styles: their names carry their content's hash, so a browser keeps them."""

    async def get_response(self, path: str, scope: Scope):  # type: ignore[no-untyped-def]
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
