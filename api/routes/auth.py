"""Sign-in for the dashboard (a session cookie and its CSRF token), API keys and users.

``POST /auth/login`` sets the session cookie — HttpOnly, SameSite=Strict, Secure when the request came
over TLS (or ``SECURE_COOKIES``) — and answers the session's CSRF token, which every state-changing
request of the session carries in ``X-CSRF-Token`` (``GET /auth/me`` gives it again after a reload).
Keys are for programs: made once (the key is in that answer only), listed by id, revoked.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from api.deps import PUBLIC_ROUTE, Admin, IdPath, Viewer
from api.errors import CONFLICT, NOT_FOUND, READS
from api.models import Strict, iso_time
from api.security.access import OWNER, same_origin
from api.security.limits import RateLimiter
from api.security.policy import NAME_PATTERN, Principal, Role, parse_accounts, show_accounts
from api.security.store import SESSION_COOKIE, AuthError, AuthStore, Key, User

router = APIRouter(prefix="/auth", tags=["auth"])

RoleName = Literal["viewer", "trader", "admin"]
LOGIN_FAILURES_PER_MIN = 5.0
"""Failed logins a client address may make a minute (a burst of 10): guessing passwords is slow."""


class LoginIn(Strict):
    user: str = Field(pattern=NAME_PATTERN)
    password: str = Field(min_length=1, max_length=200)


class MeOut(BaseModel):
    user: str
    role: RoleName
    accounts: str = Field(description="'*' (every account) or the granted accounts, comma-separated.")
    via: str = Field(description="session, key:<id>, or owner (the local CLI through the archive's owner).")
    csrf_token: str | None = Field(None, description="A session's token for its X-CSRF-Token header.")
    expires: str | None = None


class KeyIn(Strict):
    user: str | None = Field(None, pattern=NAME_PATTERN, description="Whose key (an admin's choice; "
                             "default: the caller's own).")
    role: RoleName | None = Field(None, description="Narrower than its user's role (a read-only key).")
    expires_in_days: float | None = Field(90, gt=0, le=3650, description="None: never.")
    label: str = Field("", max_length=100)


class KeyOut(BaseModel):
    key_id: str
    user: str
    role: RoleName | None
    label: str
    created: str
    expires: str | None
    state: Literal["active", "expired", "revoked"]


class NewKeyOut(KeyOut):
    key: str = Field(description="The key, shown this once: send it as Authorization: Bearer <key>.")


class UserIn(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    role: RoleName
    accounts: str = Field(max_length=4000, description="'*' or account ids, comma-separated.")
    password: str | None = Field(None, min_length=12, max_length=200,
                                 description="None: one is made and answered once.")


class UserOut(BaseModel):
    name: str
    role: RoleName
    accounts: str
    has_password: bool
    created: str


class NewUserOut(UserOut):
    password: str | None = Field(None, description="The made password, shown this once.")


def _store(request: Request) -> AuthStore:
    store: AuthStore = request.app.state.auth
    return store


def _iso(seconds: int | None) -> str | None:
    return None if seconds is None else iso_time(seconds * 1_000_000)


def _key_out(key: Key, now: int) -> KeyOut:
    return KeyOut(key_id=key.id, user=key.user, role=key.role.label if key.role else None,  # type: ignore[arg-type]
                  label=key.label, created=_iso(key.created) or "", expires=_iso(key.expires),
                  state=key.state(now))  # type: ignore[arg-type]


def _user_out(user: User) -> UserOut:
    return UserOut(name=user.name, role=user.role.label, accounts=show_accounts(user.accounts),  # type: ignore[arg-type]
                   has_password=user.has_password, created=_iso(user.created) or "")


@router.post("/login", response_model=MeOut, dependencies=PUBLIC_ROUTE,
             responses={**READS, 401: {"description": "Wrong user or password."},
                        403: {"description": "A cross-site request."},
                        429: {"description": "Too many failed logins from this address.",
                              "headers": {"Retry-After": {"schema": {"type": "integer"}}}}})
async def login(body: LoginIn, request: Request, response: Response) -> MeOut:
    """Sign in: sets the session cookie and answers the session's CSRF token."""
    if not same_origin(request):  # no signing a victim into someone else's session from another site
        raise HTTPException(403, "a login from another site is refused")
    failures: RateLimiter = request.app.state.login_failures
    who = f"login:{request.client.host if request.client else 'unknown'}"
    if failures.peek(who, time.monotonic()) > 0:
        raise HTTPException(429, "too many failed logins from this address: wait a minute",
                            headers={"Retry-After": "60"})
    store = _store(request)
    user = await asyncio.to_thread(store.login, body.user, body.password)  # Argon2: ~50 ms, off the loop
    if user is None:
        failures.take(who, time.monotonic())
        raise HTTPException(401, "wrong user or password")
    settings = request.app.state.settings
    now = int(time.time())
    token, csrf = store.open_session(user.name, now, settings.session_ttl_s)
    secure = request.url.scheme == "https" or settings.secure_cookies
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_ttl_s, httponly=True, secure=secure,
                        samesite="strict", path="/")
    return MeOut(user=user.name, role=user.role.label, accounts=show_accounts(user.accounts),  # type: ignore[arg-type]
                 via="session", csrf_token=csrf, expires=_iso(now + settings.session_ttl_s))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, _: Viewer) -> None:
    """End this session (a key is not a session: revoke it instead)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        _store(request).close_session(token)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


@router.get("/me", response_model=MeOut)
def me(request: Request, who: Viewer) -> MeOut:
    """Who is calling, with what role and accounts (and a session's CSRF token)."""
    csrf = expires = None
    if who.via == "session":
        session = _store(request).session(request.cookies.get(SESSION_COOKIE, ""), int(time.time()))
        if session is not None:
            csrf, expires = session.csrf, _iso(session.expires)
    return MeOut(user=who.id, role=who.role.label, accounts=show_accounts(who.accounts), via=who.via,  # type: ignore[arg-type]
                 csrf_token=csrf, expires=expires)


def _manages_all(who: Principal, what: str) -> None:
    """Users and others' keys are for an admin of every account: one granted some accounts could
    otherwise grant itself the rest."""
    if who.role < Role.ADMIN or who.accounts is not None:
        raise HTTPException(403, f"only an admin of every account manages {what}; {who.id} is not one")


def _may_manage(who: Principal, user: str) -> None:
    if user != who.id:
        _manages_all(who, "another user's keys")


@router.get("/keys", response_model=list[KeyOut], responses=READS)
def keys(request: Request, who: Viewer,
         user: Annotated[str | None, Query(pattern=NAME_PATTERN, description="An admin's choice.")] = None
         ) -> list[KeyOut]:
    """The caller's keys (an admin: everyone's, or ``user``'s), without the keys themselves."""
    if who.role < Role.ADMIN or who.accounts is not None:
        user = who.id
    now = int(time.time())
    return [_key_out(k, now) for k in _store(request).keys(user)]


@router.post("/keys", response_model=NewKeyOut, status_code=status.HTTP_201_CREATED,
             responses={**READS, 404: NOT_FOUND})
def create_key(body: KeyIn, request: Request, who: Viewer) -> NewKeyOut:
    """A new key (the caller's, or an admin's choice of user's), shown once in this answer."""
    user = body.user or who.id
    _may_manage(who, user)
    if who.id == OWNER:
        raise HTTPException(403, "the archive owner's token makes no keys")
    now = int(time.time())
    expires = None if body.expires_in_days is None else now + int(body.expires_in_days * 86400)
    role = Role.parse(body.role) if body.role else None
    if role is not None and role > who.role:
        raise HTTPException(403, f"a key cannot have more than the caller's role ({who.role.label})")
    try:
        key, secret = _store(request).create_key(user, now, expires, role, body.label)
    except AuthError as exc:
        raise HTTPException(404 if "no user" in str(exc) else 422, str(exc)) from None
    return NewKeyOut(**_key_out(key, now).model_dump(), key=secret)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, responses={**READS, 404: NOT_FOUND})
def revoke_key(key_id: IdPath, request: Request, who: Viewer) -> KeyOut:
    """Revoke a key (the caller's own, or any for an admin): refused from the next request on."""
    store = _store(request)
    key = store.key(key_id)
    if key is None or (key.user != who.id and (who.role < Role.ADMIN or who.accounts is not None)):
        raise HTTPException(404, f"no key {key_id} of {who.id}")
    return _key_out(store.revoke_key(key_id, int(time.time())), int(time.time()))


@router.get("/users", response_model=list[UserOut], responses=READS)
def users(request: Request, who: Admin) -> list[UserOut]:
    """Every user with role and granted accounts (for an admin of every account)."""
    _manages_all(who, "users")
    return [_user_out(u) for u in _store(request).users()]


@router.post("/users", response_model=NewUserOut, status_code=status.HTTP_201_CREATED,
             responses={**READS, 409: CONFLICT})
async def add_user(body: UserIn, request: Request, who: Admin) -> NewUserOut:
    """A new user (by an admin of every account); without a password, one is made and answered once."""
    import secrets

    _manages_all(who, "users")
    try:
        accounts = parse_accounts(body.accounts)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    password = body.password or secrets.token_urlsafe(18)
    try:
        user = await asyncio.to_thread(_store(request).add_user, body.name, Role.parse(body.role), accounts,
                                       int(time.time()), password)
    except AuthError as exc:
        raise HTTPException(409, str(exc)) from None
    return NewUserOut(**_user_out(user).model_dump(), password=None if body.password else password)
