"""Pipeline board screens: the board in scope, "load more", and moves through HTTP."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import LostReason, Opportunity
from app.services import pipeline
from tests.factories import make_opportunity, make_user, stage


def _token(client) -> str:
    html = client.get("/pipeline/").get_data(as_text=True)
    return re.search(r'data-csrf="([^"]+)"', html).group(1)


def _move(client, pk, stage_id, version, **extra):
    token = _token(client)
    return client.post(
        f"/pipeline/move/{pk}",
        data={"stage": stage_id, "version": version, **extra},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )


def test_board_shows_columns_totals_and_only_cards_in_scope(login, users):
    rep = users["Sales Rep"]
    make_opportunity(owner=rep, name="华东钢铁扩建项目", amount=Decimal("120000"), stage_id=stage(order=0).id)
    make_opportunity(owner=make_user(), name="别人的商机", stage_id=stage(order=0).id)
    client = login("Sales Rep", lang="zh")
    response = client.get("/pipeline/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "销售漏斗看板" in html and "初步接洽" in html and "赢单" in html
    assert "华东钢铁扩建项目" in html and "别人的商机" not in html
    assert "¥120,000" in html
    assert 'href="/pipeline/"' in client.get("/").get_data(as_text=True)  # the menu entry


def test_load_more_pages_through_a_column_as_json(login, users):
    rep = users["Sales Rep"]
    first = stage(order=0)
    for _ in range(pipeline.PAGE + 3):
        make_opportunity(owner=rep, stage_id=first.id)
    client = login("Sales Rep")
    html = client.get("/pipeline/").get_data(as_text=True)
    assert html.count('class="crm-pipe-card"') == pipeline.PAGE
    answer = client.get(f"/pipeline/cards?stage={first.id}&offset={pipeline.PAGE}").get_json()
    assert answer["ok"] and answer["count"] == 3 and answer["more"] is False
    assert answer["html"].count('class="crm-pipe-card"') == 3
    first_page = client.get(f"/pipeline/cards?stage={first.id}&offset=0").get_json()
    assert first_page["count"] == pipeline.PAGE and first_page["more"] is True
    assert client.get("/pipeline/cards?stage=999999").status_code == 404


def test_rep_moves_own_card_and_gets_new_totals(login, users):
    rep = users["Sales Rep"]
    opportunity = make_opportunity(owner=rep, stage_id=stage(order=0).id)
    client = login("Sales Rep")
    response = _move(client, opportunity.id, stage(order=1).id, 1)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["ok"] and answer["version"] == 2 and answer["stage"] == stage(order=1).id
    counts = {c["stage"]: c["count"] for c in answer["columns"]}
    assert counts[stage(order=0).id] == 0 and counts[stage(order=1).id] == 1
    db.session.expire_all()
    assert db.session.get(Opportunity, opportunity.id).stage_id == stage(order=1).id


def test_rep_cannot_see_or_move_another_reps_card(login, users):
    theirs = make_opportunity(owner=make_user(), stage_id=stage(order=0).id)
    client = login("Sales Rep")
    response = _move(client, theirs.id, stage(order=1).id, 1)
    assert response.status_code == 404
    assert _move(client, 987654, stage(order=1).id, 1).status_code == 404
    db.session.expire_all()
    assert db.session.get(Opportunity, theirs.id).stage_id == stage(order=0).id
    cards = client.get(f"/pipeline/cards?stage={stage(order=0).id}").get_json()
    assert f'data-id="{theirs.id}"' not in cards["html"]


def test_refusals_are_translated_and_change_nothing(login, users):
    rep = users["Sales Rep"]
    opportunity = make_opportunity(owner=rep, stage_id=stage(order=0).id)
    client = login("Sales Rep", lang="zh")
    lost = _move(client, opportunity.id, stage(lost=True).id, 1)
    assert lost.status_code == 422 and "输单原因" in lost.get_json()["message"]
    won = _move(client, opportunity.id, stage(won=True).id, 1)
    assert won.status_code == 422 and won.get_json()["message"]
    stale = _move(client, opportunity.id, stage(order=1).id, 0)
    assert stale.status_code == 409 and "刷新" in stale.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Opportunity, opportunity.id).stage_id == stage(order=0).id
    reason = db.session.scalars(select(LostReason)).first()
    ok = _move(client, opportunity.id, stage(lost=True).id, 1, lost_reason=reason.id)
    assert ok.status_code == 200


def test_move_needs_a_csrf_token_and_the_move_permission(login, users):
    opportunity = make_opportunity(owner=users["Sales Rep"], stage_id=stage(order=0).id)
    rep = login("Sales Rep")
    no_token = rep.post(f"/pipeline/move/{opportunity.id}", data={"stage": stage(order=1).id, "version": 1})
    assert no_token.status_code == 400
    executive = login("Executive")  # reads the board, moves nothing
    assert executive.get("/pipeline/").status_code == 200
    assert _move(executive, opportunity.id, stage(order=1).id, 1).status_code == 403
    service = login("Customer Service")  # no board at all
    assert service.get("/pipeline/").status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(Opportunity, opportunity.id).stage_id == stage(order=0).id


def test_the_chinese_board_has_no_english_left(login, users):
    from tests.views.test_translations import _data_strings, english_left

    make_opportunity(owner=users["Sales Rep"], name="华东钢铁扩建项目", stage_id=stage(order=0).id)
    client = login("Sales Rep", lang="zh")
    html = client.get("/pipeline/").get_data(as_text=True)
    cards = client.get(f"/pipeline/cards?stage={stage(order=0).id}").get_json()["html"]
    # the page's own lines, minus the navbar's, which other features own
    navbar_free = html[html.index('<div class="crm-pipeline"'):]
    assert english_left("/pipeline/", navbar_free + cards, _data_strings()) == []
