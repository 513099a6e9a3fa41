"""The service report 服务报表: the "Customer service" dashboard's charts, run for one user.

The charts themselves are declarative definitions in app/services/analytics/service_dashboard.py
(the same engine as every analytics dashboard: one scoped SQL aggregate per chart). This module
only picks the period and runs them, for the service team's own page, which Customer Service
users reach without the analytics screens.
"""

from __future__ import annotations

from app.services.analytics import ChartData, Filters, parse_filters
from app.services.analytics.engine import load_context, run_chart
from app.services.analytics.service_dashboard import SERVICE_DASHBOARD

DEFAULT_PERIOD = "quarter"  # weeks read best over a quarter


def report_filters(args) -> Filters:
    """The period (and department / assignee) from a request's arguments; a quarter by default."""
    if not args.get("period"):
        args = {**args, "period": DEFAULT_PERIOD}
    return parse_filters(args)


def service_report(user, filters: Filters | None = None) -> list[ChartData]:
    """Every chart of the service dashboard, inside the user's ticket scope."""
    filters = filters or Filters(period=DEFAULT_PERIOD)
    ctx = load_context(user)
    return [run_chart(spec, filters, user, ctx) for spec in SERVICE_DASHBOARD.charts]
