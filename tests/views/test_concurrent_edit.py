"""No lost updates through the screens: the second of two edits is refused, with what changed."""

import re

from app.extensions import db
from app.models import Lead
from tests.factories import make_lead


def _edit_page_version(client, pk):
    html = client.get(f"/lead/edit/{pk}").get_data(as_text=True)
    return re.search(r'name="expected_version" type="hidden" value="(\d+)"', html).group(1)


def _save(client, pk, version, **fields):
    data = {"person_name": "张三", "mobile": "13800001234", "channel": "online", "status": "new",
            "expected_version": version, **fields}
    return client.post_form(f"/lead/edit/{pk}", data)


def test_second_save_on_an_old_version_is_refused_and_keeps_the_input(app_ctx, users, login):
    lead = make_lead(owner=users["Admin"], person_name="张三", mobile="13800001234")
    alice, bob = login("Admin"), login("Sales Director")
    seen_by_alice = _edit_page_version(alice, lead.id)
    seen_by_bob = _edit_page_version(bob, lead.id)
    assert seen_by_alice == seen_by_bob

    assert _save(alice, lead.id, seen_by_alice, status="qualified").status_code == 302
    refused = _save(bob, lead.id, seen_by_bob, person_name="张三丰")
    assert refused.status_code == 200  # the form again, not a redirect
    page = refused.get_data(as_text=True)
    assert "Someone else saved this record" in page
    assert "张三丰" in page  # Bob's input is still in the form
    db.session.expire_all()
    stored = db.session.get(Lead, lead.id)
    assert (stored.status, stored.person_name) == ("qualified", "张三")

    # saving again from the refreshed form (it now carries the new version) works
    newer = re.search(r'name="expected_version" type="hidden" value="(\d+)"', page).group(1)
    assert _save(bob, lead.id, newer, person_name="张三丰", status="qualified").status_code == 302
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).person_name == "张三丰"


def test_a_save_without_the_version_is_refused(app_ctx, users, login):
    lead = make_lead(owner=users["Admin"])
    client = login("Admin")
    assert _save(client, lead.id, "").status_code == 200
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).version == 1
