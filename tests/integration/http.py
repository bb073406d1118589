"""httpx as the tests' admin: the test session registers ``ADMIN_KEY`` (``CRYPTICK_ADMIN_KEY``) for every
API it starts (tests/conftest.py), and these calls send it. Tests of who may do what make their own
principals (tests/integration/test_security*.py)."""

from __future__ import annotations

from typing import Any

import httpx

ADMIN_KEY = "ck_testadmin0001.tests-only-admin-key-0123456789abcdefghijklmnop"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _headers(kw: dict[str, Any]) -> dict[str, Any]:
    return {**AUTH, **(kw.pop("headers", None) or {})}


def get(url: str, **kw: Any) -> httpx.Response:
    return httpx.get(url, headers=_headers(kw), **kw)


def post(url: str, **kw: Any) -> httpx.Response:
    return httpx.post(url, headers=_headers(kw), **kw)


def stream(method: str, url: str, **kw: Any) -> Any:
    return httpx.stream(method, url, headers=_headers(kw), **kw)


def client(**kw: Any) -> httpx.Client:
    return httpx.Client(headers=_headers(kw), **kw)
