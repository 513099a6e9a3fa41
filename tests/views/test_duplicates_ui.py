"""The duplicate warning before saving, the duplicates screen and the merge page, over HTTP."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Contact, Lead
from tests.factories import make_account, make_contact, make_lead, make_user


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


LEAD_FORM = {"person_name": "王伟", "company_name": "新公司", "channel": "online", "status": "new"}


def test_adding_a_lead_with_a_known_mobile_warns_then_saves_anyway(app_ctx, users, login):
    existing = make_lead(owner=users["Sales Rep"], mobile="13800138000", person_name="老线索")
    client = login("Sales Rep", lang="zh")
    before = _count(Lead)
    response = client.post_form("/lead/add", {**LEAD_FORM, "mobile": "+86 138-0013-8000"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "这可能是重复的" in html
    assert f"/lead/show/{existing.id}" in html and "老线索" in html
    assert 'name="crm_save_anyway"' in html
    assert _count(Lead) == before  # nothing saved yet
    # the user's input is still in the form
    assert 'value="+86 138-0013-8000"' in html

    response = client.post_form("/lead/add", {**LEAD_FORM, "mobile": "+86 138-0013-8000", "crm_save_anyway": "1"},
                                form_page="/lead/add")
    assert response.status_code == 302
    assert _count(Lead) == before + 1


def test_no_warning_without_a_match_or_for_records_out_of_scope(app_ctx, users, login):
    colleague = make_user("colleague_ui", "Sales Rep")
    make_lead(owner=colleague, mobile="13900000001")
    client = login("Sales Rep")
    response = client.post_form("/lead/add", {**LEAD_FORM, "mobile": "13900000001"})
    assert response.status_code == 302  # the colleague's lead is invisible: no warning, no leak


def test_an_account_warns_about_an_account_of_the_same_company(app_ctx, users, login):
    existing = make_account(owner=users["Sales Rep"], name="明远科技有限公司")
    client = login("Sales Rep", lang="zh")
    response = client.post_form("/account/add", {"name": "明远科技"})
    html = response.get_data(as_text=True)
    assert "这可能是重复的" in html and f"/account/show/{existing.id}" in html
    assert _count(Account) == 1


def test_editing_warns_only_when_a_match_key_changes(app_ctx, users, login):
    rep = users["Sales Rep"]
    a = make_contact(owner=rep, name="甲", mobile="13700000001")
    make_contact(owner=rep, name="乙", mobile="13700000001")  # already a duplicate of a
    b = make_contact(owner=rep, name="丙", mobile="13700000002")
    client = login("Sales Rep")
    # a change of title leaves the (known) duplicate alone
    response = client.post_form(f"/contact/edit/{a.id}", {"name": "甲", "mobile": "13700000001", "title": "经理", "is_primary": "y",
                                                          "expected_version": "1"})
    assert response.status_code == 302
    # giving b the same mobile as a warns, and keeps b unchanged
    response = client.post_form(f"/contact/edit/{b.id}", {"name": "丙", "mobile": "137 0000 0001", "is_primary": "y",
                                                          "expected_version": "1"})
    assert response.status_code == 200 and f"/contact/show/{a.id}" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contact, b.id).mobile == "13700000002"


def test_duplicates_screen_lists_groups_and_merge_page_merges(app_ctx, users, login):
    director = users["Sales Director"]
    first = make_lead(owner=director, mobile="13100000001", person_name="张一", email=None)
    second = make_lead(owner=director, mobile="131 0000 0001", person_name="张二", email="z@x.cn")
    third = make_lead(owner=director, mobile="+8613100000001", person_name="张三")
    client = login("Sales Director", lang="zh")
    html = client.get("/duplicates/?entity=lead&key=mobile_key").get_data(as_text=True)
    assert "13100000001" in html
    for lead in (first, second, third):
        assert f'name="ids" value="{lead.id}"' in html

    ids = f"{first.id},{second.id},{third.id}"
    page = client.get(f"/duplicates/merge?entity=lead&ids={ids}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "张二" in html and 'name="field_person_name"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "entity": "lead", "ids": [first.id, second.id, third.id],
            "survivor": first.id, "field_person_name": third.id, "field_email": second.id,
            **{f"version_{x.id}": "1" for x in (first, second, third)}}
    response = client.post("/duplicates/merge", data=data)
    assert response.status_code == 302 and response.location.endswith(f"/lead/show/{first.id}")
    db.session.expire_all()
    kept = db.session.get(Lead, first.id)
    assert (kept.person_name, kept.email) == ("张三", "z@x.cn")
    assert db.session.scalars(select(Lead)).all() == [kept]
    assert "合并" in client.get(f"/lead/show/{first.id}").get_data(as_text=True)


def test_merge_page_of_an_out_of_scope_record_is_404(app_ctx, users, login):
    colleague = make_user("colleague_merge_ui", "Sales Rep")
    mine = make_lead(owner=users["Sales Rep"])
    theirs = make_lead(owner=colleague)
    client = login("Sales Rep")
    assert client.get(f"/duplicates/merge?entity=lead&ids={mine.id},{theirs.id}").status_code == 404


def test_read_only_roles_cannot_merge(app_ctx, users, login):
    a, b = make_lead(owner=None), make_lead(owner=None)
    client = login("Executive")
    assert client.get("/duplicates/").status_code == 403
    assert client.get(f"/duplicates/merge?entity=lead&ids={a.id},{b.id}").status_code == 403
