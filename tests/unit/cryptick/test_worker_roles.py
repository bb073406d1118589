"""Worker roles that would split the book readers across processes are refused."""

from __future__ import annotations

import pytest

from cryptick.worker import processors


def test_the_fanout_without_matching_is_refused() -> None:
    with pytest.raises(ValueError, match="fanout role needs matching in the same worker"):
        processors("127.0.0.1:1", "ns", ("fanout", "ledger", "routers", "strategies"))


def test_live_roles_run_the_fanout_beside_matching_and_a_replay_runs_neither_it_nor_the_routers() -> None:
    from cryptick.worker import REPLAY_ROLES, ROLES
    from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL, VENUE_JOURNAL
    from streams.runtime.direct import Together

    live = processors("127.0.0.1:1", "ns", ROLES)
    assert isinstance(live[VENUE_JOURNAL], Together) and STRATEGY_JOURNAL in live
    replay = processors("127.0.0.1:1", "ns", REPLAY_ROLES)
    assert not isinstance(replay[VENUE_JOURNAL], Together) and STRATEGY_JOURNAL in replay
    assert set(replay) == {VENUE_JOURNAL, LEDGER_JOURNAL, STRATEGY_JOURNAL}
