"""Saved views 场景 over HTTP: save the current filter, open it, default view, sharing without leaks."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from app.extensions import db
from app.models.saved_view import SavedView
from tests.factories import make_lead


def save(client, name, args, sharing="private", default=False):
    token = client.csrf("/lead/list/?sv=0")
    data = {"csrf_token": token, "list_name": "LeadView", "name": name, "args": args, "sharing": sharing}
    if default:
        data["make_default"] = "1"
    return client.post("/saved-views/save", data=data)


def test_rep_saves_a_filter_and_finds_it_in_the_panel(app, login, users):
    with app.app_context():
        make_lead(owner=users["Sales Rep"], person_name="钱新新", status="new")
        make_lead(owner=users["Sales Rep"], person_name="钱旧旧", status="contacted")
    rep = login("Sales Rep", lang="zh")
    response = save(rep, "我的新线索", "f_status=new&q=&page_LeadView=3")
    assert response.status_code == 302
    target = urlparse(response.location)
    assert parse_qs(target.query)["f_status"] == ["new"] and "page_LeadView" not in target.query
    page = rep.get(f"{target.path}?{target.query}").get_data(as_text=True)
    assert "我的新线索" in page and "钱新新" in page and "钱旧旧" not in page


def test_default_view_opens_the_list_and_can_be_removed(app, login):
    rep = login("Sales Rep")
    save(rep, "New ones", "f_status=new", default=True)
    response = rep.get("/lead/list/")
    assert response.status_code == 302 and "f_status=new" in response.location
    with app.app_context():
        view_id = db.session.scalar(select(SavedView.id))
    token = rep.csrf("/lead/list/?sv=0")
    rep.post(f"/saved-views/{view_id}/default", data={"csrf_token": token, "unset": "1"})
    assert rep.get("/lead/list/").status_code == 200


def test_a_rep_may_not_share_views_but_a_manager_may(app, login):
    rep = login("Sales Rep")
    save(rep, "Everyone's", "f_status=new", sharing="everyone")
    with app.app_context():
        assert db.session.scalar(select(SavedView)) is None
    manager = login("Sales Manager")
    assert save(manager, "Team view", "f_status=new", sharing="department").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SavedView.sharing)) == "department"


def test_a_shared_view_shows_each_viewer_only_their_own_records(app, login, users):
    with app.app_context():
        make_lead(owner=users["Sales Manager"], person_name="经理的线索", status="new")
        make_lead(owner=users["Sales Rep"], person_name="代表的线索", status="new")
    manager = login("Sales Manager")
    save(manager, "All new", "f_status=new", sharing="everyone")
    with app.app_context():
        view_id = db.session.scalar(select(SavedView.id))
    rep = login("Sales Rep")
    opened = rep.get(f"/saved-views/{view_id}/open")
    assert opened.status_code == 302
    page = rep.get(opened.location).get_data(as_text=True)
    assert "代表的线索" in page and "经理的线索" not in page  # the view, not the manager's records
    assert "All new" in page
    # only the owner deletes it
    token = rep.csrf("/lead/list/?sv=0")
    rep.post(f"/saved-views/{view_id}/delete", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(SavedView, view_id) is not None


def test_a_private_view_of_someone_else_answers_404(app, login):
    manager = login("Sales Manager")
    save(manager, "Mine only", "f_status=new")
    with app.app_context():
        view_id = db.session.scalar(select(SavedView.id))
    rep = login("Sales Rep")
    assert rep.get(f"/saved-views/{view_id}/open").status_code == 404
    assert "Mine only" not in rep.get("/lead/list/?sv=0").get_data(as_text=True)
