"""The custom field screen's search and duplicate-check options (Settings → Custom fields), and the
lead list's search box finding a record by a custom text value."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import CustomField
from app.services import custom_fields as cf
from app.services.custom_fields import values as cfv
from tests.factories import make_lead


def test_the_add_form_offers_search_on_by_default_and_saves_both_options(app, login):
    admin = login("Admin", lang="zh")
    form = admin.get("/custom-fields/add/lead").get_data(as_text=True)
    assert 'name="searchable" value="1" checked' in form
    assert "可在列表搜索框中搜到" in form and "用于查重" in form
    for label_en, options in (("Tax ID", {"searchable": "1", "duplicate_check": "1"}), ("Quiet", {})):
        response = admin.post("/custom-fields/add/lead", data={
            "csrf_token": admin.csrf("/custom-fields/add/lead"), "label_zh": label_en, "label_en": label_en,
            "kind": "text", **options})
        assert response.status_code == 302
    page = admin.get("/custom-fields/?entity=lead").get_data(as_text=True)
    assert page.count('<span class="label label-default">可搜索</span>') == 1
    assert page.count('<span class="label label-default">查重</span>') == 1
    with app.app_context():
        tax, quiet = db.session.scalars(select(CustomField).order_by(CustomField.id)).all()
        assert (tax.searchable, tax.duplicate_check) == (True, True)
        assert (quiet.searchable, quiet.duplicate_check) == (False, False)  # the boxes were not ticked
        edit = admin.get(f"/custom-fields/{tax.id}/edit").get_data(as_text=True)
        assert 'name="duplicate_check" value="1" checked' in edit and 'name="searchable" value="1" checked' in edit
        edit = admin.get(f"/custom-fields/{quiet.id}/edit").get_data(as_text=True)
        assert 'name="searchable" value="1" checked' not in edit


def test_the_lead_list_search_box_finds_a_custom_text_value(app_ctx, users, login):
    cf.create_field("lead", cf.FieldInput("店铺名称", "Shop name"))
    rep = users["Sales Rep"]
    hit = make_lead(owner=rep, person_name="甲店主")
    cfv.store(hit, {"shop_name": "宁波众河电子商务旗舰店"})
    make_lead(owner=rep, person_name="乙店主")
    db.session.commit()
    page = login("Sales Rep").get("/lead/list/?q=众河").get_data(as_text=True)
    assert "甲店主" in page and "乙店主" not in page
