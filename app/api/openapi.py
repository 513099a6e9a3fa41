"""The OpenAPI description (/api/v1/_openapi) and Swagger UI (/swagger/v1), for admins.

FAB ships Swagger UI's script and stylesheet inside its own package and serves them from this
server (nothing comes from a CDN); our template only switches off the online spec validator and
loads the page's script from a static file under the CSP. The spec says how to sign in: a JWT
from /api/v1/security/login, or an API key.
"""

from __future__ import annotations

from flask_appbuilder.api.manager import OpenApi as FabOpenApi
from flask_appbuilder.api.manager import SwaggerView as FabSwaggerView

from .base import ERROR_RESPONSES


class OpenApi(FabOpenApi):  # same name as FAB's: same permission (can_get on OpenApi) and endpoint
    @staticmethod
    def _create_api_spec(version):
        spec = FabOpenApi._create_api_spec(version)
        spec.options["info"] = {"description": (
            "Reservoir CRM REST API. Sign in with a JWT (POST /api/v1/security/login, then "
            "`Authorization: Bearer <access_token>`) or an API key (`Authorization: Bearer crm_…` "
            "or `X-API-Key: crm_…`). Times are UTC. Records outside your data scope answer 404.")}
        # the security schemes ("jwt", "api_key" as a bearer token) come with FAB's SecurityApi;
        # the error answers are ours, registered before any API registers FAB's generic ones
        for code, response in ERROR_RESPONSES.items():
            spec.components.response(code, response)
        as_dict = spec.to_dict
        spec.to_dict = lambda: _correct_fab_operations(as_dict())  # paths are added after this
        return spec


def _correct_fab_operations(spec: dict) -> dict:
    """FAB's own operations, described as they really answer: the menu's children include "-"
    separators, not only objects (schemathesis found it)."""
    menu = spec.get("paths", {}).get("/api/v1/menu/", {}).get("get")
    if menu:
        result = menu["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["result"]
        result["items"]["properties"]["childs"]["items"] = {"oneOf": [
            {"type": "object"}, {"type": "string", "description": "\"-\": a separator"}]}
    return spec


class SwaggerView(FabSwaggerView):
    route_base = "/swagger"

    def render_template(self, template, **kwargs):
        return super().render_template("crm/swagger.html", **kwargs)
