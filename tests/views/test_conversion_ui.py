"""Lead conversion over HTTP: the form, landing on the opportunity, the list action, bulk, scope."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Contact, Lead, Opportunity
from tests.factories import make_account, make_lead, make_user
from tests.factories import stage as a_stage


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_show_page_has_a_convert_button_and_the_form_offers_the_duplicate_account(app_ctx, users, login):
    rep = users["Sales Rep"]
    account = make_account(owner=rep, name="明远科技")
    lead = make_lead(owner=rep, company_name="明远科技有限公司", person_name="王伟")
    client = login("Sales Rep", lang="zh")
    show = client.get(f"/lead/show/{lead.id}").get_data(as_text=True)
    assert f"/conversion/lead/{lead.id}" in show and "转化" in show
    form = client.get(f"/conversion/lead/{lead.id}").get_data(as_text=True)
    # the existing account comes first and is chosen by default
    assert re.search(rf'name="account" value="{account.id}"\s+checked', form)
    assert form.index(f'value="{account.id}"') < form.index('value="new"')
    assert "明远科技" in form


def test_converting_creates_everything_and_lands_on_the_opportunity(app_ctx, users, login):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, company_name="新客户", person_name="李雷", mobile="13800000001")
    stage = a_stage(order=2)
    client = login("Sales Rep")
    html = client.get(f"/conversion/lead/{lead.id}").get_data(as_text=True)
    response = client.post(f"/conversion/lead/{lead.id}", data={
        "csrf_token": _token(html), "account": "new", "contact": "new", "create_opportunity": "1",
        "opp_name": "新客户 · 首单", "opp_amount": "88000", "opp_currency": "CNY", "opp_stage": str(stage.id),
        "opp_close": "2027-01-15"})
    assert response.status_code == 302
    db.session.expire_all()
    deal = db.session.scalar(select(Opportunity))
    assert response.location.endswith(f"/opportunity/show/{deal.id}")
    assert (deal.name, int(deal.amount), deal.stage_id) == ("新客户 · 首单", 88000, stage.id)
    assert db.session.get(Lead, lead.id).status == "converted"
    assert _count(Account) == 1 and _count(Contact) == 1
    # converted: the lead stays readable, and the form now says what it became
    again = client.get(f"/conversion/lead/{lead.id}").get_data(as_text=True)
    assert f"/opportunity/show/{deal.id}" in again and "crm-convert-form" not in again
    assert client.get(f"/lead/show/{lead.id}").status_code == 200


def test_a_bad_amount_keeps_the_form_and_changes_nothing(app_ctx, users, login):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep)
    client = login("Sales Rep", lang="zh")
    html = client.get(f"/conversion/lead/{lead.id}").get_data(as_text=True)
    response = client.post(f"/conversion/lead/{lead.id}", data={
        "csrf_token": _token(html), "account": "new", "contact": "new", "create_opportunity": "1",
        "opp_amount": "十万"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "请输入数字金额" in body
    assert 'value="十万"' in body
    db.session.expire_all()
    assert _count(Account) == 0 and db.session.get(Lead, lead.id).status == "new"


def test_without_an_opportunity_it_lands_on_the_existing_account(app_ctx, users, login):
    rep = users["Sales Rep"]
    account = make_account(owner=rep)
    lead = make_lead(owner=rep)
    client = login("Sales Rep")
    html = client.get(f"/conversion/lead/{lead.id}").get_data(as_text=True)
    response = client.post(f"/conversion/lead/{lead.id}", data={
        "csrf_token": _token(html), "account": "pick", "account_pick": str(account.id), "contact": "none"})
    assert response.status_code == 302 and response.location.endswith(f"/account/show/{account.id}")
    assert _count(Contact) == 0 and _count(Opportunity) == 0


def test_out_of_scope_lead_is_404_and_read_only_roles_are_refused(app_ctx, users, login):
    colleague = make_user("colleague_conv_ui", "Sales Rep")
    theirs = make_lead(owner=colleague)
    assert login("Sales Rep").get(f"/conversion/lead/{theirs.id}").status_code == 404
    assert login("Executive").get(f"/conversion/lead/{theirs.id}").status_code == 403
    assert login("Customer Service").get(f"/conversion/lead/{theirs.id}").status_code == 403


def test_list_action_opens_the_form_for_one_and_bulk_converts_many(app_ctx, users, login):
    rep = users["Sales Rep"]
    colleague = make_user("colleague_bulk_ui", "Sales Rep")
    one, two = make_lead(owner=rep), make_lead(owner=rep)
    theirs = make_lead(owner=colleague)
    client = login("Sales Rep", lang="zh")
    token = client.csrf("/lead/list/")
    single = client.post("/lead/action_post", data={"csrf_token": token, "action": "convert", "rowid": [one.id]})
    assert single.status_code == 302 and single.location.endswith(f"/conversion/lead/{one.id}")
    many = client.post("/lead/action_post", data={"csrf_token": token, "action": "convert",
                                                  "rowid": [one.id, two.id, theirs.id]})
    assert many.status_code == 302 and "/conversion/leads" in many.location
    page = client.get(many.location)
    html = page.get_data(as_text=True)
    response = client.post("/conversion/leads", data={"csrf_token": _token(html),
                                                      "ids": f"{one.id},{two.id},{theirs.id}",
                                                      "reuse_account": "1", "create_opportunity": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "crm-convert-outcomes" in body
    assert body.count('class="success"') == 2 and body.count('class="warning"') == 1
    assert "3 条线索中已转化 2 条" in body
    assert _count(Opportunity) == 2
    db.session.expire_all()
    assert db.session.get(Lead, one.id).status == "converted"
    assert db.session.get(Lead, theirs.id).status == "new"
