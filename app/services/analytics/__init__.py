"""Analytics 数据分析: declarative charts run as scoped SQL aggregates, grouped into dashboards.

    from app.services.analytics import dashboard_data, parse_filters
    charts = dashboard_data("pipeline", parse_filters(request.args), user)
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.errors import NotFound, ValidationFailed

from .dashboards import BY_KEY, CUSTOM_DASHBOARD, DASHBOARDS, Dashboard
from .engine import ChartData, load_context, run_chart
from .filters import Filters, parse_filters
from .saved import saved_charts, spec_of, unavailable
from .spec import ChartSpec

__all__ = ["DASHBOARDS", "ChartData", "ChartSpec", "Dashboard", "Filters", "chart_specs", "dashboard_data",
           "dashboard_title", "find_chart", "parse_filters", "run_chart"]


def dashboard_title(key: str):
    if key == CUSTOM_DASHBOARD:
        return _l("My charts")
    if key not in BY_KEY:
        raise NotFound(_l("No such dashboard."))
    return BY_KEY[key].title


def chart_specs(key: str, user=None) -> list[ChartSpec]:
    """The dashboard's built-in charts followed by the charts saved to it from the builder, as
    `user` may run them (None: the system). A saved chart this viewer cannot run — its custom
    field was retired, or is restricted to other roles — stays on the page with the reason."""
    dashboard_title(key)
    specs = list(BY_KEY[key].charts) if key in BY_KEY else []
    for chart in saved_charts(key):
        try:
            specs.append(spec_of(chart, user))
        except ValidationFailed as error:
            specs.append(unavailable(chart, error.message))
    return specs


def dashboard_data(key: str, filters: Filters, user) -> list[ChartData]:
    specs = chart_specs(key, user)
    needs_learned = any(s.custom or any(m.startswith("learned") for m in s.measures) for s in specs)
    ctx = load_context(user, learned=needs_learned)
    return [run_chart(spec, filters, user, ctx) for spec in specs]


def find_chart(key: str, chart_key: str, user=None) -> ChartSpec:
    for spec in chart_specs(key, user):
        if spec.key == chart_key:
            return spec
    raise NotFound(_l("No such chart."))
