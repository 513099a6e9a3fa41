"""The "Customer service" dashboard 客户服务: tickets as a chart entity, and the charts built on it.

Registers the `ticket` entity with the analytics engine (dimensions, durations, conditions, all SQL
expressions on the ticket table) and defines the service team's charts as ordinary ChartSpecs, so
they run as one scoped GROUP BY each and drill down into the ticket list like every other chart:

- tickets opened and resolved per week, opened by category and by priority;
- first-response and resolution times per priority against the service-level targets;
- the open backlog per assignee, with how much of it is overdue.

Durations are minutes (`Ticket.first_response_minutes` …, hybrid properties on the model); the
resolution time leaves out the time spent waiting for the customer, as the service-level clock does.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_

from app.models import Ticket, TicketCategory, TicketOrigin, TicketPriority, TicketStatus, utcnow
from app.models.ticket import OPEN_STATUSES

from .dashboards import Dashboard
from .fields import (
    ENTITIES,
    Condition,
    Context,
    Dimension,
    Entity,
    _enum_labels,
    _enum_order,
    _int_match,
    _lookup_labels,
    _user_labels,
    department_dimension,
)
from .spec import PLAIN_NUMBERS, Ratio
from .spec import ChartSpec as C


def _overdue(ctx: Context):
    from app.services.tickets import overdue_clause

    return overdue_clause(ctx.now or utcnow())


TICKET = Entity(
    "ticket", _l("Tickets"), Ticket, "TicketView.list",
    dates={"created_at": _l("Opened"), "first_responded_at": _l("First response at"),
           "resolved_at": _l("Resolved at"), "closed_at": _l("Closed at")},
    dimensions={
        "status": Dimension("status", _l("Status"), lambda: Ticket.status, _enum_labels(TicketStatus),
                            order=_enum_order(TicketStatus)),
        "priority": Dimension("priority", _l("Priority"), lambda: Ticket.priority, _enum_labels(TicketPriority),
                              order=_enum_order(TicketPriority)),
        "category": Dimension("category", _l("Category"), lambda: Ticket.category_id,
                              _lookup_labels(TicketCategory), match=_int_match(Ticket.category_id)),
        "origin": Dimension("origin", _l("Received by"), lambda: Ticket.origin, _enum_labels(TicketOrigin),
                            order=_enum_order(TicketOrigin)),
        "assignee": Dimension("assignee", _l("Assignee"), lambda: Ticket.owner_id, _user_labels,
                              match=_int_match(Ticket.owner_id)),
        "department": department_dimension(Ticket),
    },
    numbers={"first_response_minutes": _l("First response time (minutes)"),
             "resolution_minutes": _l("Resolution time (minutes)"),
             "first_response_target": _l("First response target (minutes)"),
             "resolution_target": _l("Resolution target (minutes)")},
    conditions={
        "open": Condition(_l("Open"), lambda c: Ticket.status.in_(OPEN_STATUSES)),
        "overdue": Condition(_l("Overdue"), _overdue),
        "first_responded": Condition(_l("Answered"), lambda c: Ticket.first_responded_at.is_not(None)),
        "first_response_met": Condition(_l("First response within target"), lambda c: and_(
            Ticket.first_responded_at.is_not(None), Ticket.first_responded_at <= Ticket.first_response_due_at)),
        "resolved": Condition(_l("Resolved"), lambda c: Ticket.resolved_at.is_not(None)),
        "resolution_met": Condition(_l("Resolved within target"), lambda c: and_(
            Ticket.resolved_at.is_not(None), Ticket.resolved_at <= Ticket.resolution_due_at)),
        "unassigned": Condition(_l("Unassigned"), lambda c: Ticket.owner_id.is_(None)),
    },
)
ENTITIES.setdefault(TICKET.key, TICKET)
PLAIN_NUMBERS.update(TICKET.numbers)

_TIMES = (_l("Average time (minutes)"), _l("Target (minutes)"), _l("Tickets"), _l("Met the target"))

SERVICE_DASHBOARD = Dashboard(
    "service", _l("Customer service"),
    _l("Tickets opened and resolved, times against the service levels, and the open backlog."),
    "fa-life-ring", (
        C("service_opened_week", _l("Tickets opened per week"), "ticket", group_by="created_at",
          bucket="week", measures=("count",), labels=(_l("Opened"),), chart="line", width=6),
        C("service_resolved_week", _l("Tickets resolved per week"), "ticket", group_by="resolved_at",
          bucket="week", measures=("count",), labels=(_l("Resolved"),), filters=("resolved",), chart="line",
          width=6),
        C("service_category", _l("Tickets opened by category"), "ticket", group_by="category",
          measures=("count", "count::open"), labels=(_l("Opened"), _l("Still open")), chart="hbar", width=6),
        C("service_priority", _l("Tickets opened by priority"), "ticket", group_by="priority",
          measures=("count", "count::open"), labels=(_l("Opened"), _l("Still open")), width=6),
        C("service_first_response", _l("First response against target"), "ticket", group_by="priority",
          measures=("avg:first_response_minutes", "avg:first_response_target", "count",
                    "count::first_response_met"), labels=_TIMES,
          ratios=(Ratio("within", _l("Share within target"), "count::first_response_met", "count"),),
          filters=("first_responded",), date_field="first_responded_at", chart="table", width=6),
        C("service_resolution", _l("Resolution against target"), "ticket", group_by="priority",
          measures=("avg:resolution_minutes", "avg:resolution_target", "count", "count::resolution_met"),
          labels=_TIMES,
          ratios=(Ratio("within", _l("Share within target"), "count::resolution_met", "count"),),
          filters=("resolved",), date_field="resolved_at", chart="table", width=6),
        C("service_backlog", _l("Open backlog by assignee"), "ticket", group_by="assignee",
          measures=("count", "count::overdue"), labels=(_l("Open"), _l("Overdue")), filters=("open",),
          date_field=None, window="none", chart="hbar", limit=30, width=12,
          note=_l("Open tickets now, whatever the period; “(none)” is the unassigned queue.")),
    ),
)
