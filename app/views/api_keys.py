"""API keys API 密钥 screen for admins: create a key (shown once) and revoke keys."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import CrmUser
from app.security.current import current_actor
from app.services import api_keys
from app.services.errors import CrmError

MAX_DAYS = 3650


class ApiKeyView(BaseView):
    route_base = "/api-keys"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        created = None
        if request.method == "POST":
            try:
                key, plaintext = api_keys.create_key(
                    request.form.get("user_id", type=int) or 0, request.form.get("name", ""),
                    expires_at=_expiry(request.form.get("days", "")),
                    created_by_id=getattr(current_actor(), "id", None))
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                # shown in this response only: never flashed (the session cookie is not secret)
                created = (key, plaintext)
        users = list(db.session.scalars(select(CrmUser).where(CrmUser.active).order_by(CrmUser.username)))
        return self.render_template("crm/api_keys.html", keys=api_keys.keys(), users=users, created=created,
                                    now=api_keys.utcnow(), max_days=MAX_DAYS)

    @expose("/revoke/<int:pk>", methods=["POST"])
    @has_access
    def revoke(self, pk):
        try:
            key = api_keys.revoke(pk, getattr(current_actor(), "id", None))
        except CrmError as error:
            flash(str(error.message), "danger")
        else:
            flash(str(_l("Key %(name)s is revoked: it stops working at once.", name=key.name)), "success")
        return redirect(url_for(".index"))


def _expiry(raw: str) -> dt.datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        days = int(raw)
    except ValueError:
        raise CrmError(_l("Enter the number of days the key stays valid, or leave it empty.")) from None
    if not 1 <= days <= MAX_DAYS:
        raise CrmError(_l("A key stays valid between 1 and %(max)s days.", max=MAX_DAYS))
    return api_keys.utcnow() + dt.timedelta(days=days)
