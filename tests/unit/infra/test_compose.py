"""``infra/compose.yaml`` runs the stack ``cryptick up`` runs: every service's command is a real
``cryptick`` command with options it takes, and the services cover the stack (no Docker engine here to
start it; this is what can be checked without one)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.main import get_command

from cryptick.cli import app

COMPOSE = Path(__file__).parents[3] / "infra" / "compose.yaml"


def _services() -> dict[str, dict]:
    services: dict[str, dict] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def test_the_stack_is_all_there() -> None:
    services = _services()
    assert {"kafka", "clickhouse", "topics", "worker", "archive", "feed", "api"} <= set(services)
    assert services["feed"]["environment"]["CRYPTICK_FEEDS"] == "${CRYPTICK_FEEDS:-synthetic}"


def test_every_command_is_one_the_cli_takes() -> None:
    root = get_command(app)
    for name, service in _services().items():
        command = service.get("command")
        if not command or command[0] != "cryptick":
            continue
        args, cmd, ctx = list(command[1:]), root, None
        while args and hasattr(cmd, "commands") and args[0] in cmd.commands:
            cmd = cmd.commands[args.pop(0)]
        assert not hasattr(cmd, "commands"), f"{name}: {command} names no command"
        ctx = cmd.make_context(cmd.name, args, resilient_parsing=False)  # raises on an unknown option
        assert ctx is not None, name
