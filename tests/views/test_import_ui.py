"""The import wizard through HTTP: upload, mapping, preview, background run, report, failed rows, undo."""

from __future__ import annotations

import io
import time

from sqlalchemy import func, select

from app.extensions import db
from app.models import ImportBatch, Lead
from tests.shared_data import DATA


def _upload(client, name: str, entity="lead", policy="skip"):
    token = client.csrf("/import/?entity=" + entity)
    data = {"csrf_token": token, "entity": entity, "on_duplicate": policy,
            "file": (io.BytesIO((DATA / name).read_bytes()), name)}
    return client.post("/import/upload", data=data, content_type="multipart/form-data")


def _wait(client, batch_id: int, seconds: float = 30) -> dict:
    deadline = time.time() + seconds
    while time.time() < deadline:
        state = client.get(f"/import/{batch_id}/status").get_json()
        if state["done"]:
            return state
        time.sleep(0.1)
    raise AssertionError("import did not finish")


def test_wizard_imports_gbk_customers_in_chinese(app_ctx, login, users):
    client = login("Sales Rep", lang="zh")
    page = client.get("/import/?entity=lead").get_data(as_text=True)
    assert "导入" in page
    response = _upload(client, "customers_gbk.csv")
    assert response.status_code == 302
    batch_id = int(response.location.rstrip("/").split("/")[-2])
    mapping_page = client.get(f"/import/{batch_id}/mapping").get_data(as_text=True)
    assert "客户名称" in mapping_page and "联系电话" in mapping_page
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.mapping == {"客户名称": "company_name", "联系人": "person_name", "联系电话": "mobile",
                             "电子邮箱": "email", "客户来源": "source", "所在城市": "city", "备注": "description"}
    # confirm the proposal as it is (the form posts each column's select)
    fields = {f"map_{i}": v for i, v in enumerate(batch.mapping.values())}
    response = client.post_form(f"/import/{batch_id}/mapping", {**fields, "on_duplicate": "skip"})
    assert response.status_code == 302 and response.location.endswith(f"/import/{batch_id}/preview")
    preview = client.get(f"/import/{batch_id}/preview").get_data(as_text=True)
    assert "苏州物流宏通有限公司" in preview
    response = client.post_form(f"/import/{batch_id}/run", {}, form_page=f"/import/{batch_id}/preview")
    assert response.status_code == 302
    state = _wait(client, batch_id)
    assert state["status"] == "done" and state["created"] == 200 and state["failed"] == 0
    report = client.get(f"/import/{batch_id}/").get_data(as_text=True)
    assert "撤销" in report  # undo offered
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 200
    assert set(db.session.scalars(select(Lead.owner_id))) == {users["Sales Rep"].id}
    response = client.post_form(f"/import/{batch_id}/undo", {}, form_page=f"/import/{batch_id}/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
    assert db.session.get(ImportBatch, batch_id).status == "undone"


def test_failed_rows_download_in_the_users_language(app_ctx, login):
    client = login("Sales Manager", lang="zh")
    batch_id = int(_upload(client, "leads_zh_utf8bom.csv").location.rstrip("/").split("/")[-2])
    client.post_form(f"/import/{batch_id}/run", {}, form_page=f"/import/{batch_id}/preview")
    state = _wait(client, batch_id)
    assert (state["created"], state["failed"], state["skipped"]) == (279, 8, 13)
    response = client.get(f"/import/{batch_id}/failed.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    lines = text.strip().splitlines()
    assert len(lines) == 9
    assert lines[0].startswith("行") and lines[0].endswith("原因")
    assert lines[1].startswith("39,")
    client_en = login("Sales Manager", lang="en")
    english = client_en.get(f"/import/{batch_id}/failed.csv").get_data(as_text=True)
    assert "Not a valid e-mail address." in english


def test_someone_elses_batch_is_not_found(app_ctx, login):
    owner = login("Sales Rep")
    batch_id = int(_upload(owner, "customers_gbk.csv").location.rstrip("/").split("/")[-2])
    other = login("Sales Manager")
    assert other.get(f"/import/{batch_id}/mapping").status_code == 404
    assert other.get(f"/import/{batch_id}/status").status_code == 404


def test_customer_service_cannot_import(app_ctx, login):
    client = login("Customer Service")
    assert client.get("/import/").status_code == 403


def test_an_unreadable_file_is_refused_with_a_message(app_ctx, login):
    client = login("Sales Rep")
    token = client.csrf("/import/")
    data = {"csrf_token": token, "entity": "lead", "on_duplicate": "skip",
            "file": (io.BytesIO(b"PK\x03\x04 not really a zip"), "leads.xlsx")}
    response = client.post("/import/upload", data=data, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "damaged" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
