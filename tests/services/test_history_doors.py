"""One record changed through the screens, the REST API, an import and a bulk action: its history
shows all four, each with its door, actor and old/new values — recorded by one mechanism."""

import io

from sqlalchemy import select

from app.extensions import db
from app.models import History, Lead
from app.models.history import Door
from app.services import bulk
from app.services.importing import import_file
from tests.api.conftest import ApiClient, jwt_for
from tests.conftest import ROLE_USERS
from tests.factories import make_lead
from tests.views.test_concurrent_edit import _edit_page_version, _save


def test_history_shows_every_door_with_its_actor(app, app_ctx, users, login):
    rep, manager, director = users["Sales Rep"], users["Sales Manager"], users["Sales Director"]
    admin = users["Admin"]
    lead = make_lead(owner=rep, person_name="张三", mobile="13800001234", status="new", title="工程师")

    # 1. the screens: the owner edits the title
    ui = login("Sales Rep")
    assert _save(ui, lead.id, _edit_page_version(ui, lead.id), title="经理").status_code == 302

    # 2. the API: the rep's manager changes the city
    api = ApiClient(app, jwt_for(app, ROLE_USERS["Sales Manager"]))
    version = api.get(f"/api/v1/lead/{lead.id}").get_json()["result"]["version"]
    put = api.put(f"/api/v1/lead/{lead.id}", json={"city": "杭州", "version": version})
    assert put.status_code == 200, put.get_json()

    # 3. an import: the director updates the same lead, found by its mobile in another spelling
    sheet = "姓名,手机,职位\n张三,+86 138-0000-1234,总监\n".encode()
    report, _batch = import_file("lead", io.BytesIO(sheet), "update.csv", director, on_duplicate="update")
    assert report.updated == 1, report

    # 4. a bulk action: an admin qualifies it
    result = bulk.change_status(bulk.Selection.of([lead.id]), admin, "qualified")
    assert result.changed == [lead.id], result.refused

    db.session.expire_all()
    stored = db.session.get(Lead, lead.id)
    assert (stored.title, stored.city, stored.status) == ("总监", "杭州", "qualified")
    entries = db.session.scalars(
        select(History).where(History.entity == "lead", History.record_id == lead.id).order_by(History.id)
    ).all()
    by_door = {(entry.door, entry.actor_id): entry for entry in entries}
    assert (Door.UI, rep.id) in by_door
    assert (Door.API, manager.id) in by_door
    assert (Door.IMPORT, director.id) in by_door
    assert (Door.BULK, admin.id) in by_door

    def changed(door, actor):
        return {name: tuple(pair) for name, pair in (by_door[(door, actor)].changes or {}).items()}

    assert changed(Door.UI, rep.id)["title"] == ("工程师", "经理")
    assert changed(Door.API, manager.id)["city"] == (None, "杭州")
    assert changed(Door.IMPORT, director.id)["title"] == ("经理", "总监")
    assert changed(Door.BULK, admin.id)["status"] == ("new", "qualified")
