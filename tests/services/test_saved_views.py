"""Saved views 场景 through the service: visibility by sharing, defaults, cleaned arguments."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import saved_views as service
from app.services.errors import NotFound, ValidationFailed
from tests.factories import make_user


def test_only_list_arguments_are_kept(app_ctx, users):
    view = service.save_view(users["Sales Rep"], "LeadView", "新", {
        "f_status": "new", "q": "张", "cf_grade": "c1", "_oc_LeadView": "created_at", "page_LeadView": "4",
        "csrf_token": "x", "cols": "person_name,cf_grade", "evil": "1", "qf": ""})
    assert view.args == {"f_status": "new", "q": "张", "cf_grade": "c1", "_oc_LeadView": "created_at",
                         "cols": "person_name,cf_grade"}


def test_saving_the_same_name_updates_the_view(app_ctx, users):
    rep = users["Sales Rep"]
    first = service.save_view(rep, "LeadView", "新", {"f_status": "new"})
    again = service.save_view(rep, "LeadView", "新", {"f_status": "contacted"})
    assert first.id == again.id and again.args == {"f_status": "contacted"}


def test_sharing_needs_the_permission_and_a_name(app_ctx, users):
    rep = users["Sales Rep"]
    with pytest.raises(ValidationFailed):
        service.save_view(rep, "LeadView", "x", {}, "everyone", may_share=False)
    with pytest.raises(ValidationFailed):
        service.save_view(rep, "LeadView", "  ", {})
    with pytest.raises(ValidationFailed):
        service.save_view(rep, "LeadView", "x", {}, "galaxy", may_share=True)


def test_who_sees_which_view(app_ctx, users):
    manager, rep = users["Sales Manager"], users["Sales Rep"]  # both in 华东销售部
    director = users["Sales Director"]  # 销售事业部
    private = service.save_view(manager, "LeadView", "私有", {})
    team = service.save_view(manager, "LeadView", "部门", {}, "department", may_share=True)
    everyone = service.save_view(manager, "LeadView", "全员", {}, "everyone", may_share=True)
    other_list = service.save_view(manager, "AccountView", "客户", {}, "everyone", may_share=True)
    assert {v.id for v in service.views_for(rep, "LeadView")} == {team.id, everyone.id}
    assert {v.id for v in service.views_for(director, "LeadView")} == {everyone.id}
    assert {v.id for v in service.views_for(manager, "LeadView")} == {private.id, team.id, everyone.id}
    with pytest.raises(NotFound):
        service.get_view(rep, private.id)
    assert other_list.id not in {v.id for v in service.views_for(rep, "LeadView")}


def test_default_view_is_personal_and_dropped_when_no_longer_shared(app_ctx, users):
    manager, rep = users["Sales Manager"], users["Sales Rep"]
    team = service.save_view(manager, "LeadView", "部门", {"f_status": "new"}, "department", may_share=True)
    service.set_default(rep, "LeadView", team.id)
    assert service.default_view(rep, "LeadView").id == team.id
    assert service.default_view(manager, "LeadView") is None
    service.save_view(manager, "LeadView", "部门", {"f_status": "new"}, "private")
    assert service.default_view(rep, "LeadView") is None  # no longer theirs to open
    with pytest.raises(ValidationFailed):
        service.set_default(manager, "AccountView", team.id)  # a view of another list


def test_only_the_owner_deletes(app_ctx, users):
    manager = users["Sales Manager"]
    colleague = make_user("colleague_sv", "Sales Rep", department=None)
    shared = service.save_view(manager, "LeadView", "全员", {}, "everyone", may_share=True)
    with pytest.raises(ValidationFailed):
        service.delete_view(colleague, shared.id)
    service.delete_view(manager, shared.id)
    assert service.views_for(manager, "LeadView") == []
    db.session.commit()
