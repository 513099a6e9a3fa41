"""Hostile text in every free-text field of every record: each page that shows it runs no script.

The payloads are written straight into the live server's database, past every form validator,
so what is tested is the output side: escaping in FAB's widgets, our templates, JSON pickers and
attributes (a tag colour ends up in a style attribute, a website in an href).
"""

from __future__ import annotations

import sqlite3

import pytest

from .conftest import ADMIN_PASSWORD, LIVE_DB, login

pytestmark = pytest.mark.browser

MARK = "data-xss"
PAYLOAD = (
    f'"\'><img src=x {MARK}=1 onerror="window.__xss=1"><script {MARK}=1>window.__xss=1</script>'
    f"<svg {MARK}=1 onload=window.__xss=1></svg>{{{{7*7}}}}"
)
# table -> its free-text columns (coded values such as status are chosen from lists, not typed)
TEXT_COLUMNS = {
    "lead": (
        "person_name",
        "company_name",
        "title",
        "mobile",
        "phone",
        "email",
        "wechat",
        "province",
        "city",
        "address",
        "description",
    ),
    "account": ("name", "phone", "province", "city", "address", "description"),
    "contact": ("name", "title", "mobile", "phone", "email", "wechat"),
    "opportunity": ("name",),
    "activity": ("subject", "outcome"),
    "note": ("text",),
    "tag": ("name",),
    "department": ("name",),
}
SPECIAL = {("account", "website"): "javascript:window.__xss=1", ("tag", "color"): f'"><b {MARK}=1>'}


@pytest.fixture(scope="module")
def hostile(live_server):
    """Write the payload into the newest row of each table; returns {table: id}."""
    connection = sqlite3.connect(LIVE_DB["path"], timeout=30)
    ids = {}
    try:
        for table, columns in TEXT_COLUMNS.items():
            pk = connection.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
            assert pk, f"the demo data has no {table}"
            values = {column: f"{column}{PAYLOAD}" for column in columns}
            values.update({col: value for (tab, col), value in SPECIAL.items() if tab == table})
            if table == "tag":  # names are unique
                values["name"] = f"t{pk}{PAYLOAD}"
            sets = ", ".join(f"{column} = ?" for column in values)
            connection.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), pk))
            ids[table] = pk
        # a person's name shows as owner, actor and in the navbar
        owner = connection.execute("SELECT owner_id FROM lead WHERE id = ?", (ids["lead"],)).fetchone()[0]
        if owner:
            connection.execute("UPDATE ab_user SET first_name = ? WHERE id = ?", (f"名{PAYLOAD}", owner))
        # the hostile tag on the hostile lead, so lists and show pages render it
        connection.execute(
            "INSERT OR IGNORE INTO lead_tag (lead_id, tag_id) VALUES (?, ?)", (ids["lead"], ids["tag"])
        )
        connection.commit()
    finally:
        connection.close()
    return ids


def _pages(ids):
    yield "/"
    for entity in ("lead", "account", "contact", "opportunity", "activity", "note"):
        yield f"/{entity}/list/"
        yield f"/{entity}/show/{ids[entity]}"
        yield f"/{entity}/edit/{ids[entity]}"
    yield "/lead/list/?q=" + "mobile"
    yield "/tag/list/"
    yield "/department/list/"
    yield "/history/list/"
    yield "/lead/list/?qf=pool"
    yield "/users/list/"
    yield "/picker/lead?q=person"


def test_no_page_runs_stored_script(page, hostile):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, "admin", ADMIN_PASSWORD)
    checked = []
    for url in _pages(hostile):
        response = page.goto(url)
        if response is None or response.status == 404:
            continue
        assert response.status < 500, f"{url} answered {response.status}"
        page.wait_for_load_state("load")
        found = page.evaluate(
            f"""() => ({{
                ran: window.__xss !== undefined,
                elements: document.querySelectorAll('[{MARK}]').length,
                jsLinks: document.querySelectorAll('a[href^="javascript:"]').length,
            }})"""
        )
        assert not found["ran"], f"a stored script ran on {url}"
        assert found["elements"] == 0, f"stored markup became elements on {url}"
        assert found["jsLinks"] == 0, f"a stored javascript: link is clickable on {url}"
        checked.append(url)
    assert not dialogs
    # the payload really is on the pages, shown as text
    page.goto(f"/lead/show/{hostile['lead']}")
    text = page.inner_text("body")
    assert "<script data-xss=1>" in text
    assert "{{7*7}}" in text  # not evaluated by a template engine either
    assert len(checked) >= 15, checked
