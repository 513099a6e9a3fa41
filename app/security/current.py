"""The user behind the current request, whichever way they authenticated."""

from __future__ import annotations

from flask import g, has_request_context


def current_actor():
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    if user is None:
        from flask_login import current_user

        user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user
