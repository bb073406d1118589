"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from api.fields import ID_PATTERN, PAIR_PATTERN, VENUE_PATTERN
from api.security.access import PUBLIC, Access
from api.security.policy import Principal, Role
from api.services.commands import CommandBus
from api.services.event_hub import EventHub
from api.services.views import AgentViews
from floor.settings import Settings


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _namespace(request: Request) -> str:
    namespace: str = request.app.state.namespace
    return namespace


async def _views(request: Request) -> AgentViews:
    views: AgentViews = request.app.state.views
    return views


async def _hub(request: Request) -> EventHub:
    hub: EventHub = request.app.state.hub
    return hub


async def _commands(request: Request) -> CommandBus:
    bus: CommandBus = request.app.state.commands
    return bus


SettingsDep = Annotated[Settings, Depends(_settings)]
NamespaceDep = Annotated[str, Depends(_namespace)]
ViewsDep = Annotated[AgentViews, Depends(_views)]
HubDep = Annotated[EventHub, Depends(_hub)]
CommandsDep = Annotated[CommandBus, Depends(_commands)]
AccountPath = Annotated[str, Path(pattern=ID_PATTERN, description="The account's id.")]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
VenuePath = Annotated[str, Path(pattern=VENUE_PATTERN)]
PairPath = Annotated[str, Path(pattern=PAIR_PATTERN, description="BASE-QUOTE, e.g. BTC-USD.")]


# --- who may call: every route declares one of these (api.security.access) --------------------
PUBLIC_ROUTE = [Depends(PUBLIC)]
"""``dependencies=PUBLIC_ROUTE``: anyone may call it (rate-limited per client address)."""
Viewer = Annotated[Principal, Depends(Access(Role.VIEWER))]
VIEWER_ROUTE = [Depends(Access(Role.VIEWER))]
"""``dependencies=VIEWER_ROUTE``: a viewer of any account (market data)."""
Trader = Annotated[Principal, Depends(Access(Role.TRADER))]
Admin = Annotated[Principal, Depends(Access(Role.ADMIN))]
AccountViewer = Annotated[Principal, Depends(Access(Role.VIEWER, "account"))]
AccountTrader = Annotated[Principal, Depends(Access(Role.TRADER, "account"))]
AccountAdmin = Annotated[Principal, Depends(Access(Role.ADMIN, "account"))]
RunViewer = Annotated[Principal, Depends(Access(Role.VIEWER, "run"))]
RunTrader = Annotated[Principal, Depends(Access(Role.TRADER, "run"))]
