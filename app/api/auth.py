"""Who is calling the REST API: a person with a JWT, or an integration with an API key.

FAB's `@protect()` does the checking: with `FAB_API_KEY_ENABLED` it first asks the security
manager for an API key (`Authorization: Bearer crm_…` or `X-API-Key`, verified by
app/services/api_keys.py), otherwise it verifies a JWT from `/api/v1/security/login`. Both
paths end in `authenticate_request`, so everything downstream — FAB's permission check, the
data scope (`current_actor`), audit stamps and history (`current_user_id`) — sees the same user.
Deactivated users are refused on the next request either way (FAB loads only active users).
"""

from __future__ import annotations

from flask import current_app, g, jsonify


def authenticate_request(user) -> None:
    """Make `user` the request's user for FAB, Flask-Login and the CRM alike."""
    g.user = user
    g._api_key_user = True  # FAB's has_access then checks this user, whatever the token kind
    current_app.login_manager._update_request_context_with_user(user)


def install_jwt_messages(jwt_manager) -> None:
    """Translated, uniform 401s for missing, bad or expired tokens and for deactivated users."""
    from flask_babel import gettext

    def refused(*_args):
        return jsonify(message=gettext("Not logged in, or the token or API key is invalid, "
                                       "expired or revoked.")), 401

    jwt_manager.user_lookup_error_loader(refused)
    jwt_manager.unauthorized_loader(refused)
    jwt_manager.invalid_token_loader(refused)
    jwt_manager.expired_token_loader(refused)
    jwt_manager.revoked_token_loader(refused)
