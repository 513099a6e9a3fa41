"""POST /api/v1/<entity>/import and GET /api/v1/<entity>/export."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import prison
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Lead
from tests.factories import make_lead
from tests.shared_data import DATA

SAMPLES = ["leads_zh_utf8bom.csv", "customers_gbk.csv", "leads_en.xlsx"]


def upload(api_client, name: str, entity="lead", **form):
    data = {"file": (io.BytesIO((DATA / name).read_bytes()), name), **form}
    return api_client.open("POST", f"/api/v1/{entity}/import", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_import_with_their_expected_counts(api, name):
    expect = json.loads((DATA / name).with_suffix(".expect.json").read_text())
    response = upload(api("Sales Rep"), name)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    duplicates = len(expect["duplicate_rows"])
    assert body["rows"] == expect["rows"]
    assert body["created"] == expect["valid"] - duplicates
    assert body["skipped"] == body["duplicates"] == duplicates
    assert body["updated"] == 0
    assert sorted(e["row"] for e in body["errors"]) == sorted(r["line"] for r in expect["invalid_rows"])
    assert all(set(e) == {"row", "column", "message"} and e["message"] for e in body["errors"])
    assert db.session.scalar(select(func.count()).select_from(Lead)) == body["created"]


def test_dry_run_and_policy(api):
    client = api("Sales Rep")
    dry = upload(client, "leads_en.xlsx", dry_run="true").get_json()
    assert dry["dry_run"] is True and dry["created"] == 146 and dry["batch_id"] is None
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
    first = upload(client, "leads_en.xlsx").get_json()
    again = upload(client, "leads_en.xlsx", on_duplicate="skip").get_json()
    assert (first["created"], again["created"], again["skipped"]) == (146, 0, 150)
    bad = upload(client, "leads_en.xlsx", on_duplicate="merge")
    assert bad.status_code == 422


def test_import_needs_permission_and_a_file(api):
    assert upload(api("Customer Service"), "customers_gbk.csv").status_code == 403
    assert upload(api("Executive"), "customers_gbk.csv").status_code == 403
    # activities and notes are not imported: there is no such operation (and none in the OpenAPI spec)
    assert upload(api("Sales Rep"), "customers_gbk.csv", entity="note").status_code == 405
    response = api("Sales Rep").open("POST", "/api/v1/lead/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_export_uses_the_list_filter_syntax_and_the_scope(api, users):
    rep = users["Sales Rep"]
    for name, city in (("甲", "上海"), ("乙", "上海"), ("丙", "北京")):
        make_lead(owner=rep, person_name=name, city=city)
    make_lead(owner=users["Sales Director"], person_name="别人", city="上海")
    q = prison.dumps({"filters": [{"col": "city", "opr": "eq", "value": "上海"}],
                      "order_column": "person_name", "order_direction": "asc"})
    response = api("Sales Rep").get(f"/api/v1/lead/export?format=csv&q={q}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r[1] for r in rows[1:]) == ["乙", "甲"]
    xlsx = api("Executive").get("/api/v1/lead/export?format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 5
    assert api("Sales Rep").get("/api/v1/lead/export?format=pdf").status_code == 400
    assert api("Sales Rep").get("/api/v1/lead/export?q=(((").status_code == 400
    assert api("Customer Service").get("/api/v1/lead/export").status_code == 403
