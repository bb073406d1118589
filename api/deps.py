"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.services.commands import CommandBus
from api.services.views import AgentViews
from cryptick.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _namespace(request: Request) -> str:
    namespace: str = request.app.state.namespace
    return namespace


def _views(request: Request) -> AgentViews:
    views: AgentViews = request.app.state.views
    return views


def _commands(request: Request) -> CommandBus:
    bus: CommandBus = request.app.state.commands
    return bus


SettingsDep = Annotated[Settings, Depends(_settings)]
NamespaceDep = Annotated[str, Depends(_namespace)]
ViewsDep = Annotated[AgentViews, Depends(_views)]
CommandsDep = Annotated[CommandBus, Depends(_commands)]
