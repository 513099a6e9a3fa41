"""Webhooks screen for admins: endpoints (secret shown once, revealable), deliveries, resend."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import DeliveryStatus, EventKind, WebhookDelivery, WebhookEndpoint
from app.security.current import current_actor
from app.services import webhooks
from app.services.errors import CrmError


def _queue_counts() -> dict[int, dict[str, int]]:
    rows = db.session.execute(select(WebhookDelivery.endpoint_id, WebhookDelivery.status,
                                     func.count(WebhookDelivery.id))
                              .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)).all()
    out: dict[int, dict[str, int]] = {}
    for endpoint_id, status, count in rows:
        out.setdefault(endpoint_id, {})[status] = count
    return out


class WebhookView(BaseView):
    route_base = "/webhooks"
    default_view = "index"
    method_permission_name = {"index": "list", "add": "add", "edit": "edit", "delete": "delete",
                              "rotate": "edit", "reveal": "edit", "resend": "edit"}

    @expose("/")
    @has_access
    def index(self):
        endpoint_id = request.args.get("endpoint", type=int)
        status = request.args.get("status", "")
        if status not in DeliveryStatus.labels():
            status = ""
        endpoints = list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.name)))
        return self.render_template(
            "crm/webhooks/index.html", endpoints=endpoints, counts=_queue_counts(),
            deliveries=webhooks.recent_deliveries(endpoint_id, status or None),
            endpoint_id=endpoint_id, status=status, statuses=DeliveryStatus.choices(),
            kind_label=EventKind.label_of)

    def _form_values(self):
        return (request.form.get("name", ""), request.form.get("url", ""),
                request.form.getlist("events"), request.form.get("active") == "y")

    def _form(self, endpoint=None, values=None):
        name, url, events, active = values or (
            (endpoint.name, endpoint.url, endpoint.events, endpoint.active) if endpoint
            else ("", "", [], True))
        return self.render_template("crm/webhooks/form.html", endpoint=endpoint, name=name, url=url,
                                    chosen=set(events), active=active, kinds=EventKind.choices())

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if request.method == "POST":
            values = self._form_values()
            try:
                endpoint = webhooks.create_endpoint(*values, user_id=getattr(current_actor(), "id", None))
            except CrmError as error:
                flash(str(error.message), "danger")
                return self._form(values=values)
            flash(str(_l("Endpoint saved. Copy its secret now.")), "success")
            return self._secret(endpoint, new=True)
        return self._form()

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        endpoint = self._get(pk)
        if request.method == "POST":
            values = self._form_values()
            try:
                webhooks.update_endpoint(pk, *values)
            except CrmError as error:
                db.session.rollback()
                flash(str(error.message), "danger")
                return self._form(endpoint, values)
            flash(str(_l("Endpoint saved.")), "success")
            return redirect(url_for(".index"))
        return self._form(endpoint)

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        self._get(pk)
        webhooks.delete_endpoint(pk)
        flash(str(_l("Endpoint deleted.")), "success")
        return redirect(url_for(".index"))

    @expose("/rotate/<int:pk>", methods=["POST"])
    @has_access
    def rotate(self, pk):
        self._get(pk)
        endpoint = webhooks.rotate_secret(pk)
        flash(str(_l("A new secret was made; the old one no longer verifies.")), "warning")
        return self._secret(endpoint, new=True)

    @expose("/reveal/<int:pk>", methods=["POST"])
    @has_access
    def reveal(self, pk):
        return self._secret(self._get(pk), new=False)

    @expose("/resend/<int:pk>", methods=["POST"])
    @has_access
    def resend(self, pk):
        try:
            webhooks.resend(pk)
        except CrmError:
            abort(404)
        flash(str(_l("The delivery will be sent again within a minute.")), "success")
        return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/webhooks")
                        else url_for(".index"))

    def _secret(self, endpoint, new: bool):
        return self.render_template("crm/webhooks/secret.html", endpoint=endpoint, new=new)

    @staticmethod
    def _get(pk) -> WebhookEndpoint:
        endpoint = db.session.get(WebhookEndpoint, pk)
        if endpoint is None:
            abort(404)
        return endpoint
