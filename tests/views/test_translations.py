"""The Chinese interface is whole: the catalogue follows the code, every string is translated,
and no English is left on the pages people use.

When a test here fails after you added a string: run `make extract-messages`, translate the new
entries in translations/zh/LC_MESSAGES/messages.po (GLOSSARY.md words), then `make translations`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import get_babel
from sqlalchemy import select

from app.extensions import db
from app.models import CrmUser, Department, LeadSource, LostReason, RoleDataScope, Stage
from tests.factories import (
    first_source,
    make_account,
    make_activity,
    make_contact,
    make_lead,
    make_note,
    make_opportunity,
    make_tag,
)

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
ZH_PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))
# Same command as `make extract-messages` (Makefile): keep the two in step.
EXTRACT = [PYBABEL, "-q", "extract", "-F", "translations/babel.cfg", "-k", "lazy_gettext", "-k", "_l"]


def _key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def _show(keys) -> str:
    return "\n".join(f"  {k[1]!r}" + (f" (context {k[0]!r})" if k[0] else "") for k in sorted(keys, key=str))


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues(app):
    """Build the .mo files (git-ignored build output) and make the running app read them.

    Flask-Babel caches the merged FAB + CRM translations per locale for the life of the process,
    so an earlier test module may have cached them before the .mo files existed: forget that.
    """
    subprocess.run([PYBABEL, "-q", "compile", "-d", str(TRANSLATIONS), "-D", "messages"],
                   check=True, cwd=ROOT)
    with app.app_context():
        get_babel(app).instance.domain_instance.cache.clear()
    yield


# --- the catalogue -------------------------------------------------------------------------------

def test_zh_catalogue_is_fully_translated():
    with ZH_PO.open("rb") as f:
        catalog = read_po(f, locale="zh")
    messages = [m for m in catalog if m.id]
    assert messages, "the zh catalogue is empty"
    empty = {_key(m) for m in messages
             if not (m.string if isinstance(m.string, str) else all(m.string))}
    fuzzy = {_key(m) for m in messages if m.fuzzy}
    assert not empty, f"untranslated in {ZH_PO.relative_to(ROOT)}:\n{_show(empty)}"
    assert not fuzzy, f"fuzzy (guessed, never shown) in {ZH_PO.relative_to(ROOT)}:\n{_show(fuzzy)}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, f"translations whose %(placeholders)s do not match: {problems}"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh extraction of app/, exactly as `make extract-messages` does it."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([*EXTRACT, "-o", str(pot), "app"], check=True, cwd=ROOT)
    with pot.open("rb") as f:
        return read_po(f)


def test_zh_catalogue_matches_the_code(extracted):
    """Every string marked in app/ is in the zh catalogue, and the catalogue holds nothing else."""
    in_code = {_key(m) for m in extracted if m.id}
    with ZH_PO.open("rb") as f:
        translated = {_key(m) for m in read_po(f, locale="zh") if m.id}
    assert in_code, "pybabel extracted nothing: check the patterns in translations/babel.cfg"
    missing = in_code - translated
    stale = translated - in_code
    assert not missing, (
        "strings in app/ that are not in the zh catalogue — run `make extract-messages` and "
        f"translate them in {ZH_PO.relative_to(ROOT)}:\n{_show(missing)}"
    )
    assert not stale, f"strings no longer in app/ — run `make extract-messages`:\n{_show(stale)}"


def test_fab_message_list_imports_cleanly():
    """app/i18n_fab.py is read by pybabel, never imported by the app; it must still be valid."""
    from app import i18n_fab

    assert i18n_fab.FAB_MESSAGES and all(str(m) for m in i18n_fab.FAB_MESSAGES)


def test_fab_message_list_names_real_fab_strings(extracted, tmp_path):
    """An override only works if its msgid is FAB's text byte for byte: catch typos and strings
    that a FAB upgrade renamed. (Cancel/OK are literal text in FAB's confirm/alert templates.)"""
    import flask_appbuilder

    fab = Path(flask_appbuilder.__file__).parent
    cfg = tmp_path / "fab.cfg"
    cfg.write_text("[python: **.py]\n[jinja2: templates/**.html]\n")
    pot = tmp_path / "fab.pot"
    subprocess.run([PYBABEL, "-q", "extract", "-F", str(cfg), "-k", "lazy_gettext",
                    "-k", "lazy_formatter_gettext", "-o", str(pot), str(fab)], check=True)
    with pot.open("rb") as f:
        fab_ids = {m.id for m in read_po(f) if m.id}
    templates = "\n".join(p.read_text() for p in (fab / "templates").rglob("*.html"))
    ours = [m.id for m in extracted if m.id and any("i18n_fab.py" in loc for loc, _ in m.locations)]
    assert ours, "nothing extracted from app/i18n_fab.py"
    unknown = [i for i in ours
               if i not in fab_ids and not re.search(rf">\s*{re.escape(i)}\s*<", templates)]
    assert not unknown, f"not Flask-AppBuilder strings (typo, or renamed upstream): {unknown}"


# --- the pages -----------------------------------------------------------------------------------

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# English that may stay on a Chinese page. Keep this short: everything else is a bug.
ALLOWED_WORDS = {
    "CRM",  # the product name is 蓄水池 CRM; "CRM" is the usual word in Chinese too
    "English",  # the language switch names the other language in that language
    # file formats and the integration door keep their names in Chinese software (导出 CSV, API 密钥)
    "API", "CSV", "Excel", "XLSX",
}
# Attributes whose text people see or hear (tooltips, placeholders, screen readers).
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-placeholder"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attrs = dict(attrs)
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts += [line.strip() for line in data.splitlines() if line.strip()]


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def search_widget_text(html: str) -> str:
    """FAB's "Advanced search" is drawn by JavaScript from JSON: field labels, inputs, filter names."""
    start = html.find("new AdminFilters(")
    if start < 0:
        return ""
    rest = html[start:].split(",", 1)[1]  # skip the form selector
    decoder = json.JSONDecoder()
    values = []
    for _ in range(3):  # label_columns, form_fields, search_filters
        rest = rest.lstrip().lstrip(",").lstrip()
        value, end = decoder.raw_decode(rest)
        values.append(value)
        rest = rest[end:]
    labels, fields, filters = values
    parts = list(labels.values())
    parts += [visible_text(f) for f in fields.values()]
    parts += [name for names in filters.values() for name in names]
    return "\n".join(parts)


@dataclass(frozen=True)
class Known:
    """English that comes from code outside translations/ (FAB, or views owned elsewhere).

    Each item is cut out of the page check, so the rest of the page stays checked, and has its
    own strict xfail below: fix the code, and that test XPASSes to tell you to delete the item.
    """

    name: str
    pages: str  # regex matched against the whole page path
    pattern: str  # regex searched in the page's visible text
    reason: str


KNOWN_UNTRANSLATED: tuple[Known, ...] = ()  # none left; add one here rather than weaken the check

HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}\b")


def _data_strings() -> list[str]:
    """Text that is data, not interface: the test users' names, usernames and e-mail addresses,
    and the English names of the bilingual vocabularies (shown in their own "English name" column)."""
    strings: set[str] = set()
    for user in db.session.scalars(select(CrmUser)):
        strings.update(filter(None, (user.username, user.email, user.first_name, user.last_name,
                                     user.display_name, f"{user.first_name} {user.last_name}")))
    for model in (Stage, LeadSource, LostReason):
        strings.update(row.name_en for row in db.session.scalars(select(model)))
    return sorted(strings, key=len, reverse=True)


def page_text(html: str, data: list[str]) -> str:
    """Everything a person reads on the page, with the data values cut out."""
    text = visible_text(html) + "\n" + search_widget_text(html)
    text = HEX_COLOUR.sub(" ", text)  # a tag's colour, e.g. #5b8def
    for value in data:
        if value.isalpha():  # a bare word ("Lost", "admin") only when it is the whole text
            text = re.sub(rf"(?m)^{re.escape(value)}$", " ", text)
        else:  # names, e-mails, user_names, "User3": wherever they occur
            text = re.sub(rf"(?<![A-Za-z]){re.escape(value)}(?![A-Za-z])", " ", text)
    return text


def english_left(path: str, html: str, data: list[str]) -> list[str]:
    text = page_text(html, data)
    for item in KNOWN_UNTRANSLATED:
        if re.fullmatch(item.pages, path):
            text = re.sub(item.pattern, " ", text)
    return [line.strip() for line in text.splitlines()
            if any(w not in ALLOWED_WORDS for w in LATIN_WORD.findall(line))]


def _records(admin) -> dict[str, int]:
    account = make_account(owner=admin, level="A", industry="it", city="上海", province="上海")
    contact = make_contact(account=account, owner=admin, title="采购经理", is_primary=True)
    opportunity = make_opportunity(account=account, owner=admin, contact_id=contact.id)
    lead = make_lead(owner=admin, source_id=first_source().id, rating="hot", industry="retail",
                     city="杭州", wechat="wx13800138000")
    tag = make_tag()
    lead.tags.append(tag)
    account.tags.append(tag)
    db.session.commit()
    activity = make_activity(owner=admin, account_id=account.id, type="visit", outcome="客户同意试用")
    make_activity(owner=admin, lead_id=lead.id, type="call")
    make_activity(owner=admin, opportunity_id=opportunity.id, type="meeting")
    note = make_note(author=admin, account_id=account.id)
    make_note(author=admin, lead_id=lead.id)
    make_note(author=admin, opportunity_id=opportunity.id, text="报价已发出")
    make_note(author=admin, contact_id=contact.id)

    def first(model):
        return db.session.scalar(select(model.id).order_by(model.id))

    return {
        "lead": lead.id, "account": account.id, "contact": contact.id,
        "opportunity": opportunity.id, "activity": activity.id, "note": note.id,
        "stage": first(Stage), "lead-source": first(LeadSource), "lost-reason": first(LostReason),
        "tag": tag.id, "department": first(Department), "data-scope": first(RoleDataScope),
    }


def _pages(ids: dict[str, int], admin_id: int) -> list[str]:
    paths = ["/"]
    for route, pk in ids.items():
        paths += [f"/{route}/list/", f"/{route}/show/{pk}", f"/{route}/add", f"/{route}/edit/{pk}"]
    paths += ["/lead/list/?qf=mine&f_status=new", "/users/list/", "/roles/list/",
              f"/users/show/{admin_id}", "/users/add", f"/users/edit/{admin_id}", "/users/userinfo/"]
    return paths


def _visit(login, users, only: str = ".*") -> dict[str, str]:
    """Path -> HTML of every page (whose path matches `only`), as Admin, in Chinese."""
    admin = users["Admin"]
    ids = _records(admin)
    client = login("Admin", "zh")
    pages = {}
    for path in _pages(ids, admin.id):
        if not re.fullmatch(only, path):
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    return pages


def test_no_english_on_chinese_pages(app_ctx, users, login):
    pages = _visit(login, users)
    data = _data_strings()
    report = {path: left for path, html in pages.items() if (left := english_left(path, html, data))}
    assert not report, "English on Chinese pages (mark the string for translation, or translate it):\n" + \
        "\n".join(f"{path}:\n    " + "\n    ".join(lines) for path, lines in report.items())


def test_no_english_on_the_chinese_login_page(client):
    client.set_language("zh")
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "登录" in html
    assert not english_left("/login/", html, [])


def test_failed_login_and_saved_row_speak_chinese(app_ctx, client, login):
    client.set_language("zh")
    response = client.post("/login/", data={"username": "admin", "password": "wrong",
                                            "csrf_token": client.csrf("/login/")},
                           follow_redirects=True)
    assert "用户名或密码错误，请重试。" in response.get_data(as_text=True)

    admin = login("Admin", "zh")
    response = admin.post_form("/tag/add", {"name": "重要", "color": "红色"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Added Row" not in html and "记录已添加" in html


@pytest.mark.parametrize("item", [
    pytest.param(k, id=k.name, marks=pytest.mark.xfail(strict=True, reason=k.reason))
    for k in KNOWN_UNTRANSLATED
])
def test_known_untranslated_item_is_gone(item, app_ctx, users, login):
    """One xfail per known gap. When the gap is fixed this XPASSes (a strict failure): delete the
    item from KNOWN_UNTRANSLATED so that the page check above covers it again."""
    pages = _visit(login, users, only=item.pages)
    data = _data_strings()
    hits = [path for path, html in pages.items() if re.search(item.pattern, page_text(html, data))]
    assert not hits, f"{item.name} still on {hits}"
