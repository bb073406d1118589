"""Users, API keys and sessions, in one SQLite file shared by the API and the CLI.

Nothing secret is stored as given: passwords as Argon2id hashes (``argon2-cffi``), API keys and
session tokens — random, 256 bits from ``secrets`` — as their SHA-256 digests (a fast digest is
right for a random token: there is nothing to guess), compared in constant time. A key is shown
once, when made: ``ck_<id>.<secret>``; its id (not secret) names it in lists, logs and revocation.

SQLite in WAL mode: the API reads while ``cryptick keys`` / ``cryptick users`` write from another
process, and a revoked key or removed user is refused on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.security.policy import Principal, Role, check_name, show_accounts

KEY_PREFIX = "ck_"
KEY_PATTERN = re.compile(r"^ck_([a-z0-9]{8,32})\.([A-Za-z0-9_-]{32,128})$")
SESSION_COOKIE = "cryptick_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_TTL_S = 12 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, accounts TEXT NOT NULL, password TEXT,
    created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    digest TEXT NOT NULL, role TEXT, label TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,
    expires INTEGER, revoked INTEGER);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);
"""


class AuthError(ValueError):
    """A request to the store that cannot be done (no such user, a bad key format...): say why."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    accounts: frozenset[str] | None
    has_password: bool
    created: int

    def principal(self, via: str) -> Principal:
        return Principal(self.name, self.role, self.accounts, via)


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    user: str
    role: Role | None  # narrower than the user's, or None: the user's
    label: str
    created: int
    expires: int | None
    revoked: int | None

    def state(self, now: int) -> str:
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and self.expires <= now:
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    csrf: str
    expires: int


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AuthStore:
    """The users, keys and sessions of ``path`` (made on first use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        for made in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if made.exists():
                made.chmod(0o600)  # digests and hashes only, yet nobody else's to read

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    def _write(self, sql: str, *args: object) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # --- users -----------------------------------------------------------------------------

    def add_user(self, name: str, role: Role, accounts: frozenset[str] | None, now: int,
                 password: str | None = None) -> User:
        check_name(name)
        hashed = self._hasher.hash(password) if password is not None else None
        try:
            self._write("INSERT INTO users VALUES (?, ?, ?, ?, ?)", name, role.label,
                        show_accounts(accounts), hashed, now)
        except sqlite3.IntegrityError:
            raise AuthError(f"user {name!r} exists") from None
        return User(name, role, accounts, hashed is not None, now)

    def user(self, name: str) -> User | None:
        rows = self._rows("SELECT name, role, accounts, password IS NOT NULL, created FROM users "
                          "WHERE name = ?", name)
        return _user(rows[0]) if rows else None

    def users(self) -> list[User]:
        return [_user(r) for r in self._rows("SELECT name, role, accounts, password IS NOT NULL, created "
                                             "FROM users ORDER BY name")]

    def _existing(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise AuthError(f"no user {name!r}")
        return user

    def update_user(self, name: str, role: Role | None = None,
                    accounts: frozenset[str] | str | None = "") -> User:
        """Change a user's role and/or granted accounts (``accounts`` "" leaves them)."""
        user = self._existing(name)
        new_role = role or user.role
        new_accounts = user.accounts if accounts == "" else accounts
        assert not isinstance(new_accounts, str)
        self._write("UPDATE users SET role = ?, accounts = ? WHERE name = ?", new_role.label,
                    show_accounts(new_accounts), name)
        return User(name, new_role, new_accounts, user.has_password, user.created)

    def set_password(self, name: str, password: str) -> None:
        self._existing(name)
        self._write("UPDATE users SET password = ? WHERE name = ?", self._hasher.hash(password), name)
        self._write("DELETE FROM sessions WHERE user = ?", name)  # a new password ends every session

    def remove_user(self, name: str) -> None:
        """The user, their keys and sessions."""
        if not self._write("DELETE FROM users WHERE name = ?", name):
            raise AuthError(f"no user {name!r}")

    def login(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs."""
        rows = self._rows("SELECT password FROM users WHERE name = ?", name)
        hashed = rows[0][0] if rows else None
        if not isinstance(hashed, str):
            self._hasher.hash(password)  # the same work for an unknown name: no timing oracle
            return None
        try:
            self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return None
        if self._hasher.check_needs_rehash(hashed):
            self._write("UPDATE users SET password = ? WHERE name = ?", self._hasher.hash(password), name)
        return self.user(name)

    # --- API keys --------------------------------------------------------------------------

    def create_key(self, user: str, now: int, expires: int | None = None, role: Role | None = None,
                   label: str = "") -> tuple[Key, str]:
        """A new key of ``user``: its record and the key itself (shown once, never stored)."""
        owner = self._existing(user)
        if role is not None and role > owner.role:
            raise AuthError(f"a key cannot have more than its user's role ({owner.role.label})")
        if expires is not None and expires <= now:
            raise AuthError("the key would expire before it is made")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        self._write("INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?, ?, NULL)", key_id, user, digest(secret),
                    role.label if role else None, label[:100], now, expires)
        return Key(key_id, user, role, label[:100], now, expires, None), f"{KEY_PREFIX}{key_id}.{secret}"

    def put_key(self, user: str, key: str, now: int, label: str = "") -> Key:
        """Register a key given from outside (``CRYPTICK_ADMIN_KEY``): the same id and secret again is
        the same key; another secret under its id replaces it."""
        m = KEY_PATTERN.fullmatch(key)
        if m is None:
            raise AuthError("a key is ck_<id>.<secret>: an id of 8-32 lower-case letters or digits, a "
                            "secret of 32-128 URL-safe characters (cryptick keys create makes one)")
        self._existing(user)
        key_id, secret = m.groups()
        self._write("INSERT INTO keys VALUES (?, ?, ?, NULL, ?, ?, NULL, NULL) ON CONFLICT(id) DO UPDATE "
                    "SET user = excluded.user, digest = excluded.digest, revoked = NULL, expires = NULL",
                    key_id, user, digest(secret), label, now)
        return Key(key_id, user, None, label, now, None, None)

    def keys(self, user: str | None = None) -> list[Key]:
        sql = "SELECT id, user, role, label, created, expires, revoked FROM keys"
        rows = self._rows(sql + " WHERE user = ? ORDER BY created, id", user) if user is not None else \
            self._rows(sql + " ORDER BY user, created, id")
        return [_key(r) for r in rows]

    def key(self, key_id: str) -> Key | None:
        rows = self._rows("SELECT id, user, role, label, created, expires, revoked FROM keys WHERE id = ?",
                          key_id)
        return _key(rows[0]) if rows else None

    def revoke_key(self, key_id: str, now: int) -> Key:
        if not self._write("UPDATE keys SET revoked = ? WHERE id = ? AND revoked IS NULL", now, key_id):
            known = self.key(key_id)
            if known is None:
                raise AuthError(f"no key {key_id!r}")
            return known
        key = self.key(key_id)
        assert key is not None
        return key

    def verify_key(self, key: str, now: int) -> Principal | None:
        """The principal of a valid, live key; None for anything else."""
        m = KEY_PATTERN.fullmatch(key)
        if m is None:
            return None
        key_id, secret = m.groups()
        rows = self._rows("SELECT k.digest, k.role, k.expires, k.revoked, u.name, u.role, u.accounts "
                          "FROM keys k JOIN users u ON u.name = k.user WHERE k.id = ?", key_id)
        if not rows:
            return None
        stored, key_role, expires, revoked, name, role, accounts = rows[0]
        if not hmac.compare_digest(str(stored), digest(secret)):
            return None
        if revoked is not None or (expires is not None and int(str(expires)) <= now):
            return None
        principal = Principal(str(name), Role.parse(str(role)), _accounts(str(accounts)), f"key:{key_id}")
        return principal.narrowed(Role.parse(str(key_role)) if key_role else None)

    # --- sessions --------------------------------------------------------------------------

    def open_session(self, user: str, now: int, ttl_s: int = SESSION_TTL_S) -> tuple[str, str]:
        """A new session of ``user``: its token (the cookie) and its CSRF token."""
        self._existing(user)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._write("DELETE FROM sessions WHERE expires <= ?", now)
        self._write("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", digest(token), user, csrf, now,
                    now + ttl_s)
        return token, csrf

    def session(self, token: str, now: int) -> Session | None:
        if not token or len(token) > 200:
            return None
        rows = self._rows("SELECT s.csrf, s.expires, u.name, u.role, u.accounts FROM sessions s "
                          "JOIN users u ON u.name = s.user WHERE s.digest = ?", digest(token))
        if not rows:
            return None
        csrf, expires, name, role, accounts = rows[0]
        if int(str(expires)) <= now:
            return None
        principal = Principal(str(name), Role.parse(str(role)), _accounts(str(accounts)), "session")
        return Session(principal, str(csrf), int(str(expires)))

    def close_session(self, token: str) -> None:
        self._write("DELETE FROM sessions WHERE digest = ?", digest(token))


def _accounts(text: str) -> frozenset[str] | None:
    return None if text == "*" else frozenset(a for a in text.split(",") if a)


def _user(row: tuple[object, ...]) -> User:
    name, role, accounts, has_password, created = row
    return User(str(name), Role.parse(str(role)), _accounts(str(accounts)), bool(has_password),
                int(str(created)))


def _key(row: tuple[object, ...]) -> Key:
    key_id, user, role, label, created, expires, revoked = row
    return Key(str(key_id), str(user), Role.parse(str(role)) if role else None, str(label), int(str(created)),
               int(str(expires)) if expires is not None else None,
               int(str(revoked)) if revoked is not None else None)


def bootstrap_admin(store: AuthStore, now: int, password: str | None, key: str | None) -> str | None:
    """The first admin. ``password`` / ``key`` (from the environment) are set for ``admin``, made if
    missing (without a password if only a key is given). With neither and no user at all, ``admin`` is
    made with a generated password, which is returned: for the caller to show once, on the terminal
    only (never a log)."""
    generated = None
    if store.user("admin") is None and (password or key or not store.users()):
        generated = None if password or key else secrets.token_urlsafe(18)
        store.add_user("admin", Role.ADMIN, None, now, password or generated)
    elif password and store.login("admin", password) is None:
        store.set_password("admin", password)
    if key:
        store.put_key("admin", key, now, label="CRYPTICK_ADMIN_KEY")
    return generated
