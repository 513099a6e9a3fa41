"""Records outside the scope answer 404 on every screen, and the attempt is logged without data."""

import logging

import pytest

from tests.factories import make_account, make_lead


@pytest.mark.parametrize("path", ["/lead/show/{id}", "/lead/edit/{id}"])
def test_outside_scope_is_404_and_logged(app_ctx, users, login, caplog, path):
    secret = make_lead(owner=users["Sales Manager"], person_name="机密客户", mobile="13912345678")
    client = login("Sales Rep")
    with caplog.at_level(logging.WARNING, logger="crm.security.denied"):
        response = client.get(path.format(id=secret.id))
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "机密客户" not in body and "13912345678" not in body
    denied = [r.getMessage() for r in caplog.records if r.name == "crm.security.denied"]
    assert denied == [f"denied user_id={users['Sales Rep'].id} entity=lead id={secret.id} "
                      f"door=ui:{path.split('/')[2]}"]
    assert not any("机密客户" in m for m in denied)


def test_missing_records_are_404_but_not_logged(app_ctx, login, caplog):
    client = login("Sales Rep")
    with caplog.at_level(logging.WARNING, logger="crm.security.denied"):
        assert client.get("/lead/show/987654").status_code == 404
    assert not [r for r in caplog.records if r.name == "crm.security.denied"]


def test_delete_outside_scope_changes_nothing(app_ctx, users, login):
    account = make_account(owner=users["Sales Manager"])
    client = login("Sales Rep")
    response = client.post_form(f"/account/delete/{account.id}", {}, form_page="/lead/add")
    assert response.status_code == 404
    from app.extensions import db
    from app.models import Account

    db.session.expire_all()
    assert db.session.get(Account, account.id).deleted_at is None
