"""``infra/compose.yaml`` runs the stack ``cryptick up`` runs: every service's command is a real
``cryptick`` command with options it takes, and the services cover the stack (no Docker engine here to
start it; this is what can be checked without one: the file as written, and as ``docker compose`` reads
it, its variables substituted from ``infra/.env.example``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from typer.main import get_command

from cryptick.cli import app

COMPOSE = Path(__file__).parents[3] / "infra" / "compose.yaml"


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
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


# --- safe defaults (DESIGN §9): ports on 127.0.0.1, Kafka and ClickHouse unreachable from outside,
# passwords from infra/.env (git-ignored, kept out of the image), every variable in infra/.env.example

ROOT = COMPOSE.parents[1]
ENV_EXAMPLE = ROOT / "infra" / ".env.example"
APP_SERVICES = {"topics", "worker", "archive", "feed", "api"}
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, $VAR
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                       r"|(?P<bare>[A-Za-z_]\w*))")


def interpolate(text: str, env: dict[str, str]) -> str:
    """``text`` with its variables substituted as ``docker compose`` does (``$$`` is a ``$``)."""

    def one(m: re.Match[str]) -> str:
        name = m["braced"] or m["bare"]
        op, arg, value = m["op"] or "", m["arg"] or "", env.get(name)
        given = value is not None and (value != "" or not op.startswith(":"))
        if op.endswith("-"):
            return value if given and value is not None else arg
        if op.endswith("?"):
            if not given:
                raise KeyError(f"{name}: {arg}")
            return value or ""
        if op.endswith("+"):
            return arg if given else ""
        return value or ""

    return "$".join(_VARIABLE.sub(one, part) for part in text.split("$$"))


def example_env() -> dict[str, str]:
    """infra/.env.example's variables, each placeholder (``<...>``) filled in as a user would."""
    env = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = f"filled-{name.strip().lower()}" if value.startswith("<") else value
    return env


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE.read_text(), example_env()))
    return loaded


def _published(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host address, host port) of each port the service publishes, short or long syntax."""
    out = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            out.append((str(port.get("host_ip", "")), str(port.get("published", ""))))
            continue
        text = str(port).split("/")[0]
        host, _, container = text.rpartition(":")
        address, _, host_port = host.rpartition(":") if host else ("", "", "")
        out.append((address.strip("[]"), host_port or container))
    return out


def test_every_published_port_binds_the_loopback_address_only() -> None:
    published = {name: _published(s) for name, s in _compose()["services"].items() if s.get("ports")}
    assert published == {"api": [("127.0.0.1", "8000")], "prometheus": [("127.0.0.1", "9090")],
                         "grafana": [("127.0.0.1", "3000")]}
    assert all("network_mode" not in s for s in _compose()["services"].values())


def test_the_port_parser_sees_an_open_binding() -> None:
    assert _published({"ports": ["8000:8000", "9000", "0.0.0.0:1:1", {"target": 1, "published": 2}]}) == [
        ("", "8000"), ("", "9000"), ("0.0.0.0", "1"), ("", "2")]


def test_kafka_and_clickhouse_are_on_the_internal_network_only() -> None:
    compose = _compose()
    networks, services = compose["networks"], compose["services"]
    internal = {name for name, n in networks.items() if (n or {}).get("internal") is True}
    assert internal == {"internal"}
    for name in ("kafka", "clickhouse"):
        assert services[name]["networks"] == ["internal"], name
        assert "ports" not in services[name], name
    for name in APP_SERVICES:
        assert "internal" in services[name]["networks"], name  # they reach Kafka (and ClickHouse)
        assert set(services[name]["networks"]) <= set(networks), name
    assert "front" in services["api"]["networks"]  # the published port needs a network that is not internal


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    pairs = env.items() if isinstance(env, dict) else (e.partition("=")[::2] for e in env)
    return {k: str(v) for k, v in pairs}


def test_the_compose_file_holds_no_password() -> None:
    text = COMPOSE.read_text()
    markers = {name: f"from-env-file-{name}" for name in _used(text)}
    services = yaml.safe_load(interpolate(text, markers))["services"]
    checked = 0
    for name, service in services.items():
        for key, value in _environment(service).items():
            password = urlsplit(value).password if "://" in value else None
            if password is not None:
                checked += 1
                assert password in markers.values(), f"{name}: a password in {key}"
            if re.search(r"PASSWORD|SECRET|TOKEN|_KEY$", key):
                checked += 1
                assert value in ("", *markers.values()), f"{name}: {key} is not from infra/.env"
    assert checked >= 8  # the DSN of each app service, the server's password, the admin's credentials


def test_the_services_reach_clickhouse_as_the_user_the_server_is_given() -> None:
    services, env = _compose()["services"], example_env()
    server = services["clickhouse"]["environment"]
    assert (server["CLICKHOUSE_USER"], server["CLICKHOUSE_PASSWORD"]) == (env["CLICKHOUSE_USER"],
                                                                         env["CLICKHOUSE_PASSWORD"])
    for name in APP_SERVICES:
        dsn = urlsplit(services[name]["environment"]["CLICKHOUSE_DSN"])
        user = (server["CLICKHOUSE_USER"], server["CLICKHOUSE_PASSWORD"])
        assert (dsn.username, dsn.password, dsn.hostname) == (*user, "clickhouse"), name
    assert services["api"]["environment"]["CRYPTICK_ADMIN_PASSWORD"] == env["CRYPTICK_ADMIN_PASSWORD"]


def test_a_missing_password_stops_compose_with_what_to_do() -> None:
    env = example_env()
    del env["CLICKHOUSE_PASSWORD"]
    with pytest.raises(KeyError, match=r"CLICKHOUSE_PASSWORD: set it in infra/\.env"):
        interpolate(COMPOSE.read_text(), env)


def _used(text: str) -> set[str]:
    return {m["braced"] or m["bare"] for m in _VARIABLE.finditer(text.replace("$$", ""))}


def test_the_example_env_file_names_every_variable_the_compose_file_uses_and_holds_no_secret() -> None:
    used = _used(COMPOSE.read_text())
    listed = set(example_env())
    assert used and used <= listed, f"not in infra/.env.example: {sorted(used - listed)}"
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, eq, value = line.partition("=")
        if eq and not line.startswith("#") and re.search(r"PASSWORD|SECRET|TOKEN|KEY", name):
            assert value == "" or value.startswith("<"), f"{name}: a value in the example, not a placeholder"


def test_the_env_file_is_ignored_by_git_and_kept_out_of_the_image() -> None:
    def ignored(path: str) -> bool:
        done = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", path], check=False)
        assert done.returncode in (0, 1), "not a git work tree"
        return done.returncode == 0

    assert ignored("infra/.env") and ignored(".env")
    assert not ignored("infra/.env.example")
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in dockerignore and "**/.env" in dockerignore  # the image is built from the repository


# the compose specification's top-level and service keys that this file may use (a subset of the spec)
TOP_LEVEL = {"name", "services", "networks", "volumes", "secrets", "configs"}
SERVICE_KEYS = {"image", "build", "command", "entrypoint", "environment", "env_file", "networks", "ports",
                "expose", "depends_on", "healthcheck", "restart", "volumes", "secrets", "user", "read_only",
                "cap_drop", "security_opt", "working_dir", "stop_grace_period", "labels", "init", "configs"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def test_the_file_has_the_shape_compose_reads() -> None:
    compose = _compose()
    assert {k for k in compose if not k.startswith("x-")} <= TOP_LEVEL
    services, networks = compose["services"], compose["networks"]
    for name, service in services.items():
        assert set(service) <= SERVICE_KEYS, f"{name}: {set(service) - SERVICE_KEYS}"
        assert ("image" in service) != ("build" in service), name
        env = service.get("environment") or {}
        assert all(isinstance(v, str | int | float | bool) or v is None for v in env.values()), name
        assert set(service.get("networks", [])) <= set(networks), name
        for other, need in service.get("depends_on", {}).items():
            assert other in services and need["condition"] in CONDITIONS, (name, other)
            if need["condition"] == "service_healthy":
                assert "healthcheck" in services[other], f"{name} waits for {other}, which has no healthcheck"
        command = service.get("command")
        assert command is None or (isinstance(command, list) and all(isinstance(c, str) for c in command))
