"""What each built-in role may do (pinned), and no endpoint without a permission check."""

import re

import pytest

from tests.conftest import CrmClient
from tests.factories import make_lead, make_user

# status each role gets; 200 = allowed, 403 = forbidden
MATRIX = {
    "/lead/list/":        {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 200},
    "/lead/add":          {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/account/list/":     {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 200, "Executive": 200},
    "/account/add":       {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/activity/add":      {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 200, "Executive": 403},
    "/opportunity/list/": {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 200},
    "/stage/add":         {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/tag/add":           {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/recycle-bin/":      {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 200, "Executive": 403},
    "/pool/assign?entity=lead&ids=1": {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/pool/release?entity=lead&ids=1": {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/users/list/":       {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/roles/list/":       {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/data-scope/list/":  {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/history/list/":     {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/duplicates/":       {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/conversion/leads?ids=1": {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/handover/":         {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/api-keys/":         {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/swagger/v1":        {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/quick-add/form":    {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/analytics/":        {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 200},
    "/analytics/builder": {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/import/":           {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 403},
    "/export/account?format=csv": {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 200},
    "/ticket/list/":      {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 200, "Executive": 200},
    "/ticket/add":        {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 200, "Executive": 403},
    "/ticket-report/":    {"Sales Director": 200, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 200, "Executive": 200},
    "/ticket-sla/list/":  {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/inquiry-rule/list/": {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/webhooks/":         {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
    "/targets/":          {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 403, "Executive": 200},
    "/rewards/":          {"Sales Director": 200, "Sales Manager": 200, "Sales Rep": 200, "Customer Service": 200, "Executive": 200},
    "/point-rules/list/": {"Sales Director": 403, "Sales Manager": 403, "Sales Rep": 403, "Customer Service": 403, "Executive": 403},
}
ROLES = ["Sales Director", "Sales Manager", "Sales Rep", "Customer Service", "Executive"]


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app_ctx, login, role):
    client = login(role)
    got = {path: client.get(path).status_code for path in MATRIX}
    expected = {path: row[role] for path, row in MATRIX.items()}
    assert got == expected


def test_admin_reaches_everything_in_the_matrix(app_ctx, login):
    client = login("Admin")
    assert {p: client.get(p).status_code for p in MATRIX} == dict.fromkeys(MATRIX, 200)


def test_executive_changes_nothing(app_ctx, users, login):
    lead = make_lead(owner=users["Sales Rep"])
    client = login("Executive")
    assert client.get(f"/lead/show/{lead.id}").status_code == 200
    assert client.get(f"/lead/edit/{lead.id}").status_code == 403
    token = client.csrf("/resetmypassword/form")  # any form of theirs carries the session's token
    response = client.post(f"/lead/delete/{lead.id}", data={"csrf_token": token})
    assert response.status_code == 403
    assert client.get(f"/lead/show/{lead.id}").status_code == 200


# endpoints anybody may open
# the inquiry form and its confirmation are public on purpose (a customer's ticket link answers 404
# without its token)
PUBLIC = {"InquiryView.form", "InquiryView.thanks",
          "HomeView.index", "AuthDBView.login", "AuthDBView.logout", "LocaleView.index", "static",
          "appbuilder.static", "SecurityApi.login", "SecurityApi.refresh", "UtilView.back"}
# endpoints every logged-in user may open whatever their role (their own profile, language)
EVERY_USER = PUBLIC | {"CrmUserView.userinfo", "UserInfoEditView.this_form_get",
                       "UserInfoEditView.this_form_post", "ResetMyPasswordView.this_form_get",
                       "ResetMyPasswordView.this_form_post"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "appbuilder.static"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", "1", url)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        yield rule.endpoint, url, method


def test_no_endpoint_answers_without_a_login(app, app_ctx):
    client = CrmClient(app.test_client())
    leaks = []
    for endpoint, url, method in _routes(app):
        response = client.open(url, method=method)
        allowed = response.status_code in (400, 401, 403, 404, 405, 422) or (
            response.status_code == 302 and "/login" in (response.location or ""))
        # FAB's single-row action refuses any GET while CSRF is on, with a redirect and no effect
        allowed = allowed or (endpoint.endswith(".action") and method == "GET" and response.status_code == 302)
        if not allowed and endpoint not in PUBLIC:
            leaks.append((endpoint, url, response.status_code))
    assert not leaks


def test_every_endpoint_checks_a_permission(app, app_ctx):
    """A logged-in user holding no role at all must be refused everywhere but their own pages."""
    make_user("nobody", "Public", password="Test-Passw0rd!")
    client = CrmClient(app.test_client())
    assert client.login("nobody").status_code == 302
    unprotected = []
    for endpoint, url, method in _routes(app):
        if endpoint in EVERY_USER or endpoint.endswith(".logout"):
            continue
        response = client.open(url, method=method)
        if response.status_code in (200, 201, 204) or (
                response.status_code == 302 and "/login" not in (response.location or "")
                and method != "GET"):
            unprotected.append((endpoint, url, method, response.status_code))
    assert not unprotected
