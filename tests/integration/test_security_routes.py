"""Every route declares its role, and the running API answers by it: no credential → 401, too low a
role → 403, another's account (by path, by run, by body) → 403, the right principal → an answer the
route documents. A route missing from ``EXAMPLES`` fails here: say how to call it.

One stack for the module (worker, API, principals, a run on each of two accounts): the checks are many
and each is one request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from api.security.access import Access, api_routes, need_of
from api.security.policy import Role
from api.security.store import AuthStore
from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import create_topics
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from schemas.topics import all_topics
from tests.conftest import drop_namespaces
from tests.integration import http
from tests.integration.conftest import running_api

pytestmark = pytest.mark.integration

MINE, THEIRS = "acct-a", "acct-b"
USD = [{"venue": "synthetic", "currency": "USD", "amount": "100"}]
ONE_USD = {"venue": "synthetic", "currency": "USD", "amount": "1"}


@dataclass
class Stack:
    base: str
    keys: dict[str, str]  # principal name -> key
    runs: dict[str, str]  # account -> a run of it
    users: dict[str, str]  # role label -> user name
    namespace: str
    auth_db: Path


def _make_principals(suffix: str) -> tuple[dict[str, str], dict[str, str]]:
    store = AuthStore(Path(__import__("os").environ["CRYPTICK_AUTH_DB"]))
    keys, users = {}, {}
    now = int(time.time())
    for role in Role:
        name = f"{role.label}-{suffix}"
        store.add_user(name, role, frozenset({MINE}), now, password=f"{name}-password-long")
        keys[role.label] = store.create_key(name, now)[1]
        users[role.label] = name
    store.close()
    keys["root"] = http.ADMIN_KEY  # an admin of every account
    return keys, users


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import os

    ns = f"t{uuid.uuid4().hex[:10]}"
    logs = tmp_path_factory.mktemp("security")
    create_topics(kafka_bootstrap, all_topics(ns))
    listings, events = synthetic_messages(steps=100, seed=3)
    publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(60))], ns)
    worker = WorkerProcess(kafka_bootstrap, ns, ROLES, log_path=logs / "worker.log", runtime="direct").start()
    try:
        # an embedded archive of its own (not the session's, which this process may hold): the archive's
        # routes answer as they would for a user, not 503
        with running_api(kafka_bootstrap, ns, CLICKHOUSE_DSN=f"chdb://{logs / 'chdb'}") as base:
            keys, users = _make_principals(ns[-6:])
            runs = {}
            for account, key in ((MINE, keys["trader"]), (THEIRS, http.ADMIN_KEY)):
                r = httpx.post(f"{base}/runs", json={"strategy": "hodl", "account": account, "balances": USD,
                                                     "deposit": False}, timeout=30,
                               headers={"Authorization": f"Bearer {key}"})
                assert r.status_code == 202, r.text
                runs[account] = r.json()["run_id"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(
                    http.get(f"{base}/runs/{r}", timeout=10).status_code != 200 for r in runs.values()):
                time.sleep(0.2)
            yield Stack(base, keys, runs, users, ns, Path(os.environ["CRYPTICK_AUTH_DB"]))
    finally:
        worker.stop()
        drop_namespaces(ns)


def _routes() -> list[tuple[str, APIRoute]]:
    from api.app import create_app

    return api_routes(create_app())


PATH_VALUES = {"page": "runs", "venue": "synthetic", "pair": "BTC-USD", "wallet_set_id": "ws-none",
               "order_id": "o-none", "command_id": "c-none", "backtest_id": "bt-none", "key_id": "nokey0000",
               "component_id": "settings", "name": "efficient_frontier"}
ORDER = {"run_id": "r", "wallet_set_id": "ws-none", "venue": "synthetic", "pair": "BTC-USD", "side": "buy",
         "type": "limit", "size": "0.01", "price": "1"}
WINDOW = {"start": "2018-01-01T00:00:00Z", "end": "2018-01-01T00:05:00Z"}

EXAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    # "METHOD path": (the need it must declare: role [account|run] or public, how to call it)
    "GET /health": ("public", {}),
    "GET /metrics": ("viewer", {"every": True}),  # of every account: a scoped viewer is refused
    "GET /": ("public", {}),
    "GET /ui": ("public", {}),
    "GET /ui/{page}": ("public", {}),
    "POST /auth/login": ("public", {"json": {"user": "nobody", "password": "wrong"}}),
    "POST /auth/logout": ("viewer", {}),
    "GET /auth/me": ("viewer", {}),
    "GET /auth/keys": ("viewer", {}),
    "POST /auth/keys": ("viewer", {"json": {"label": "made by the route test", "expires_in_days": 1}}),
    "POST /auth/keys/{key_id}/revoke": ("viewer", {}),
    "GET /auth/users": ("admin", {}),
    "POST /auth/users": ("admin", {"json": {"name": "made-{ns}", "role": "viewer", "accounts": MINE}}),
    "GET /streams/events": ("viewer", {"stream": True}),
    "POST /accounts/{account}/deposits": ("admin account", {"json": {**ONE_USD, "amount": "5"}}),
    "POST /accounts/{account}/withdrawals": ("admin account", {"json": ONE_USD}),
    "POST /accounts/{account}/wallet-sets": ("trader account", {"json": {
        "wallet_set_id": "ws-{ns}", "run_id": "r", "allocations": [ONE_USD]}}),
    "POST /accounts/{account}/wallet-sets/{wallet_set_id}/adjust": ("trader account", {"json": {
        "allocations": [ONE_USD]}}),
    "POST /accounts/{account}/wallet-sets/{wallet_set_id}/deactivate": ("trader account", {"json": {}}),
    "GET /accounts/{account}/wallet-sets": ("viewer account", {}),
    "GET /accounts/{account}/wallet-sets/{wallet_set_id}": ("viewer account", {}),
    "GET /accounts/{account}/allocated": ("viewer account", {}),
    "GET /accounts/{account}/unallocated": ("viewer account", {}),
    "GET /accounts/{account}/total": ("viewer account", {}),
    "GET /accounts/{account}/value": ("viewer account", {}),
    "GET /accounts/{account}/history": ("viewer account", {"params": {**WINDOW, "step": "1m"}}),
    "POST /accounts/{account}/orders": ("trader account", {"json": ORDER}),
    "POST /accounts/{account}/orders/{order_id}/cancel": ("trader account", {"json": {
        "run_id": "r", "venue": "synthetic", "pair": "BTC-USD"}}),
    "GET /accounts/{account}/orders": ("viewer account", {}),
    "GET /accounts/{account}/orders/{order_id}": ("viewer account", {}),
    "GET /accounts/{account}/fills": ("viewer account", {}),
    "GET /accounts/{account}/commands/{command_id}": ("viewer account", {}),
    "GET /markets": ("viewer", {}),
    "GET /markets/{venue}/{pair}/book": ("viewer", {}),
    "GET /markets/{venue}/{pair}/trades": ("viewer", {}),
    "GET /prices": ("viewer", {}),
    "GET /markets/datasets": ("viewer", {}),
    "GET /markets/{venue}/{pair}/candles": ("viewer", {"params": WINDOW}),
    "GET /strategies": ("viewer", {}),
    "POST /strategies/{name}/check": ("viewer", {"json": {"params": {"bases": "BTC,ETH"}}}),
    "POST /runs": ("trader", {"json": {"strategy": "hodl", "account": "{account}", "balances": USD,
                                       "deposit": False}}),
    "POST /runs/{run_id}/stop": ("trader run", {"json": {}}),
    "POST /runs/{run_id}/components/{component_id}": ("trader run", {"json": {"x": 1}}),
    "GET /runs": ("viewer", {}),
    "GET /runs/{run_id}": ("viewer run", {}),
    "GET /runs/{run_id}/report": ("viewer run", {}),
    "GET /runs/{run_id}/components": ("viewer run", {}),
    "GET /runs/{run_id}/messages": ("viewer run", {}),
    "GET /runs/{run_id}/logs": ("viewer run", {}),
    "POST /backtests": ("trader", {"json": {"strategy": "hodl", "balances": USD, **WINDOW, "store": False}}),
    "GET /backtests": ("viewer", {}),
    "GET /backtests/{backtest_id}": ("viewer", {}),
    "POST /backtests/{backtest_id}/cancel": ("trader", {}),
    "GET /backtests/{backtest_id}/events": ("viewer", {"stream": True}),
    "GET /logs": ("viewer", {}),
    "POST /archive/query": ("admin", {"json": {"sql": "SELECT 1"}}),
    "GET /audit/orders/{order_id}": ("viewer", {}),
    "GET /audit/runs/{run_id}": ("viewer run", {}),
    "GET /audit/commands": ("admin", {"params": {"account": "{account}"}}),
    "GET /audit/fees": ("viewer", {"params": {"account": "{account}", "format": "csv"}}),
    "GET /audit/ledger": ("viewer", {"params": {"account": "{account}"}}),
    "GET /audit/fills": ("admin", {}),
    "GET /audit/refused": ("viewer", {"params": {"account": "{account}"}}),
    "GET /audit/books/{venue}/{pair}": ("viewer", {"params": {"at": "2018-01-01T00:00:00Z"}}),
    "GET /audit/books/{venue}/{pair}/series": ("viewer", {"params": {"since": WINDOW["start"],
                                                                     "until": WINDOW["end"]}}),
    "POST /audit/sql": ("admin", {"json": {"sql": "SELECT 1"}}),
}


def _call(stack: Stack, method: str, path: str, key: str | None, account: str) -> httpx.Response:
    example = EXAMPLES[f"{method} {path}"][1]
    values = {**PATH_VALUES, "account": account, "run_id": stack.runs[account]}
    url = stack.base + path.format(**values)

    def fill(v: Any) -> Any:
        if isinstance(v, str):
            return v.replace("{ns}", stack.namespace).replace("{account}", account)
        if isinstance(v, dict):
            return {k: fill(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fill(x) for x in v]
        return v

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    kw = {"params": fill(example.get("params")), "json": fill(example.get("json")), "headers": headers,
          "timeout": 30}
    if example.get("stream"):
        with httpx.stream(method, url, **kw) as r:  # the status is enough: a stream never ends
            return r
    return httpx.request(method, url, **kw)


def _documented(route: APIRoute) -> set[int]:
    return {int(s) for s in route.responses if str(s).isdigit()} | {route.status_code or 200}


def test_every_route_answers_by_its_declared_role(stack: Stack) -> None:
    routes = _routes()
    unknown = sorted(f"{m} {p}" for p, r in routes for m in r.methods if f"{m} {p}" not in EXAMPLES)
    assert not unknown, f"routes without an example here (say how to call them): {unknown}"
    checked = 0
    for path, route in routes:
        need = need_of(route)
        for method in route.methods:
            where = f"{method} {path}"
            declared = "public" if not isinstance(need, Access) else \
                need.role.label + ("" if need.scope == "none" else f" {need.scope}")
            assert declared == EXAMPLES[where][0], f"{where} declares {declared}, not {EXAMPLES[where][0]}"
            if not isinstance(need, Access):  # public: anyone, and what it says is documented
                r = _call(stack, method, path, None, MINE)
                assert r.status_code in _documented(route), (where, r.status_code, r.text)
                continue
            r = _call(stack, method, path, None, MINE)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (where, r.text)
            if need.role > Role.VIEWER:
                r = _call(stack, method, path, stack.keys[Role(need.role - 1).label], MINE)
                assert r.status_code == 403 and f"needs the {need.role.label} role" in r.json()["detail"], \
                    (where, r.status_code, r.text)
            scoped = need.scope != "none" or (path == "/runs" and method == "POST")
            if scoped:
                r = _call(stack, method, path, stack.keys[need.role.label], THEIRS)
                assert r.status_code == 403 and "not granted account 'acct-b'" in r.json()["detail"], \
                    (where, r.status_code, r.text)
            every = EXAMPLES[where][1].get("every")  # a route for a principal of every account
            if every:
                r = _call(stack, method, path, stack.keys[need.role.label], MINE)
                assert r.status_code == 403 and "every account" in r.json()["detail"], (where, r.text)
            right = stack.keys[need.role.label] if (scoped or need.role < Role.ADMIN) and not every \
                else stack.keys["root"]
            r = _call(stack, method, path, right, MINE)
            assert r.status_code in _documented(route) and r.status_code not in (401, 403) \
                and r.status_code < 500, (where, r.status_code, r.text)
            checked += 1
    assert checked >= 45


def test_a_trader_starts_runs_on_the_pool_and_only_an_admin_deposits_for_one(stack: Stack) -> None:
    trader = {"Authorization": f"Bearer {stack.keys['trader']}"}
    body = {"strategy": "hodl", "account": MINE, "balances": USD}
    refused = httpx.post(f"{stack.base}/runs", json=body, headers=trader, timeout=30)
    assert refused.status_code == 403 and "needs the admin role" in refused.json()["detail"]
    admin = {"Authorization": f"Bearer {stack.keys['admin']}"}
    assert httpx.post(f"{stack.base}/runs", json=body, headers=admin, timeout=30).status_code == 202


def test_a_scoped_admin_manages_neither_users_nor_others_keys(stack: Stack) -> None:
    admin_a = {"Authorization": f"Bearer {stack.keys['admin']}"}
    assert httpx.get(f"{stack.base}/auth/users", headers=admin_a, timeout=10).status_code == 403
    made = httpx.post(f"{stack.base}/auth/keys", json={"user": "admin"}, headers=admin_a, timeout=10)
    assert made.status_code == 403 and "every account" in made.json()["detail"]
    mine = httpx.get(f"{stack.base}/auth/keys", params={"user": "admin"}, headers=admin_a, timeout=10).json()
    assert {k["user"] for k in mine} == {stack.users["admin"]}  # its own, whatever it asks


def test_lists_are_narrowed_to_the_granted_accounts(stack: Stack) -> None:
    viewer = {"Authorization": f"Bearer {stack.keys['viewer']}"}
    runs = httpx.get(f"{stack.base}/runs", params={"mode": "paper"}, headers=viewer, timeout=10).json()
    assert {r["account"] for r in runs} == {MINE}
    everyone = http.get(f"{stack.base}/runs", params={"mode": "paper"}, timeout=10).json()
    assert {r["account"] for r in everyone} >= {MINE, THEIRS}
    me = httpx.get(f"{stack.base}/auth/me", headers=viewer, timeout=10).json()
    assert me == {"user": stack.users["viewer"], "role": "viewer", "accounts": MINE,
                  "via": me["via"], "csrf_token": None, "expires": None} and me["via"].startswith("key:")


def test_a_route_without_a_declared_role_stops_the_app() -> None:
    from fastapi import FastAPI

    from api.security.access import secure_routes

    app = FastAPI()

    @app.get("/forgotten")
    def forgotten() -> int:
        return 1

    with pytest.raises(RuntimeError, match=r"/forgotten declares no role"):
        secure_routes(app)


def _events(base: str, headers: dict[str, str], kinds: str, until: Any, timeout: float = 30
            ) -> list[tuple[str, dict[str, Any]]]:
    import json

    got: list[tuple[str, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    with httpx.stream("GET", f"{base}/streams/events", params={"kinds": kinds}, headers=headers,
                      timeout=timeout) as r:
        assert r.status_code == 200, r.read()
        name = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name not in (None, "ready"):
                got.append((str(name), json.loads(line.split(":", 1)[1])))
                if until(got) or time.monotonic() > deadline:
                    break
    return got


def test_a_viewer_of_one_account_never_receives_another_accounts_events(stack: Stack) -> None:
    import threading

    viewer = {"Authorization": f"Bearer {stack.keys['viewer']}"}
    seen: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    def watch(who: str, headers: dict[str, str]) -> None:
        seen[who] = _events(stack.base, headers, "wallets,orders,fills,problems,notices",
                            lambda got: any(e.get("event_id", "").startswith("last-") for _, e in got))

    threads = [threading.Thread(target=watch, args=a) for a in (("viewer", viewer), ("root", http.AUTH))]
    for t in threads:
        t.start()
    time.sleep(1.5)  # both streams are open
    for i, account in enumerate([THEIRS, MINE, THEIRS, MINE]):
        last = "last-" if i == 3 else ""
        r = http.post(f"{stack.base}/accounts/{account}/deposits", json={
            **ONE_USD, "command_id": f"{last}sse-{stack.namespace}-{i}"}, timeout=30)
        assert r.status_code == 200, r.text
    for t in threads:
        t.join(40)
    accounts = {e.get("account") for _, e in seen["viewer"] if e.get("account")}
    assert accounts == {MINE}, seen["viewer"]
    assert {e.get("account") for _, e in seen["root"]} >= {MINE, THEIRS}
    asked = httpx.get(f"{stack.base}/streams/events", params={"account": THEIRS}, headers=viewer, timeout=10)
    assert asked.status_code == 403


def _login(base: str, user: str, password: str, **kw: Any) -> httpx.Response:
    return httpx.post(f"{base}/auth/login", json={"user": user, "password": password}, timeout=10, **kw)


def test_a_session_acts_only_with_its_csrf_token_from_this_site(stack: Stack) -> None:
    user = stack.users["trader"]
    assert _login(stack.base, user, "not the password").status_code == 401
    logged = _login(stack.base, user, f"{user}-password-long")
    assert logged.status_code == 200, logged.text
    cookie = logged.cookies["cryptick_session"]
    set_cookie = logged.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "secure" not in set_cookie  # http
    csrf = logged.json()["csrf_token"]
    jar = {"cryptick_session": cookie}
    deactivate = f"{stack.base}/accounts/{MINE}/wallet-sets/ws-none/deactivate"
    with httpx.Client(cookies=jar, timeout=30) as browser:
        sets = f"{stack.base}/accounts/{MINE}/wallet-sets"
        assert browser.get(sets).status_code == 200  # reads need no token
        assert browser.get(f"{stack.base}/auth/me").json()["csrf_token"] == csrf  # after a reload
        # a cross-site HTML form: the cookie (where SameSite lets it), a form body, no token
        form = browser.post(deactivate, content=b"x=1", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"})
        assert form.status_code == 403 and "X-CSRF-Token" in form.json()["detail"]
        stolen = browser.post(deactivate, json={}, headers={"X-CSRF-Token": csrf,
                                                            "Origin": "https://evil.example"})
        assert stolen.status_code == 403 and "evil.example" in stolen.json()["detail"]
        wrong = browser.post(deactivate, json={}, headers={"X-CSRF-Token": csrf[:-2] + "xx"})
        assert wrong.status_code == 403
        mine = browser.post(deactivate, json={}, headers={"X-CSRF-Token": csrf, "Origin": stack.base})
        assert mine.status_code == 422 and mine.json()["reason"] == "unknown_wallet_set", mine.text
        assert browser.post(f"{stack.base}/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert browser.get(sets).status_code == 401


def test_keys_made_listed_and_revoked_with_the_cli(stack: Stack) -> None:
    import subprocess
    import sys

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "cryptick.cli", *args], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    made = cli("keys", "create", "--user", stack.users["viewer"], "--expires-days", "1", "--label", "bot")
    key = made.split("key (shown once): ", 1)[1].strip()
    key_id = key.split(".", 1)[0].removeprefix("ck_")
    bearer = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{stack.base}/auth/me", headers=bearer, timeout=10).json()["via"] == f"key:{key_id}"
    listed = cli("keys", "list", "--user", stack.users["viewer"])
    assert key_id in listed and "active" in listed and key.split(".", 1)[1] not in listed
    cli("keys", "revoke", key_id)
    refused = httpx.get(f"{stack.base}/auth/me", headers=bearer, timeout=10)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert "revoked" in cli("keys", "list", "--user", stack.users["viewer"])


def test_each_command_carries_the_principal_that_sent_it(stack: Stack, kafka_bootstrap: str) -> None:
    from floor.kafka import read_topic
    from schemas.codec import Codec
    from schemas.events import DepositFunds, StartRun
    from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL, qualified

    codec = Codec()
    ledger = read_topic(kafka_bootstrap, qualified(LEDGER_JOURNAL, stack.namespace))
    deposits = [codec.decode(r.value) for r in ledger if codec.event_type(r.value) is DepositFunds]
    by_id = {d.event_id: d.principal for d in deposits}
    assert by_id[f"sse-{stack.namespace}-0"] == "admin"  # the tests' admin key
    strategy = read_topic(kafka_bootstrap, qualified(STRATEGY_JOURNAL, stack.namespace))
    starts = [codec.decode(r.value) for r in strategy if codec.event_type(r.value) is StartRun]
    assert {s.principal for s in starts} >= {"admin", stack.users["trader"]}  # the fixture's two runs


def test_answers_carry_security_headers_and_cors_is_closed(stack: Stack) -> None:
    r = httpx.get(f"{stack.base}/health", timeout=10)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    preflight = httpx.options(f"{stack.base}/accounts/{MINE}/deposits", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "access-control-allow-origin" not in preflight.headers


def test_a_credential_over_its_rate_is_told_when_to_retry(kafka_bootstrap: str, stack: Stack) -> None:
    with running_api(kafka_bootstrap, stack.namespace, RATE_LIMIT_PER_S="0.5", RATE_LIMIT_BURST="3") as base:
        viewer = {"Authorization": f"Bearer {stack.keys['viewer']}"}
        answers = [httpx.get(f"{base}/strategies", headers=viewer, timeout=10) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert int(answers[-1].headers["retry-after"]) in (1, 2)
        other = httpx.get(f"{base}/strategies", headers=http.AUTH, timeout=10)
        assert other.status_code == 200  # per credential
        for _ in range(10):
            _login(base, "nobody", "wrong password")
        assert _login(base, "nobody", "wrong password").status_code == 429  # guessing passwords is slow
