"""Lead lifecycle in Chinese: add a lead, see "这可能是重复的…" when the same mobile comes again in
another format, open the existing lead from the warning, convert it and land on the new opportunity."""

import re

import pytest

from .conftest import login

pytestmark = pytest.mark.browser


def _add_lead(page, name, company, mobile):
    page.goto("/lead/add")
    page.fill("#person_name", name)
    page.fill("#company_name", company)
    page.fill("#mobile", mobile)
    with page.expect_navigation():
        page.locator("#model_form button[type=submit], #model_form input[type=submit]").first.click()


def test_duplicate_warning_then_conversion_lands_on_the_opportunity(page, live_db, results_dir):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    login(page, "rep_east2", lang="zh")
    rep = live_db.execute("SELECT id FROM ab_user WHERE username = 'rep_east2'").fetchone()[0]

    _add_lead(page, "司马转化", "司马精密机械有限公司", "17712345678")
    first = live_db.execute(
        "SELECT id, owner_id, mobile_key FROM lead WHERE person_name = '司马转化'"
    ).fetchall()
    assert len(first) == 1 and first[0][1:] == (rep, "17712345678")
    lead_id = first[0][0]

    # the same number in another format: the form comes back with the warning and saves nothing
    _add_lead(page, "司马重复", "司马精密", "+86 177-1234-5678")
    warning = page.locator("#crm-duplicates")
    warning.wait_for(state="visible")
    assert "这可能是重复的" in warning.inner_text() and "司马转化" in warning.inner_text()
    assert page.locator("#mobile").input_value() == "+86 177-1234-5678"  # the input is kept
    page.screenshot(path=str(results_dir / "lifecycle-duplicate-warning.png"), full_page=True)
    assert live_db.execute("SELECT count(*) FROM lead WHERE person_name = '司马重复'").fetchone()[0] == 0

    # open the existing lead from the warning (it opens in a new tab) and convert it
    link = warning.locator(f"a[href$='/lead/show/{lead_id}']")
    assert link.count() == 1
    page.goto(link.get_attribute("href"))
    with page.expect_navigation():
        page.locator(".crm-convert-button").click()
    assert "线索转化" in page.content()
    assert page.locator("input[name=account][value=new]").is_checked()  # no such account yet
    assert page.locator("#create_opportunity").is_checked()
    page.fill("#opp_name", "司马精密 · 数控系统")
    page.fill("#opp_amount", "256000")
    page.fill("#opp_close", "2027-06-30")
    with page.expect_navigation():
        page.click("#crm-convert-submit")

    page.wait_for_url(re.compile(r".*/opportunity/show/\d+$"))
    page.screenshot(path=str(results_dir / "lifecycle-converted.png"), full_page=True)
    opportunity_id = int(page.url.rsplit("/", 1)[1])
    assert "司马精密 · 数控系统" in page.content() and "线索已转化" in page.content()
    row = live_db.execute(
        "SELECT status, converted_opportunity_id, converted_account_id, converted_contact_id FROM lead WHERE id = ?",
        (lead_id,),
    ).fetchone()
    assert row[0] == "converted" and row[1] == opportunity_id and row[2] and row[3]
    account = live_db.execute("SELECT name, owner_id FROM account WHERE id = ?", (row[2],)).fetchone()
    assert account == ("司马精密机械有限公司", rep)
    deal = live_db.execute(
        "SELECT amount, account_id, source_lead_id FROM opportunity WHERE id = ?", (opportunity_id,)
    ).fetchone()
    assert float(deal[0]) == 256000 and deal[1] == row[2] and deal[2] == lead_id
    assert not console_errors, console_errors
