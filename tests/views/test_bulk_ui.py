"""Bulk actions through the list screens: the action opens a form, the form changes the records."""

from sqlalchemy import select

from app.extensions import db
from app.models import History, Lead, Opportunity
from tests.factories import make_lead, make_leads, make_opportunity, make_tag, stage


def _action(client, route, name, ids=(), query="", by_filter=False):
    data = {"action": name, "rowid": [str(i) for i in ids]}
    if by_filter:
        data["selection"] = "filter"
    return client.post_form(f"/{route}/action_post{query}", data, form_page=f"/{route}/list/")


def _form_token(page_html):
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def _submit(client, page, fields):
    html = page.get_data(as_text=True)
    import re

    action = re.search(r'<form method="post" action="([^"]+)" class="crm-bulk-form"', html).group(1)
    action = action.replace("&amp;", "&")
    data = {"csrf_token": _form_token(html), **fields}
    for name in ("ids", "selection"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        if match:
            data[name] = match.group(1)
    return client.post(action, data=data)


def test_status_change_through_the_list(app_ctx, users, login):
    rep = users["Sales Rep"]
    leads = make_leads(3, owner=rep)
    client = login("Sales Rep")
    page = _action(client, "lead", "set_status", [lead.id for lead in leads[:2]])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 selected record(s)." in html and 'value="contacted"' in html and 'value="converted"' not in html
    done = _submit(client, page, {"status": "contacted"})
    assert done.status_code == 302 and "/lead/list/" in done.location
    db.session.expire_all()
    assert [db.session.get(Lead, lead.id).status for lead in leads] == ["contacted", "contacted", "new"]
    assert db.session.scalar(select(History.door).where(History.record_id == leads[0].id,
                                                        History.action == "update")) == "bulk"


def test_select_all_matching_the_filter_sends_the_filter_not_ids(app_ctx, users, login):
    rep, manager = users["Sales Rep"], users["Sales Manager"]
    mine = make_leads(30, owner=rep, status="new")
    make_leads(2, owner=rep, status="qualified")
    theirs = make_lead(owner=manager, status="new")
    client = login("Sales Rep")
    listing = client.get("/lead/list/?f_status=new").get_data(as_text=True)
    assert "Select all 30 records matching this filter" in listing  # 25 on the page, 30 in all
    page = _action(client, "lead", "add_tags", [mine[0].id], query="?f_status=new", by_filter=True)
    html = page.get_data(as_text=True)
    assert "All 30 records matching the list filter." in html
    tag = make_tag(name="展会")
    done = _submit(client, page, {"tag_ids": str(tag.id)})
    assert "f_status=new" in done.location
    db.session.expire_all()
    tagged = {lead.id for lead in db.session.scalars(select(Lead).where(Lead.tags.any()))}
    assert tagged == {lead.id for lead in mine}
    assert theirs.id not in tagged


def test_actions_shown_follow_permissions(app_ctx, users, login):
    make_lead(owner=users["Sales Rep"])
    rep_page = login("Sales Rep").get("/lead/list/").get_data(as_text=True)
    assert "set_status_menu_item" in rep_page and "release_menu_item" in rep_page
    assert "assign_menu_item" not in rep_page  # managers assign
    manager_page = login("Sales Manager").get("/lead/list/").get_data(as_text=True)
    assert "assign_menu_item" in manager_page
    exec_page = login("Executive").get("/lead/list/").get_data(as_text=True)
    assert "set_status_menu_item" not in exec_page and "bulk_delete_menu_item" not in exec_page
    contact_page = login("Sales Rep").get("/contact/list/").get_data(as_text=True)
    assert "release_menu_item" not in contact_page and "add_tags_menu_item" not in contact_page


def test_a_rep_cannot_post_the_assign_form(app_ctx, users, login):
    lead = make_lead(owner=users["Sales Rep"])
    client = login("Sales Rep")
    response = client.post_form("/lead/bulk/assign", {"ids": str(lead.id), "user_id": str(users["Sales Rep"].id)},
                                form_page="/lead/list/")
    assert response.status_code in (403, 404)


def test_stage_change_with_an_error_shows_the_form_again(app_ctx, users, login):
    rep = users["Sales Rep"]
    opp = make_opportunity(owner=rep)
    client = login("Sales Rep")
    page = _action(client, "opportunity", "set_stage", [opp.id])
    again = _submit(client, page, {"stage_id": str(stage(lost=True).id)})
    assert again.status_code == 200
    assert "Choose a lost reason for a lost opportunity." in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).stage_id == stage().id


def test_bulk_delete_from_the_list(app_ctx, users, login):
    rep = users["Sales Rep"]
    leads = make_leads(2, owner=rep)
    client = login("Sales Rep", lang="zh")
    page = _action(client, "lead", "bulk_delete", [leads[0].id])
    assert "回收站" in page.get_data(as_text=True)
    _submit(client, page, {})
    db.session.expire_all()
    live = set(db.session.scalars(select(Lead.id)))  # the recycle bin's rows are hidden
    assert live == {leads[1].id}


def test_export_selected_gives_exactly_the_ticked_records(app_ctx, users, login):
    rep = users["Sales Rep"]
    wanted, other = make_lead(owner=rep, person_name="导出甲"), make_lead(owner=rep, person_name="导出乙")
    theirs = make_lead(owner=users["Sales Manager"], person_name="同事的")
    client = login("Sales Rep")
    assert "export_selected_menu_item" in client.get("/lead/list/").get_data(as_text=True)
    page = _action(client, "lead", "export_selected", [wanted.id, theirs.id])
    response = _submit(client, page, {"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "导出甲" in text and "导出乙" not in text and "同事的" not in text
    assert other.id
