"""API clients: a JWT per role (POST /api/v1/security/login) or an API key, JSON in and out."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, ROLE_USERS


class ApiClient:
    """Sends JSON with a bearer token (JWT or API key); each request in its own app context."""

    def __init__(self, app, token: str | None = None, headers: dict | None = None):
        self.app = app
        self.c = app.test_client()
        self.headers = dict(headers or {})
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def open(self, method: str, path: str, json=None, headers: dict | None = None, **kwargs):
        with self.app.app_context():
            return self.c.open(path, method=method, json=json,
                               headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.open("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.open("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


def jwt_for(app, username: str, password: str = PASSWORD) -> str:
    with app.app_context():
        response = app.test_client().post("/api/v1/security/login", json={
            "username": username, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


@pytest.fixture
def api(app, app_ctx):
    """api("Sales Rep") -> an ApiClient signed in with that role's user's JWT; lang via ?_l_."""

    def _api(role: str = "Admin") -> ApiClient:
        username = "admin" if role == "Admin" else ROLE_USERS[role]
        return ApiClient(app, jwt_for(app, username))

    return _api


@pytest.fixture
def anonymous(app):
    return ApiClient(app)
