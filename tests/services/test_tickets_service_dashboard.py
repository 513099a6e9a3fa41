"""The "Customer service" dashboard: declarative charts over tickets, checked against hand-built data.

Five tickets with known times (UTC; the CRM's zone is Asia/Shanghai, weeks start on Monday):

| ticket | priority | category  | opened       | first reply  | resolved            | status      | assignee |
|--------|----------|-----------|--------------|--------------|---------------------|-------------|----------|
| t1     | urgent   | complaint | 11-03 12:00  | +20 min      | 11-03 15:00 (180')  | resolved    | svc      |
| t2     | urgent   | complaint | 11-10 12:00  | +60 min      | 11-11 12:00 (1440' − 60' paused) | closed | svc |
| t3     | normal   | repair    | 11-10 09:00  | +60 min      | —  (resolution overdue)         | in progress | svc |
| t4     | normal   | —         | 11-24 12:00  | —            | —                   | new         | nobody   |
| t5     | normal   | —         | 10-01 12:00  | —            | —                   | new         | svc      |

Service levels (defaults): urgent 30 / 240 minutes, normal 240 / 1440 minutes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Ticket, TicketCategory, TicketStatus, utcnow
from app.services import ticket_report, tickets
from app.services.analytics import DASHBOARDS, chart_specs, dashboard_data
from app.services.analytics.drill import drill_clauses
from app.services.analytics.fields import ENTITIES, NONE
from app.services.analytics.filters import Filters
from tests.factories import make_account, make_user

PERIOD = Filters(period="custom", start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 30))
WEEKS = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]


def _at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute)


def _category(name_en: str) -> int:
    return db.session.scalar(select(TicketCategory.id).where(TicketCategory.name_en == name_en))


def _ticket(subject, priority, created, *, category=None, responded=None, resolved=None, status="new",
            owner=None, paused_minutes=0, account=None) -> Ticket:
    ticket, _token = tickets.open_ticket(subject, priority=priority, account=account)
    first, resolution = tickets.sla_targets(priority)
    ticket.category_id = _category(category) if category else None
    ticket.created_at = created
    ticket.first_response_due_at = created + dt.timedelta(minutes=first)
    ticket.resolution_due_at = created + dt.timedelta(minutes=resolution + paused_minutes)
    ticket.first_responded_at = responded
    ticket.resolved_at = resolved
    ticket.paused_seconds = paused_minutes * 60
    ticket.status = status
    ticket.owner_id = owner.id if owner else None
    db.session.commit()
    return ticket


@pytest.fixture
def data(app_ctx, users):
    tickets.seed_ticket_defaults()
    svc = users["Customer Service"]
    rep_account = make_account(owner=users["Sales Rep"])
    t1 = _ticket("t1", "urgent", _at(3, 12), category="Complaint", responded=_at(3, 12, 20),
                 resolved=_at(3, 15), status=TicketStatus.RESOLVED, owner=svc, account=rep_account)
    t2 = _ticket("t2", "urgent", _at(10, 12), category="Complaint", responded=_at(10, 13),
                 resolved=_at(11, 12), status=TicketStatus.CLOSED, owner=svc, paused_minutes=60)
    t3 = _ticket("t3", "normal", _at(10, 9), category="Repair", responded=_at(10, 10),
                 status=TicketStatus.IN_PROGRESS, owner=svc)
    t3.resolution_due_at = utcnow() - dt.timedelta(hours=1)  # overdue now
    t4 = _ticket("t4", "normal", _at(24, 12))
    t4.first_response_due_at = t4.resolution_due_at = utcnow() + dt.timedelta(days=1)
    t5 = _ticket("t5", "normal", _at(1, 12, month=10), owner=svc)
    t5.first_response_due_at = t5.resolution_due_at = utcnow() + dt.timedelta(days=1)
    db.session.commit()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "svc": svc}


def _charts(user, filters=PERIOD) -> dict:
    return {c.key: c for c in dashboard_data("service", filters, user)}


def _series(chart) -> dict:
    return {s["key"]: s["values"] for s in chart.series}


def _labels(chart) -> list[str]:
    return [c["label"] for c in chart.categories]


def test_the_dashboard_is_registered_and_made_of_declarative_specs(app_ctx):
    assert "service" in {d.key for d in DASHBOARDS}
    assert "ticket" in ENTITIES
    specs = chart_specs("service")
    assert {s.key for s in specs} >= {"service_opened_week", "service_resolved_week", "service_category",
                                      "service_priority", "service_first_response", "service_resolution",
                                      "service_backlog"}
    assert all(s.custom is None and s.entity == "ticket" for s in specs)
    for spec in specs:
        spec.validate()


def test_opened_and_resolved_per_week(data):
    charts = _charts(data["svc"])
    opened, resolved = charts["service_opened_week"], charts["service_resolved_week"]
    assert [c["value"] for c in opened.categories] == WEEKS
    assert _series(opened)["count"] == [1, 2, 0, 1]  # t5 was opened in October
    assert _series(resolved)["count"] == [1, 1, 0, 0]


def test_opened_by_category_and_priority(data):
    charts = _charts(data["svc"])
    category = charts["service_category"]
    by_category = dict(zip([c["value"] for c in category.categories],
                           zip(*_series(category).values(), strict=True), strict=True))
    assert by_category == {_category("Complaint"): (2, 0), _category("Repair"): (1, 1), NONE: (1, 1)}
    assert set(_labels(category)) >= {"投诉", "维修"} or set(_labels(category)) >= {"Complaint", "Repair"}
    priority = charts["service_priority"]
    assert [c["value"] for c in priority.categories] == ["normal", "urgent"]  # the enum's order
    assert _series(priority) == {"count": [2, 2], "count::open": [2, 0]}


def test_first_response_and_resolution_against_the_targets(data):
    charts = _charts(data["svc"])
    first = charts["service_first_response"]
    assert [c["value"] for c in first.categories] == ["normal", "urgent"]
    values = _series(first)
    assert values["avg:first_response_minutes"] == pytest.approx([60, 40], abs=0.01)  # t3; (20 + 60) / 2
    assert values["avg:first_response_target"] == [240, 30]
    assert values["count"] == [1, 2]
    assert values["count::first_response_met"] == [1, 1]  # t2 answered after 60 of 30 minutes
    assert values["within"] == [1.0, 0.5]
    assert all(s["format"] != "money" for s in first.series)  # minutes, not yuan

    resolution = charts["service_resolution"]
    assert [c["value"] for c in resolution.categories] == ["urgent"]  # t3, t4, t5 are unresolved
    values = _series(resolution)
    assert values["avg:resolution_minutes"] == pytest.approx([(180 + 1380) / 2], abs=0.01)  # pause left out
    assert values["avg:resolution_target"] == [240]
    assert values["count"] == [2]
    assert values["count::resolution_met"] == [1]
    assert values["within"] == [0.5]


def test_open_backlog_by_assignee_ignores_the_period(data):
    backlog = _charts(data["svc"])["service_backlog"]
    rows = dict(zip([c["value"] for c in backlog.categories],
                    zip(*_series(backlog).values(), strict=True), strict=True))
    assert rows == {data["svc"].id: (2, 1), NONE: (1, 0)}  # t3 (overdue) and t5; t4 unassigned


def test_a_bar_drills_into_exactly_its_tickets(data):
    backlog = _charts(data["svc"])["service_backlog"]
    mine = next(c for c in backlog.categories if c["value"] == data["svc"].id)
    clauses = drill_clauses(Ticket, data["svc"], mine["drill"])
    ids = set(db.session.scalars(select(Ticket.id).where(*clauses)))
    assert ids == {data["t3"].id, data["t5"].id}
    week = _charts(data["svc"])["service_opened_week"].categories[1]
    ids = set(db.session.scalars(select(Ticket.id).where(*drill_clauses(Ticket, data["svc"], week["drill"]))))
    assert ids == {data["t2"].id, data["t3"].id}


def test_a_sales_rep_counts_only_tickets_of_customers_they_see(data, users):
    charts = _charts(users["Sales Rep"])
    assert _series(charts["service_opened_week"])["count"] == [1, 0, 0, 0]  # t1, on the rep's account
    assert charts["service_backlog"].categories == []
    other = make_user(role="Sales Rep")
    assert _series(_charts(other)["service_opened_week"])["count"] == [0, 0, 0, 0]


def test_deleted_tickets_leave_the_numbers(data):
    from app.services import recycle_bin

    recycle_bin.soft_delete(db.session, [data["t2"]])
    assert _series(_charts(data["svc"])["service_opened_week"])["count"] == [1, 1, 0, 1]


def test_the_service_report_runs_the_dashboard(data):
    charts = ticket_report.service_report(data["svc"], PERIOD)
    assert [c.key for c in charts] == [s.key for s in chart_specs("service")]
    assert ticket_report.report_filters({}).period == ticket_report.DEFAULT_PERIOD
