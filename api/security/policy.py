"""Who may do what: roles, principals and the one rule that decides (pure: no I/O, no clock).

Policy, in the order it is checked:

1. **No credential** → 401 (except the few public routes: health, login, the OpenAPI document).
2. **Role.** Roles are ordered ``viewer < trader < admin``; a route names the least it needs:
   ``viewer`` reads and streams, ``trader`` sends orders, starts and stops runs, posts control
   messages and manages wallet sets, ``admin`` moves funds (deposits, withdrawals), manages users and
   keys and runs raw SQL on the archive. Too low → 403 saying which role is needed.
3. **Account.** A principal is granted accounts (or every account, ``*``). A route on an account —
   by its path, or through a run's account — answers only for granted accounts: another's → 403.
   Lists and streams are narrowed to the granted accounts instead of refused.

A key may be narrower than its user (a read-only key of a trader); never wider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

NAME_PATTERN = r"^[a-z][a-z0-9_.-]{1,31}$"
"""A user's name: lower case, 2 to 32 characters, starting with a letter."""
_NAME = re.compile(NAME_PATTERN)


class Role(IntEnum):
    VIEWER = 1
    TRADER = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown role {text!r}: viewer, trader or admin") from None

    @property
    def label(self) -> str:
        return self.name.lower()


Scope = Literal["none", "account", "run"]
"""What a route acts on: nothing in particular, the account in its path, or the run in its path."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Someone calling: a user, through a key or a session (``via``), with the role and accounts
    that credential carries. ``accounts`` None: every account."""

    id: str
    role: Role
    accounts: frozenset[str] | None
    via: str = ""

    def sees(self, account: str) -> bool:
        return self.accounts is None or account in self.accounts

    def narrowed(self, role: Role | None) -> Principal:
        """The same principal with at most ``role`` (a key narrower than its user)."""
        if role is None or role >= self.role:
            return self
        return Principal(self.id, role, self.accounts, self.via)


@dataclass(frozen=True, slots=True)
class Denied:
    status: int  # 401 or 403
    reason: str


def check(principal: Principal | None, need: Role, account: str | None = None) -> Denied | None:
    """Whether ``principal`` may do what needs ``need`` (on ``account``, when the route acts on one)."""
    if principal is None:
        return Denied(401, "this needs a credential: an API key (Authorization: Bearer <key>) or a "
                           "session (POST /auth/login)")
    if principal.role < need:
        return Denied(403, f"this needs the {need.label} role; {principal.id} is {_a(principal.role)}")
    if account is not None and not principal.sees(account):
        return Denied(403, f"{principal.id} is not granted account {account!r}")
    return None


def _a(role: Role) -> str:
    return f"an {role.label}" if role.label[0] in "aeiou" else f"a {role.label}"


def parse_accounts(text: str) -> frozenset[str] | None:
    """``*`` (every account) or a comma-separated list of account ids."""
    from api.fields import ID_PATTERN

    text = text.strip()
    if text == "*":
        return None
    accounts = frozenset(a.strip() for a in text.split(",") if a.strip())
    bad = sorted(a for a in accounts if not re.fullmatch(ID_PATTERN, a))
    if bad:
        raise ValueError(f"not account ids: {', '.join(bad)}")
    return accounts


def show_accounts(accounts: frozenset[str] | None) -> str:
    return "*" if accounts is None else ",".join(sorted(accounts))


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a user name: lower case letters, digits, '_', '.', '-', "
                         "2 to 32 characters, starting with a letter")
    return name
