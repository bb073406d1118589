"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cryptick.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _namespace(request: Request) -> str:
    namespace: str = request.app.state.namespace
    return namespace


SettingsDep = Annotated[Settings, Depends(_settings)]
NamespaceDep = Annotated[str, Depends(_namespace)]
