"""What Flask-AppBuilder leaves open (FAB5-NOTES.md), closed in one place.

Security headers with a nonce-based Content-Security-Policy (no external source), no caching of
pages with customer data, idle and absolute session timeouts, and error pages without internals.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from flask import Flask, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in

log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    app.after_request(_security_headers)
    app.before_request(_refuse_oversized_bodies)
    app.before_request(_enforce_session_timeouts)
    user_logged_in.connect(_start_session, app)

    # a global, not a context processor: FAB renders its widgets without context processors,
    # and their inline scripts need the nonce too (baselib.get_nonce looks for `csp_nonce`)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)


def _refuse_oversized_bodies() -> None:
    """413 before any view reads the body: FAB's API wrapper would turn Werkzeug's own 413 into a 500."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        abort(413)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _security_headers(response):
    policy = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{csp_nonce()}'; "
        "style-src 'self' 'unsafe-inline'; "  # Bootstrap and select2 set style attributes
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_user and current_user.is_authenticated and response.mimetype in ("text/html", "application/json"):
        headers["Cache-Control"] = "no-store"
    return response


def _start_session(app, user, **_extra) -> None:
    now = _now()
    session.permanent = True  # the cookie then expires after PERMANENT_SESSION_LIFETIME
    session["crm_started"] = now
    session["crm_seen"] = now


def _enforce_session_timeouts():
    if not (current_user and current_user.is_authenticated) or "crm_started" not in session:
        return None
    config, now = _config(), _now()
    idle = now - session.get("crm_seen", now)
    age = now - session.get("crm_started", now)
    if idle > config["CRM_IDLE_TIMEOUT_MINUTES"] * 60 or age > config["CRM_SESSION_MAX_HOURS"] * 3600:
        logout_user()
        session.clear()
        if request.path.startswith("/api/"):
            return jsonify({"message": "session expired"}), 401
        return redirect(url_for("AuthDBView.login", next=request.path))
    if now - session.get("crm_seen", 0) > 30:  # write the cookie at most every 30 s
        session["crm_seen"] = now
    return None


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        log.exception("unhandled error on %s", request.path)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"message": getattr(error, "name", "Error")}), code
    appbuilder = _config_app().appbuilder
    if "user" not in g:  # an error raised before FAB's own before_request (e.g. CSRF)
        g.user = current_user
    page = render_template("crm/error.html", code=code, appbuilder=appbuilder,
                           base_template=appbuilder.base_template)
    return page, code


def _config_app():
    from flask import current_app

    return current_app._get_current_object()


def _config():
    return _config_app().config


def _now() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp())
