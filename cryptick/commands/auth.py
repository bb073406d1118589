"""``cryptick users`` and ``cryptick keys``: who may use the API, on this machine's auth store.

They write the same SQLite file the API reads (``CRYPTICK_AUTH_DB``, default
``<CRYPTICK_CACHE>/auth.db``), so a key revoked here is refused by a running API
on its next request. Passwords and keys are printed once, when made; never logged.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer

from api.security.policy import Role, parse_accounts, show_accounts
from api.security.store import AuthError, AuthStore, bootstrap_admin
from floor.settings import Settings, get_settings

users_app = typer.Typer(help="Users of the API: roles (viewer, trader, admin) and granted accounts.",
                        no_args_is_help=True)
keys_app = typer.Typer(help="API keys for programs: shown once, stored hashed, revocable, expiring.",
                       no_args_is_help=True)

RoleOpt = Annotated[str, typer.Option(help="viewer (read, streams), trader (orders, runs, wallet sets), "
                                           "admin (funds, users, keys, raw SQL).")]
AccountsOpt = Annotated[str, typer.Option(help="The accounts granted: '*' (every one) or ids, "
                                               "comma-separated.")]


def _store() -> AuthStore:
    return AuthStore(get_settings().auth_db)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _when(seconds: int | None) -> str:
    return "-" if seconds is None else datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")


def _password(given_on_stdin: bool) -> tuple[str, bool]:
    """A password from stdin (first line), or a new one (then True: show it)."""
    if given_on_stdin:
        line = sys.stdin.readline().rstrip("\n")
        if len(line) < 12:
            _fail("a password has at least 12 characters")
        return line, False
    return secrets.token_urlsafe(18), True


@users_app.command("add")
def users_add(name: str, role: RoleOpt = "viewer", accounts: AccountsOpt = "",
              password_stdin: Annotated[bool, typer.Option(
                  help="Read the password from stdin; default: make one and print it once.")] = False
              ) -> None:
    """Add a user who can sign in to the dashboard (and own keys)."""
    try:
        granted = parse_accounts(accounts or ("*" if role == "admin" else ""))
        password, show = _password(password_stdin)
        user = _store().add_user(name, Role.parse(role), granted, int(time.time()), password)
    except (AuthError, ValueError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"user {user.name}: {user.role.label} of {show_accounts(user.accounts) or 'no account'}")
    if show:
        typer.echo(f"password (shown once): {password}")


@users_app.command("list")
def users_list() -> None:
    """Every user, role and granted accounts."""
    for u in _store().users():
        typer.echo(f"{u.name:<20} {u.role.label:<7} {show_accounts(u.accounts) or '-':<30} "
                   f"{'password' if u.has_password else 'no password'}  since {_when(u.created)}")


@users_app.command("grant")
def users_grant(name: str, accounts: AccountsOpt, role: Annotated[str | None, typer.Option(
        help="A new role too.")] = None) -> None:
    """Set a user's granted accounts (and role): in force on their next request."""
    try:
        user = _store().update_user(name, Role.parse(role) if role else None, parse_accounts(accounts))
    except (AuthError, ValueError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"user {user.name}: {user.role.label} of {show_accounts(user.accounts) or 'no account'}")


@users_app.command("passwd")
def users_passwd(name: str, password_stdin: Annotated[bool, typer.Option(
        help="Read it from stdin; default: make one and print it once.")] = False) -> None:
    """Set a user's password (their sessions end)."""
    password, show = _password(password_stdin)
    try:
        _store().set_password(name, password)
    except AuthError as exc:
        _fail(str(exc))
    typer.echo(f"password of {name} set" + (f" (shown once): {password}" if show else ""))


@users_app.command("remove")
def users_remove(name: str) -> None:
    """Remove a user with their keys and sessions."""
    try:
        _store().remove_user(name)
    except AuthError as exc:
        _fail(str(exc))
    typer.echo(f"user {name} removed, with their keys and sessions")


@keys_app.command("create")
def keys_create(user: Annotated[str, typer.Option(help="Whose key.")] = "admin",
                role: Annotated[str | None, typer.Option(help="Narrower than the user's role.")] = None,
                expires_days: Annotated[float, typer.Option(help="Days until it expires; 0: never.")] = 90,
                label: Annotated[str, typer.Option(help="What it is for.")] = "") -> None:
    """Make a key and print it once (send it as Authorization: Bearer <key>)."""
    now = int(time.time())
    try:
        expires = now + int(expires_days * 86400) if expires_days else None
        key, secret = _store().create_key(user, now, expires, Role.parse(role) if role else None, label)
    except (AuthError, ValueError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"key {key.id} of {key.user}, expires {_when(key.expires)}")
    typer.echo(f"key (shown once): {secret}")


@keys_app.command("list")
def keys_list(user: Annotated[str | None, typer.Option(help="Only this user's.")] = None) -> None:
    """Keys by id, with user, role, state and expiry (never the keys themselves)."""
    now = int(time.time())
    for k in _store().keys(user):
        typer.echo(f"{k.id}  {k.user:<20} {(k.role.label if k.role else 'user'):<7} {k.state(now):<8} "
                   f"made {_when(k.created)}  expires {_when(k.expires)}  {k.label}")


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key: a running API refuses it from the next request on."""
    try:
        key = _store().revoke_key(key_id, int(time.time()))
    except AuthError as exc:
        _fail(str(exc))
        return
    typer.echo(f"key {key.id} of {key.user} revoked")


def ensure_admin(settings: Settings, echo: Callable[[str], None]) -> None:
    """The first start: an admin from ``CRYPTICK_ADMIN_PASSWORD`` / ``CRYPTICK_ADMIN_KEY``, or, with
    neither and no user yet, one with a made password shown here once (on the terminal, never a log)."""
    given_password, given_key = settings.cryptick_admin_password, settings.cryptick_admin_key
    password = given_password.get_secret_value() if given_password else None
    key = given_key.get_secret_value() if given_key else None
    store = AuthStore(settings.auth_db)
    try:
        made = bootstrap_admin(store, int(time.time()), password, key)
    except AuthError as exc:
        raise typer.BadParameter(f"CRYPTICK_ADMIN_KEY: {exc}") from None
    finally:
        store.close()
    if made:
        echo(f"first start: made user admin, password (shown once): {made}\n"
             "  sign in at the API (POST /auth/login), make keys with `cryptick keys create`, users with "
             "`cryptick users add`")
