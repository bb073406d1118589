"""The Messages page in a real Chromium against the real stack (worker, an API that archives the
namespace, a live synthetic market, a demo run quoting every second): a viewer of the account opens
the run's messages, filters them to one type, sees a newer one arrive live and reads its body; on a
phone-width screen the page fits, and an archive that cannot be read is told in words to act on.

Bounded for CI: one stack, one browser, each wait at most 30 s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from api.security.policy import Role
from tests.integration import http
from tests.integration.browser import browser, real_problems, shot, sign_in
from tests.integration.live_stack import RunSite, live_stack, start_demo_run, wait_for

pytestmark = pytest.mark.integration

ACCOUNT = "acct-msgs"
TYPE = "UiComponentUpdated"  # the demo run emits one each second (its quotes table)


@pytest.fixture(scope="module")
def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunSite]:
    # the market goes on while the browser looks at it; --archive: this API writes the namespace to its
    # embedded archive and reads the messages from it
    with live_stack(kafka_bootstrap, tmp_path_factory.mktemp("dashboard-messages"), seed=7, batch=10,
                    pause_s=0.1, archive=True) as stack:
        base = stack.base
        user, password = stack.user("viewer", Role.VIEWER, {ACCOUNT})
        run_id = start_demo_run(base, ACCOUNT)

        def two_messages() -> bool:
            r = http.get(f"{base}/runs/{run_id}/messages", params={"types": TYPE}, timeout=20)
            return r.status_code == 200 and len(r.json()["messages"]) >= 2

        wait_for(f"two {TYPE} messages of the run", two_messages)
        yield RunSite(base, user, password, run_id)


def test_a_viewer_filters_a_runs_messages_by_type_and_sees_a_new_one_arrive(site: RunSite) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/{site.run_id}/messages", 1280, 720, site.user,
                                site.password)
        rows = page.get_by_test_id("message-row")
        expect(rows.first).to_be_visible()
        expect(page.get_by_test_id("messages-status")).to_contain_text("Live")
        # both directions are there unfiltered: what the run received and what it emitted
        expect(page.locator("[data-testid=message-row][data-direction=inbox]").first).to_be_attached()
        expect(page.locator("[data-testid=message-row][data-direction=outputs]").first).to_be_attached()
        shot(page, "messages")

        page.get_by_role("combobox", name="Types").fill(TYPE[:8])
        page.get_by_role("option", name=re.compile(f"^{TYPE}")).click()
        page.keyboard.press("Escape")
        expect(page).to_have_url(re.compile(f"types={TYPE}"))
        expect(page.locator(f"[data-testid=message-row]:not([data-type={TYPE}])")).to_have_count(0)
        expect(rows.first).to_have_attribute("data-type", TYPE)

        # newest first, and a newer one arrives while the page is open
        listing = page.get_by_test_id("messages")
        first_time = rows.first.get_by_role("cell").first.get_attribute("title")
        first_count = int(listing.get_attribute("data-count") or 0)
        assert first_count >= 2
        times = [rows.nth(i).get_by_role("cell").first.get_attribute("title") for i in range(2)]
        assert times[0] >= times[1], times
        expect(rows.first.get_by_role("cell").first).not_to_have_attribute("title", first_time or "")
        # the count follows (the newest row may show a render before the count does, on a busy machine)
        expect(listing).not_to_have_attribute("data-count", str(first_count))
        assert int(listing.get_attribute("data-count") or 0) > first_count

        # paused, nothing new comes in
        page.get_by_role("button", name="Pause live").click()
        expect(page.get_by_test_id("messages-status")).to_contain_text("Paused")
        paused_count = listing.get_attribute("data-count")
        page.wait_for_timeout(3000)
        assert listing.get_attribute("data-count") == paused_count
        page.get_by_role("button", name="Resume live").click()
        expect(page.get_by_test_id("messages-status")).to_contain_text("Live")

        # the body, as formatted JSON, in a dialog the keyboard can close
        rows.first.get_by_role("button", name=re.compile("^Body of")).click()
        body = page.get_by_test_id("message-body")
        expect(body).to_contain_text(f'"type": "{TYPE}"')
        expect(body).to_contain_text('"component_id": "quotes"')
        expect(body).to_contain_text('"our_bid": "')  # its data_json, shown as the JSON it holds
        page.keyboard.press("Escape")
        expect(body).to_be_hidden()

        # outputs only: this type is an output, so the same rows stay; inbox only: none of them
        page.get_by_text("Inbox", exact=True).click()
        expect(page).to_have_url(re.compile("direction=inbox"))
        expect(page.get_by_text("No message of this run matches the filter")).to_be_visible()

        page.get_by_role("link", name=re.compile("^← Run")).click()
        expect(page).to_have_url(re.compile(f"/ui/runs/{site.run_id}$"))
        assert real_problems(page) == [], page.problems
        context.close()


def test_on_a_phone_the_page_fits_and_an_archive_that_cannot_be_read_says_what_to_do(site: RunSite) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/{site.run_id}/messages", 390, 844, site.user,
                                site.password)
        expect(page.get_by_test_id("message-row").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        shot(page, "messages-phone")
        assert real_problems(page) == [], page.problems

        # the API's answer when its archive cannot be read (another process holds the embedded store)
        page.route(re.compile(r"/runs/[^/]+/messages\?"), lambda route: route.fulfill(
            status=503, headers={"Retry-After": "1"}, content_type="application/json",
            body='{"status": "unavailable", "detail": "the archive cannot be read: the store is locked"}'))
        page.reload()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("the archive cannot be read: the store is locked")
        expect(page.get_by_test_id("archive-hint")).to_contain_text("cryptick api --archive")
        page.unroute(re.compile(r"/runs/[^/]+/messages\?"))
        alert.get_by_role("button", name="Try again").click()
        expect(page.get_by_test_id("message-row").first).to_be_visible()
        expect(page.get_by_role("alert")).to_have_count(0)
        context.close()


START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def archived(i: int) -> dict[str, Any]:
    """Message ``i`` of a long synthetic run, a millisecond after message ``i - 1``."""
    inbox = i % 3 != 0
    kind = "BookDelta" if inbox else "StrategyLogged"
    return {"direction": "inbox" if inbox else "outputs", "type": kind,
            "time": (START + timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "topic": "x.strategy.journal.v1" if inbox else "x.strategy.events.v1",
            "partition": 0, "offset": i,
            "event": {"type": kind, "n": i, "message": f"message {i}"}}


def test_a_long_run_stays_responsive_pages_back_and_polls_only_the_newest(site: RunSite) -> None:
    """25,000 messages (the API's answers stood in for, in its own paging: cursors, pages of at most
    5,000, no `next` on the last): the newest 20,000 are held, the list draws a screenful, scrolling
    stays smooth, "Older messages" reads the rest, and the polls read only what is new."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    total = [25_000]
    answered: list[tuple[str | None, int, int]] = []  # after, limit, messages sent

    def answer(route: Any) -> None:
        q = {k: v[0] for k, v in parse_qs(urlparse(route.request.url).query).items()}
        after, limit = q.get("after"), int(q.get("limit", "1000"))
        start = int(after[1:]) + 1 if after else 0
        end = min(total[0], start + limit)
        answered.append((after, limit, end - start))
        answer_body = {"messages": [archived(i) for i in range(start, end)],
                "next": f"c{end - 1}" if end < total[0] else None}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer_body))

    with browser() as b:
        context, page = sign_in(b, f"{site.base}/ui/runs/{site.run_id}/messages", 1280, 720, site.user,
                                site.password,
                                prepare=lambda c: c.route(re.compile(r"/runs/[^/]+/messages\?"), answer))

        listing = page.get_by_test_id("messages")
        rows = page.get_by_test_id("message-row")
        expect(listing).to_have_attribute("data-count", "20000")
        expect(page.get_by_test_id("messages-status")).to_contain_text("Live: 20,000 messages")
        expect(rows.first).to_contain_text("message 24999")
        assert rows.count() < 60, f"{rows.count()} rows drawn for 20,000 messages"

        # frame gaps while scrolling the list, against the floor: a plain element of the same height with
        # nothing to draw, scrolled the same way in the same page (a ratio: this machine is shared)
        frames = page.evaluate("""async () => {
            const scroll = async (el) => {
                const gaps = [];
                let last = performance.now();
                for (let i = 0; i < 60; i++) {
                    el.scrollTop += 3000;
                    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
                    const now = performance.now();
                    gaps.push(now - last);
                    last = now;
                }
                return gaps.sort((a, b) => a - b)[30];
            };
            const list = document.querySelector('.msg-viewport');
            const floor = document.createElement('div');
            floor.style.height = list.clientHeight + 'px';
            floor.style.overflowY = 'auto';
            const inner = document.createElement('div');
            inner.style.height = list.scrollHeight + 'px';
            floor.appendChild(inner);
            list.parentElement.appendChild(floor);
            const plain = await scroll(floor);
            floor.remove();
            return { list: await scroll(list), floor: plain };
        }""")
        print(f"scrolling 20,000 messages: median frame {frames['list']:.1f} ms; "
              f"a plain element: {frames['floor']:.1f} ms")
        assert frames["list"] < 5 * frames["floor"] + 50, frames  # an O(n) redraw per scroll: seconds
        assert rows.count() < 60

        page.locator(".msg-viewport").evaluate("el => { el.scrollTop = el.scrollHeight; }")
        expect(rows.last).to_contain_text("message 5000")
        page.get_by_role("button", name="Older messages").click()
        expect(listing).to_have_attribute("data-count", "25000")
        page.locator(".msg-viewport").evaluate("el => { el.scrollTop = el.scrollHeight; }")
        expect(rows.last).to_contain_text("message 0")
        expect(page.get_by_text("The oldest is the run's first message.")).to_be_visible()

        page.locator(".msg-viewport").evaluate("el => { el.scrollTop = 0; }")
        total[0] += 2  # two new messages in the archive
        expect(listing).to_have_attribute("data-count", "25002")
        expect(rows.first).to_contain_text("message 25001")

        # five pages and a probe to find the newest; after that, each poll reads the newest known message
        # again and what is new (at most the two added), never a page (the older page's read aside)
        scan = [None, "c4999", "c9999", "c14999", "c19999", "c19999"]
        assert [a for a, _, _ in answered[:6]] == scan, answered[:6]
        later = [(a, n) for a, _, n in answered[6:] if a is not None]
        assert len(later) >= 2 and all(n <= 3 for _, n in later), answered
        assert real_problems(page) == [], page.problems
        context.close()
