"""Users, keys and sessions: secrets stored only hashed, keys shown once, revocation and expiry."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.security.policy import Role
from api.security.store import AuthError, AuthStore, bootstrap_admin

NOW = 1_800_000_000


@pytest.fixture()
def store(tmp_path: Path) -> AuthStore:
    s = AuthStore(tmp_path / "auth.db")
    s.add_user("alice", Role.TRADER, frozenset({"a1"}), NOW, "correct horse battery")
    return s


def test_a_key_verifies_to_its_users_principal_and_is_stored_hashed(store: AuthStore, tmp_path: Path) -> None:
    key, secret = store.create_key("alice", NOW, expires=NOW + 60, label="bot")
    who = store.verify_key(secret, NOW)
    assert who is not None and (who.id, who.role, who.accounts, who.via) == (
        "alice", Role.TRADER, frozenset({"a1"}), f"key:{key.id}")
    store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("auth.db*"))
    assert secret.split(".", 1)[1].encode() not in stored and b"correct horse" not in stored


def test_wrong_revoked_or_expired_keys_verify_to_nobody(store: AuthStore) -> None:
    key, secret = store.create_key("alice", NOW, expires=NOW + 60)
    assert store.verify_key(secret[:-1] + ("A" if secret[-1] != "A" else "B"), NOW) is None
    assert store.verify_key("not a key", NOW) is None
    assert store.verify_key(secret, NOW + 60) is None  # expired
    store.revoke_key(key.id, NOW)
    assert store.verify_key(secret, NOW) is None and store.key(key.id).state(NOW) == "revoked"  # type: ignore[union-attr]


def test_a_key_may_be_narrower_never_wider(store: AuthStore) -> None:
    _, secret = store.create_key("alice", NOW, role=Role.VIEWER)
    assert store.verify_key(secret, NOW).role is Role.VIEWER  # type: ignore[union-attr]
    with pytest.raises(AuthError, match="more than its user's role"):
        store.create_key("alice", NOW, role=Role.ADMIN)


def test_a_users_new_grants_apply_to_its_keys_at_once(store: AuthStore) -> None:
    _, secret = store.create_key("alice", NOW)
    store.update_user("alice", Role.VIEWER, frozenset({"a2"}))
    who = store.verify_key(secret, NOW)
    assert who is not None and who.role is Role.VIEWER and who.accounts == frozenset({"a2"})
    store.remove_user("alice")
    assert store.verify_key(secret, NOW) is None


def test_passwords_and_sessions(store: AuthStore) -> None:
    assert store.login("alice", "wrong password!") is None and store.login("nobody", "x") is None
    assert store.login("alice", "correct horse battery") is not None
    token, csrf = store.open_session("alice", NOW, ttl_s=100)
    session = store.session(token, NOW + 99)
    assert session is not None and session.csrf == csrf and session.principal.via == "session"
    assert store.session(token, NOW + 100) is None  # ended
    store.set_password("alice", "another long password")  # ends every session
    assert store.session(token, NOW) is None


def test_the_first_admin(tmp_path: Path) -> None:
    store = AuthStore(tmp_path / "auth.db")
    made = bootstrap_admin(store, NOW, None, None)
    assert made and store.login("admin", made) is not None
    assert bootstrap_admin(store, NOW, None, None) is None  # once
    key = "ck_fromenv01.abcdefghijklmnopqrstuvwxyz0123456789ABCD"
    assert bootstrap_admin(store, NOW, "a password from env", key) is None
    assert store.login("admin", "a password from env") is not None
    assert store.verify_key(key, NOW).role is Role.ADMIN  # type: ignore[union-attr]
    with pytest.raises(AuthError, match="ck_<id>"):
        bootstrap_admin(store, NOW, None, "short")
