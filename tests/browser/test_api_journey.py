"""An admin creates an API key in the browser, an ERP uses it, the admin revokes it; Swagger UI
renders from this server alone, without a blocked script."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

from .conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser


def _call(base: str, key: str) -> int:
    request = urllib.request.Request(f"{base}/api/v1/account/", headers={"X-API-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.load(response)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_admin_creates_uses_and_revokes_a_key_and_reads_swagger(page, live_server):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/login/")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    with page.expect_navigation():
        page.locator("form [type=submit]").click()

    page.goto("/api-keys/")
    page.fill("#name", "ERP sync")
    page.select_option("#user_id", index=1)
    page.fill("#days", "30")
    with page.expect_navigation():
        page.locator(".crm-api-key-form [type=submit]").click()
    key = page.locator(".crm-api-key-plaintext").inner_text().strip()
    assert key.startswith("crm_")
    assert _call(live_server, key) == 200

    page.goto("/api-keys/")
    assert key not in page.content()  # shown once
    with page.expect_navigation():
        page.locator(".crm-api-keys button.btn-danger").first.click()
    assert _call(live_server, key) == 401

    page.goto("/swagger/v1")
    page.locator(".swagger-ui .opblock-tag").first.wait_for(state="visible")
    assert page.locator("text=/api/v1/lead/").count() > 0 or page.locator(".opblock").count() > 0
    hosts = {urlparse(url).netloc for url in page.crm_requests if url.startswith("http")}
    assert hosts == {urlparse(live_server).netloc}
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
