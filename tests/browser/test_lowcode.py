"""Custom fields and saved views in Chinese: the admin adds the single-choice field "客户等级来源"
with three choices, a rep fills it on a new lead, filters the lead list by it, saves that as a view,
and finds the view again after logging in anew."""

import json
import re

import pytest

from .conftest import ADMIN_PASSWORD, login

pytestmark = pytest.mark.browser


def _submit(page, selector):
    with page.expect_navigation():
        page.locator(selector).first.click()


def test_admin_field_rep_fills_filters_saves_view_and_finds_it_again(page, live_db, results_dir):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    # the admin adds the field on Settings → Custom fields
    login(page, "admin", ADMIN_PASSWORD, lang="zh")
    page.goto("/custom-fields/?entity=lead")
    assert "自定义字段" in page.content()
    with page.expect_navigation():
        page.click("a.crm-cf-add")
    page.fill("#label_zh", "客户等级来源")
    page.fill("#label_en", "Grade source")
    page.select_option("#crm-cf-kind", "choice")
    page.fill("#choices", "展会 | Trade show\n官网 | Website\n转介绍 | Referral")
    page.check("input[name=in_list]")
    _submit(page, ".crm-cf-form button[type=submit]")
    row = page.locator("tr[data-field-key=grade_source]")
    assert "客户等级来源" in row.inner_text() and "单选" in row.inner_text()
    page.screenshot(path=str(results_dir / "lowcode-admin-field.png"), full_page=True)
    choices = json.loads(live_db.execute(
        "SELECT choices FROM custom_field WHERE entity = 'lead' AND key = 'grade_source'").fetchone()[0])
    assert [c["zh"] for c in choices] == ["展会", "官网", "转介绍"]

    # a rep fills it on a new lead
    page.context.clear_cookies()
    login(page, "rep_east3", lang="zh")
    page.goto("/lead/add")
    assert "客户等级来源" in page.locator("#model_form").inner_text()
    page.fill("#person_name", "欧阳场景")
    page.fill("#mobile", "13712340099")
    page.select_option("#cf_grade_source", label="官网", force=True)
    _submit(page, "#model_form button[type=submit], #model_form input[type=submit]")
    stored = live_db.execute("SELECT custom FROM lead WHERE person_name = '欧阳场景'").fetchone()
    assert stored is not None and json.loads(stored[0]) == {"grade_source": "c2"}

    # filters the lead list by it in the left-hand panel
    page.goto("/lead/list/?sv=0")
    with page.expect_navigation():
        page.select_option(".crm-panel-form #cf_grade_source", label="官网")
    assert re.search(r"cf_grade_source=c2", page.url)
    records = page.locator(".crm-records").inner_text()
    assert "欧阳场景" in records and "官网" in records
    shown = page.locator(".crm-records table tbody tr").count()
    assert shown == live_db.execute(
        "SELECT count(*) FROM lead WHERE json_extract(custom, '$.grade_source') = 'c2' AND deleted_at IS NULL"
        " AND owner_id = (SELECT id FROM ab_user WHERE username = 'rep_east3')").fetchone()[0]

    # saves it as a view
    page.click(".crm-save-view summary")
    page.fill("#crm-view-name", "官网来源线索")
    _submit(page, ".crm-save-view button[type=submit]")
    assert "官网来源线索" in page.locator(".crm-saved-views").inner_text()
    page.screenshot(path=str(results_dir / "lowcode-saved-view.png"), full_page=True)

    # logs in again and finds the view, which opens the same filter
    page.context.clear_cookies()
    login(page, "rep_east3", lang="zh")
    page.goto("/lead/list/")
    view = page.locator(".crm-saved-views a.crm-saved-view", has_text="官网来源线索")
    assert view.count() == 1
    with page.expect_navigation():
        view.click()
    page.wait_for_url(re.compile(r".*cf_grade_source=c2.*"))
    assert "欧阳场景" in page.locator(".crm-records").inner_text()
    assert page.locator(".crm-panel-form #cf_grade_source").input_value() == "c2"
    page.screenshot(path=str(results_dir / "lowcode-view-after-login.png"), full_page=True)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
