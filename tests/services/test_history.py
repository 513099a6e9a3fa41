"""One hook records every change of an audited record, whatever the door."""

from sqlalchemy import select

from app.extensions import db
from app.models import History, Lead
from app.models.actor import acting_as
from app.services.history import HistoryAction, label_change
from app.services.recycle_bin import soft_delete
from tests.factories import make_lead, make_tag


def entries(record):
    return db.session.scalars(
        select(History).where(History.record_id == record.id, History.entity == "lead")
        .order_by(History.id)
    ).all()


def test_create_change_delete_restore_are_recorded_with_actor_and_door(app_ctx, users):
    rep = users["Sales Rep"]
    lead = make_lead(owner=rep, person_name="周杰")
    with acting_as(rep.id, door="api"):
        lead.person_name = "周杰伦"
        lead.status = "contacted"
        db.session.commit()
        soft_delete(db.session, [lead])
        db.session.get(Lead, lead.id, execution_options={"include_deleted": True}).deleted_at = None
        db.session.commit()
    history = entries(lead)
    assert [h.action for h in history] == ["create", "update", "delete", "restore"]
    created, changed = history[0], history[1]
    assert created.changes["person_name"] == [None, "周杰"]
    assert changed.changes == {"person_name": ["周杰", "周杰伦"], "status": ["new", "contacted"]}
    assert (changed.actor_id, changed.door) == (rep.id, "api")


def test_owner_change_tags_and_service_labels(app_ctx, users):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    lead = make_lead(owner=None)
    tag = make_tag(name="重点")
    with acting_as(rep.id, door="ui"):
        lead.owner_id = rep.id
        label_change(lead, HistoryAction.CLAIM, "from the pool")
        db.session.commit()
        lead.owner_id = manager.id
        lead.tags.append(tag)
        db.session.commit()
    # loading the tags autoflushes the owner change first: two rows for the second commit
    claim, owner_change, tagged = entries(lead)[1:]
    assert claim.action == "claim" and claim.note == "from the pool"
    assert claim.changes["owner_id"] == [None, rep.id]
    assert owner_change.action == "owner_change"
    assert owner_change.changes == {"owner_id": [rep.id, manager.id]}
    assert tagged.changes == {"tags": [[], ["重点"]]}


def test_nothing_recorded_when_nothing_changed(app_ctx):
    lead = make_lead()
    lead.person_name = lead.person_name
    db.session.commit()
    assert len(entries(lead)) == 1


def test_edit_through_the_screen_shows_on_the_timeline(app_ctx, users, login):
    admin = users["Admin"]
    lead = make_lead(owner=admin, person_name="旧名字", mobile="13800000001")
    client = login("Admin")
    response = client.post_form(f"/lead/edit/{lead.id}", {
        "person_name": "新名字", "mobile": "13800000001", "channel": "online", "status": "new",
        "expected_version": lead.version,
    })
    assert response.status_code == 302
    change = entries(lead)[-1]
    assert (change.action, change.door, change.actor_id) == ("update", "ui", admin.id)
    page = client.get(f"/lead/show/{lead.id}").get_data(as_text=True)
    assert "旧名字" in page and "新名字" in page


def test_history_cannot_be_written_through_any_screen(app_ctx, users, login):
    lead = make_lead(owner=users["Admin"])
    entry = entries(lead)[0]
    client = login("Admin")
    assert client.get("/history/list/").status_code == 200
    for path in ("/history/add", f"/history/edit/{entry.id}", f"/history/delete/{entry.id}"):
        assert client.get(path).status_code in (403, 404, 405), path
        assert client.post_form(path, {}, form_page="/lead/add").status_code in (403, 404, 405), path
    assert db.session.get(History, entry.id) is not None
