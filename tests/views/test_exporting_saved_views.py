"""Saved views 场景 over HTTP: the list's export button and `?view=`, and the home page's "any list"
widget — always the viewer's own records."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

from sqlalchemy import select

from app.extensions import db
from app.models import ExportLog
from app.services import saved_views as views
from tests.factories import make_lead

VIEW_ARGS = {"f_status": "new", "_oc_LeadView": "person_name", "_od_LeadView": "asc"}


def body_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[1:]


def _world(users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    make_lead(owner=rep, person_name="b 代表新", status="new")
    make_lead(owner=rep, person_name="a 代表新", status="new")
    make_lead(owner=rep, person_name="c 代表旧", status="contacted")
    make_lead(owner=manager, person_name="d 经理新", status="new")
    return views.save_view(manager, "LeadView", "新线索", VIEW_ARGS, "department", may_share=True)


def test_the_list_button_and_view_param_export_the_view_in_the_reps_scope(app_ctx, users, login):
    view = _world(users)
    rep = login("Sales Rep")
    by_view = rep.get(f"/export/lead?format=csv&view={view.id}")
    assert by_view.status_code == 200
    assert [r[1] for r in body_rows(by_view)] == ["a 代表新", "b 代表新"]  # not the manager's lead
    # the list opened on the view carries its arguments and sv=<id>: its export button sends them on
    page = rep.get(f"/saved-views/{view.id}/open")
    assert page.status_code == 302 and f"sv={view.id}" in page.location
    list_html = rep.get(page.location).get_data(as_text=True)
    button = re.search(r'class="btn btn-default crm-export-csv" href="([^"]+)"', list_html).group(1)
    by_button = rep.get(button.replace("&amp;", "&"))
    assert body_rows(by_button) == body_rows(by_view)
    logs = list(db.session.scalars(select(ExportLog).order_by(ExportLog.id)))
    assert [(log.row_count, log.door, log.user_id) for log in logs] == [(2, "ui", users["Sales Rep"].id)] * 2
    assert logs[0].filters["view"] == view.id and logs[1].filters["sv"] == str(view.id)


def test_a_view_with_chosen_columns_exports_those_columns(app_ctx, users, login):
    view = views.save_view(users["Sales Rep"], "LeadView", "电话清单",
                           {**VIEW_ARGS, "cols": "mobile,person_name"})
    make_lead(owner=users["Sales Rep"], person_name="a 代表新", mobile="13700000001", status="new")
    rep = login("Sales Rep", lang="en")
    by_view = rep.get(f"/export/lead?format=csv&view={view.id}")
    header, *body = list(csv.reader(io.StringIO(by_view.get_data(as_text=True).lstrip("\ufeff"))))
    assert header == ["ID", "Mobile", "Person name"] and [r[1:] for r in body] == [["13700000001", "a 代表新"]]
    # the list shown with those columns exports the same through its button
    list_html = rep.get(f"/lead/list/?{urlencode(dict(view.args))}").get_data(as_text=True)
    button = re.search(r'class="btn btn-default crm-export-csv" href="([^"]+)"', list_html).group(1)
    assert rep.get(button.replace("&amp;", "&")).get_data() == by_view.get_data()


def test_a_view_the_user_may_not_open_is_refused_with_a_message(app_ctx, users, login):
    private = views.save_view(users["Sales Manager"], "LeadView", "私有", {"f_status": "new"})
    rep = login("Sales Rep", lang="zh")
    response = rep.get(f"/export/lead?format=csv&view={private.id}")
    assert response.status_code == 302 and response.location.endswith("/lead/list/")
    assert "没有这个场景" in rep.get("/lead/list/").get_data(as_text=True)
    assert db.session.scalar(select(ExportLog)) is None


def _post(client, op, data):
    return client.post_form(f"/home/{op}", data, form_page="/")


def test_home_widget_offers_shared_views_and_shows_the_reps_rows(app_ctx, users, login):
    view = _world(users)
    private = views.save_view(users["Sales Manager"], "LeadView", "经理私有", {})
    rep = login("Sales Rep", lang="zh")
    _post(rep, "add", {"key": "any_list"})
    html = rep.get("/").get_data(as_text=True)
    item = re.findall(r'class="crm-widget [^"]*" id="widget-(w\d+)"', html)[-1]
    options = html.split(f'id="opt-{item}-view"')[1].split("</select>")[0]
    assert f'value="{view.id}"' in options and "新线索" in options and "经理私有" not in options
    _post(rep, "options", {"item": item, "opt_view": str(view.id), "opt_list": "account", "opt_filter": "",
                           "opt_rows": "5"})
    body = rep.get("/").get_data(as_text=True).split(f'id="widget-{item}"')[1].split('class="crm-widget ')[0]
    assert "a 代表新" in body and "b 代表新" in body
    assert "d 经理新" not in body and "c 代表旧" not in body
    assert body.index("a 代表新") < body.index("b 代表新")
    assert f"sv={view.id}" in body and urlencode({"f_status": "new"}) in body  # the link opens the view
    views.delete_view(users["Sales Manager"], view.id)
    gone = rep.get("/").get_data(as_text=True).split(f'id="widget-{item}"')[1]
    assert "此组件选用的场景已被删除" in gone
    _post(rep, "options", {"item": item, "opt_view": str(private.id), "opt_list": "account", "opt_rows": "5"})
    assert "此组件选用的场景已被删除" in rep.get("/").get_data(as_text=True)  # another's private view: refused
