"""A chart from the chart builder 图表设计器 on the home page: the saved charts offered for home
("Offer as a home widget"), computed by the same scoped SQL aggregate as on their dashboard."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import SavedChart
from app.services.analytics import parse_filters, run_chart
from app.services.analytics.fields import ENTITIES
from app.services.analytics.saved import saved_charts, spec_of

from .base import Context, Option, Widget

MAX_BARS = 8


def _charts() -> list[tuple[str, object]]:
    return [(str(c.id), c.title) for c in saved_charts(on_home=True)]


CHART = Option("chart", _l("Chart"), "", _charts)
PERIOD = Option("period", _l("Period"), "year",
                lambda: [("month", _l("This month")), ("quarter", _l("This quarter")), ("year", _l("This year")),
                         ("last12", _l("Last 12 months"))])


def load(ctx: Context, options: dict) -> dict:
    chart = db.session.get(SavedChart, int(options["chart"])) if options.get("chart") else None
    if chart is None or not chart.on_home:
        return {"chart": None}
    try:
        spec = spec_of(chart, ctx.user)  # the viewer's own rights: a restricted custom field is not drawn
    except Exception:  # a field the chart used was removed since, or this viewer may not see it
        return {"chart": chart, "broken": True}
    endpoint = ENTITIES[spec.entity].list_endpoint
    if not ctx.can(endpoint.split(".")[0]):
        return {"chart": chart, "denied": True}
    data = run_chart(spec, parse_filters({"period": options.get("period", "year")}), ctx.user)
    series = data.series[0] if data.series else {"values": [], "label": "", "format": "number"}
    top = max((abs(v or 0) for v in series["values"][:MAX_BARS]), default=0) or 1
    bars = [{"label": c["label"], "value": v or 0, "share": round(100 * abs(v or 0) / top, 1),
             "link": (endpoint, c["drill"]) if c.get("drill") else None}
            for c, v in zip(data.categories[:MAX_BARS], series["values"][:MAX_BARS], strict=False)]
    return {"chart": chart, "bars": bars, "measure": series["label"], "money": series["format"] == "money",
            "currency": data.currency, "more": max(0, len(data.categories) - MAX_BARS),
            "link": ("AnalyticsView.dashboard", {"key": chart.dashboard})}


WIDGET = Widget(
    key="saved_chart",
    title=_l("Saved chart"),
    description=_l("A chart built in the chart builder and offered for the home page, in my data scope."),
    load=load,
    size="wide",
    options=(CHART, PERIOD),  # the records' list permission is checked per chart in `load`
)
