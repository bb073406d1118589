"""What authenticating a request costs: the same read with its auth dependency and without, and that
dependency's work alone.

In one process, on one broker, in a fresh namespace holding the synthetic BTC-USD listing and a few
book events (no worker: the API's replica folds them), the API (``create_app``, uvicorn on a thread; a
fresh auth store with a made admin key; the rate limit lifted, so the bucket is taken but never
refuses) serves ``GET /markets`` as it is — its viewer dependency parses ``Authorization``, verifies
the key in SQLite, takes the credential's token bucket and checks the role — and, as the baseline, the
very same route function at ``/bench/markets`` without any dependency of who calls (added by this
bench only; the app serves nothing like it). The same header goes to both. Measured in each round:
  over HTTP    one keep-alive client alternates the two, request by request; p50 and p99 of each;
  in the app   the same alternation through the ASGI app itself (middleware, routing, dependencies,
               the endpoint in the thread pool, the response), no socket and no client thread;
  served       ``AuthStore.verify_key``'s own time inside those requests (the app's store timed);
  loops        tight loops, µs per call: the whole dependency (a ``Request`` made per call, the
               bearer and cookie extraction, ``Access(viewer)``: ``authenticate`` and the policy
               check), ``verify_key`` alone, ``RateLimiter.take`` alone, the loop itself.
What auth costs a request is the difference of the p50s (with minus without): it includes FastAPI
solving three more dependencies, and whatever the SQLite call costs amid the server's other threads,
which a tight loop does not see. Rounds alternate which goes first; the summary is min and median
over rounds.

Usage: .venv/bin/python bench/auth.py [--rounds R] [--requests K] [--quick]
(needs a broker: `cryptick infra up`)
"""

from __future__ import annotations

import asyncio
import gc
import math
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from admin_key import admin_key  # this folder's, imported before the folder leaves the path

# run as ``python bench/auth.py``, this folder comes first on the path, and its api.py would shadow the
# project's ``api`` package
if sys.path and sys.path[0] == str(Path(__file__).resolve().parent):
    sys.path.pop(0)

ROUTE, BARE = "/markets", "/bench/markets"


def arg(argv: Sequence[str], name: str, default: int) -> int:
    return int(argv[argv.index(name) + 1]) if name in argv else default


def pct(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)] if s else math.nan


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def per_call(fn: Callable[[int], Awaitable[None]], n: int) -> float:
    """Seconds per call of ``n`` calls made inside ``fn`` (one event loop, made outside the clock)."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(fn(100))  # warm
        gc.collect()
        t = time.perf_counter()
        loop.run_until_complete(fn(n))
        return (time.perf_counter() - t) / n
    finally:
        loop.close()


def main(argv: Sequence[str]) -> None:
    quick = "--quick" in argv
    rounds = arg(argv, "--rounds", 3 if quick else 5)
    requests = arg(argv, "--requests", 500 if quick else 2000)
    loops = 5_000 if quick else 20_000

    import uvicorn
    from starlette.requests import Request

    from api.app import create_app
    from api.models import MarketOut
    from api.routes.markets import markets
    from api.security.access import _bearer, _cookie, api_routes, need_of
    from api.security.policy import Role
    from floor.kafka import create_topics, delete_topics
    from floor.settings import get_settings
    from producers.publish import publish
    from producers.scenario import Message, listing_messages
    from producers.synthetic import SyntheticConfig, SyntheticFeed
    from schemas.topics import VENUE_JOURNAL, all_topics, venue_key

    folder = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    key = admin_key(folder)
    key.register()
    settings = get_settings().model_copy(update={"cryptick_cache": folder / "cache", **key.settings})
    ns = f"benchauth{uuid.uuid4().hex[:8]}"
    create_topics(settings.bootstrap, all_topics(ns))
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    try:
        feed = SyntheticFeed(SyntheticConfig(bases=("BTC",)))
        msgs = [m for lst in feed.listings() for m in listing_messages(lst)]
        msgs += [Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e)  # type: ignore[union-attr]
                 for e in feed.events(50)]
        publish(settings.bootstrap, msgs, ns)

        app = create_app(settings, ns)
        app.add_api_route(BARE, markets, methods=["GET"], response_model=list[MarketOut])  # no auth
        access = need_of(next(r for path, r in api_routes(app) if path == ROUTE and "GET" in r.methods))
        assert access is not None and access.role == Role.VIEWER, access
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, headers=key.headers)
        deadline = time.monotonic() + 60
        while True:  # the replica folds the listing
            try:
                listed = client.get(ROUTE)
                if listed.status_code == 200 and listed.json():
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{ROUTE} listed nothing within 60 s")
            time.sleep(0.2)
        with_auth, bare = client.get(ROUTE), client.get(BARE)
        assert same(with_auth.json()) == same(bare.json()), (with_auth.json(), bare.json())
        assert httpx.get(f"http://127.0.0.1:{port}{ROUTE}").status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}{BARE}").status_code == 200
        print(f"GET {ROUTE}: {len(with_auth.content)} bytes ({len(with_auth.json())} market); "
              f"{rounds} rounds of {requests} requests each way, loops of {loops:,} calls")

        store, limiter = app.state.auth, app.state.rate_limiter
        scope: dict[str, Any] = {
            "type": "http", "method": "GET", "path": ROUTE, "raw_path": ROUTE.encode(), "query_string": b"",
            "headers": [(b"host", f"127.0.0.1:{port}".encode()), (b"accept", b"*/*"),
                        (b"authorization", f"Bearer {key.key}".encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", port), "scheme": "http",
            "http_version": "1.1", "app": app, "path_params": {}}

        async def dependency(n: int) -> None:
            for _ in range(n):
                request = Request(scope)
                bearer = await _bearer(request)
                cookie = await _cookie(request)
                await access(request, bearer, cookie)

        async def verify(n: int) -> None:
            for _ in range(n):
                real_verify(key.key, int(time.time()))

        async def take(n: int) -> None:
            for _ in range(n):
                limiter.take(principal.via, time.monotonic())

        async def nothing(n: int) -> None:
            for _ in range(n):
                Request(scope)

        async def asgi(path: str) -> None:
            """One request through the app itself (its middleware, routing, dependencies, endpoint in the
            thread pool, response), no socket."""
            done, status = asyncio.Event(), 0

            async def receive() -> dict[str, Any]:
                if not done.is_set() and not sent_body:
                    sent_body.append(True)
                    return {"type": "http.request", "body": b"", "more_body": False}
                await done.wait()
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                elif message["type"] == "http.response.body" and not message.get("more_body"):
                    done.set()

            sent_body: list[bool] = []
            await app({**scope, "path": path, "raw_path": path.encode()}, receive, send)
            if status != 200:
                raise RuntimeError(f"GET {path} in the app: {status}")

        async def asgi_pair(first: str, second: str, n: int) -> dict[str, list[float]]:
            for path in (first, second):  # warm both
                for _ in range(50):
                    await asgi(path)
            out: dict[str, list[float]] = {first: [], second: []}
            gc.collect()
            for _ in range(n):
                for path in (first, second):
                    t = time.perf_counter()
                    await asgi(path)
                    out[path].append(time.perf_counter() - t)
            return out

        # FastAPI's solving of the dependency runs the same three calls: check they answer, once
        principal = asyncio.run(_principal(access, _bearer, _cookie, Request(scope)))
        assert principal.role == Role.ADMIN, principal
        real_verify = store.verify_key
        micro: dict[str, Callable[[int], Awaitable[None]]] = {
            "dependency": dependency, "verify_key": verify, "take": take, "loop itself": nothing}
        served: list[float] = []  # verify_key's own time inside the requests served

        def timed_verify(given: str, now: int) -> object:
            t = time.perf_counter()
            try:
                return real_verify(given, now)
            finally:
                served.append(time.perf_counter() - t)

        rows: list[dict[str, float]] = []
        for r in range(rounds):
            first, second = (ROUTE, BARE) if r % 2 == 0 else (BARE, ROUTE)
            row: dict[str, float] = {}
            store.verify_key = timed_verify  # this instance's only: the app's store, for the pairs
            try:
                for path in (first, second):  # warm both
                    for _ in range(50):
                        client.get(path).raise_for_status()
                lat: dict[str, list[float]] = {ROUTE: [], BARE: []}
                gc.collect()
                served.clear()
                for _ in range(requests):
                    for path in (first, second):
                        t = time.perf_counter()
                        client.get(path).raise_for_status()
                        lat[path].append(time.perf_counter() - t)
                row |= {"auth p50": pct(lat[ROUTE], .5), "auth p99": pct(lat[ROUTE], .99),
                        "bare p50": pct(lat[BARE], .5), "bare p99": pct(lat[BARE], .99),
                        "verify served http": pct(served, .5)}
                loop = asyncio.new_event_loop()
                try:
                    loop.run_until_complete(asgi_pair(first, second, 50))  # warm
                    served.clear()
                    lat = loop.run_until_complete(asgi_pair(first, second, requests))
                finally:
                    loop.close()
                row |= {"app auth p50": pct(lat[ROUTE], .5), "app bare p50": pct(lat[BARE], .5),
                        "verify served app": pct(served, .5)}
            finally:
                del store.verify_key  # the class's again
            row["http difference"] = row["auth p50"] - row["bare p50"]
            row["app difference"] = row["app auth p50"] - row["app bare p50"]
            for name in list(micro) if r % 2 == 0 else list(micro)[::-1]:
                row[name] = per_call(micro[name], loops if name != "take" else loops * 10)
            rows.append(row)
            print(f"  round {r + 1}: p50 with auth / without / difference: over HTTP "
                  f"{row['auth p50'] * 1e6:.0f} / {row['bare p50'] * 1e6:.0f} / "
                  f"{row['http difference'] * 1e6:+.0f} µs, in the app {row['app auth p50'] * 1e6:.0f} / "
                  f"{row['app bare p50'] * 1e6:.0f} / {row['app difference'] * 1e6:+.0f} µs\n"
                  f"           verify_key served p50 {row['verify served http'] * 1e6:.1f} µs (HTTP), "
                  f"{row['verify served app'] * 1e6:.1f} µs (app); loops: dependency "
                  f"{row['dependency'] * 1e6:.1f} µs, verify_key {row['verify_key'] * 1e6:.1f} µs, take "
                  f"{row['take'] * 1e6:.2f} µs, loop itself {row['loop itself'] * 1e6:.2f} µs", flush=True)
        client.close()

        def mm(name: str, unit: float = 1e6, digits: int = 1) -> str:
            xs = [row[name] * unit for row in rows]
            return f"{min(xs):9.{digits}f} {statistics.median(xs):9.{digits}f}"

        print(f"\nsummary over {rounds} rounds: min and median")
        print(f"  GET {ROUTE} over HTTP (ms)   with auth  p50 {mm('auth p50', 1e3, 3)}   p99 "
              f"{mm('auth p99', 1e3, 3)}")
        print(f"                               without    p50 {mm('bare p50', 1e3, 3)}   p99 "
              f"{mm('bare p99', 1e3, 3)}")
        print(f"  in the app, no socket (µs)   with auth  p50 {mm('app auth p50')}")
        print(f"                               without    p50 {mm('app bare p50')}")
        print("  auth per request (µs)")
        print(f"    p50 difference over HTTP                  {mm('http difference')}")
        print(f"    p50 difference in the app                 {mm('app difference')}")
        print(f"    verify_key inside served requests, HTTP   {mm('verify served http')}")
        print(f"    verify_key inside served requests, app    {mm('verify served app')}")
        print(f"    tight loop: the whole dependency          {mm('dependency')}")
        print(f"    tight loop: verify_key                    {mm('verify_key')}")
        print(f"    tight loop: RateLimiter.take              {mm('take', digits=2)}")
        print(f"    tight loop: the loop itself               {mm('loop itself', digits=2)}")
        share = [row["http difference"] / row["auth p50"] for row in rows]
        print(f"  auth is {statistics.median(share):.1%} of the read's p50 over HTTP (median over rounds; "
              f"{min(share):.1%} to {max(share):.1%})")
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(30)
        delete_topics(settings.bootstrap, [t.name for t in all_topics(ns)])
        shutil.rmtree(folder, ignore_errors=True)


def same(markets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An answer of ``/markets`` without what changes by the second (a book's age)."""
    return [{**m, "book": m["book"] and {**m["book"], "last_update_age_s": None}} for m in markets]


async def _principal(access: Any, bearer: Any, cookie: Any, request: Any) -> Any:
    return await access(request, await bearer(request), await cookie(request))


if __name__ == "__main__":
    main(sys.argv[1:])
