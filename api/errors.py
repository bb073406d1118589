"""HTTP errors in one shape (``ErrorOut``), the size limit on bodies, and the responses each route
documents, so the OpenAPI document says what the API answers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.models import ErrorOut
from api.services.commands import CommandNotDelivered, CommandTooLarge
from streams.runtime.logs import log_once

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
"""The largest request body: every command fits in a few kilobytes."""
RETRY_AFTER_S = 2

_STATUS = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
           405: "invalid", 409: "conflict", 413: "too_large",
           422: "invalid", 429: "busy", 503: "unavailable"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


INVALID: dict[str, Any] = {"model": ErrorOut,
                           "description": "The request breaks a rule: each field and its problem."}
NOT_FOUND: dict[str, Any] = {"model": ErrorOut, "description": "No such thing (yet)."}
TOO_LARGE: dict[str, Any] = {"model": ErrorOut, "description": f"The body is over {MAX_BODY_BYTES // 1024} "
                             "KiB, or the command is over the broker's message size."}
UNAVAILABLE: dict[str, Any] = {
    "model": ErrorOut,
    "description": "The broker did not confirm the command in time. It may still be applied: retry with "
                   "the same command_id (applied once), or look it up.",
    "headers": {"Retry-After": {"description": "Seconds to wait before retrying.",
                                "schema": {"type": "integer"}}}}

ARCHIVE_UNAVAILABLE: dict[str, Any] = {
    "model": ErrorOut,
    "description": "The archive (ClickHouse) cannot be read now: the embedded store is held by another "
                   "process (one process owns it), or the server is down. The detail says which.",
    "headers": UNAVAILABLE["headers"]}

CONFLICT: dict[str, Any] = {"model": ErrorOut, "description": "The command_id was used before for "
                            "another request: nothing was sent."}
READS: dict[int | str, dict[str, Any]] = {400: INVALID, 422: INVALID}
"""Routes that read: a bad query parameter."""
SENDS: dict[int | str, dict[str, Any]] = {400: INVALID, 413: TOO_LARGE, 422: INVALID, 503: UNAVAILABLE}
"""Routes that append a command without waiting for its outcome."""
COMMANDS: dict[int | str, dict[str, Any]] = {
    202: _json(_ref("CommandOut"), "Sent, not decided yet within the wait: look it up by its id."),
    400: INVALID,
    409: _json(_ref("CommandOut"), "The command id was used before for other content: nothing was "
               "applied; ``original`` is the first command's outcome."),
    413: TOO_LARGE,
    422: _json({"anyOf": [_ref("CommandOut"), _ref("ErrorOut")]},
               "Rejected by the ledger (a ``CommandOut`` with the reason), or an invalid request "
               "(an ``ErrorOut``)."),
    503: UNAVAILABLE,
}
"""Routes that send a command and answer its outcome."""


def archive_unreadable(exc: BaseException, what: str = "archive-read") -> HTTPException:
    """The 503 a route answers when the archive cannot be read (a locked embedded store, a server down),
    the cause logged once (``log_once``: the same failure on every request is one line an hour)."""
    log_once(log, logging.WARNING, what, "the archive cannot be read; requests answer 503", exc=exc)
    return HTTPException(503, f"the archive cannot be read: {type(exc).__name__}: {exc}")


def archive_left_out(exc: BaseException, what: str = "archive-read") -> str:
    """Why a listing leaves the archive's part out (``X-Cryptick-Partial``), the cause logged once."""
    log_once(log, logging.WARNING, what, "the archive cannot be read; listings leave its part out", exc=exc)
    return str(exc)


def _error(status: int, detail: str, **extra: Any) -> JSONResponse:
    kind = _STATUS.get(status, "error")
    body = ErrorOut(status=kind, detail=detail, **extra)  # type: ignore[arg-type]
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return JSONResponse(jsonable_encoder(body, exclude_none=True), status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "body"


def install(app: FastAPI) -> None:
    """Error handlers and the body size limit."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
                  for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "invalid request"
        return _error(422, detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = _error(exc.status_code, str(exc.detail))
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        if exc.status_code == 405:  # every method the path has, not only the first route's
            response.headers["Allow"] = ", ".join(_methods(request))
        return response

    @app.exception_handler(CommandNotDelivered)
    async def not_delivered(_request: Request, exc: CommandNotDelivered) -> JSONResponse:
        return _error(503, f"{exc}. The command may still be applied: retry with the same command_id "
                      f"{exc.command_id!r} (it is applied once), or look it up by that id.",
                      command_id=exc.command_id)

    @app.exception_handler(CommandTooLarge)
    async def too_large(_request: Request, exc: CommandTooLarge) -> JSONResponse:
        return _error(413, str(exc))

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)


def _methods(request: Request) -> list[str]:
    from starlette.routing import Match, Route

    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


class BodyLimit:
    """Refuse a request body over ``limit`` bytes with 413, before anything parses it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away mid-body: a partial body is never handed on as whole
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = _error(413, f"the request body is over {self.limit // 1024} KiB")
        await response(scope, receive, send)
