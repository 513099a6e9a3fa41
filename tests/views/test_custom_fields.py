"""Custom fields 自定义字段 on the screens: admin page, add/edit forms, show page, list, filter, export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Lead
from app.models.custom_field import CustomField
from app.services import custom_fields as cf
from tests.factories import make_lead
from tests.views.test_forms import assert_refused, form_defaults, submit


def add_choice_field(app, **over):
    with app.app_context():
        data = cf.FieldInput("客户等级来源", "Grade source", kind="choice",
                             choices_text="展会 | Trade show\n官网 | Website\n转介绍 | Referral")
        for key, value in over.items():
            setattr(data, key, value)
        return cf.create_field("lead", data).id


def test_admin_adds_a_choice_field_on_the_settings_screen(app, login):
    admin = login("Admin", lang="zh")
    token = admin.csrf("/custom-fields/add/lead")
    response = admin.post("/custom-fields/add/lead", data={
        "csrf_token": token, "label_zh": "客户等级来源", "label_en": "Grade source", "kind": "choice",
        "choices": "展会 | Trade show\n官网 | Website\n转介绍 | Referral", "in_list": "1"})
    assert response.status_code == 302
    page = admin.get("/custom-fields/?entity=lead").get_data(as_text=True)
    assert "客户等级来源" in page and "单选" in page
    with app.app_context():
        field = db.session.scalar(select(CustomField))
        assert field.key == "grade_source" and len(field.choices) == 3 and field.in_list


def test_admin_screen_refuses_a_choice_field_without_choices_in_chinese(app, login):
    admin = login("Admin", lang="zh")
    token = admin.csrf("/custom-fields/add/lead")
    response = admin.post("/custom-fields/add/lead", data={
        "csrf_token": token, "label_zh": "等级", "label_en": "Grade", "kind": "choice", "choices": ""})
    assert response.status_code == 200
    assert "至少" in response.get_data(as_text=True)  # "Give at least one choice …" in Chinese


def test_reps_may_not_manage_fields(login):
    rep = login("Sales Rep")
    assert rep.get("/custom-fields/").status_code in (302, 403)


def test_rep_fills_a_custom_field_in_the_lead_form_and_sees_it_everywhere(app, login, users):
    add_choice_field(app, in_list=True)
    rep = login("Sales Rep")
    assert "cf_grade_source" in form_defaults(rep, "/lead/add")
    response = submit(rep, "/lead/add", person_name="王五", mobile="13900000001", cf_grade_source="c2")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        lead = db.session.scalar(select(Lead).where(Lead.person_name == "王五"))
        assert lead.custom == {"grade_source": "c2"}
        pk = lead.id
    assert "Website" in rep.get(f"/lead/show/{pk}").get_data(as_text=True)
    listing = rep.get("/lead/list/").get_data(as_text=True)
    assert "Grade source" in listing and "Website" in listing
    # the left-hand panel filters on it
    assert 'name="cf_grade_source"' in listing
    assert "王五" in rep.get("/lead/list/?cf_grade_source=c2").get_data(as_text=True)
    assert "王五" not in rep.get("/lead/list/?cf_grade_source=c1").get_data(as_text=True)
    # the edit form shows the stored choice, and a change is kept
    assert form_defaults(rep, f"/lead/edit/{pk}")["cf_grade_source"] == ["c2"]
    assert submit(rep, f"/lead/edit/{pk}", cf_grade_source="c3").status_code == 302
    with app.app_context():
        assert db.session.get(Lead, pk).custom == {"grade_source": "c3"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_required_and_typed_fields_are_refused_with_translated_messages(app, login, lang):
    with app.app_context():
        cf.create_field("lead", cf.FieldInput("预算", "Budget", kind="money", required=True))
    rep = login("Sales Rep", lang=lang)
    missing = submit(rep, "/lead/add", person_name="赵六", mobile="13900000002")
    assert_refused(missing, "This field is required.", lang)
    wrong = submit(rep, "/lead/add", person_name="赵六", mobile="13900000002", cf_budget="很多")
    assert_refused(wrong, "Enter an amount such as 1234.50.", lang)
    with app.app_context():
        assert db.session.scalar(select(Lead).where(Lead.person_name == "赵六")) is None


def test_every_kind_goes_through_the_form(app, login, users):
    with app.app_context():
        for kind, label in (("text", "Code"), ("long_text", "Story"), ("number", "Seats"), ("money", "Budget"),
                            ("date", "Visit day"), ("yes_no", "Key account"), ("user", "Helper")):
            cf.create_field("lead", cf.FieldInput(label, label, kind=kind))
        cf.create_field("lead", cf.FieldInput("Tags2", "Tags2", kind="multi_choice", choices_text="A | A\nB | B"))
        cf.create_field("lead", cf.FieldInput("Partner", "Partner", kind="link", link_entity="lead"))
        rep_id = users["Sales Rep"].id
        other = make_lead(owner=users["Sales Rep"]).id
    rep = login("Sales Rep")
    data = form_defaults(rep, "/lead/add")
    assert "cf_key_account" not in data  # an unticked checkbox sends nothing
    data.update(person_name="孙七", mobile="13900000003", cf_code="X-1", cf_story="第一行\n第二行",
                cf_seats="12", cf_budget="1,000.5", cf_visit_day="2026-12-01", cf_key_account="y",
                cf_helper=str(rep_id), cf_tags2=["c1", "c2"], cf_partner=str(other))
    response = rep.post("/lead/add", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        lead = db.session.scalar(select(Lead).where(Lead.person_name == "孙七"))
        assert lead.custom == {"code": "X-1", "story": "第一行\n第二行", "seats": 12, "budget": "1000.50",
                               "visit_day": "2026-12-01", "key_account": True, "helper": rep_id,
                               "tags2": ["c1", "c2"], "partner": other}


def test_role_restricted_field_is_hidden_from_reps_in_form_show_list_and_export(app, login, users):
    with app.app_context():
        cf.create_field("lead", cf.FieldInput("底价", "Floor price", kind="money", in_list=True,
                                              view_roles=["Sales Manager"], edit_roles=["Sales Manager"]))
        lead = make_lead(owner=users["Sales Rep"])
        lead.custom = {"floor_price": "88888.00"}
        db.session.commit()
        pk = lead.id
    rep = login("Sales Rep")
    assert "cf_floor_price" not in form_defaults(rep, f"/lead/edit/{pk}")
    assert "88,888.00" not in rep.get(f"/lead/show/{pk}").get_data(as_text=True)
    assert "Floor price" not in rep.get("/lead/list/").get_data(as_text=True)
    exported = rep.get("/export/lead?format=csv").get_data(as_text=True)
    assert "Floor price" not in exported and "88888" not in exported
    # an edit by the rep keeps the value they cannot see
    assert submit(rep, f"/lead/edit/{pk}", title="采购").status_code == 302
    with app.app_context():
        assert db.session.get(Lead, pk).custom == {"floor_price": "88888.00"}
    manager = login("Sales Manager")
    assert "88,888.00" in manager.get(f"/lead/show/{pk}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(manager.get("/export/lead?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][-1] == "Floor price" and rows[1][-1] == "88,888.00"


def test_export_follows_the_custom_filter(app, login, users):
    add_choice_field(app)
    with app.app_context():
        rep = users["Sales Rep"]
        a, b = make_lead(owner=rep, person_name="甲"), make_lead(owner=rep, person_name="乙")
        a.custom, b.custom = {"grade_source": "c1"}, {"grade_source": "c2"}
        db.session.commit()
    client = login("Sales Rep", lang="zh")
    text = client.get("/export/lead?format=csv&cf_grade_source=c1").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][-1] == "客户等级来源"
    assert [r[-1] for r in rows[1:]] == ["展会"]


def test_retired_field_disappears_and_its_values_come_back(app, login, users):
    field_id = add_choice_field(app, in_list=True)
    with app.app_context():
        lead = make_lead(owner=users["Sales Rep"], custom={"grade_source": "c1"})
        pk = lead.id
    admin = login("Admin")
    token = admin.csrf("/custom-fields/?entity=lead")
    assert admin.post(f"/custom-fields/{field_id}/retire", data={"csrf_token": token}).status_code == 302
    rep = login("Sales Rep")
    assert "Grade source" not in rep.get(f"/lead/show/{pk}").get_data(as_text=True)
    assert "cf_grade_source" not in form_defaults(rep, f"/lead/edit/{pk}")
    admin.post(f"/custom-fields/{field_id}/restore", data={"csrf_token": token})
    assert "Trade show" in rep.get(f"/lead/show/{pk}").get_data(as_text=True)


def test_history_on_the_record_page_names_the_custom_field(app, login, users):
    add_choice_field(app)
    with app.app_context():
        pk = make_lead(owner=users["Sales Rep"]).id
    rep = login("Sales Rep")
    assert submit(rep, f"/lead/edit/{pk}", cf_grade_source="c3").status_code == 302
    page = rep.get(f"/lead/show/{pk}").get_data(as_text=True)
    assert "Grade source" in page and "Referral" in page
