"""Quick add 快速录入 in Chinese: a lead from the home page in a few seconds, and the duplicate warning
when the same mobile number comes again in another format."""

import re
import time

import pytest

from .conftest import login

pytestmark = pytest.mark.browser


def _open_quick_add(page):
    page.click("#crm-quick-add-btn")
    page.wait_for_selector("#crm-quick-add form.crm-quick-add-form input[name=person_name]", state="visible")


def test_quick_add_a_lead_from_the_home_page_then_a_duplicate_warning(page, live_db, results_dir):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    login(page, "rep_east1", lang="zh")
    rep = live_db.execute("SELECT id FROM ab_user WHERE username = 'rep_east1'").fetchone()[0]
    home = page.url
    assert "快速录入" in page.inner_text(".navbar")

    started = time.monotonic()
    _open_quick_add(page)
    form = page.locator("#crm-quick-add form.crm-quick-add-form")
    form.locator("input[name=person_name]").fill("欧阳快录")
    form.locator("input[name=mobile]").fill("139 8765 4321")
    form.locator("select[name=channel]").select_option("offline")
    # only the offline channel's sources are offered
    channels = set(
        form.locator("select[name=source_id] option[data-channel]").evaluate_all(
            "options => options.map(o => o.dataset.channel)"
        )
    )
    assert channels == {"offline"}
    form.locator("select[name=source_id]").select_option(index=1)
    form.locator("button.crm-qa-save").click()
    notice = page.locator(".crm-qa-success")
    notice.wait_for(state="visible")
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"quick add took {elapsed:.1f} s"
    assert page.url == home  # the user stays where they were
    assert "已保存" in notice.inner_text()
    page.screenshot(path=str(results_dir / "quick-add-saved.png"), full_page=True)

    row = live_db.execute(
        "SELECT id, owner_id, channel, source_id, mobile FROM lead WHERE person_name = '欧阳快录'"
    ).fetchall()
    assert len(row) == 1
    lead_id, owner, channel, source_id, mobile = row[0]
    assert (owner, channel, mobile) == (rep, "offline", "139 8765 4321") and source_id is not None
    assert notice.locator("a").get_attribute("href").endswith(f"/lead/show/{lead_id}")

    # the same mobile number in another format: "这可能是重复的", then save anyway
    _open_quick_add(page)
    assert form.locator("select[name=channel]").input_value() == "offline"  # the last choice
    assert form.locator("select[name=source_id]").input_value() == str(source_id)
    form.locator("input[name=person_name]").fill("欧阳重复")
    form.locator("input[name=mobile]").fill("+86 139-8765-4321")
    form.locator("button.crm-qa-save").click()
    warning = form.locator(".crm-qa-duplicates")
    warning.wait_for(state="visible")
    assert "这可能是重复的" in warning.inner_text() and "欧阳快录" in warning.inner_text()
    page.screenshot(path=str(results_dir / "quick-add-duplicate.png"), full_page=True)
    assert live_db.execute("SELECT count(*) FROM lead WHERE person_name = '欧阳重复'").fetchone()[0] == 0
    form.locator("button.crm-qa-force").click()
    page.locator(".crm-qa-success", has_text="欧阳重复").wait_for(state="visible")
    assert live_db.execute("SELECT count(*) FROM lead WHERE person_name = '欧阳重复'").fetchone()[0] == 1

    # a form error is shown in the form, in Chinese
    _open_quick_add(page)
    form.locator("input[name=person_name]").fill("")
    form.locator("input[name=company_name]").fill("无联系方式公司")
    form.locator("button.crm-qa-save").click()
    error = form.locator("[data-field=mobile] .crm-qa-error")
    error.wait_for(state="visible")
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text())
    assert not [e for e in console_errors if "Content Security Policy" in e or "Refused" in e], console_errors


def test_the_lead_form_offers_only_the_chosen_channels_sources(page, live_db):
    login(page, "rep_east1", lang="zh")
    page.goto("/lead/add")
    page.wait_for_load_state("networkidle")
    offline = {
        str(r[0]) for r in live_db.execute("SELECT id FROM lead_source WHERE channel = 'offline' AND active")
    }
    page.select_option("select#channel", "offline")
    page.wait_for_function("() => [...document.querySelectorAll('select#source option')].length > 1")
    offered = set(page.locator("select#source option").evaluate_all("os => os.map(o => o.value)"))
    blank = {v for v in offered if not v.isdigit()}
    assert offered - blank == offline and len(blank) == 1
