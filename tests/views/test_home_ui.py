"""Home 主页 through HTTP: the grid renders per role, edits persist per user, reset, role defaults."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from app.extensions import db
from app.models import HomeLayout, RoleHomeLayout, utcnow
from tests.factories import make_account, make_activity, make_lead, make_opportunity


def _widget_keys(html: str) -> list[str]:
    return re.findall(r'data-key="([a-z_]+)"', html)


def _item_ids(html: str) -> list[str]:
    return re.findall(r'class="crm-widget [^"]*" id="widget-(w\d+)"', html)


def test_rep_home_shows_the_role_default_with_numbers(app_ctx, users, login):
    rep = users["Sales Rep"]
    make_lead(owner=rep)
    make_opportunity(owner=rep)
    # due a minute ago: the widget lists everything due by tonight, so it is listed at any hour (a due
    # time ahead, even a minute, falls on tomorrow in the minute before local midnight)
    make_activity(owner=rep, subject="今天回访客户", due_at=utcnow() - dt.timedelta(minutes=1))
    client = login("Sales Rep")
    html = client.get("/").get_data(as_text=True)
    assert _widget_keys(html) == ["kpis", "tasks", "reminders", "pipeline", "neglected", "recent"]
    assert "今天回访客户" in html
    assert "/lead/list/?qf=mine" in html  # KPIs click through to the filtered list
    assert "This widget could not be loaded" not in html


def test_every_role_gets_a_home_page_without_errors(app_ctx, users, login):
    make_account(owner=users["Sales Rep"])
    for role in ("Admin", "Sales Director", "Sales Manager", "Sales Rep", "Customer Service", "Executive"):
        html = login(role).get("/").get_data(as_text=True)
        assert "could not be loaded" not in html, role
        assert _widget_keys(html), role


def test_customer_service_has_no_lead_or_opportunity_numbers(app_ctx, users, login):
    client = login("Customer Service")
    html = client.get("/").get_data(as_text=True)
    assert "pipeline" not in _widget_keys(html) and 'value="pipeline"' not in html  # not even offered
    client.post_form("/home/add", {"key": "kpis"}, form_page="/")
    html = client.get("/").get_data(as_text=True)
    assert _widget_keys(html)[-1] == "kpis"
    kpis = html.split('data-key="kpis"')[1]
    assert "/lead/list/" not in kpis and "/opportunity/list/" not in kpis
    assert "/account/list/" in kpis


def _post(client, op, data):
    return client.post_form(f"/home/{op}", data, form_page="/")


def test_add_remove_move_resize_persist_for_this_user_only(app_ctx, users, login):
    client = login("Sales Rep")
    before = _item_ids(client.get("/").get_data(as_text=True))
    assert _post(client, "add", {"key": "any_list"}).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert _widget_keys(html)[-1] == "any_list"
    assert _post(client, "remove", {"item": before[0]}).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "kpis" not in _widget_keys(html)
    ids = _item_ids(html)
    _post(client, "move", {"item": ids[1], "delta": "-1"})
    assert _item_ids(client.get("/").get_data(as_text=True))[:2] == [ids[1], ids[0]]
    _post(client, "resize", {"item": ids[0], "size": "wide"})
    assert f'crm-widget crm-widget-wide panel panel-default" id="widget-{ids[0]}"' in client.get("/").get_data(as_text=True)
    stored = db.session.scalar(select(HomeLayout).where(HomeLayout.user_id == users["Sales Rep"].id))
    assert [i["key"] for i in stored.widgets][-1] == "any_list"
    # the manager's page is untouched
    assert "kpis" in _widget_keys(login("Sales Manager").get("/").get_data(as_text=True))


def test_drag_order_is_saved_through_json(app_ctx, login):
    client = login("Sales Rep")
    ids = _item_ids(client.get("/").get_data(as_text=True))
    token = client.csrf("/")
    response = client.post("/home/order", data={"ids": ",".join(reversed(ids)), "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and json.loads(response.data)["ok"]
    assert _item_ids(client.get("/").get_data(as_text=True)) == list(reversed(ids))
    bad = client.post("/home/order", data={"ids": ids[0], "csrf_token": token}, headers={"Accept": "application/json"})
    assert bad.status_code == 422


def test_invalid_edits_are_refused_with_a_message(app_ctx, login):
    client = login("Sales Rep")
    response = _post(client, "add", {"key": "no-such-widget"})
    assert response.status_code == 302
    assert "This widget is not available." in client.get("/").get_data(as_text=True)
    _post(client, "resize", {"item": "w1", "size": "huge"})
    assert "Choose small or wide." in client.get("/").get_data(as_text=True)


def test_a_rep_cannot_add_a_widget_of_a_list_they_cannot_open(app_ctx, login):
    client = login("Customer Service")
    _post(client, "add", {"key": "pipeline"})
    assert "pipeline" not in _widget_keys(client.get("/").get_data(as_text=True))


def test_widget_options_change_the_any_list(app_ctx, users, login):
    rep = users["Sales Rep"]
    make_account(owner=rep, name="我的客户甲")
    make_account(owner=None, name="公海客户乙")
    client = login("Sales Rep")
    _post(client, "add", {"key": "any_list"})
    item = _item_ids(client.get("/").get_data(as_text=True))[-1]
    _post(client, "options", {"item": item, "opt_list": "account", "opt_filter": "/account/list/?qf=pool", "opt_rows": "5"})
    html = client.get("/").get_data(as_text=True)
    body = html.split(f'id="widget-{item}"')[1]
    assert "公海客户乙" in body and "我的客户甲" not in body
    _post(client, "options", {"item": item, "opt_list": "account", "opt_filter": "mine", "opt_rows": "0"})
    assert "Rows must be between 1 and 20." in client.get("/").get_data(as_text=True)


def test_reset_goes_back_to_the_role_default_set_by_an_admin(app_ctx, users, login):
    admin = login("Admin")
    rep_role = next(r for r in users["Sales Rep"].roles)
    page = f"/home-defaults/{rep_role.id}"
    assert admin.get("/home-defaults/").status_code == 200
    assert admin.get(page).status_code == 200
    for item in _item_ids(admin.get(page).get_data(as_text=True))[1:]:
        admin.post_form(f"{page}/remove", {"item": item}, form_page=page)
    admin.post_form(f"{page}/add", {"key": "recent"}, form_page=page)
    row = db.session.scalar(select(RoleHomeLayout).where(RoleHomeLayout.role_id == rep_role.id))
    assert [i["key"] for i in row.widgets] == ["kpis", "recent"]

    client = login("Sales Rep")
    assert _widget_keys(client.get("/").get_data(as_text=True)) == ["kpis", "recent"]
    _post(client, "add", {"key": "tasks"})
    assert _widget_keys(client.get("/").get_data(as_text=True)) == ["kpis", "recent", "tasks"]
    _post(client, "reset", {})
    assert _widget_keys(client.get("/").get_data(as_text=True)) == ["kpis", "recent"]


def test_only_admins_edit_role_defaults(app_ctx, users, login):
    rep_role = next(r for r in users["Sales Rep"].roles)
    for role in ("Sales Director", "Sales Rep", "Executive"):
        assert login(role).get(f"/home-defaults/{rep_role.id}").status_code == 403


def test_home_page_in_chinese(app_ctx, login):
    html = login("Sales Rep", "zh").get("/").get_data(as_text=True)
    assert "我的待办" in html or "我的任务" in html
    assert "添加组件" in html
