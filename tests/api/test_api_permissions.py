"""What each built-in role may do through the API (pinned), mirroring the screens."""

from __future__ import annotations

import pytest

from app.security.roles import ROLE_BY_NAME

# role -> resources it may read / create through the API
READS = {
    "Sales Director": {"lead", "account", "contact", "opportunity", "activity", "note", "tag", "stage", "source", "department"},
    "Sales Manager": {"lead", "account", "contact", "opportunity", "activity", "note", "tag", "stage", "source", "department"},
    "Sales Rep": {"lead", "account", "contact", "opportunity", "activity", "note", "tag", "stage", "source", "department"},
    "Customer Service": {"account", "contact", "activity", "note", "stage", "source"},
    "Executive": {"lead", "account", "contact", "opportunity", "activity", "note", "tag", "stage", "source", "department"},
}
CREATES = {
    "Sales Director": {"lead", "account", "contact", "opportunity", "activity", "note", "tag"},
    "Sales Manager": {"lead", "account", "contact", "opportunity", "activity", "note", "tag"},
    "Sales Rep": {"lead", "account", "contact", "opportunity", "activity", "note", "tag"},
    "Customer Service": {"activity", "note"},
    "Executive": set(),
}
ALL = ("lead", "account", "contact", "opportunity", "activity", "note", "tag", "stage", "source", "department")
WRITABLE = ("lead", "account", "contact", "opportunity", "activity", "note", "tag")


@pytest.mark.parametrize("role", list(READS))
def test_api_permission_matrix(api, role):
    client = api(role)
    reads = {r for r in ALL if client.get(f"/api/v1/{r}/").status_code == 200}
    assert reads == READS[role]
    # an empty body: 403 when the role may not create, 422 (validation) when it may
    creates = {r for r in WRITABLE if client.post(f"/api/v1/{r}/", json={}).status_code != 403}
    assert creates == CREATES[role]


def test_integration_role_has_api_permissions_only():
    spec = ROLE_BY_NAME["Integration"]
    assert spec.menus == ()
    assert all(view.endswith("Api") for view in spec.grants)
    assert not any("can_delete" in perms for perms in spec.grants.values())
