"""Run the agents of one namespace as a Faust worker (composition root)."""

from __future__ import annotations

import logging

import faust

from streams.runtime.app import Runtime, create_app

ROLES = ("matching", "ledger", "routers")
REPLAY_ROLES = ("matching", "ledger")  # a replay's inboxes already hold what routers added


def build(bootstrap: str, namespace: str, roles: tuple[str, ...] = ROLES) -> faust.App:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; choose from {', '.join(ROLES)}")
    app = create_app(bootstrap, namespace)
    rt = Runtime(app, bootstrap, namespace)
    if "matching" in roles:
        from streams.matching import agent as matching

        matching.register(rt)
    if "ledger" in roles:
        from streams.ledger import agent as ledger

        ledger.register(rt)
    if "routers" in roles:
        from streams.routing import agent as routing

        routing.register(rt)
    return app


def run(bootstrap: str, namespace: str, roles: tuple[str, ...] = ROLES, loglevel: str = "warning") -> None:
    logging.basicConfig(level=loglevel.upper())
    app = build(bootstrap, namespace, roles)
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()
