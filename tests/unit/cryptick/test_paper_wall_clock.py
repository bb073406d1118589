"""``cryptick paper --for`` on the wall clock: ``--for`` counts event time, so a follower stops a run whose
feed lags or stopped, gives up on a run that does not answer, and warns of a feed on another clock."""

from __future__ import annotations

from cryptick.paper import STOP_GRACE_S, STOP_WAIT_S, feed_clock_warning, overdue

US = 1_000_000
T0 = 1_700_000_000 * US  # the start command's wall-clock time


def test_a_run_is_followed_until_its_duration_and_the_grace_have_passed() -> None:
    end = T0 + (600 + int(STOP_GRACE_S)) * US
    assert overdue(T0, T0, 600, None, ended=False) == "follow"
    assert overdue(end - 1, T0, 600, None, ended=False) == "follow"
    assert overdue(end, T0, 600, None, ended=False) == "stop"
    assert overdue(end + 3600 * US, T0, 600, None, ended=False) == "stop"


def test_a_run_without_a_duration_is_never_stopped_on_the_wall_clock() -> None:
    assert overdue(T0 + 10 * 86400 * US, T0, None, None, ended=False) == "follow"


def test_a_run_that_ended_is_followed_to_its_last_messages() -> None:
    assert overdue(T0 + 3600 * US, T0, 60, None, ended=True) == "follow"
    assert overdue(T0 + 3600 * US, T0, 60, T0 + 70 * US, ended=True) == "follow"


def test_the_stop_is_sent_once_then_the_follower_waits_then_gives_up() -> None:
    sent = T0 + 75 * US
    wait = int(STOP_WAIT_S) * US
    assert overdue(sent + 1, T0, 60, sent, ended=False) == "follow"  # not "stop" again
    assert overdue(sent + wait - 1, T0, 60, sent, ended=False) == "follow"
    assert overdue(sent + wait, T0, 60, sent, ended=False) == "give up"


def test_a_stop_the_user_asked_for_is_given_up_on_the_same_way() -> None:
    sent = T0 + 5 * US  # Ctrl-C, long before the duration
    assert overdue(sent + int(STOP_WAIT_S) * US, T0, None, sent, ended=False) == "give up"
    assert overdue(sent + int(STOP_WAIT_S) * US, T0, 3600, sent, ended=False) == "give up"


def test_the_grace_and_the_wait_can_be_given() -> None:
    assert overdue(T0 + 61 * US, T0, 60, None, False, grace_s=1) == "stop"
    assert overdue(T0 + 61 * US, T0, 60, None, False, grace_s=2) == "follow"
    assert overdue(T0 + 5 * US, T0, 60, T0, False, wait_s=5) == "give up"


def test_a_feed_on_the_wall_clock_gets_no_warning() -> None:
    assert feed_clock_warning(T0 - 60 * US, T0) is None
    assert feed_clock_warning(T0 + 60 * US, T0) is None


def test_a_feed_started_in_2018_is_said_to_be_years_behind() -> None:
    warning = feed_clock_warning(1_514_764_800 * US, T0)  # 2018-01-01 00:00 UTC
    assert warning == ("warning: the market feed's clock is 6 years behind the wall clock (its events are "
                       "stamped 2018-01-01 00:00:00 UTC: a feed started with --start?); --for counts the "
                       "feed's event time")


def test_a_feed_ahead_or_lagging_by_minutes_is_said_so() -> None:
    assert "9 days behind" in (feed_clock_warning(T0 - 9 * 86400 * US, T0) or "")
    assert "3 hours ahead of" in (feed_clock_warning(T0 + 3 * 3600 * US, T0) or "")
    assert "5 minutes behind" in (feed_clock_warning(T0 - 300 * US, T0) or "")
    assert "61 s behind" in (feed_clock_warning(T0 - 61 * US, T0) or "")

