"""The ``cryptick wallets`` views (composition: engines, Kafka, ClickHouse, printing)."""

from __future__ import annotations

from collections.abc import Callable

from schemas.topics import LEDGER_JOURNAL, qualified
from streams.ledger.engine import Ledger
from streams.money import to_decimal_str

Echo = Callable[[str], None]


def show_now(bootstrap: str, namespace: str, account: str, echo: Echo) -> None:
    from replay.inprocess import kafka_source
    from strategies.topology import LEDGER, Configs
    from streams.runtime.shell import processor

    proc = processor(LEDGER, Configs())
    for partition, offset, key, value in kafka_source(bootstrap, qualified(LEDGER_JOURNAL, namespace)):
        proc.process(partition, offset, key, value)
    ledgers = [e for e in proc.engines.values() if isinstance(e, Ledger) and account in e.accounts()]
    if not ledgers:
        echo(f"account {account!r} has no ledger events in namespace {namespace!r}")
        return
    ledger = ledgers[0]
    for view in ledger.wallet_sets(account):
        state = "active" if view.active else "deactivated"
        echo(f"wallet set {view.wallet_set_id} (run {view.run_id}, {state}, {view.open_orders} open orders)")
        for (venue, currency), b in view.balances.items():
            echo(f"  {venue:<10} {currency:<5} balance {to_decimal_str(b.balance):>16}  "
                 f"available {to_decimal_str(b.available):>16}  hold {to_decimal_str(b.hold):>14}")
    for label, amounts in (("unallocated", ledger.unallocated(account)), ("total", ledger.total(account))):
        echo(f"{label}:")
        for (venue, currency), n in amounts.items():
            echo(f"  {venue:<10} {currency:<5} {to_decimal_str(n):>16}")


def show_history(dsn: str, namespace: str, account: str, ts: int, wallet: str | None, echo: Echo) -> None:
    from replay.ledger_history import balances_at
    from streams.archive.clickhouse import get_client

    rows = balances_at(get_client(dsn), namespace, account, ts, wallet)
    if not rows:
        echo("no archived balances for that account and time")
    for (w, venue, currency, bucket), amount in rows.items():
        if w != "external":
            echo(f"{w:<12} {venue:<10} {currency:<5} {bucket:<9} {to_decimal_str(amount):>16}")
