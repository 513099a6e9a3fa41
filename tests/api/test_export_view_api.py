"""GET /api/v1/<entity>/export?view=<id>: a saved view 场景 the caller may open, in the caller's scope."""

from __future__ import annotations

import csv
import io

import prison
from sqlalchemy import select

from app.extensions import db
from app.models import ExportLog
from app.services import saved_views as views
from tests.factories import make_lead


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[1:]


def test_export_of_a_view_is_the_callers_records_only(api, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    make_lead(owner=rep, person_name="b 代表", status="new", city="上海")
    make_lead(owner=rep, person_name="a 代表", status="new", city="北京")
    make_lead(owner=rep, person_name="c 代表旧", status="contacted", city="上海")
    make_lead(owner=manager, person_name="d 经理", status="new", city="上海")
    view = views.save_view(manager, "LeadView", "新线索", {
        "f_status": "new", "_oc_LeadView": "person_name", "_od_LeadView": "asc"}, "department", may_share=True)
    response = api("Sales Rep").get(f"/api/v1/lead/export?format=csv&view={view.id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r[1] for r in rows_of(response)] == ["a 代表", "b 代表"]
    assert [r[1] for r in rows_of(api("Sales Manager").get(f"/api/v1/lead/export?view={view.id}"))] == [
        "a 代表", "b 代表", "d 经理"]
    q = prison.dumps({"filters": [{"col": "city", "opr": "eq", "value": "上海"}]})
    narrowed = api("Sales Rep").get(f"/api/v1/lead/export?view={view.id}&q={q}")
    assert [r[1] for r in rows_of(narrowed)] == ["b 代表"]  # q narrows the view, keeps its sort
    log = db.session.scalars(select(ExportLog).order_by(ExportLog.id)).first()
    assert (log.user_id, log.row_count, log.door, log.filters["view"]) == (rep.id, 2, "api", view.id)


def test_a_view_the_caller_may_not_open_is_404_with_a_translated_message(api, users):
    private = views.save_view(users["Sales Manager"], "LeadView", "私有", {})
    accounts = views.save_view(users["Sales Manager"], "AccountView", "客户", {}, "everyone", may_share=True)
    for view_id in (private.id, accounts.id, 999999, "x"):
        response = api("Sales Rep").get(f"/api/v1/lead/export?view={view_id}&_l_=zh")
        assert response.status_code == 404, view_id
        assert response.get_json()["message"] == "没有这个场景，或它没有与您共享。"
    english = api("Sales Rep").get(f"/api/v1/lead/export?view={private.id}&_l_=en")
    assert english.get_json()["message"] == "No such saved view, or it is not shared with you."
    assert api("Sales Manager").get(f"/api/v1/lead/export?view={private.id}").status_code == 200
    assert db.session.scalar(select(ExportLog.id).where(ExportLog.user_id == users["Sales Rep"].id)) is None
