"""The REST API (/api/v1/…): one class per resource, registered by `register`.

Adding an API (other features do this):
  1. write `app/api/<feature>.py` with a class on `app.api.base.CrmApi` (plain endpoints) or
     `app.api.model.CrmModelApi` (a model's CRUD) — both documented in their modules;
  2. add its import and classes to `_apis` below (imported when the app starts, not when this
     package is imported, so modules may import app.api.base freely);
  3. grant its permissions (`can_<method>` on the class name) in app/security/roles.py.

Authentication is shared: `@protect()` accepts a JWT from /api/v1/security/login or an API key
(`Authorization: Bearer crm_…` / `X-API-Key`), see app/api/auth.py. Every request under /api/
is recorded in history through the "api" door, as the calling user.
"""

from __future__ import annotations


def _apis() -> list:
    from .lookups import LOOKUP_APIS
    from .records import RECORD_APIS

    apis = [*RECORD_APIS, *LOOKUP_APIS]
    # other features' APIs, one line each:
    from .transfer import TRANSFER_APIS  # noqa: I001  (import / export under each /api/v1/<entity>/)
    apis += TRANSFER_APIS
    from .analytics import ANALYTICS_APIS  # noqa: I001  (dashboards as JSON, /api/v1/analytics/)
    apis += ANALYTICS_APIS
    return apis


def register(appbuilder) -> None:
    from flask import current_app

    from .auth import install_jwt_messages
    from .openapi import OpenApi, SwaggerView

    for api in _apis():
        appbuilder.add_api(api)
    if current_app.config.get("FAB_API_SWAGGER_UI"):
        # FAB's own OpenAPI views are off (FAB_ADD_OPENAPI_VIEWS=False); ours add the sign-in schemes
        appbuilder.add_api(OpenApi)
        appbuilder.add_view_no_menu(SwaggerView)
    install_jwt_messages(appbuilder.sm.jwt_manager)
