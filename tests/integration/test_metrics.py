"""Metrics under a real run: a worker's /metrics counts what its agents processed, a planted dead letter
appears under its reason and the lag returns to 0; the API's /metrics counts requests by route template
and status, and says what its replica sees; only a principal of every account reads them."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.security.policy import Role
from cryptick.flows import WorkerProcess
from floor.kafka import create_topics, producer
from schemas.codec import encode
from schemas.events import SCALE, BookSnapshot, DepositFunds, Level, OrderAccepted, OrderRequested
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, all_topics, partition_of, qualified
from tests.integration.conftest import free_port, running_api
from tests.integration.http import AUTH, get
from tests.integration.live_stack import add_key, add_user, wait_for

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items()
               if n == name and all((k, x) in ls for k, x in labels.items()))


def present(samples: Samples, name: str, **labels: str) -> bool:
    return any(n == name and all((k, x) in ls for k, x in labels.items()) for (n, ls) in samples)


@pytest.mark.parametrize("runtime", ["direct", "faust"])
def test_a_workers_metrics_count_its_agents_work_and_dead_letters_by_reason(
        kafka_bootstrap: str, namespace: str, tmp_path: Path, runtime: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    prod = producer(kafka_bootstrap)
    ledger, venue = qualified(LEDGER_JOURNAL, namespace), qualified(VENUE_JOURNAL, namespace)
    prod.produce(ledger, key=b"main", value=b"\x00garbage", partition=0)  # undecodable
    deposits = [DepositFunds(f"dep-{i}", "main", "synthetic", "USD", 10**8, i + 1) for i in range(3)]
    for d in deposits:
        prod.produce(ledger, key=b"main", value=encode(d), partition=partition_of(LEDGER_JOURNAL, b"main"))
    prod.produce(venue, key=b"synthetic:BTC-USD", value=encode(deposits[0]),  # a command on the venue's inbox
                 partition=partition_of(VENUE_JOURNAL, b"synthetic:BTC-USD"))
    order = OrderRequested("req-1", "o-1", "main", "run-x", "no-such-set", "synthetic", "BTC-USD", "buy",
                           "limit", 10**6, 10**12, False, None, 5)  # refused: its wallet set does not exist
    prod.produce(ledger, key=b"main", value=encode(order), partition=partition_of(LEDGER_JOURNAL, b"main"))
    # a book with one ask, two orders that want it: the second finds it taken by the first (a refusal)
    book = [BookSnapshot("snap-1", "synthetic", "ETH-USD", 1, 1, None, [Level(99 * SCALE, SCALE)],
                         [Level(101 * SCALE, SCALE)])]
    book += [OrderAccepted(f"acc-{n}", f"o-{n}", "main", "run-x", "ws", "synthetic", "ETH-USD", "buy", "ioc",
                           SCALE, 101 * SCALE, False, None, "USD", 102 * SCALE, 2) for n in (1, 2)]
    for e in book:
        prod.produce(venue, key=b"synthetic:ETH-USD", value=encode(e),
                     partition=partition_of(VENUE_JOURNAL, b"synthetic:ETH-USD"))
    assert prod.flush(10) == 0

    port = free_port()
    worker = WorkerProcess(kafka_bootstrap, namespace, log_path=tmp_path / "worker.log", runtime=runtime,
                           roles=("matching", "ledger", "routers"), metrics_port=port).start()
    try:
        worker.wait_caught_up()

        def scraped() -> Samples | None:
            try:
                s = parse(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
            except httpx.HTTPError:
                return None
            # the lag is known once the runtime told the metrics the inbox's end (each second)
            ready = present(s, "cryptick_agent_consumer_lag_messages", inbox=LEDGER_JOURNAL) and \
                total(s, "cryptick_agent_events_in_total", inbox=LEDGER_JOURNAL) >= 5 + 3  # routed back too
            return s if ready else None

        s = wait_for("the worker's metrics with its lag", scraped, timeout=30)
    finally:
        worker.stop()

    on_ledger = {"inbox": LEDGER_JOURNAL}
    # the five planted, and the matching's fill and two ends the routers bring back to the ledger
    assert total(s, "cryptick_agent_events_in_total", **on_ledger) == 5 + 3
    assert total(s, "cryptick_agent_events_out_total", **on_ledger) >= 5  # a movement each, the letter...
    assert total(s, "cryptick_agent_dead_letters_total", reason="undecodable", **on_ledger) == 1
    assert total(s, "cryptick_agent_dead_letters_total", reason="foreign", inbox=VENUE_JOURNAL) == 1
    assert total(s, "cryptick_agent_processing_seconds_count", **on_ledger) == 5 + 3
    assert total(s, "cryptick_agent_outputs_total", type="WalletMovement", **on_ledger) == 3
    assert total(s, "cryptick_agent_outcomes_total", type="OrderRejected", reason="unknown_wallet_set",
                 **on_ledger) == 1
    assert total(s, "cryptick_ledger_commands_total", command="DepositFunds", outcome="accepted") == 3
    assert total(s, "cryptick_ledger_commands_total", command="OrderRequested",
                 outcome="unknown_wallet_set") == 1
    on_venue = {"inbox": VENUE_JOURNAL}
    assert total(s, "cryptick_matching_orders_total", order_type="ioc", outcome="filled", **on_venue) == 1
    assert total(s, "cryptick_matching_orders_total", order_type="ioc", outcome="ioc_remainder_cancelled",
                 **on_venue) == 1
    assert total(s, "cryptick_matching_consumed_refusals_total", order_type="ioc", **on_venue) == 1
    assert total(s, "cryptick_agent_outputs_total", type="OrderFilled", **on_venue) == 1
    assert total(s, "cryptick_agent_consumer_lag_messages", **on_ledger) == 0
    assert total(s, "cryptick_agent_consumer_lag_seconds", **on_ledger) == 0
    assert present(s, "process_resident_memory_bytes")


def test_the_apis_metrics_count_requests_by_route_and_status_for_a_principal_of_every_account(
        kafka_bootstrap: str, namespace: str, fresh_archive: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    with running_api(kafka_bootstrap, namespace, "--archive") as api_server:
        _the_apis_metrics(kafka_bootstrap, namespace, api_server)


def _the_apis_metrics(kafka_bootstrap: str, namespace: str, api_server: str) -> None:
    assert get(f"{api_server}/accounts/acct-m1/orders").status_code == 200
    assert get(f"{api_server}/accounts/acct-m2/orders").status_code == 200
    assert httpx.get(f"{api_server}/accounts/acct-m1/orders").status_code == 401  # no credential
    assert httpx.get(f"{api_server}/metrics").status_code == 401

    r = get(f"{api_server}/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    s = parse(r.text)
    orders = {"route": "/accounts/{account}/orders", "method": "GET"}
    assert total(s, "cryptick_api_requests_total", status="200", **orders) == 2  # one series for both
    assert total(s, "cryptick_api_requests_total", status="401", **orders) == 1
    assert total(s, "cryptick_api_request_seconds_count", **orders) == 3
    assert not any("acct-m1" in str(labels) for _, labels in s)  # no account (or order) as a label
    assert total(s, "cryptick_replica_up") == 1
    assert present(s, "cryptick_sse_clients")

    # the archive sink: what it wrote, and its lag behind each topic back to 0
    deposit = DepositFunds("dep-m", "acct-m1", "synthetic", "USD", 10**8, 1)
    prod = producer(kafka_bootstrap)
    prod.produce(qualified(LEDGER_JOURNAL, namespace), key=b"acct-m1", value=encode(deposit),
                 partition=partition_of(LEDGER_JOURNAL, b"acct-m1"))
    assert prod.flush(10) == 0
    ledger = qualified(LEDGER_JOURNAL, namespace)

    def archived() -> Samples | None:
        s = parse(get(f"{api_server}/metrics").text)
        done = total(s, "cryptick_archive_rows_written_total") >= 1 and \
            present(s, "cryptick_archive_lag_messages", topic=ledger) and \
            total(s, "cryptick_archive_lag_messages", topic=ledger) == 0
        return s if done else None

    s = wait_for("the deposit archived and the sink's lag at 0", archived, timeout=60)
    assert total(s, "cryptick_archive_up") == 1 and total(s, "cryptick_archive_inserts_total") >= 1

    # a viewer of one account reads its orders, not the metrics of every account
    name = f"metrics-{uuid.uuid4().hex[:6]}"
    add_user(name, Role.VIEWER, ["acct-m1"], "a long password for the metrics")
    key = add_key(name)
    scoped = httpx.get(f"{api_server}/metrics", headers={"Authorization": f"Bearer {key}"})
    assert scoped.status_code == 403 and "every account" in scoped.json()["detail"]
    assert httpx.get(f"{api_server}/metrics", headers=AUTH).status_code == 200


def test_a_feed_that_stops_shows_in_the_book_age_metric_and_health(kafka_bootstrap: str,
                                                                   namespace: str) -> None:
    """A few synthetic book updates, then nothing: the book's age grows past the silence limit, and both the
    metric and /health say so (the limit is 2 s here; 60 s by default, as the alert's)."""
    from producers.feed_runner import run_synthetic

    create_topics(kafka_bootstrap, all_topics(namespace))
    with running_api(kafka_bootstrap, namespace, FEED_SILENT_S="2") as base:
        run_synthetic(kafka_bootstrap, namespace, steps=3, speed=0)  # the feed's last messages

        def fresh() -> Samples | None:
            s = parse(get(f"{base}/metrics").text)
            known = present(s, "cryptick_book_last_message_age_seconds", venue="synthetic", pair="BTC-USD")
            return s if known else None

        s = wait_for("the synthetic books in the replica", fresh, timeout=60)
        assert total(s, "cryptick_book_stale", venue="synthetic", pair="BTC-USD") == 0

        def silent() -> tuple[Samples, dict] | None:  # type: ignore[type-arg]
            feeds = next(c for c in get(f"{base}/health").json()["components"] if c["name"] == "feeds")
            s = parse(get(f"{base}/metrics").text)  # read after /health: the age only grows
            return (s, feeds) if feeds["status"] == "degraded" else None

        s, feeds = wait_for("/health to call the feed silent", silent, timeout=30)
        assert "silent for over 2 s" in feeds["detail"] and "synthetic:BTC-USD" in feeds["detail"]
        assert total(s, "cryptick_book_last_message_age_seconds", venue="synthetic", pair="BTC-USD") > 2


def test_the_archive_sink_alone_serves_its_metrics(kafka_bootstrap: str, namespace: str,
                                                   tmp_path: Path) -> None:
    """``cryptick archive --follow`` (compose runs it as a service of its own): what it wrote and its lag."""
    import os
    import subprocess
    import sys

    create_topics(kafka_bootstrap, all_topics(namespace))
    prod = producer(kafka_bootstrap)
    prod.produce(qualified(LEDGER_JOURNAL, namespace), key=b"main",
                 partition=partition_of(LEDGER_JOURNAL, b"main"),
                 value=encode(DepositFunds("dep-a", "main", "synthetic", "USD", 10**8, 1)))
    assert prod.flush(10) == 0
    port = free_port()
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
               CLICKHOUSE_DSN=f"chdb://{tmp_path / 'ch'}")
    with (tmp_path / "archive.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "cryptick.cli", "archive", "--follow", "--namespace",
                                 namespace, "--metrics-port", str(port)], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    ledger = qualified(LEDGER_JOURNAL, namespace)
    try:
        def archived() -> Samples | None:
            try:
                s = parse(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
            except httpx.HTTPError:
                return None
            done = total(s, "cryptick_archive_rows_written_total") >= 1 and \
                present(s, "cryptick_archive_lag_messages", topic=ledger) and \
                total(s, "cryptick_archive_lag_messages", topic=ledger) == 0
            return s if done else None

        s = wait_for("the archive sink's metrics", archived, timeout=90)
    finally:
        proc.terminate()
        proc.wait(30)
    assert total(s, "cryptick_archive_up") == 1 and total(s, "cryptick_archive_inserts_total") >= 1
    assert present(s, "process_resident_memory_bytes")
