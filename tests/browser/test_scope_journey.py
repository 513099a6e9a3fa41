"""A rep sees their own and pool leads, claims one, cannot open a colleague's by URL; a manager
sees the department's records."""

import re

import pytest

from .conftest import login

pytestmark = pytest.mark.browser


def _record_count(page) -> int:
    match = re.search(r"(?:Record Count|记录数目?)\s*:?\s*</strong>\s*:?\s*(\d+)", page.content())
    assert match, f"no record count on {page.url}"
    return int(match.group(1))


def _user_id(db, username):
    return db.execute("SELECT id FROM ab_user WHERE username = ?", (username,)).fetchone()[0]


def test_rep_and_manager_see_what_their_scope_allows(page, live_db, results_dir):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    rep = _user_id(live_db, "rep_east1")
    login(page, "rep_east1")
    page.goto("/lead/list/")
    expected = live_db.execute(
        "SELECT count(*) FROM lead WHERE deleted_at IS NULL AND (owner_id = ? OR owner_id IS NULL)", (rep,)
    ).fetchone()[0]
    assert _record_count(page) == expected

    # claim the newest pool lead through the list's bulk action
    pool_lead = live_db.execute(
        "SELECT max(id) FROM lead WHERE owner_id IS NULL AND deleted_at IS NULL"
    ).fetchone()[0]
    page.goto("/lead/list/?qf=pool")
    page.check(f"input.action_check[value='{pool_lead}']")
    page.locator("button.dropdown-toggle", has_text=re.compile("Actions|操作")).click()
    page.click("a.claim_menu_item")
    with page.expect_response(lambda r: "/action_post" in r.url):
        page.locator("#modal-confirm-ok:visible").click()
    page.wait_for_load_state()
    page.screenshot(path=str(results_dir / "pool-claimed.png"), full_page=True)
    owner = live_db.execute("SELECT owner_id FROM lead WHERE id = ?", (pool_lead,)).fetchone()[0]
    assert owner == rep

    colleague = _user_id(live_db, "rep_east2")
    theirs = live_db.execute(
        "SELECT id FROM lead WHERE owner_id = ? AND deleted_at IS NULL LIMIT 1", (colleague,)
    ).fetchone()[0]
    assert page.goto(f"/lead/show/{theirs}").status == 404
    assert page.goto(f"/lead/edit/{theirs}").status == 404

    page.goto("/logout/")
    login(page, "manager_east")
    page.goto("/lead/list/")
    east = live_db.execute(
        "SELECT count(*) FROM lead WHERE deleted_at IS NULL AND (owner_id IS NULL OR owner_id IN "
        "(SELECT u.id FROM ab_user u JOIN department d ON d.id = u.department_id WHERE d.name = '华东销售部'))"
    ).fetchone()[0]
    assert _record_count(page) == east
    assert page.goto(f"/lead/show/{theirs}").status == 200  # the manager sees the rep's lead
    # only the two deliberate 404s above; no script blocked by the Content-Security-Policy
    assert not [e for e in console_errors if "404" not in e], console_errors
