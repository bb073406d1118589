"""A paper run's start, planned once for the API and the CLI: checked without I/O, then its messages in the
order they are sent (deposits, confirmed, then the start, then the history), with ids a retry repeats."""

from __future__ import annotations

import pytest

from schemas.events import SCALE, Allocation, DepositFunds, HistoricalCandle, HistoryLoaded, StartRun
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL, run_wallet_set
from strategies.start import StartInvalid, StartRequest, check, plan

USD = [Allocation("synthetic", "USD", 100 * SCALE), Allocation("synthetic", "BTC", SCALE)]


def request(**kw: object) -> StartRequest:
    given: dict[str, object] = {"strategy": "demo", "params": {"interval_s": "2"}, "allocations": USD,
                                "account": "acct"}
    return StartRequest(**(given | kw))  # type: ignore[arg-type]


def history(run_id: str) -> list[HistoryLoaded]:
    c = HistoricalCandle(0, 60_000_000, SCALE, SCALE, SCALE, SCALE, SCALE, 1)
    return [HistoryLoaded(f"{run_id}:history:{i}", run_id, "synthetic", "BTC-USD", 60, [c] * (i + 1), 5)
            for i in range(2)]


def test_deposits_are_confirmed_first_then_the_start_then_the_history() -> None:
    checked = check(request(key="k1"))
    run_id = checked.spec.run_id
    planned = plan(checked, 5, "user:ann", history(run_id))
    assert [(m.topic, m.key, type(m.event), m.confirm) for m in planned.messages] == [
        (LEDGER_JOURNAL, "acct", DepositFunds, True), (LEDGER_JOURNAL, "acct", DepositFunds, True),
        (STRATEGY_JOURNAL, run_id, StartRun, False),
        (STRATEGY_JOURNAL, run_id, HistoryLoaded, False), (STRATEGY_JOURNAL, run_id, HistoryLoaded, False)]
    deposits = [m.event for m in planned.messages if isinstance(m.event, DepositFunds)]
    assert [(d.event_id, d.currency, d.amount, d.ts, d.principal) for d in deposits] == [
        (f"{run_id}:deposit:0", "USD", 100 * SCALE, 5, "user:ann"),
        (f"{run_id}:deposit:1", "BTC", SCALE, 5, "user:ann")]
    start = planned.messages[2].event
    assert isinstance(start, StartRun)
    assert (start.event_id, start.strategy, start.params_json, start.account, start.wallet_set_id,
            start.principal) == (f"{run_id}:start", "demo", '{"interval_s": "2"}', "acct",
                                 run_wallet_set(run_id), "user:ann")
    assert planned.history_candles == 3 and planned.spec == checked.spec


def test_without_a_deposit_the_start_goes_first() -> None:
    planned = plan(check(request(deposit=False)), 5, "p")
    assert [type(m.event) for m in planned.messages] == [StartRun]
    assert planned.history_candles == 0


def test_under_a_key_the_run_and_its_commands_are_the_same_whatever_else_the_retry_says() -> None:
    first = check(request(key="k1", account="paper", params={}))
    assert first.spec.run_id == "demo-db805ce921"  # the id the API has always given this key
    again = check(request(key="k1", account="paper", allocations=USD[:1], duration_s=60))
    assert again.spec.run_id == first.spec.run_id and again.spec.duration_us == 60_000_000
    ids = [m.event.event_id for m in plan(first, 1, "p").messages]
    assert ids == [m.event.event_id for m in plan(check(request(key="k1", account="paper", params={})),
                                                   2, "p").messages]
    assert check(request(key="k2", account="paper")).spec.run_id != first.spec.run_id
    assert check(request(key="k1", account="other")).spec.run_id != first.spec.run_id


def test_without_a_key_the_run_id_comes_from_its_configuration_and_tag() -> None:
    usd = [Allocation("synthetic", "USD", SCALE)]
    cli = request(strategy="hodl", params={"bases": "BTC"}, allocations=usd, account="paper", tag="1")
    assert check(cli).spec.run_id == "hodl-2d10feb6be"  # the ids the CLI has always given
    timed = request(strategy="hodl", params={"bases": "BTC"}, allocations=usd, account="paper", tag="1",
                    duration_s=30)
    assert check(timed).spec.run_id == "hodl-481d9a3507"
    assert check(request(tag="2")).spec.run_id != check(request(tag="3")).spec.run_id


@pytest.mark.parametrize(("given", "fields", "says"), [
    ({"strategy": "nope"}, ("strategy",), "unknown strategy 'nope'"),
    ({"params": {"interval_s": "soon"}}, ("params.interval_s",), "expected a whole number"),
    ({"params": {"sizes": "1"}}, ("params.sizes",), "demo takes no parameter sizes"),
    ({"allocations": []}, ("allocations",), "at least one allocation"),
    ({"duration_s": 0}, ("duration_s",), "must be positive"),
])
def test_what_cannot_start_is_refused_with_the_fields_it_is_about(
        given: dict[str, object], fields: tuple[str, ...], says: str) -> None:
    with pytest.raises(StartInvalid) as refused:
        check(request(**given))
    assert refused.value.fields == fields and says in str(refused.value)
    assert refused.value.unknown == (fields == ("strategy",))
