"""Public doors, no login: the inquiry form 在线咨询 and the customer's private ticket link.

They reach nothing else: no menu, no record but the one ticket whose token is in the URL.
Rate limited per address (Flask-Limiter, `CRM_INQUIRY_RATE_LIMIT` / `CRM_TICKET_LINK_RATE_LIMIT`),
small bodies only, CSRF-protected, and a honeypot field that people never see.
"""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.utils.limit import Limit
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_limiter.util import get_remote_address

from app.services import inquiry as inquiry_service
from app.services import tickets
from app.services.errors import CrmError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024  # a question is text; anything bigger is not a person typing
HONEYPOT = "website"  # hidden from people by CSS; bots fill it in


def _inquiry_limit() -> str:
    return current_app.config.get("CRM_INQUIRY_RATE_LIMIT", "5 per 10 minutes;20 per day")


def _link_limit() -> str:
    return current_app.config.get("CRM_TICKET_LINK_RATE_LIMIT", "120 per hour")


def _reply_limit() -> str:
    return current_app.config.get("CRM_TICKET_REPLY_RATE_LIMIT", "20 per hour")


def _language() -> None:
    """?lang=zh|en switches the visitor's language (kept in their session)."""
    lang = request.args.get("lang", "")
    if lang in current_app.config.get("LANGUAGES", {}):
        session["locale"] = lang
        refresh()


def _too_big() -> bool:
    return (request.content_length or 0) > MAX_BODY_BYTES


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


class InquiryView(BaseView):
    route_base = "/inquiry"
    default_view = "form"
    limits = [Limit(_inquiry_limit, key_func=get_remote_address, methods=("POST",))]

    @expose("/", methods=["GET", "POST"])
    def form(self):
        _language()
        values, errors = {"kind": inquiry_service.PROSPECT}, {}
        if request.method == "POST":
            if _too_big():
                abort(413)
            values = {name: request.form.get(name, "") for name in (*inquiry_service.LIMITS, "kind")}
            if request.form.get(HONEYPOT):
                log.info("inquiry honeypot filled in from %s: dropped", get_remote_address())
                session["crm_inquiry"] = {"kind": inquiry_service.PROSPECT}
                return redirect(url_for("InquiryView.thanks"))
            try:
                outcome = inquiry_service.submit(inquiry_service.Inquiry(**values))
            except inquiry_service.InquiryInvalid as invalid:
                errors = {name: str(message) for name, message in invalid.errors.items()}
            else:
                session["crm_inquiry"] = {
                    "kind": values["kind"],
                    "number": outcome.ticket.number if outcome.ticket else None,
                    "token": outcome.token,
                }
                return redirect(url_for("InquiryView.thanks"))
        page = self.render_template("crm/inquiry/form.html", values=values, errors=errors,
                                    honeypot=HONEYPOT, limits=inquiry_service.LIMITS)
        return _private(current_app.make_response((page, 422 if errors else 200)))

    @expose("/thanks")
    def thanks(self):
        _language()
        done = session.get("crm_inquiry")
        if not done:
            return redirect(url_for("InquiryView.form"))
        if request.args.get("lang") is None:  # shown once; a language switch may show it again
            session.pop("crm_inquiry", None)
        link = url_for("TicketPortalView.ticket", token=done["token"], _external=True) if done.get("token") else None
        page = self.render_template("crm/inquiry/thanks.html", done=done, link=link)
        return _private(current_app.make_response(page))


class TicketPortalView(BaseView):
    """The customer's side of one ticket: read the replies, write back. Nothing else."""

    route_base = "/support"
    default_view = "ticket"
    limits = [Limit(_link_limit, key_func=get_remote_address),
              Limit(_reply_limit, key_func=get_remote_address, methods=("POST",))]

    @expose("/ticket/<token>", methods=["GET", "POST"])
    def ticket(self, token):
        _language()
        ticket = tickets.ticket_for_token(token)
        if ticket is None:
            abort(404)  # wrong, expired or deleted: indistinguishable
        error, body = None, ""
        if request.method == "POST":
            if _too_big():
                abort(413)
            body = request.form.get("body", "")
            try:
                tickets.customer_reply(ticket, body)
            except CrmError as problem:
                error = str(problem.message)
            else:
                flash(str(_l("Thank you. Your message has been sent.")), "success")
                return redirect(url_for("TicketPortalView.ticket", token=token))
        page = self.render_template("crm/inquiry/ticket.html", ticket=ticket, token=token,
                                    conversation=tickets.customer_messages(ticket), error=error, body=body)
        return _private(current_app.make_response((page, 422 if error else 200)))
