"""How a command's outcome reads over HTTP: a dead-lettered command is a rejection with the reason, never
'accepted' or 'duplicate'; a reused id of another account is a 409 that does not show the original."""

from __future__ import annotations

import pytest
from fastapi import HTTPException, Response

from api.routes.runs import _funded
from api.services.command_outcome import decided, outcome_response
from api.services.commands import Outcome
from api.services.views import Seen
from schemas.events import CommandRejected, DeadLetter, WalletMovement

DEAD = DeadLetter("dl-1", "ledger.journal", 0, 7, b"bob", b"...", "OverflowError: too big", 1)


def test_a_dead_lettered_command_is_rejected_with_its_reason() -> None:
    code, out = decided("c-1", [DEAD])
    assert code == 422 and out.status == "rejected" and out.reason == "not_processed"
    assert "OverflowError" in (out.detail or "") and out.events == []


def test_a_retry_of_a_dead_lettered_command_is_not_a_duplicate_success() -> None:
    response = Response()
    out = outcome_response(Outcome("c-1", 0, 7, [DEAD], duplicate=True), response)
    assert response.status_code == 422 and out.status == "rejected" and out.reason == "not_processed"


def test_another_accounts_id_is_a_conflict_without_the_original() -> None:
    response = Response()
    theirs = Seen(b"", -1, -1, [], "")
    out = outcome_response(Outcome("c-2", 1, 3, [], conflict=theirs), response)
    assert response.status_code == 409 and out.status == "conflict" and out.original is None
    assert "another account" in (out.detail or "")
    mine = Seen(b"x", 1, 3, [WalletMovement("c-2:ok", "bob", "deposit", "c-2")], "bob")
    out = outcome_response(Outcome("c-2", 1, 3, [], conflict=mine), Response())
    assert out.original is not None and out.original.status == "accepted"


def test_a_run_start_stops_at_a_refused_or_conflicting_deposit() -> None:
    _funded("k", Outcome("d", 0, 1, [WalletMovement("d:ok", "bob", "deposit", "d")]))  # funded: goes on
    rejected = CommandRejected("d:r", "d", "bob", "amount_out_of_range", "big", 1)
    with pytest.raises(HTTPException) as refused:
        _funded("k", Outcome("d", 0, 1, [rejected]))
    assert refused.value.status_code == 422 and "amount_out_of_range" in refused.value.detail
    with pytest.raises(HTTPException) as dead:
        _funded("k", Outcome("d", 0, 1, [DEAD]))
    assert dead.value.status_code == 422
    with pytest.raises(HTTPException) as reused:
        _funded("k", Outcome("d", 0, 1, [], conflict=Seen(b"", 0, 1, [], "bob")))
    assert reused.value.status_code == 409 and "'k'" in reused.value.detail


def test_the_status_a_commands_latency_is_counted_under() -> None:
    from api.services.command_outcome import status_of

    movement = WalletMovement("m", "bob", "deposit", "c")
    assert status_of(None) == "not_delivered"
    assert status_of(Outcome("c", 0, 1, None)) == "pending"
    assert status_of(Outcome("c", 0, 1, [DEAD])) == "rejected"
    assert status_of(Outcome("c", 0, 1, [CommandRejected("r", "c", "bob", "x", "why", 1)])) == "rejected"
    assert status_of(Outcome("c", 0, 1, [movement])) == "accepted"
    assert status_of(Outcome("c", 0, 1, [movement], duplicate=True)) == "duplicate"
    assert status_of(Outcome("c", 0, 1, [], conflict=Seen(b"", -1, -1, [], ""))) == "conflict"


def test_an_unreadable_archive_answers_503_and_is_logged_once_with_its_cause(
        caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from api.errors import archive_unreadable

    down = ConnectionError(f"server down {id(caplog)}")  # a cause of this test's own
    with caplog.at_level(logging.WARNING, logger="api.errors"):
        answers = [archive_unreadable(down) for _ in range(3)]
    assert all(a.status_code == 503 and "server down" in a.detail for a in answers)
    [record] = [r for r in caplog.records if r.name == "api.errors"]
    assert record.exc_info is not None and record.exc_info[1] is down
