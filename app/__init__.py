"""Reservoir CRM 蓄水池 CRM — the application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request
from flask_appbuilder import AppBuilder
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import INSTANCE_DIR, Config

from .extensions import csrf, db, migrate
from .models.actor import set_door
from .models.history import Door
from .services import rate_limit_storage  # noqa: F401  (registers the shared sqlite:// limits storage)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(Config)
    app.config["FAB_BASE_TEMPLATE"] = "crm/base.html"
    if not os.environ.get("CRM_APP_NAME"):
        app.config["APP_NAME"] = _l("Reservoir CRM")  # 蓄水池 CRM in Chinese
    if overrides:
        app.config.update(overrides)
    if app.config.get("CRM_PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["CRM_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import models

    models.install_soft_delete_filter()
    from .services.history import install_history_hook

    install_history_hook()
    from .services.activities import install_followup_hook

    install_followup_hook()  # completing an activity records a follow-up, whatever the door
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)

    with app.app_context():
        appbuilder = AppBuilder(update_perms=app.config["FAB_UPDATE_PERMS"])
        appbuilder.init_app(app, db.session)
        from . import navigation

        navigation.register(appbuilder)
        from . import api

        api.register(appbuilder)
        # REST endpoints authenticate with tokens, not cookies: CSRF tokens do not apply.
        for view in appbuilder.baseviews:
            if isinstance(view, BaseApi):
                csrf.exempt(view.blueprint)

    @app.before_request
    def _name_the_door() -> None:
        # history records which door a change came through; CLI jobs stay "system"
        set_door(Door.API if request.path.startswith("/api/") else Door.UI)

    if app.config["CRM_SCHEDULER"]:
        from .services.scheduler import start_in_background

        # on the first request, so `flask crm …` commands never start a ticker
        app.before_request(lambda: start_in_background(app))

    from .services.events import install as install_events

    install_events(app)  # events (webhooks, points) derived right after responses that wrote
    from .views.rewards import install as install_points

    install_points(app)  # the navbar's "my points and badge"

    from .cli import crm

    app.cli.add_command(crm)
    from .security import hardening
    from .templating import register_template_helpers

    register_template_helpers(app)
    hardening.install(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and one writer work together; FKs are off in SQLite unless asked."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
