"""The alert rules and the Grafana dashboard shipped in infra/: well formed, every metric they name is one
the code exports (a renamed metric would silence an alert), and, with promtool, valid and behaving as
their unit tests say (infra/prometheus/alerts.test.yml)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from prometheus_client import generate_latest

from api.metrics import ApiMetrics, StateCollector
from api.services.run_views import RunsFold
from api.services.views import ReplicaStatus
from cryptick.worker import shell
from producers.exchanges.connect import ConnectorStats
from producers.feed_metrics import FeedCollector
from schemas.codec import encode
from schemas.events import SCALE, BookSnapshot, DepositFunds, Level, OrderAccepted, OrderRequested
from strategies.topology import LEDGER, MATCHING
from streams.runtime.metrics import agent_registry, process_registry

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "infra" / "prometheus"
DASHBOARD = ROOT / "infra" / "grafana" / "dashboards" / "cryptick.json"
NAME = re.compile(r"\b(cryptick_[a-z_]+)")


def exported() -> set[str]:
    """Every sample name the worker's and the API's registries expose (built with the services present)."""
    registry, agents = agent_registry()
    p = shell(LEDGER)  # the real ledger: a deposit, and an order it refuses
    agents.watch(p).set_highwater(0, 2)
    p.process(0, 0, b"main", encode(DepositFunds("d", "main", "v", "USD", 100, 1)))
    p.process(0, 1, b"main", encode(OrderRequested("r", "o", "main", "run", "no-set", "v", "BTC-USD", "buy",
                                                   "limit", 1, 1, False, None, 2)))
    matching = shell(MATCHING)  # the real matching agent: a book, and an order it fills
    agents.watch(matching)
    matching.process(0, 0, b"v:BTC-USD", encode(BookSnapshot("s", "v", "BTC-USD", 1, 1, None, [],
                                                             [Level(SCALE, SCALE)])))
    matching.process(0, 1, b"v:BTC-USD", encode(OrderAccepted("a", "o", "main", "run", "ws", "v", "BTC-USD",
                                                              "buy", "ioc", SCALE, SCALE, False, None, "USD",
                                                              2 * SCALE, 2)))
    matching.observer.refusals["ioc"] = 1  # type: ignore[union-attr]  # its family, as a refusal makes it
    api = ApiMetrics()
    api.requests.labels("GET", "/health", "200").inc()
    api.observe_command("DepositFunds", None, 0.01)
    api.latency.labels("GET", "/health").observe(0.01)
    sink = SimpleNamespace(archived=1, lag=lambda: {"t.ledger.journal": 0},
                           writer=SimpleNamespace(inserts=1, insert_seconds=0.1))
    views = SimpleNamespace(
        status=lambda: ReplicaStatus(alive=True, error=None, behind=0, dead_letters=0, last_problem=None,
                                     last_problem_age_s=None, books={"coinbase:BTC-USD": (False, 1.0)}),
        feeds=lambda: {"coinbase": ("connected", "", 0)},
        run_views=lambda: (RunsFold(), threading.Lock()), mids=dict)
    state = SimpleNamespace(views=views, hub=SimpleNamespace(clients=1, events=1, dropped_clients=0),
                            archive=SimpleNamespace(alive=True, sink=sink))
    api.registry.register(StateCollector(state))
    feeds = FeedCollector()
    stats = ConnectorStats(connections=1, messages=3, last_message_s=1.0)
    feeds.watch([SimpleNamespace(feed=SimpleNamespace(venue="coinbase"), stats=stats, connected=True)],
                SimpleNamespace(sent=3))
    text = "".join(generate_latest(r).decode() for r in (registry, api.registry, process_registry(feeds)))
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {line.split("{")[0].split(" ")[0] for line in lines}


def rules() -> list[dict]:  # type: ignore[type-arg]
    doc = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def test_every_alert_says_how_bad_what_and_where_to_look() -> None:
    names = [r["alert"] for r in rules()]
    assert len(names) == len(set(names)) >= 10
    for r in rules():
        assert r["labels"]["severity"] in ("warning", "critical"), r["alert"]
        assert r["annotations"]["summary"] and r["annotations"]["description"], r["alert"]
        assert r["alert"].startswith("Cryptick"), r["alert"]


def test_the_alerts_and_the_dashboard_name_only_metrics_the_code_exports() -> None:
    have = exported()
    in_rules = {n for r in rules() for n in NAME.findall(r["expr"])}
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    in_dashboard = {n for e in exprs for n in NAME.findall(e)}
    assert len(in_rules) >= 10 and len(in_dashboard) >= 12
    assert not in_rules - have, f"alerts on metrics nothing exports: {sorted(in_rules - have)}"
    assert not in_dashboard - have, f"panels of metrics nothing exports: {sorted(in_dashboard - have)}"
    # each of the alerts has its rule: feed silent or stale, lag, dead letters, down, archive, ledger
    alerts = {r["alert"] for r in rules()}
    assert {"CryptickFeedSilent", "CryptickBookStale", "CryptickConsumerLagGrowing", "CryptickDeadLetters",
            "CryptickAgentDown", "CryptickReplicaDown", "CryptickArchiveBehind",
            "CryptickLedgerDiscrepancy"} <= alerts


def promtool() -> str | None:
    found = os.environ.get("CRYPTICK_PROMTOOL") or shutil.which("promtool")
    cached = Path(os.environ.get("CRYPTICK_CACHE", Path.home() / ".cache" / "cryptick")) / "bin" / "promtool"
    return found or (str(cached) if cached.exists() else None)


@pytest.mark.skipif(promtool() is None, reason="promtool is not installed here (make promtool builds it)")
def test_promtool_finds_the_rules_valid_and_their_unit_tests_pass() -> None:
    tool = promtool()
    assert tool is not None
    checked = subprocess.run([tool, "check", "rules", "alerts.yml"], cwd=PROMETHEUS, capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([tool, "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS, capture_output=True,
                            text=True, timeout=120)
    assert tested.returncode == 0, tested.stdout + tested.stderr


@pytest.mark.skipif(promtool() is None, reason="promtool is not installed here (make promtool builds it)")
def test_promtool_finds_the_scrape_config_valid(tmp_path: Path) -> None:
    """The compose stack's Prometheus config, its container paths pointed at the files here."""
    tool = promtool()
    assert tool is not None
    (tmp_path / "api-key").write_text("ck_example.a-key-for-the-check\n")
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    config = (PROMETHEUS / "prometheus.yml").read_text().replace("/etc/prometheus/", f"{tmp_path}/")
    (tmp_path / "prometheus.yml").write_text(config)
    checked = subprocess.run([tool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
