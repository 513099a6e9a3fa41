"""Smoke test in a real browser: log in, switch to Chinese, walk the lists, add a lead."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from .conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

# menu entry -> (Chinese label, list URL)
LISTS = {
    "leads": ("线索", "/lead/list/"),
    "accounts": ("客户", "/account/list/"),
    "contacts": ("联系人", "/contact/list/"),
    "opportunities": ("商机", "/opportunity/list/"),
    "activities": ("活动", "/activity/list/"),
}


def switch_language(page, lang: str) -> None:
    """Open the navbar's language menu (the flag) and choose `lang`."""
    page.locator(".navbar-right a.dropdown-toggle:has(i.flag)").click()
    link = page.locator(f".navbar-right .dropdown-menu a[href='/lang/{lang}']")
    link.wait_for(state="visible")
    with page.expect_navigation():
        link.click()


def menu_link(page, url: str):
    return page.locator(f".navbar-nav a[href='{url}']")


def test_admin_journey_in_chinese(page, live_server, results_dir):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto("/login/")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    with page.expect_navigation():
        page.locator("form [type=submit]").click()
    assert urlparse(page.url).path != "/login/", "login failed"

    # a new session starts in the default language (Chinese); go to English and back by menu
    switch_language(page, "en")
    assert menu_link(page, "/lead/list/").inner_text().strip() == "Leads"
    switch_language(page, "zh")
    assert menu_link(page, "/lead/list/").inner_text().strip() == "线索"

    for key, (label, url) in LISTS.items():
        link = menu_link(page, url)
        assert link.inner_text().strip() == label, key
        with page.expect_navigation() as nav:
            link.click()
        assert nav.value.status == 200, url
        assert urlparse(page.url).path == url
        assert label in page.locator(".panel-heading, .panel-title").first.inner_text(), key
        body = page.locator("body").inner_text()
        for english in ("List ", "Add Filter", "Search", "Record Count"):
            assert english not in body, f"English {english!r} on the Chinese {url}"

    # add a lead through the form: a name and a mobile are enough
    page.goto("/lead/list/")
    with page.expect_navigation():
        page.locator("a[href^='/lead/add']").first.click()
    page.fill("#person_name", "浏览器测试线索")
    page.fill("#mobile", "13800138000")
    page.screenshot(path=str(results_dir / "lead-add-zh.png"), full_page=True)
    with page.expect_navigation():
        page.locator("#model_form [type=submit]").first.click()
    assert urlparse(page.url).path == "/lead/list/", page.url
    row = page.locator("table tr", has_text="浏览器测试线索")
    assert row.count() == 1
    assert "13800138000" in row.inner_text()
    page.screenshot(path=str(results_dir / "lead-list-zh.png"), full_page=True)

    assert errors == [], f"JavaScript errors: {errors}"
    outside = sorted({u for u in page.crm_requests if not _is_local(u, live_server)})
    assert outside == [], f"the page asked for resources outside the server: {outside}"
    assert len(page.crm_requests) > 10  # the listener did record the journey


def _is_local(url: str, base: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob"):
        return True
    return parsed.hostname == "127.0.0.1" and f"{parsed.scheme}://{parsed.netloc}" == base


def test_is_local_rejects_other_hosts():
    base = "http://127.0.0.1:5123"
    assert _is_local(f"{base}/static/x.js", base)
    assert _is_local("data:image/png;base64,AAAA", base)
    for url in (
        "https://www.gstatic.com/charts/loader.js",
        "http://127.0.0.1:9999/x",
        "http://localhost:5123/x",
        "https://cdn.jsdelivr.net/x.css",
    ):
        assert not _is_local(url, base), url
    assert re.match(r"^http://127\.0\.0\.1:\d+$", base)
