"""The first-run page through HTTP: admin only, sent there after login until done or skipped, each
step all-or-nothing with translated errors; empty lists say what to do next; tel:/mailto: links."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import CrmUser, Department
from app.services import first_run
from tests.conftest import PASSWORD, CrmClient
from tests.factories import make_contact, make_lead

PAGE = "/first-run/"


def _post(client, path, data):
    return client.post_form(path, data, form_page=PAGE)


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(CrmUser))


def test_only_admins_may_open_or_post_the_first_run_page(app, app_ctx, login):
    assert login("Admin").get(PAGE).status_code == 200
    for role in ("Sales Director", "Executive", "Customer Service"):
        assert login(role).get(PAGE).status_code == 403, role
    client = login("Sales Rep")
    assert client.get(PAGE).status_code == 403
    token = client.csrf("/")
    for step in ("company", "departments", "users", "demo", "finish"):
        response = client.post(f"/first-run/{step}", data={"csrf_token": token, "company_name": "X",
                                                            "default_language": "zh", "default_currency": "CNY"})
        assert response.status_code == 403, step
    assert first_run.settings() is None
    anonymous = CrmClient(app.test_client())
    assert "/login/" in anonymous.get(PAGE).location
    assert 'href="/first-run/"' not in login("Sales Rep").get("/").get_data(as_text=True)  # not in their menu


def test_admin_lands_on_it_after_login_until_finished_and_others_never_do(app, app_ctx, login):
    first_run.open_first_run()
    admin = CrmClient(app.test_client())
    assert admin.login("admin").location.endswith(PAGE)
    rep = CrmClient(app.test_client())
    assert not rep.login("sales_rep", PASSWORD).location.endswith(PAGE)
    response = _post(admin, "/first-run/finish", {"skip": "1"})
    assert response.status_code == 302 and not first_run.is_pending()
    again = CrmClient(app.test_client())
    assert not again.login("admin").location.endswith(PAGE)
    assert again.get(PAGE).status_code == 200  # still there to revisit
    assert "Skip for now" not in again.get(PAGE).get_data(as_text=True)


def test_company_step_saves_and_the_navbar_and_new_sessions_follow_it(app, app_ctx, login):
    admin = login("Admin", lang="en")
    response = _post(admin, "/first-run/company", {"company_name": "远景制造有限公司", "default_language": "en",
                                                   "default_currency": "USD"})
    assert response.status_code == 302
    assert first_run.company_name() == "远景制造有限公司" and first_run.default_currency() == "USD"
    assert "远景制造有限公司" in admin.get("/").get_data(as_text=True)
    stranger = CrmClient(app.test_client())
    assert "Password" in stranger.get("/login/").get_data(as_text=True)  # a new session starts in English
    # and a new opportunity starts in the company's currency
    form = admin.get("/opportunity/add").get_data(as_text=True)
    assert re.search(r'<option selected value="USD"|<option value="USD" selected', form), "USD not preselected"


def test_company_errors_are_translated_and_write_nothing(app_ctx, login):
    admin = login("Admin", lang="zh")
    response = _post(admin, "/first-run/company", {"company_name": "x" * 201, "default_language": "zh",
                                                   "default_currency": "CNY"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "公司名称最多 200 个字符" in html
    assert first_run.settings() is None


def test_departments_step_is_idempotent(app_ctx, login):
    admin = login("Admin")
    before = db.session.scalar(select(func.count()).select_from(Department))
    for _ in range(2):
        assert _post(admin, "/first-run/departments", {"departments": "市场部\n渠道部"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Department)) == before + 2
    assert _post(admin, "/first-run/departments", {"departments": ""}).status_code == 422


def test_invited_users_see_their_first_password_once(app, app_ctx, login):
    admin = login("Admin")
    form = {"username": ["li.na", ""], "name": ["李娜", ""], "email": ["lina@example.com", ""],
            "role": ["Sales Rep", "Sales Rep"], "department_id": ["", ""]}
    response = _post(admin, "/first-run/users", form)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'class="crm-first-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    newcomer = CrmClient(app.test_client())
    assert newcomer.login("li.na", password).status_code == 302
    assert newcomer.get("/").status_code == 200
    assert password not in admin.get(PAGE).get_data(as_text=True)


def test_a_bad_invite_row_creates_nobody_and_keeps_the_input(app_ctx, login):
    admin = login("Admin", lang="zh")
    before = _users()
    form = {"username": ["good.one", "admin"], "name": ["好人", "重名"], "email": ["good@example.com", "x@example.com"],
            "role": ["Sales Rep", "Sales Rep"], "department_id": ["", ""]}
    response = _post(admin, "/first-run/users", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "已被占用" in html and 'value="good.one"' in html
    assert _users() == before


def test_empty_lists_say_what_to_do_next(app_ctx, login):
    client = login("Sales Rep", lang="zh")
    html = client.get("/lead/list/").get_data(as_text=True)
    assert "还没有线索" in html and 'href="/lead/add"' in html and 'href="/inquiry/"' in html
    assert 'href="/import/?entity=lead"' in html
    filtered = client.get("/lead/list/?qf=mine&f_status=new").get_data(as_text=True)
    assert "没有符合筛选条件的记录" in filtered and "还没有线索" not in filtered
    make_lead(person_name="有线索")
    assert "还没有线索" not in client.get("/lead/list/").get_data(as_text=True)
    assert "还没有客户" in client.get("/account/list/").get_data(as_text=True)


def test_phone_numbers_and_emails_are_links_on_lists_and_show_pages(app_ctx, users, login):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="王先生", mobile="138 0013 8000", email="wang@example.com")
    contact = make_contact(owner=rep, phone="021-6234<5678", email="c@example.com")
    client = login("Sales Rep")
    for path in ("/lead/list/", f"/lead/show/{lead.id}"):
        html = client.get(path).get_data(as_text=True)
        assert '<a href="tel:13800138000">138 0013 8000</a>' in html, path
    html = client.get(f"/lead/show/{lead.id}").get_data(as_text=True)
    assert '<a href="mailto:wang@example.com">wang@example.com</a>' in html
    html = client.get(f"/contact/show/{contact.id}").get_data(as_text=True)
    assert '<a href="tel:0216234">021-6234&lt;5678</a>' not in html  # digits only in the link…
    assert 'href="tel:02162345678">021-6234&lt;5678</a>' in html  # …and the text escaped
