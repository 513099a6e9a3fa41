"""ERP-style sync: upsert by external id (idempotent), incremental pull by updated_since."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, utcnow
from tests.factories import make_account, make_user


def _pull(client, since: str | None) -> tuple[list[dict], str | None]:
    """Every record changed since `since`, page by page, in the API's stable order."""
    rows, page = [], 0
    while True:
        args = {"q": f"(page:{page},page_size:2)"}
        if since:
            args["updated_since"] = since
        body = client.get("/api/v1/account/", query_string=args).get_json()
        rows += body["result"]
        if len(body["result"]) < 2:
            break
        page += 1
    newest = max((r["updated_at"] for r in rows), default=since)
    return rows, newest


def test_upsert_twice_yields_one_record(api):
    client = api("Sales Rep")
    payload = {"name": "华东物流有限公司", "phone": "021-55556666", "industry": "logistics"}
    first = client.put("/api/v1/account/by-external-id/ERP-C-1001", json=payload)
    second = client.put("/api/v1/account/by-external-id/ERP-C-1001", json=payload)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    assert db.session.scalar(select(func.count(Account.id)).where(Account.external_id == "ERP-C-1001")) == 1
    got = client.get("/api/v1/account/by-external-id/ERP-C-1001")
    assert got.status_code == 200 and got.get_json()["result"]["name"] == "华东物流有限公司"
    changed = client.put("/api/v1/account/by-external-id/ERP-C-1001", json={"city": "宁波"})
    assert changed.get_json()["result"]["city"] == "宁波" and changed.get_json()["result"]["version"] == 2
    stale = client.put("/api/v1/account/by-external-id/ERP-C-1001", json={"city": "杭州", "version": 1})
    assert stale.status_code == 409


def test_erp_sync_loop_converges_and_is_idempotent(api):
    client = api("Sales Rep")
    erp = {f"ERP-{n}": {"name": f"供应商{n}号有限公司", "phone": f"0571-8800{n:04d}"} for n in range(5)}
    for _round in range(2):  # the ERP pushes everything twice (a retry after a timeout)
        for ext, row in erp.items():
            assert client.put(f"/api/v1/account/by-external-id/{ext}", json=row,
                              query_string={"force": "true"}).status_code in (200, 201)
    rows, cursor = _pull(client, None)
    assert {r["external_id"] for r in rows} == set(erp)
    assert len(rows) == len(erp)  # pages neither skip nor repeat

    again, cursor2 = _pull(client, cursor)  # nothing new: only the newest second is re-sent
    assert {r["external_id"] for r in again} <= set(erp)

    # the CRM changes one record; the next pull from the cursor brings it back
    account = db.session.scalar(select(Account).where(Account.external_id == "ERP-3"))
    account.updated_at = utcnow() + dt.timedelta(seconds=5)
    account.city = "温州"
    db.session.commit()
    changed, _ = _pull(client, cursor2)
    assert [r["external_id"] for r in changed if r["city"] == "温州"] == ["ERP-3"]
    assert db.session.scalar(select(func.count(Account.id))) == len(erp)


def test_updated_since_filters_and_orders(api, users):
    old = make_account(owner=users["Sales Rep"], name="老客户")
    old.updated_at = dt.datetime(2020, 1, 1)
    db.session.commit()
    recent = [make_account(owner=users["Sales Rep"], name=f"新客户{i}") for i in range(3)]
    client = api("Sales Rep")
    body = client.get("/api/v1/account/", query_string={"updated_since": "2021-01-01T00:00:00+08:00"}).get_json()
    assert old.id not in body["ids"] and {a.id for a in recent} <= set(body["ids"])
    stamps = [(r["updated_at"], r["id"]) for r in body["result"]]
    assert stamps == sorted(stamps)
    assert client.get("/api/v1/account/", query_string={"updated_since": "yesterday"}).status_code == 400


def test_upsert_never_touches_or_reveals_a_record_out_of_scope(api, users):
    colleague = make_user("rep_other", "Sales Rep", department=users["Sales Rep"].department)
    theirs = make_account(owner=colleague, name="机密客户", external_id="ERP-SECRET")
    response = api("Sales Rep").put("/api/v1/account/by-external-id/ERP-SECRET", json={"name": "覆盖"})
    assert response.status_code == 409
    assert "机密客户" not in response.get_data(as_text=True)
    assert str(theirs.id) not in str(response.get_json())
    assert api("Sales Rep").get("/api/v1/account/by-external-id/ERP-SECRET").status_code == 404
    db.session.expire_all()
    assert db.session.get(Account, theirs.id).name == "机密客户"


def test_upsert_of_a_record_in_the_recycle_bin_says_so(api, users):
    client = api("Sales Rep")
    created = client.put("/api/v1/account/by-external-id/ERP-BIN", json={"name": "将删除的客户"})
    assert client.delete(f"/api/v1/account/{created.get_json()['id']}").status_code == 200
    again = client.put("/api/v1/account/by-external-id/ERP-BIN", json={"name": "将删除的客户"})
    assert again.status_code == 409
    assert db.session.scalar(select(func.count(Account.id)).execution_options(include_deleted=True)) == 1


def test_duplicates_are_refused_unless_forced(api, users):
    make_account(owner=users["Sales Rep"], name="远航科技有限公司")
    client = api("Sales Rep")
    refused = client.post("/api/v1/account/", json={"name": "远航科技有限公司"})
    assert refused.status_code == 409
    assert refused.get_json()["duplicates"][0]["entity"] == "account"
    forced = client.post("/api/v1/account/", json={"name": "远航科技有限公司"}, query_string={"force": "true"})
    assert forced.status_code == 201
