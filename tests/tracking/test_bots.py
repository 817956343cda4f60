"""Bots: by user agent (built-in list and the maintained crawler-user-agents.json) and by page
rate — in the filter, and over HTTP with the drops counted by reason."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from leadqual.errors import InvalidInput
from leadqual.identify.bots import BotFilter, PageRateGuard, load_crawler_patterns
from tests.conftest import shared_data
from tests.tracking.conftest import BROWSER_UA, Collector, page_view

PEOPLE = [
    BROWSER_UA,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
]
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Go-http-client/2.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
]


@pytest.fixture(scope="module")
def crawler_list() -> Path:
    return shared_data("email-domains-and-bots/crawler-user-agents.json")


@pytest.mark.parametrize("ua", BOTS)
def test_the_builtin_list_knows_the_common_bots(ua: str) -> None:
    assert BotFilter().match(ua) == "user_agent"


@pytest.mark.parametrize("ua", PEOPLE)
def test_browsers_are_people_for_both_lists(ua: str, crawler_list: Path) -> None:
    assert BotFilter().match(ua) is None
    assert BotFilter.from_file(crawler_list).match(ua) is None


def test_no_user_agent() -> None:
    assert BotFilter().match(None) == "no_user_agent"
    assert BotFilter().match("  ") == "no_user_agent"


def test_every_example_of_the_maintained_list_is_a_bot(crawler_list: Path) -> None:
    entries = json.loads(crawler_list.read_text(encoding="utf-8"))
    instances = [ua for entry in entries for ua in entry.get("instances", [])]
    assert len(instances) > 1000
    bots = BotFilter.from_file(crawler_list)
    missed = [ua for ua in instances if bots.match(ua) is None]
    assert missed == []
    # The built-in list alone already catches most of them.
    builtin = BotFilter()
    assert sum(builtin.match(ua) is not None for ua in instances) > 0.5 * len(instances)


def test_a_broken_list_is_refused_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bots.json"
    bad.write_text('{"pattern": "x"}')
    with pytest.raises(InvalidInput, match="crawler-user-agents"):
        load_crawler_patterns(bad)
    bad.write_text('[{"pattern": "(unclosed"}]')
    with pytest.raises(InvalidInput, match="not a regular expression"):
        load_crawler_patterns(bad)


def test_the_page_rate_window() -> None:
    g = PageRateGuard(max_views=3, window_s=60)
    assert [g.allow("v", t) for t in (0, 10, 20, 30, 60, 61, 70)] == [
        True,
        True,
        True,
        False,
        True,
        False,
        True,
    ]  # 0 leaves the window at 60, 10 at 70
    assert g.allow("other", 30)  # per visitor


def test_a_resent_view_is_not_a_new_view() -> None:
    g = PageRateGuard(max_views=2, window_s=60)
    assert g.allow("v", 0, "a") and g.allow("v", 1, "b")
    assert all(g.allow("v", t, i) for t, i in ((0, "a"), (1, "b"), (0, "a")))
    assert not g.allow("v", 2, "c")


def test_the_guard_forgets_the_least_recent_visitors() -> None:
    g = PageRateGuard(max_views=1, window_s=60, max_visitors=2)
    assert g.allow("a", 0) and g.allow("b", 0) and g.allow("c", 0)
    assert g.allow("a", 1)  # "a" was forgotten when "c" came
    assert not g.allow("c", 1)


def test_the_guard_forgets_visitors_quiet_for_a_window_before_its_cap() -> None:
    # Memory follows the visitors of the last window, not the cap: a worker that saw 1,000
    # visitors a while ago and 500 new ones since holds the 500.
    g = PageRateGuard(max_views=2, window_s=60, max_visitors=100_000)
    for v in range(1_000):
        assert g.allow(f"old-{v}", 1000.0 + v / 100)
    for v in range(500):
        assert g.allow(f"new-{v}", 1200.0 + v / 100)
    assert len(g) == 500
    # A visitor still inside the window is not forgotten, and keeps its limit.
    assert g.allow("busy", 1300.0) and g.allow("busy", 1301.0)
    for v in range(100):
        assert g.allow(f"later-{v}", 1302.0)
    assert not g.allow("busy", 1303.0)


def test_bots_over_http_are_dropped_and_counted(collector: Collector) -> None:
    r = collector.send(page_view(), page_view(), user_agent=BOTS[0])
    assert r.status_code == 200
    assert r.json() == {"stored": 0, "duplicates": 0, "dropped": {"user_agent": 2}}
    assert collector.send(page_view(), user_agent=None).json()["dropped"] == {"no_user_agent": 1}
    # Only in the maintained list (the settings name it), not in the built-in one.
    only_listed = "APIs-Google (+https://developers.google.com/webmasters/APIs-Google.html)"
    assert BotFilter().match(only_listed) is None
    listed = collector.send(page_view(), user_agent=only_listed)
    assert listed.json()["dropped"] == {"user_agent": 1}
    assert collector.send(page_view(), user_agent=BOTS[3]).json()["dropped"] == {
        "user_agent": 1
    }  # headless Chromium's own user agent
    assert collector.drops() == {"user_agent": 4, "no_user_agent": 1}
    assert collector.events() == []


def test_impossible_page_rates_are_dropped_but_retries_are_not(collector: Collector) -> None:
    now = time.time()
    views = [page_view(visitor="v-fast-0001", ts=now - 40 + i) for i in range(30)]
    assert collector.send(*views).json() == {"stored": 30, "duplicates": 0, "dropped": {}}
    # The tracker re-sends what it is not sure arrived: the same views are not more views.
    assert collector.send(*views).json() == {"stored": 0, "duplicates": 30, "dropped": {}}
    one_more = collector.send(page_view(visitor="v-fast-0001", ts=now))
    assert one_more.json() == {"stored": 0, "duplicates": 0, "dropped": {"page_rate": 1}}
    someone_else = collector.send(page_view(visitor="v-slow-0001", ts=now))
    assert someone_else.json()["stored"] == 1
    # Form submissions are not page views: never limited by the page rate.
    form = {"id": "form-event-01", "type": "form_submit", "ts": now, "visitor": "v-fast-0001"}
    assert collector.send(form).json()["stored"] == 1
    assert collector.drops() == {"page_rate": 1}


def test_the_guard_is_compact_at_its_cap() -> None:
    # A collector worker keeps the guard for its whole life: at its cap of visitors, each with a
    # few views, it must stay small (a deque of tuples per visitor id took ~125 MB here).
    import tracemalloc

    g = PageRateGuard(max_visitors=20_000)
    tracemalloc.start()
    try:
        for v in range(30_000):
            for k in range(4):
                assert g.allow(f"visitor-{v:08d}", 1.7e9 + 20 * k, f"event-{v:08d}-{k}")
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(g) == 20_000
    assert held < 20_000 * 400  # bytes per remembered visitor with four views
    # The behaviour survives the compaction: a re-sent view passes; 30 views in a minute do, the
    # 31st does not.
    assert g.allow("visitor-00029999", 1.7e9, "event-00029999-0")
    assert all(g.allow("busy", 1.7e9 + i) for i in range(30))
    assert not g.allow("busy", 1.7e9 + 30)
