"""The base every REST API of the CRM builds on.

Reuse it for a new API (import/export, analytics, …)::

    from app.api.base import CrmApi, api_user

    class ExportApi(CrmApi):                 # a plain endpoint family
        resource_name = "export"             # -> /api/v1/export/…

        @expose("/leads", methods=["GET"])
        @protect()                           # JWT or API key; permission can_leads on ExportApi
        @safe                                # no stack trace ever reaches the caller
        def leads(self):
            user = api_user()                # the caller; pass it to services for the data scope
            ...
            return self.response(200, result=...)

then add the class to `APIS` in app/api/__init__.py and grant its permissions to roles in
app/security/roles.py. Authentication (app/api/auth.py), the "api" door in history, translated
401/403/404 messages and JSON-only errors come with the base. `CrmModelApi` adds, for a model:
the data scope on list/get/put/delete/_info and pickers (out of scope → 404), soft delete,
owners set by the server, optimistic versions (409), `updated_since` and stable ordering,
upsert by external id, and validation with translated messages (see app/api/records.py).
"""

from __future__ import annotations

import logging

from flask import g, request
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext as _l

from app.security.current import current_actor

log = logging.getLogger(__name__)
MAX_PAGE_SIZE = 500


def _message_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"message": {"type": "string"}}}}}}


ERROR_RESPONSES = {
    **BaseApi.responses,
    # FAB's own endpoints (the sign-in's payload check, rison arguments) send field -> messages
    "400": {"description": "Bad request: `message` is a text, or field -> messages",
            "content": {"application/json": {"schema": {"type": "object", "properties": {
                "message": {"oneOf": [{"type": "string"}, {"type": "object"}]}}}}}},
    "422": {"description": "The data is not valid: `message` is a text, or field -> messages",
            "content": {"application/json": {"schema": {"type": "object", "properties": {
                "message": {"oneOf": [{"type": "string"}, {"type": "object"}]}}}}}},
    "409": {"description": "Conflict: the record changed meanwhile (stale version), a duplicate, "
                           "or an external id already in use",
            "content": {"application/json": {"schema": {"type": "object", "properties": {
                "message": {"type": "string"}, "current_version": {"type": "integer"},
                "duplicates": {"type": "array", "items": {"type": "object"}}}}}}},
    "428": _message_response("Precondition required: send the record's version "
                             "(`version` in the body or an If-Match header)"),
}


def api_user():
    """The user calling the API (token or key), or None."""
    return current_actor()


class CrmApi(BaseApi):
    """Base for every CRM API: uniform, translated JSON errors and the caller as `api_user()`."""

    responses = ERROR_RESPONSES
    max_page_size = MAX_PAGE_SIZE

    def response_401(self):
        return self.response(401, message=str(_l(
            "Not logged in, or the token or API key is invalid, expired or revoked.")))

    def response_403(self):
        return self.response(403, message=str(_l("You do not have permission to do this.")))

    def response_404(self):
        return self.response(404, message=str(_l("Not found.")))

    def response_500(self, message=None):
        # never the exception's text: it may hold SQL or data
        return self.response(500, message=str(_l("Something went wrong; the error has been logged.")))

    def response_400(self, message=None):
        return self.response(400, message=str(message or _l("The request is not valid.")))

    def response_422(self, message=None):
        return self.response(422, message=message or str(_l("The data is not valid.")))

    @staticmethod
    def json_payload():
        """The request's JSON object, or None when the body is not one."""
        if not request.is_json:
            return None
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else None

    def crm_error(self, error):
        """A service's typed error (app/services/errors.py) as a JSON answer with its status."""
        body = {"message": str(getattr(error, "message", error))}
        if hasattr(error, "current_version"):
            body["current_version"] = error.current_version
        return self.response(getattr(error, "status_code", 400), **body)

    def request_user(self):
        user = api_user()
        if user is None:  # protect() let the call through, so this cannot happen; be safe anyway
            return None
        g.setdefault("crm_api_user", user)
        return user
