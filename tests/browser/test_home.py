"""A rep's day, in Chinese: arranges the home page (adds the "any list" widget with a filter, removes
another, finds the layout kept after a reload), sees a due reminder in the bell and snoozes it,
writes a note on an account and sees it in the timeline without leaving the page, and finds the
three records just opened under recently viewed."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from .conftest import LIVE_DB, login

pytestmark = pytest.mark.browser


def _widget_keys(page) -> list[str]:
    return page.eval_on_selector_all("#crm-grid .crm-widget", "els => els.map(e => e.dataset.key)")


def _due_reminder(username: str, subject: str) -> None:
    """Test setup: one of the rep's activities whose reminder time has come (written directly)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with sqlite3.connect(LIVE_DB["path"]) as db:
        user = db.execute("SELECT id FROM ab_user WHERE username = ?", (username,)).fetchone()[0]
        account = db.execute(
            "SELECT id FROM account WHERE owner_id = ? AND deleted_at IS NULL LIMIT 1", (user,)
        ).fetchone()[0]
        db.execute(
            "INSERT INTO activity (type, subject, due_at, remind_at, account_id, owner_id, created_at, "
            "updated_at, created_by_id, version) VALUES ('call', ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                subject,
                (now + dt.timedelta(minutes=30)).isoformat(" "),
                (now - dt.timedelta(minutes=2)).isoformat(" "),
                account,
                user,
                now.isoformat(" "),
                now.isoformat(" "),
                user,
            ),
        )


def test_rep_arranges_home_uses_the_bell_writes_a_note_and_finds_recent_records(page, live_db, results_dir):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    _due_reminder("rep_east1", "给张总回电话确认报价")
    login(page, "rep_east1", lang="zh")

    # -- the home page: add "any list" with a filter, remove the pipeline, reload --------------------
    before = _widget_keys(page)
    assert "pipeline" in before and "any_list" not in before
    page.select_option("form.crm-home-add select[name=key]", "any_list")
    page.click("form.crm-home-add button[type=submit]")
    page.wait_for_load_state()
    any_list = page.locator("#crm-grid .crm-widget[data-key=any_list]")
    assert any_list.count() == 1
    any_list.locator(".crm-widget-settings").click()
    any_list.locator("select[name=opt_list]").select_option("account")
    any_list.locator("input[name=opt_filter]").fill("/account/list/?qf=mine")
    any_list.locator(".crm-widget-options button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#crm-grid .crm-widget[data-key=pipeline] .crm-remove").click()
    page.wait_for_load_state()
    page.reload()
    after = _widget_keys(page)
    assert "pipeline" not in after and after[-1] == "any_list"
    body = page.locator("#crm-grid .crm-widget[data-key=any_list]").inner_text()
    assert "客户" in body and "我的" in body
    assert "添加组件" in page.content()
    page.screenshot(path=str(results_dir / "home-arranged.png"), full_page=True)

    # -- the bell rings for the due reminder; snoozing silences it ------------------------------------
    badge = page.locator("#crm-bell .crm-bell-count")
    expect(badge).not_to_have_class(re.compile(r"\bhidden\b"))
    assert int(badge.inner_text()) >= 1
    page.click("#crm-bell > a.dropdown-toggle")
    item = page.locator(".crm-bell-item", has_text="给张总回电话确认报价")
    assert item.is_visible()
    assert "稍后提醒" in page.locator("#crm-bell").inner_text()
    with page.expect_response(lambda r: "/snooze" in r.url):
        item.locator(".crm-bell-snooze").first.click()
    expect(page.locator("#crm-bell .crm-bell-items")).not_to_contain_text("给张总回电话确认报价")

    # -- a note on an account, saved without leaving the page ---------------------------------------
    rep = live_db.execute("SELECT id FROM ab_user WHERE username = 'rep_east1'").fetchone()[0]
    account, account_name = live_db.execute(
        "SELECT id, name FROM account WHERE owner_id = ? AND deleted_at IS NULL ORDER BY id LIMIT 1", (rep,)
    ).fetchone()
    page.goto(f"/account/show/{account}")
    url = page.url
    page.fill("form.crm-note-form textarea", "电话中客户说下季度有预算，月底前发方案")
    page.click("form.crm-note-form button[type=submit]")
    first = page.locator(".crm-timeline .list-group-item").first
    first.wait_for()
    expect(page.locator(".crm-timeline")).to_contain_text("月底前发方案")
    assert "月底前发方案" in first.inner_text() and "便签" in first.inner_text()
    assert page.url == url
    assert page.locator(".crm-note-message").inner_text() == "便签已保存。"

    # -- three records opened, all three under recently viewed ---------------------------------------
    lead = live_db.execute(
        "SELECT id, coalesce(person_name, company_name) FROM lead WHERE owner_id = ? AND deleted_at IS NULL "
        "ORDER BY id LIMIT 1",
        (rep,),
    ).fetchone()
    opportunity = live_db.execute(
        "SELECT id, name FROM opportunity WHERE owner_id = ? AND deleted_at IS NULL ORDER BY id LIMIT 1",
        (rep,),
    ).fetchone()
    page.goto(f"/lead/show/{lead[0]}")
    page.goto(f"/opportunity/show/{opportunity[0]}")
    page.goto(f"/account/show/{account}")
    page.click("#crm-recent > a.dropdown-toggle")
    menu = page.locator("#crm-recent .crm-recent-items")
    menu.locator(".crm-recent-item").first.wait_for()
    titles = menu.locator(".crm-recent-item").all_inner_texts()
    assert account_name in titles[0] and opportunity[1] in titles[1]
    assert any(str(lead[1]) in t for t in titles[:3])
    page.goto("/")
    assert account_name in page.locator("#crm-grid .crm-widget[data-key=recent]").inner_text()
    page.screenshot(path=str(results_dir / "home-recent.png"), full_page=True)
    assert not console_errors, console_errors
