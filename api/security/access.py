"""Every route declares who may call it; this module authenticates the caller and enforces it.

A route names its need as a dependency: ``Depends(Access(Role.TRADER, "account"))`` (through the
aliases in ``api.deps``) or ``Depends(PUBLIC)``. ``secure_routes`` refuses to build an app with a route
that declares neither, documents 401/403/429 on each secured route, and a test calls every route as
nobody, as the wrong role, on a foreign account, and rightly.

Credentials, in order: ``Authorization: Bearer <key>`` (an API key, or the archive owner's own token
that ``cryptick-owner.json`` carries for the local CLI), then the session cookie of ``POST
/auth/login``. A session's state-changing request (any method but GET/HEAD/OPTIONS) must carry the
session's CSRF token in ``X-CSRF-Token`` and, if the browser says where it comes from (``Origin``),
come from this site: a cross-site form can send the cookie (where SameSite does not stop it) but can
set neither. A key needs no CSRF token: a browser never adds it by itself.

Rate: each credential (each anonymous client address) has a token bucket (``RATE_LIMIT_PER_S``,
``RATE_LIMIT_BURST``); over it, 429 with ``Retry-After``.
"""

from __future__ import annotations

import hmac
import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.security.limits import RateLimiter
from api.security.policy import Principal, Role, Scope, check
from api.security.store import CSRF_HEADER, SESSION_COOKIE, AuthStore

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OWNER = "owner"
"""The principal of the archive owner's token: the local CLI reading the store through the API."""

_bearer = HTTPBearer(auto_error=False, description="An API key: cryptick keys create")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                       description="The session of POST /auth/login (state-changing requests also "
                                   f"carry its {CSRF_HEADER} header)")


class Public:
    """The need of a route anyone may call (health, login): only the rate limit."""

    role = None
    scope: Scope = "none"

    async def __call__(self, request: Request) -> None:
        _limit(request, f"ip:{_client(request)}")


PUBLIC = Public()


class Access:
    """The need of a route: at least ``role``, on the account its path names (``scope``)."""

    def __init__(self, role: Role, scope: Scope = "none") -> None:
        self.role = role
        self.scope = scope

    def __repr__(self) -> str:
        return f"Access({self.role.label}, {self.scope})"

    async def __call__(
        self, request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        cookie: Annotated[str | None, Depends(_cookie)],
    ) -> Principal:
        principal = authenticate(request, bearer.credentials if bearer else None, cookie)
        denied = check(principal, self.role, self._account(request))
        if denied is not None:
            headers = {"WWW-Authenticate": "Bearer"} if denied.status == 401 else None
            raise HTTPException(denied.status, denied.reason, headers=headers)
        assert principal is not None
        request.state.principal = principal
        return principal

    def _account(self, request: Request) -> str | None:
        if self.scope == "account":
            return str(request.path_params["account"])
        if self.scope == "run":
            owner = request.app.state.views.run_owner(str(request.path_params["run_id"]))
            return owner[0] if owner is not None else None  # a backtest, or unknown: the route says
        return None


def authenticate(request: Request, bearer: str | None, cookie: str | None) -> Principal | None:
    """The caller, or None without a credential; a wrong credential, a missing CSRF token, or a rate
    over its limit raise (401, 403, 429)."""
    state = request.app.state
    store: AuthStore = state.auth
    now = int(time.time())
    if bearer is not None:
        owner_token = state.owner_token
        if owner_token and hmac.compare_digest(bearer.encode(), owner_token.encode()):
            return Principal(OWNER, Role.ADMIN, None, "owner")
        principal = store.verify_key(bearer, now)
        if principal is None:
            _limit(request, f"ip:{_client(request)}")  # guessing keys costs the guesser
            raise HTTPException(401, "the API key is not valid: unknown, revoked or expired",
                                headers={"WWW-Authenticate": "Bearer"})
        _limit(request, principal.via)
        return principal
    if cookie:
        session = store.session(cookie, now)
        if session is None:
            _limit(request, f"ip:{_client(request)}")
            raise HTTPException(401, "the session has ended: log in again (POST /auth/login)")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                raise HTTPException(403, f"a session's {request.method} needs its {CSRF_HEADER} header (the "
                                         "csrf_token of POST /auth/login or GET /auth/me)")
            if not same_origin(request):
                raise HTTPException(403, f"a request from {request.headers.get('origin')} may not act "
                                         "with this site's session")
        _limit(request, f"session:{session.principal.id}")
        return session.principal
    _limit(request, f"ip:{_client(request)}")
    return None


def same_origin(request: Request) -> bool:
    """No ``Origin`` (not a browser's cross-site request), this site's own, or a configured one."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    if origin in (f"http://{host}", f"https://{host}"):
        return True
    return origin in request.app.state.settings.cors_origin_list


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limit(request: Request, who: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(who, time.monotonic())
    if wait > 0:
        raise HTTPException(429, f"over {limiter.rate:g} requests per second for this credential: retry "
                                 "later", headers={"Retry-After": str(max(1, math.ceil(wait)))})


def need_of(route: APIRoute) -> Access | Public | None:
    """The need a route declares (None: none, which ``secure_routes`` refuses)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Access | Public):
            return dep.call
        stack.extend(dep.dependencies)
    return None


_DENIALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No credential, or one that is not valid (unknown, revoked, expired)."},
    403: {"description": "The credential's role is too low, the account is not granted to it, or a "
                         "session's request lacks its CSRF token."},
}
_BUSY: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over the credential's request rate.",
          "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}},
}


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every route of the app with its full path (routers included with their prefixes)."""
    from fastapi import routing

    if not hasattr(routing, "iter_route_contexts"):  # a FastAPI that flattens included routers
        return [(r.path, r) for r in app.routes if isinstance(r, APIRoute)]
    return [(str(c.path_format or c.path), c.original_route) for c in routing.iter_route_contexts(app.routes)
            if isinstance(c.original_route, APIRoute)]


def secure_routes(app: FastAPI) -> None:
    """Refuse an app with a route that declares no need."""
    for path, route in api_routes(app):
        if need_of(route) is None:
            raise RuntimeError(f"{sorted(route.methods or ())} {path} declares no role: add "
                               "dependencies=PUBLIC_ROUTE or a principal from api.deps")


def document_needs(router: APIRouter) -> APIRouter:
    """Say in each route's OpenAPI entry what its need answers (401, 403, 429) and which role it needs;
    before the router is included (an included router's routes are copied as they are then)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        need = need_of(route)
        if need is None:
            continue  # secure_routes refuses the app
        extra = {**_BUSY, **(_DENIALS if isinstance(need, Access) else {})}
        route.responses = {**extra, **route.responses}
        said = "Anyone may call it." if not isinstance(need, Access) else \
            f"Needs the **{need.role.label}** role" + \
            {"none": ".", "account": " on the account.", "run": " on the run's account."}[need.scope]
        if said not in route.description:  # once, however many apps are made of the router
            route.description = (route.description + "\n\n" if route.description else "") + said
    return router


def refuse_unless(principal: Principal, role: Role, account: str) -> None:
    """For an account named in a body, not the path: 403 unless ``principal`` may act on it."""
    denied = check(principal, role, account)
    if denied is not None:
        raise HTTPException(denied.status, denied.reason)
