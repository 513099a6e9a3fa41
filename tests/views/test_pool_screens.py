"""The pool through the screens: claim/release/assign actions, and FAB's action hole closed."""

from app.extensions import db
from app.models import Lead
from tests.factories import make_lead


def _action(client, view_route, name, ids):
    return client.post_form(f"/{view_route}/action_post", {"action": name, "rowid": [str(i) for i in ids]},
                            form_page="/lead/add")


def test_rep_claims_from_the_pool_but_cannot_touch_a_colleagues_lead(app_ctx, users, login):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    free = make_lead(owner=None)
    colleagues = make_lead(owner=manager)
    client = login("Sales Rep")
    assert _action(client, "lead", "claim", [free.id, colleagues.id]).status_code == 302
    db.session.expire_all()
    assert db.session.get(Lead, free.id).owner_id == rep.id
    assert db.session.get(Lead, colleagues.id).owner_id == manager.id  # FAB would have loaded it

    # the release form needs a reason; then the lead is back in the pool
    form = client.get(f"/pool/release?entity=lead&ids={free.id}")
    assert form.status_code == 200
    client.post_form("/pool/release", {"entity": "lead", "ids": str(free.id), "reason": "不需要了"},
                     form_page=f"/pool/release?entity=lead&ids={free.id}")
    db.session.expire_all()
    assert db.session.get(Lead, free.id).owner_id is None


def test_only_managers_assign(app_ctx, users, login):
    lead = make_lead(owner=None)
    rep_client = login("Sales Rep")
    assert rep_client.get(f"/pool/assign?entity=lead&ids={lead.id}").status_code == 403
    manager_client = login("Sales Manager")
    page = manager_client.get(f"/pool/assign?entity=lead&ids={lead.id}").get_data(as_text=True)
    assert "sales_rep" in page and "sales_director" not in page  # only people in the manager's scope
    manager_client.post_form("/pool/assign", {"entity": "lead", "ids": str(lead.id),
                                              "user_id": str(users["Sales Rep"].id)},
                             form_page=f"/pool/assign?entity=lead&ids={lead.id}")
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).owner_id == users["Sales Rep"].id
    # someone outside the manager's scope cannot be chosen
    other = make_lead(owner=None)
    manager_client.post_form("/pool/assign", {"entity": "lead", "ids": str(other.id),
                                              "user_id": str(users["Sales Director"].id)},
                             form_page=f"/pool/assign?entity=lead&ids={other.id}")
    db.session.expire_all()
    assert db.session.get(Lead, other.id).owner_id is None
