"""Ticket screens 工单: the list with due times, the conversation, and the admin's rules.

Thin doors: every change goes through app.services.tickets, which applies the data scope.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms.validators import NumberRange

from app.extensions import db
from app.models import (
    Account,
    Contact,
    CrmUser,
    InquiryRule,
    Opportunity,
    Ticket,
    TicketAssignmentRule,
    TicketCategory,
    TicketOrigin,
    TicketPriority,
    TicketSla,
    TicketStatus,
)
from app.security.current import current_actor
from app.security.scope import visibility_clause
from app.services import ticket_report, tickets
from app.services.analytics.filters import PERIODS
from app.services.errors import CrmError
from app.services.records import blank_to_none

from .analytics import format_value
from .base import CrmModelView, ReadableFormsMixin, typed_formatters
from .interface import CrmInterface
from .lookups import LookupView
from .panel import ALL, Facet, Panel, QuickFilter, column_facet

TICKET_LABELS = {
    "number": _l("Ticket number"),
    "subject": _l("Subject"),
    "customer": _l("Customer"),
    "category": _l("Category"),
    "priority": _l("Priority"),
    "origin": _l("Received by"),
    "owner": _l("Assignee"),
    "account": _l("Account"),
    "contact": _l("Contact"),
    "opportunity": _l("Opportunity"),
    "next_due_at": _l("Due"),
    "sla_state": _l("Service level"),
    "first_response_due_at": _l("First response due"),
    "first_responded_at": _l("First response at"),
    "resolution_due_at": _l("Resolution due"),
    "resolved_at": _l("Resolved at"),
    "closed_at": _l("Closed at"),
    "requester_name": _l("Name given"),
    "requester_company": _l("Company given"),
    "requester_mobile": _l("Mobile given"),
    "requester_email": _l("E-mail given"),
    "requester_wechat": _l("WeChat given"),
    # shown in the ticket's history
    "access_expires_at": _l("Customer link expires"),
    "paused_at": _l("Waiting for the customer since"),
    "paused_seconds": _l("Time waited for the customer (seconds)"),
}
SLA_STATES = {
    "overdue": ("label-danger crm-sla-overdue", _l("Overdue")),
    "paused": ("label-default", _l("Paused: waiting for the customer")),
    "running": ("label-info", _l("On time")),
    "met": ("label-success", _l("Met")),
    "missed": ("label-warning", _l("Missed")),
}
TICKET_FIELDS = ["subject", "description", "category", "priority", "origin", "account", "contact",
                 "opportunity"]


def sla_badge(state: str):
    css, label = SLA_STATES.get(state, ("", ""))
    return Markup(f'<span class="label {css}">{escape(str(label))}</span>') if label else ""


def category_choices():
    return [(str(c.id), c.label) for c in db.session.scalars(
        select(TicketCategory).where(TicketCategory.active).order_by(TicketCategory.sort_order))]


class TicketView(CrmModelView):
    route_base = "/ticket"
    datamodel = CrmInterface(Ticket, eager=("owner", "account", "contact", "category"))
    list_title = _l("Tickets")
    show_title = _l("Ticket")
    add_title = _l("New ticket")
    edit_title = _l("Edit ticket")
    show_template = "crm/tickets/show.html"
    base_order = ("created_at", "desc")

    label_columns = TICKET_LABELS
    list_columns = ["number", "subject", "customer", "category", "priority", "status", "owner",
                    "next_due_at", "sla_state", "created_at"]
    order_columns = ["number", "created_at"]
    search_columns = ["number", "subject", "status", "priority"]
    add_columns = TICKET_FIELDS
    edit_columns = TICKET_FIELDS
    show_fieldsets = [
        (_l("Ticket"), {"fields": ["number", "subject", "description", "status", "priority", "category",
                                   "origin", "owner"]}),
        (_l("Customer"), {"fields": ["account", "contact", "opportunity", "requester_name",
                                     "requester_company", "requester_mobile", "requester_email",
                                     "requester_wechat"]}),
        (_l("Service level"), {"fields": ["first_response_due_at", "first_responded_at",
                                          "resolution_due_at", "resolved_at", "closed_at"]}),
        (_l("Record"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"],
                        "expanded": False}),
    ]
    # status is never on a form (it moves through the work buttons); listed for readable history
    coded_fields = {"priority": (TicketPriority, True), "origin": (TicketOrigin, True),
                    "status": (TicketStatus, True)}
    validators_columns: dict = {}
    picker_fields = {"account": ("account", Account), "contact": ("contact", Contact),
                     "opportunity": ("opportunity", Opportunity)}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "category": [["active", FilterEqual, True]]}
    formatters_columns = {
        "status": TicketStatus.label_of,
        "sla_state": sla_badge,
        "next_due_at": lambda v: typed_formatters(Ticket)["resolution_due_at"](v),
    }
    panel = Panel(
        quick=(
            ALL,
            QuickFilter("mine", _l("Assigned to me"), lambda m, u: m.owner_id == u.id),
            QuickFilter("open", _l("Open"), lambda m, u: tickets.open_clause()),
            QuickFilter("overdue", _l("Overdue"), lambda m, u: tickets.overdue_clause()),
            QuickFilter("waiting", _l("Waiting for customer"), lambda m, u: m.status == TicketStatus.WAITING),
            QuickFilter("unassigned", _l("Unassigned"),
                        lambda m, u: tickets.open_clause() & m.owner_id.is_(None)),
        ),
        facets=(
            column_facet("status", _l("Status"), TicketStatus.choices),
            column_facet("priority", _l("Priority"), TicketPriority.choices),
            Facet("category", _l("Category"), category_choices, lambda m, v: m.category_id == int(v)),
        ),
        exact=("number",),
        prefix=("subject",),
        search_hint=_l("Ticket number or subject"),
    )

    # -- opening by hand, editing -------------------------------------------------------------
    def pre_add(self, item):
        blank_to_none(item)
        for name in ("account", "contact", "opportunity", "category"):
            related = getattr(item, name)
            if related is not None:
                setattr(item, f"{name}_id", related.id)
        if item.contact is not None and item.account is None:
            item.account_id = item.contact.account_id
        g.crm_ticket_token = tickets.prepare_new(item)

    def post_add(self, item):
        g.crm_new_ticket_id = item.id
        flash(_customer_link_message(g.pop("crm_ticket_token", None)), "info")

    def post_add_redirect(self):
        new_id = g.get("crm_new_ticket_id")
        if new_id:
            return redirect(url_for("TicketView.show", pk=new_id))
        return super().post_add_redirect()

    def pre_update(self, item):
        blank_to_none(item)
        tickets.on_edited(item)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        if request.method == "GET":  # "new ticket" from an account, contact or opportunity page
            user = current_actor()
            for name, model in (("account", Account), ("contact", Contact), ("opportunity", Opportunity)):
                raw = request.args.get(name, "")
                if raw.isdigit() and hasattr(form, name):
                    found = db.session.scalar(
                        select(model).where(model.id == int(raw), visibility_clause(model, user)))
                    if found is not None:
                        getattr(form, name).data = found
                        if name == "contact" and found.account is not None and form.account.data is None:
                            form.account.data = found.account
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    # -- the conversation and the work on a ticket ------------------------------------------------
    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            ticket = db.session.scalar(select(Ticket).where(
                Ticket.id == int(kwargs["pk"]), visibility_clause(Ticket, current_actor())))
            if ticket is None:
                abort(404)
            kwargs.update(ticket=ticket, conversation=ticket.messages,
                          next_statuses=sorted(tickets.TRANSITIONS[TicketStatus(ticket.status)],
                                               key=lambda s: list(TicketStatus).index(s)),
                          service_users=tickets.service_users())
        return super().render_template(template, **kwargs)

    @expose("/<int:pk>/message", methods=["POST"])
    @has_access
    @permission_name("work")
    def message(self, pk):
        internal = request.form.get("internal") == "1"
        return self._work(pk, lambda user: tickets.reply(
            pk, user, request.form.get("body", ""), internal=internal,
            then_status=request.form.get("then_status") or None),
            _l("Internal note added.") if internal else _l("Reply sent."))

    @expose("/<int:pk>/status", methods=["POST"])
    @has_access
    @permission_name("work")
    def status(self, pk):
        return self._work(pk, lambda user: tickets.change_status(pk, user, request.form.get("status", "")),
                          _l("Status changed."))

    @expose("/<int:pk>/assign", methods=["POST"])
    @has_access
    @permission_name("work")
    def assign(self, pk):
        raw = request.form.get("user_id", "")
        return self._work(pk, lambda user: tickets.assign(pk, user, int(raw) if raw.isdigit() else None),
                          _l("Assignee changed."))

    @expose("/<int:pk>/link", methods=["POST"])
    @has_access
    @permission_name("work")
    def link(self, pk):
        return self._work(pk, lambda user: flash(_customer_link_message(tickets.renew_link(pk, user)), "info"),
                          None)

    def _work(self, pk, operation, done):
        try:
            operation(current_actor())
        except CrmError as error:
            db.session.rollback()
            if error.status_code == 404:
                abort(404)
            flash(str(error.message), "danger")
        else:
            if done:
                flash(str(done), "success")
        return redirect(url_for("TicketView.show", pk=pk))

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)

        @blueprint.app_context_processor
        def _ticket_helpers():
            return {"crm_tickets_of": _tickets_of, "crm_sla_badge": sla_badge}

        return blueprint


def _tickets_of(kind: str, pk) -> list[Ticket]:
    user = current_actor()
    if user is None or not str(pk).isdigit():
        return []
    return tickets.tickets_of(kind, int(pk), user)


def _customer_link_message(token: str | None):
    if not token:
        return ""
    url = url_for("TicketPortalView.ticket", token=token, _external=True)
    return _l("The customer's private link (shown only now — send it to the customer): %(url)s", url=url)


# -- the admin's rules ----------------------------------------------------------------------------
class TicketCategoryView(LookupView):
    route_base = "/ticket-category"
    datamodel = CrmInterface(TicketCategory)
    list_title = show_title = _l("Ticket categories")
    add_title = _l("New ticket category")
    edit_title = _l("Edit ticket category")
    list_columns = ["name_zh", "name_en", "sort_order", "active"]
    search_columns = ["name_zh", "name_en"]
    add_columns = edit_columns = show_columns = list_columns


class TicketSlaView(ReadableFormsMixin, ModelView):
    """服务时效: first-response and resolution targets per priority (one row each)."""

    route_base = "/ticket-sla"
    datamodel = CrmInterface(TicketSla)
    base_permissions = ["can_list", "can_show", "can_edit"]
    base_order = ("id", "asc")
    list_title = show_title = edit_title = _l("Service levels")
    label_columns = {"priority": _l("Priority"),
                     "first_response_minutes": _l("First response within (minutes)"),
                     "resolution_minutes": _l("Resolution within (minutes)")}
    list_columns = show_columns = ["priority", "first_response_minutes", "resolution_minutes"]
    edit_columns = ["first_response_minutes", "resolution_minutes"]
    formatters_columns = {"priority": TicketPriority.label_of}
    validators_columns = {name: [NumberRange(min=1, max=525_600)]
                          for name in ("first_response_minutes", "resolution_minutes")}


def _service_user_query():
    ids = tickets.users_with_role(tickets.SERVICE_ROLE)
    return db.session.query(CrmUser).filter(CrmUser.id.in_(ids)).order_by(CrmUser.username)


class TicketAssignmentRuleView(ReadableFormsMixin, ModelView):
    """Who gets new tickets: per category, a fixed person or round-robin within a team."""

    route_base = "/ticket-assignment"
    datamodel = CrmInterface(TicketAssignmentRule, eager=("category", "department", "assignee"))
    list_title = show_title = _l("Ticket assignment")
    add_title = _l("New assignment rule")
    edit_title = _l("Edit assignment rule")
    label_columns = {"category": _l("Category (empty: every other category)"),
                     "department": _l("Service team (empty: all customer service)"),
                     "assignee": _l("Always assign to (empty: round-robin)"),
                     "active": _l("Active")}
    list_columns = add_columns = edit_columns = show_columns = ["category", "department", "assignee", "active"]
    formatters_columns = {**typed_formatters(TicketAssignmentRule),
                          "category": lambda v: v if v is not None else _l("Every other category"),
                          "assignee": lambda v: v if v is not None else _l("Round-robin")}

    def _init_forms(self):
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            field = getattr(form, "assignee", None)
            if field is not None:
                field.kwargs["query_func"] = _service_user_query


class InquiryRuleView(ReadableFormsMixin, ModelView):
    """在线咨询 rule: which department's reps get prospects' inquiries in turn (empty: the pool)."""

    route_base = "/inquiry-rule"
    datamodel = CrmInterface(InquiryRule, eager=("department", "source"))
    base_permissions = ["can_list", "can_show", "can_edit"]
    list_title = show_title = edit_title = _l("Inquiry form rule")
    label_columns = {"department": _l("Round-robin among the sales reps of (empty: public pool)"),
                     "source": _l("Source of the new leads"),
                     "task_due_hours": _l("Answer the inquiry within (hours)")}
    list_columns = show_columns = edit_columns = ["department", "source", "task_due_hours"]
    formatters_columns = {**typed_formatters(InquiryRule),
                          "department": lambda v: v if v is not None else _l("Public pool")}
    validators_columns = {"task_due_hours": [NumberRange(min=1, max=24 * 30)]}


class TicketReportView(BaseView):
    """Service report: the "Customer service" dashboard's charts (app/services/analytics), as tables
    with drill-down links, for the service team (who have no analytics screens of their own)."""

    route_base = "/ticket-report"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        try:
            filters = ticket_report.report_filters(request.args)
        except CrmError as error:
            flash(str(error.message), "warning")
            filters = ticket_report.report_filters({})
        charts = [self._with_links(c) for c in ticket_report.service_report(current_actor(), filters)]
        sm = self.appbuilder.sm
        return self.render_template(
            "crm/tickets/report.html", charts=charts, filters=filters, fmt=format_value,
            periods=[(k, v) for k, v in PERIODS.items() if k != "custom"],
            as_charts=sm.has_access("can_read", "AnalyticsView"))

    def _with_links(self, data):
        allowed = self.appbuilder.sm.has_access("can_list", "TicketView")
        for category in data.categories:
            drill = category.pop("drill", None)
            category["url"] = url_for("TicketView.list", **drill) if allowed and drill else None
        return data
