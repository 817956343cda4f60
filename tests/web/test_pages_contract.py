"""The contract page's slow parts — the backtest trade-off and the discovered criteria — are
fragments loaded on demand and cached per contract version; the page itself only holds them."""

from __future__ import annotations

from tests.web.conftest import NOW, Site


def test_the_contract_page_only_links_its_slow_parts(site: Site) -> None:
    site.login("viewer")
    page = site.client.get("/app/contract").text
    assert 'data-fragment="/app/contract/tradeoff"' in page
    assert 'data-fragment="/app/contract/discovery"' in page
    assert "tradeoff-data" not in page  # not computed for the page


def test_a_fragment_says_why_it_cannot_be_computed_and_stands_alone_without_js(
    site: Site,
) -> None:
    site.login("viewer")
    part = site.client.get("/app/contract/discovery?fragment=1")
    assert part.status_code == 200 and "<html" not in part.text
    assert 'class="error"' in part.text  # two leads are too few customers to claim anything
    # Finding that out takes as long as a report: it is cached for the version too.
    assert ("discovery", 1) in site.client.app.state.report_cache  # type: ignore[attr-defined]
    alone = site.client.get("/app/contract/tradeoff")
    assert alone.status_code == 200 and "<html" in alone.text
    assert "Backtest of contract version 1" in alone.text
    assert site.client.get("/app/contract/tradeoff?vary=owner").status_code == 422


def test_a_computed_report_is_cached_per_version_until_recomputed(site: Site) -> None:
    site.login("viewer")
    cache = site.client.app.state.report_cache  # type: ignore[attr-defined]
    calls = []

    def fake(key: tuple[object, ...]) -> str:
        calls.append(key)
        return "report"

    first = cache.get(("x", 1), lambda: fake(("x", 1)), now=NOW)
    again = cache.get(("x", 1), lambda: fake(("x", 1)), now=NOW)
    assert first is again and len(calls) == 1
    assert cache.get(("x", 2), lambda: fake(("x", 2)), now=NOW) is not first  # another version
    assert len(cache) == 2
    cache.get(("x", 1), lambda: fake(("x", 1)), now=NOW, refresh=True)
    assert len(calls) == 3
    assert "Recompute" in site.client.get("/app/contract/tradeoff?fragment=1").text


def test_the_slow_parts_need_a_session_like_every_page(site: Site) -> None:
    for path in ("/app/contract/tradeoff?fragment=1", "/app/contract/discovery?fragment=1"):
        answer = site.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/app/login"
