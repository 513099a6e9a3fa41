"""Custom fields 自定义字段 through the REST API, its OpenAPI schema, import and export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Lead
from app.services import custom_fields as cf
from tests.factories import make_lead


@pytest.fixture
def fields(app_ctx):
    cf.create_field("lead", cf.FieldInput("客户等级来源", "Grade source", kind="choice",
                                          choices_text="展会 | Trade show\n官网 | Website\n转介绍 | Referral"))
    cf.create_field("lead", cf.FieldInput("座位数", "Seats", kind="number"))
    cf.create_field("lead", cf.FieldInput("预算", "Budget", kind="money"))
    cf.create_field("lead", cf.FieldInput("拜访日", "Visit day", kind="date"))
    cf.create_field("lead", cf.FieldInput("重点", "Key account", kind="yes_no"))
    cf.create_field("lead", cf.FieldInput("标签", "Labels", kind="multi_choice", choices_text="甲 | Alpha\n乙 | Beta"))
    cf.create_field("lead", cf.FieldInput("底价", "Floor price", kind="money",
                                          view_roles=["Sales Manager"], edit_roles=["Sales Manager"]))


def test_create_and_read_every_kind_through_the_api(api, fields):
    client = api("Sales Rep")
    payload = {"person_name": "周八", "mobile": "13900000011", "custom": {
        "grade_source": "c2", "seats": 30, "budget": "1200.5", "visit_day": "2026-12-01", "key_account": True,
        "labels": ["c1", "c2"]}}
    response = client.post("/api/v1/lead/", json=payload)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()["result"]
    assert body["custom"] == {"grade_source": "c2", "seats": 30, "budget": "1200.50", "visit_day": "2026-12-01",
                              "key_account": True, "labels": ["c1", "c2"]}
    pk = response.get_json()["id"]
    assert client.get(f"/api/v1/lead/{pk}").get_json()["result"]["custom"]["grade_source"] == "c2"
    listed = client.get("/api/v1/lead/").get_json()
    assert listed["result"][0]["custom"]["seats"] == 30
    version = client.get(f"/api/v1/lead/{pk}").get_json()["result"]["version"]
    changed = client.put(f"/api/v1/lead/{pk}", json={"version": version, "custom": {"seats": None, "grade_source": "c3"}})
    assert changed.status_code == 200, changed.get_json()
    assert db.session.get(Lead, pk).custom == {"grade_source": "c3", "budget": "1200.50", "visit_day": "2026-12-01",
                                               "key_account": True, "labels": ["c1", "c2"]}


@pytest.mark.parametrize(("custom", "field"), [
    ({"grade_source": "c9"}, "custom.grade_source"),
    ({"seats": "many"}, "custom.seats"),
    ({"visit_day": "tomorrow"}, "custom.visit_day"),
    ({"no_such": 1}, "custom.no_such"),
    ({"floor_price": "1"}, "custom.floor_price"),  # restricted: does not exist for a rep
])
def test_bad_custom_values_answer_422_and_save_nothing(api, fields, custom, field):
    response = api("Sales Rep").post("/api/v1/lead/", json={"person_name": "吴九", "mobile": "13900000012",
                                                            "custom": custom})
    assert response.status_code == 422
    assert field in response.get_json()["message"]
    assert db.session.scalar(select(Lead).where(Lead.person_name == "吴九")) is None


def test_restricted_field_is_hidden_from_a_rep_and_shown_to_a_manager(api, fields, users):
    lead = make_lead(owner=users["Sales Rep"], custom={"floor_price": "500.00", "seats": 3})
    rep = api("Sales Rep").get(f"/api/v1/lead/{lead.id}").get_json()["result"]["custom"]
    assert "floor_price" not in rep and rep["seats"] == 3
    manager = api("Sales Manager").get(f"/api/v1/lead/{lead.id}").get_json()["result"]["custom"]
    assert manager["floor_price"] == "500.00"
    text = api("Sales Rep").get("/api/v1/lead/export?format=csv").get_data(as_text=True)
    assert "Floor price" not in text and "底价" not in text and "500" not in text


def test_openapi_describes_the_custom_object(api, fields):
    spec = api("Admin").get("/api/v1/_openapi").get_json()
    schemas = spec["components"]["schemas"]
    post = next(v for k, v in schemas.items() if k.startswith("LeadApi") and k.endswith("post"))
    custom = post["properties"]["custom"]
    assert custom["properties"]["grade_source"]["enum"] == ["c1", "c2", "c3"]
    assert custom["properties"]["seats"]["type"] == "number"
    assert custom["properties"]["labels"]["type"] == "array"


def test_import_maps_custom_columns_by_their_names_and_refuses_bad_cells(api, fields):
    content = ("姓名,手机,客户等级来源,座位数,重点\n"
               "郑十,13900000021,官网,12,是\n"
               "王十一,13900000022,电视,3,否\n").encode("utf-8-sig")
    client = api("Sales Rep")
    response = client.open("POST", "/api/v1/lead/import", data={"file": (io.BytesIO(content), "leads.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["created"] == 1 and body["failed"] == 1
    assert body["errors"][0]["column"] == "客户等级来源"
    lead = db.session.scalar(select(Lead).where(Lead.person_name == "郑十"))
    assert lead.custom == {"grade_source": "c2", "seats": 12, "key_account": True}


def test_export_has_a_column_per_visible_field(api, fields, users):
    make_lead(owner=users["Sales Rep"], person_name="冯十二", custom={"grade_source": "c1", "labels": ["c2"]})
    text = api("Sales Rep").get("/api/v1/lead/export?format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    grade = next(h for h in header if h in ("Grade source", "客户等级来源"))
    assert row[grade] in ("Trade show", "展会")
    labels = next(h for h in header if h in ("Labels", "标签"))
    assert row[labels] in ("Beta", "乙")
