"""Every command and subcommand answers --help; bad configuration gets a clear message."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cryptick.cli import app
from floor.settings import Settings

runner = CliRunner()


def command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: Any, prefix: list[str]) -> None:
        paths.append(prefix)
        if hasattr(cmd, "commands"):  # a group (typer ships its own click)
            for name, sub in cmd.commands.items():
                walk(sub, [*prefix, name])

    walk(root, [])
    return paths


def test_the_cli_has_the_commands_a_user_needs() -> None:
    names = {" ".join(p) for p in command_paths()}
    assert {"infra up", "infra down", "infra status", "worker", "archive", "replay", "demo", "api",
            "topics create", "topics delete", "wallets show", "wallets history", "up", "strategies"} <= names


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "cryptick")
def test_help(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_a_bad_clickhouse_dsn_is_refused_with_what_to_fix() -> None:
    with pytest.raises(ValueError, match="CLICKHOUSE_DSN must start with chdb://"):
        Settings(clickhouse_dsn="postgres://x")


def test_defaults_are_the_local_broker_and_embedded_clickhouse() -> None:
    s = Settings(kafka_bootstrap_servers="", clickhouse_dsn="", cryptick_kafka_port=9999)
    assert s.bootstrap == "127.0.0.1:9999"
    assert s.dsn.startswith("chdb://")


def test_wallet_history_refuses_a_time_it_cannot_read() -> None:
    result = runner.invoke(app, ["wallets", "history", "--at", "yesterday"])
    assert result.exit_code == 2
    assert "is not a time" in result.output
