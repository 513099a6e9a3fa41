"""Charts composed in the chart builder and saved to a dashboard (and optionally the home page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import SavedChart
from app.services.errors import NotFound, ValidationFailed

from .dashboards import BY_KEY, CUSTOM_DASHBOARD
from .spec import ChartSpec

MAX_TITLE = 100


def dashboard_choices() -> list[tuple[str, object]]:
    return [(d.key, d.title) for d in BY_KEY.values()] + [(CUSTOM_DASHBOARD, _l("My charts"))]


def spec_of(chart: SavedChart, user=None) -> ChartSpec:
    return ChartSpec.from_dict(f"saved{chart.id}", chart.title, chart.spec, user)


def unavailable(chart: SavedChart, reason) -> ChartSpec:
    """A saved chart that cannot run for this viewer: drawn as its title and the reason."""
    from .fields import ENTITIES

    entity = (chart.spec or {}).get("entity") if isinstance(chart.spec, dict) else None
    return ChartSpec(f"saved{chart.id}", chart.title, entity if entity in ENTITIES else "lead",
                     chart="table", error=reason)


def saved_charts(dashboard: str | None = None, on_home: bool | None = None) -> list[SavedChart]:
    stmt = select(SavedChart).order_by(SavedChart.id)
    if dashboard is not None:
        stmt = stmt.where(SavedChart.dashboard == dashboard)
    if on_home is not None:
        stmt = stmt.where(SavedChart.on_home.is_(on_home))
    return list(db.session.scalars(stmt))


def save_chart(user, title: str, dashboard: str, spec: dict, on_home: bool = False) -> SavedChart:
    """Validate and store a chart; the spec is checked exactly as a built-in one would be."""
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_l("Give the chart a title."))
    if len(title) > MAX_TITLE:
        raise ValidationFailed(_l("The title is too long (at most %(n)s characters).", n=MAX_TITLE))
    if dashboard not in dict(dashboard_choices()):
        raise ValidationFailed(_l("Choose a dashboard."))
    checked = ChartSpec.from_dict("new", title, spec, user)
    chart = SavedChart(title=title, dashboard=dashboard, spec=checked.to_dict(), on_home=bool(on_home),
                       created_by_id=user.id if user is not None else None)
    try:
        db.session.add(chart)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return chart


def can_delete(user, chart: SavedChart) -> bool:
    return user is not None and (chart.created_by_id == user.id or any(r.name == "Admin" for r in user.roles))


def delete_chart(user, chart_id: int) -> None:
    chart = db.session.get(SavedChart, chart_id)
    if chart is None or not can_delete(user, chart):
        raise NotFound(_l("No such chart."))
    try:
        db.session.delete(chart)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
