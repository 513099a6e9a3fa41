"""Help 帮助: a short page per module in both languages, the navbar's "?" opening the current module's."""

import re

import pytest

from app.views.help import TOPICS, topic_for
from tests.conftest import PASSWORD, CrmClient
from tests.factories import make_user

MODULES = {"leads", "accounts", "contacts", "opportunities", "activities", "pool", "import-export", "analytics",
           "tickets"}


def test_every_module_has_a_topic():
    assert set(TOPICS) == MODULES


@pytest.mark.parametrize("lang, heading", [("zh", "线索"), ("en", "Leads")])
def test_every_topic_renders_in_both_languages(app_ctx, login, lang, heading):
    client = login("Sales Rep", lang=lang)
    index = client.get("/help/")
    assert index.status_code == 200
    for key in MODULES:
        assert f'href="/help/{key}"' in index.get_data(as_text=True)
        response = client.get(f"/help/{key}")
        assert response.status_code == 200, key
        html = response.get_data(as_text=True)
        assert len(re.findall(r"<li>", html.split('class="crm-help-points"')[1].split("</ul>")[0])) >= 2, key
    html = client.get("/help/leads").get_data(as_text=True)
    assert f"<h2>{heading}</h2>" in html
    if lang == "zh":
        assert "线索是尚未确认的潜在客户" in html
    else:
        assert "A lead is a possible customer" in html


def test_unknown_topic_is_404_and_strangers_log_in_first(app, app_ctx, login):
    assert login("Sales Rep").get("/help/nonsense").status_code == 404
    stranger = CrmClient(app.test_client())
    assert "/login/" in stranger.get("/help/leads").location
    assert "/login/" in stranger.get("/help/").location


@pytest.mark.parametrize("role", ["Sales Rep", "Sales Manager", "Sales Director", "Customer Service", "Executive",
                                  "Admin"])
def test_every_built_in_role_may_read_the_help(app_ctx, login, role):
    client = login(role)
    assert client.get("/help/tickets").status_code == 200
    assert 'class="crm-help-link"' in client.get("/").get_data(as_text=True)


def test_a_user_without_a_role_gets_no_help_link(app, app_ctx):
    make_user("roleless", "Public", password=PASSWORD)
    client = CrmClient(app.test_client())
    client.login("roleless")
    assert client.get("/help/").status_code == 403


def test_the_navbar_question_mark_opens_the_current_modules_help(app_ctx, login):
    client = login("Sales Rep")
    for page, key in (("/lead/list/", "leads"), ("/account/list/", "accounts"), ("/todo/", "activities"),
                      ("/import/", "import-export")):
        html = client.get(page).get_data(as_text=True)
        assert re.search(rf'class="crm-help-link">\s*<a href="/help/{key}"', html), page
    assert re.search(r'class="crm-help-link">\s*<a href="/help/"', client.get("/").get_data(as_text=True))
    assert topic_for("/ticket/show/3") == "tickets" and topic_for("/") is None


def test_every_link_in_the_help_opens_for_an_admin(app_ctx, login):
    admin = login("Admin")
    for key, topic in TOPICS.items():
        for _label, href in topic.links:
            assert admin.get(href).status_code == 200, (key, href)
