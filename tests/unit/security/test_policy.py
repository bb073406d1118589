"""Who may do what: the one rule (api.security.policy), given a principal, a need and an account."""

from __future__ import annotations

import pytest

from api.security.policy import Principal, Role, check, parse_accounts, show_accounts

ALICE = Principal("alice", Role.TRADER, frozenset({"a1", "a2"}), "key:k1")
ROOT = Principal("root", Role.ADMIN, None, "session")


def test_no_credential_is_401() -> None:
    denied = check(None, Role.VIEWER)
    assert denied is not None and denied.status == 401 and "credential" in denied.reason


@pytest.mark.parametrize(("need", "allowed"), [(Role.VIEWER, True), (Role.TRADER, True), (Role.ADMIN, False)])
def test_roles_are_ordered(need: Role, allowed: bool) -> None:
    denied = check(ALICE, need, "a1")
    assert (denied is None) is allowed
    if denied is not None:
        assert denied.status == 403 and denied.reason == "this needs the admin role; alice is a trader"


def test_a_principal_acts_on_its_granted_accounts_alone() -> None:
    assert check(ALICE, Role.TRADER, "a2") is None
    denied = check(ALICE, Role.VIEWER, "b1")
    assert denied is not None and denied.status == 403 and "'b1'" in denied.reason


def test_every_account_is_granted_with_a_star() -> None:
    assert check(ROOT, Role.ADMIN, "anything") is None
    assert ROOT.sees("x") and not ALICE.sees("x")


def test_a_key_is_never_wider_than_its_user() -> None:
    assert ALICE.narrowed(Role.VIEWER).role is Role.VIEWER
    assert ALICE.narrowed(Role.ADMIN).role is Role.TRADER
    assert ALICE.narrowed(None) is ALICE


def test_accounts_parse_and_show() -> None:
    assert parse_accounts("*") is None
    assert parse_accounts(" b, a ,") == frozenset({"a", "b"})
    assert show_accounts(frozenset({"b", "a"})) == "a,b" and show_accounts(None) == "*"
    with pytest.raises(ValueError, match="not account ids"):
        parse_accounts("ok, bad id")
    with pytest.raises(ValueError, match="unknown role"):
        Role.parse("root")
