"""A batch whose process died shows as interrupted — in the batch list, on its page, in its status JSON."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.models import ImportBatch, ImportRecord, ImportStatus, Lead, utcnow
from app.services.importing import recovery
from tests.factories import make_lead


def _dead_batch(owner, heartbeat: dt.datetime) -> tuple[int, int]:
    """A batch still "saving" that had created one lead, as a killed import leaves it."""
    lead = make_lead(owner=owner)
    batch = ImportBatch(entity="lead", filename="big.csv", status=ImportStatus.WRITING, mapping={"姓名": "person_name"},
                        created_by_id=owner.id, total_rows=10, processed_rows=4, started_at=heartbeat,
                        heartbeat_at=heartbeat)
    db.session.add(batch)
    db.session.flush()
    db.session.add(ImportRecord(batch_id=batch.id, record_id=lead.id, action="created"))
    db.session.commit()
    return batch.id, lead.id


def test_the_screens_show_a_dead_import_as_interrupted(app_ctx, login, users):
    rep = users["Sales Rep"]
    stale = utcnow() - dt.timedelta(minutes=recovery.DEFAULT_STALE_MINUTES + 1)
    dead, dead_lead = _dead_batch(rep, stale)
    live, live_lead = _dead_batch(rep, utcnow())  # still beating: another process is writing it
    client = login("Sales Rep", lang="zh")
    page = client.get("/import/?entity=lead").get_data(as_text=True)
    assert "已中断，未导入任何数据" in page  # the batch list found and took back the dead one
    db.session.expire_all()
    assert db.session.get(ImportBatch, dead).status == ImportStatus.INTERRUPTED
    assert db.session.get(Lead, dead_lead) is None
    assert db.session.get(ImportBatch, live).status == ImportStatus.WRITING and db.session.get(Lead, live_lead)
    report = client.get(f"/import/{dead}/").get_data(as_text=True)
    assert "crm-import-interrupted" in report and "未保留任何数据" in report
    assert "撤销" not in report  # nothing to undo
    client_en = login("Sales Rep", lang="en")
    report = client_en.get(f"/import/{dead}/").get_data(as_text=True)
    assert "Interrupted, nothing was imported" in report and "nothing of it was kept" in report
    state = client_en.get(f"/import/{dead}/status").get_json()
    assert state["status"] == "interrupted" and state["done"] and "nothing of it was kept" in state["error"]
    assert client_en.get(f"/import/{live}/status").get_json()["done"] is False


def test_the_progress_page_recovers_its_own_batch_once_stale(app_ctx, login, users):
    rep = users["Sales Rep"]
    dead, _lead = _dead_batch(rep, utcnow() - dt.timedelta(hours=1))
    client = login("Sales Rep", lang="en")
    state = client.get(f"/import/{dead}/status").get_json()  # the page polling it finds out
    assert state["status"] == "interrupted"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
