"""Big lists count up to a cap and say so ("50+"); the exact number is one click away."""

import re

from app.extensions import db
from app.models import Lead
from tests.factories import make_lead


def _count_text(html: str) -> str:
    return re.search(r"(?:Record Count|记录数)\s*:\s*</strong>\s*(.*?)\s*(?:<a|</div>)", html, re.S).group(1)


def test_counts_stop_at_the_cap_and_exact_on_demand(app, app_ctx, users, login, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_LIST_COUNT_CAP", 10)
    rep = users["Sales Rep"]
    db.session.add_all([Lead(person_name=f"批量{i}", mobile=f"1390000{i:04d}", owner_id=rep.id) for i in range(57)])
    db.session.add_all([Lead(person_name=f"别人{i}", owner_id=users["Sales Director"].id) for i in range(3)])
    db.session.commit()
    client = login("Sales Rep")
    # page size 5: the count goes ten pages past the one shown, 50 rows, then stops
    html = client.get("/lead/list/?psize_LeadView=5").get_data(as_text=True)
    assert "50+" in _count_text(html)
    exact_link = re.search(r'class="btn btn-link btn-xs crm-count-exact" href="([^"]+)"', html).group(1)
    assert "exact=1" in exact_link and "psize_LeadView=5" in exact_link
    exact = client.get(exact_link.replace("&amp;", "&")).get_data(as_text=True)
    assert _count_text(exact) == "57"  # the rep's own leads; the director's three are out of scope
    # deeper pages count further, so the pagination always reaches past the current page
    deep = client.get("/lead/list/?psize_LeadView=5&page_LeadView=3").get_data(as_text=True)
    assert _count_text(deep) == "57"


def test_small_lists_show_the_exact_count(app_ctx, users, login):
    make_lead(owner=users["Sales Rep"])
    html = login("Sales Rep").get("/lead/list/").get_data(as_text=True)
    assert _count_text(html) == "1"
    assert "crm-count-exact" not in html


def _row_ids(html: str) -> list[str]:
    return re.findall(r'/lead/show/(\d+)"', html)


def test_deep_pages_show_the_same_rows_whether_fetched_by_key_first_or_not(app_ctx, users, login, monkeypatch):
    from app.views import interface

    rep = users["Sales Rep"]
    db.session.add_all([Lead(person_name=f"深页{i % 7}", company_name=f"公司{i:03d}", owner_id=rep.id)
                        for i in range(40)])
    db.session.add_all([Lead(person_name="别人的", owner_id=users["Sales Director"].id) for _ in range(5)])
    db.session.commit()
    client = login("Sales Rep")
    pages = ["/lead/list/?psize_LeadView=5&page_LeadView=3",
             "/lead/list/?psize_LeadView=5&page_LeadView=2&_oc_LeadView=person_name&_od_LeadView=asc",
             "/lead/list/?psize_LeadView=5&page_LeadView=1&q=%E6%B7%B1%E9%A1%B55"]  # search "深页5"
    monkeypatch.setattr(interface, "DEFERRED_JOIN_FROM", 10**9)
    plain = [_row_ids(client.get(p).get_data(as_text=True)) for p in pages]
    monkeypatch.setattr(interface, "DEFERRED_JOIN_FROM", 1)
    deferred = [_row_ids(client.get(p).get_data(as_text=True)) for p in pages]
    assert deferred == plain
    assert all(plain[:2]) and len(set(plain[0])) == len(plain[0])
