"""Handover 离职交接 screen for admins: pick the departing user and who receives their records."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import CrmUser
from app.services.errors import CrmError
from app.services.handover import handover, preview

POOL = "pool"


class HandoverView(BaseView):
    route_base = "/handover"
    default_view = "form"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def form(self):
        users = list(db.session.scalars(select(CrmUser).order_by(CrmUser.active.desc(), CrmUser.username)))
        departing_id = request.values.get("departing", type=int)
        receiver = request.values.get("receiver", "")
        if request.method == "POST" and departing_id:
            try:
                report = handover(departing_id, None if receiver == POOL else int(receiver or 0) or None)
            except (CrmError, ValueError) as error:
                flash(str(getattr(error, "message", _l("Choose who receives the records."))), "danger")
            else:
                moved = sum(report.moved.values())
                flash(str(_l("Handover done: %(count)s records moved; the user is deactivated.",
                             count=moved)), "success")
                if report.moved.get("ticket"):  # tickets 工单: say where the open ones went
                    taker = db.session.get(CrmUser, int(receiver)) if receiver.isdigit() else None
                    flash(str(_l("%(count)s open tickets now belong to %(name)s.", count=report.moved["ticket"],
                                 name=taker.display_name if taker else _l("nobody (unassigned queue)"))), "info")
                return redirect(url_for(".form"))
        counts = preview(departing_id) if departing_id else None
        return self.render_template("crm/handover.html", users=users, departing_id=departing_id,
                                    receiver=receiver, counts=counts, pool=POOL)
