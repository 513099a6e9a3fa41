"""Every list, show, add and edit screen answers, in both languages."""

import pytest

from tests.factories import make_activity, make_contact, make_lead, make_note, make_opportunity

SCREENS = ["lead", "account", "contact", "opportunity", "activity", "note"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_screen_renders(app_ctx, users, login, lang):
    admin = users["Admin"]
    opp = make_opportunity(owner=admin)
    records = {
        "lead": make_lead(owner=admin),
        "account": opp.account,
        "contact": make_contact(account=opp.account, owner=admin),
        "opportunity": opp,
        "activity": make_activity(owner=admin),
        "note": make_note(author=admin),
    }
    client = login("Admin", lang)
    for name in SCREENS:
        pk = records[name].id
        for path in (f"/{name}/list/", f"/{name}/show/{pk}", f"/{name}/add", f"/{name}/edit/{pk}"):
            response = client.get(path)
            assert response.status_code == 200, path
