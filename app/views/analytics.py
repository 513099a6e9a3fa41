"""Analytics 数据分析 screens: dashboards, CSV/XLSX of each chart, the chart builder, and the chart
library itself (plotly.js from the installed `plotly` package, never a CDN)."""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from importlib import metadata, resources

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import format_currency, format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Channel, CrmUser, Currency, Department
from app.security.scope import owner_ids, scope_for
from app.services.analytics import (
    DASHBOARDS,
    chart_specs,
    dashboard_title,
    find_chart,
    parse_filters,
    run_chart,
)
from app.services.analytics.catalogue import catalogue
from app.services.analytics.dashboards import CUSTOM_DASHBOARD
from app.services.analytics.engine import ChartData, load_context
from app.services.analytics.export import to_csv, to_xlsx
from app.services.analytics.fields import ENTITIES
from app.services.analytics.filters import PERIODS, Filters
from app.services.analytics.saved import can_delete, dashboard_choices, delete_chart, save_chart, saved_charts
from app.services.analytics.spec import BUCKETS, CHART_TYPES, ChartSpec
from app.services.errors import CrmError, NotFound

YEAR = 365 * 24 * 3600


def format_value(value, kind: str, currency: str = "CNY") -> str:
    """A number as people read it in their language: ¥1,234,567 · 12,345 · 45.6%."""
    if value is None or value == "":
        return "–" if kind in ("money", "number", "percent") else ""
    if kind == "money":
        return format_currency(value, currency, format="¤#,##0", currency_digits=False)
    if kind == "number":
        return format_decimal(value, format="#,##0.##")
    if kind == "percent":
        return format_percent(value, format="#,##0.0%")
    return str(value)


@lru_cache(maxsize=1)
def plotly_bundle() -> tuple[bytes, bytes, str]:
    """plotly.min.js from the installed wheel, plain and gzipped, with its ETag (read once)."""
    raw = resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
    return raw, gzip.compress(raw, 6), hashlib.sha256(raw).hexdigest()[:16]


def plotly_version() -> str:
    return metadata.version("plotly")


class AnalyticsView(BaseView):
    route_base = "/analytics"
    default_view = "index"
    # one permission to read dashboards, one to build charts
    method_permission_name = {"index": "read", "dashboard": "read", "export": "read", "library": "read",
                              "builder": "build", "preview": "build", "delete": "build"}

    # -- reading ----------------------------------------------------------------------------------
    @expose("/")
    @has_access
    def index(self):
        custom = saved_charts(CUSTOM_DASHBOARD)
        return self.render_template("crm/analytics/index.html", dashboards=DASHBOARDS, custom=custom,
                                    can_build=self._can("build"))

    @expose("/<key>")
    @has_access
    def dashboard(self, key):
        try:
            title = dashboard_title(key)
        except NotFound:
            abort(404)
        filters = self._filters()
        user = g.user
        charts = [self._with_links(c) for c in self._charts(key, filters, user)]
        saved = {f"saved{c.id}": c for c in saved_charts(key)}
        return self.render_template(
            "crm/analytics/dashboard.html", key=key, title=title, charts=charts, filters=filters,
            charts_data=[c.to_dict() for c in charts], fmt=format_value,
            filter_args=filters.as_args(), choices=self._filter_choices(user), dashboards=DASHBOARDS,
            saved=saved, can_delete=lambda c: can_delete(user, c), page_config=self._page_config(),
            custom_title=_l("My charts"), custom_key=CUSTOM_DASHBOARD)

    @expose("/<key>/export/<chart>.<fmt>")
    @has_access
    def export(self, key, chart, fmt):
        if fmt not in ("csv", "xlsx"):
            abort(404)
        try:
            spec = find_chart(key, chart, g.user)
        except NotFound:
            abort(404)
        data = run_chart(spec, self._filters(), g.user)
        body = to_csv(data) if fmt == "csv" else to_xlsx(data)
        mime = "text/csv; charset=utf-8" if fmt == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = current_app.response_class(body, mimetype=mime)
        response.headers["Content-Disposition"] = f"attachment; filename={key}-{chart}.{fmt}"
        return response

    @expose("/lib/plotly-<version>.min.js")
    @has_access
    def library(self, version):
        raw, packed, etag = plotly_bundle()
        if request.if_none_match and etag in request.if_none_match:
            response = current_app.response_class(status=304)
        elif "gzip" in (request.headers.get("Accept-Encoding") or ""):
            response = current_app.response_class(packed, mimetype="text/javascript")
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = current_app.response_class(raw, mimetype="text/javascript")
        response.set_etag(etag)
        response.headers["Vary"] = "Accept-Encoding"
        # the URL carries the package version: a new plotly is a new URL
        response.headers["Cache-Control"] = f"private, max-age={YEAR}, immutable"
        return response

    # -- building ---------------------------------------------------------------------------------
    @expose("/builder", methods=["GET", "POST"])
    @has_access
    def builder(self):
        if request.method == "POST":
            form = request.form
            try:
                chart = save_chart(g.user, form.get("title", ""), form.get("dashboard", ""),
                                   self._spec_args(form), on_home=form.get("on_home") == "1")
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                flash(str(_l("Chart saved.")), "success")
                return redirect(url_for(".dashboard", key=chart.dashboard))
        return self.render_template(
            "crm/analytics/builder.html", catalogue=catalogue(g.user), dashboards=dashboard_choices(),
            chart_types=list(CHART_TYPES.items()), buckets=list(BUCKETS.items()), form=request.form,
            page_config=self._page_config(), title=_l("Chart builder"), fmt=format_value)

    @expose("/builder/preview")
    @has_access
    def preview(self):
        try:
            spec = ChartSpec.from_dict("preview", request.args.get("title") or _l("Preview"),
                                       self._spec_args(request.args), g.user)
            data = run_chart(spec, self._filters(strict=True), g.user)
        except CrmError as error:
            return jsonify({"message": str(error.message)}), 422
        return jsonify(self._with_links(data).to_dict())

    @expose("/chart/<int:pk>/delete", methods=["POST"])
    @has_access
    def delete(self, pk):
        try:
            delete_chart(g.user, pk)
        except NotFound:
            abort(404)
        flash(str(_l("Chart deleted.")), "success")
        return redirect(request.form.get("next_key") and url_for(".dashboard", key=request.form["next_key"])
                        if request.form.get("next_key") in {d.key for d in DASHBOARDS} | {CUSTOM_DASHBOARD}
                        else url_for(".index"))

    # -- helpers ----------------------------------------------------------------------------------
    def _can(self, permission: str) -> bool:
        return self.appbuilder.sm.has_access(f"can_{permission}", self.__class__.__name__)

    def _filters(self, strict: bool = False) -> Filters:
        try:
            return parse_filters(request.args)
        except CrmError as error:
            if strict:
                raise
            flash(str(error.message), "warning")
            return Filters()

    @staticmethod
    def _charts(key: str, filters: Filters, user) -> list[ChartData]:
        specs = chart_specs(key, user)
        needs = any(s.custom or any(str(m).startswith("learned") for m in s.measures) for s in specs)
        ctx = load_context(user, learned=needs)
        return [run_chart(spec, filters, user, ctx) for spec in specs]

    def _with_links(self, data: ChartData) -> ChartData:
        """Turn each category's drill arguments into a link to the filtered list, if permitted."""
        endpoint = ENTITIES[data.entity].list_endpoint
        allowed = self.appbuilder.sm.has_access("can_list", endpoint.split(".")[0])
        for category in data.categories:
            drill = category.pop("drill", None)
            category["url"] = url_for(endpoint, **drill) if allowed and drill else None
        for row in data.rows:
            if "id" in row and allowed:
                row["url"] = url_for(endpoint.replace(".list", ".show"), pk=row["id"])
        return data

    @staticmethod
    def _spec_args(source) -> dict:
        return {"entity": source.get("entity"), "group_by": source.get("group_by"),
                "bucket": source.get("bucket"), "measures": source.getlist("measures"),
                "filters": source.getlist("filters"), "date_field": source.get("date_field"),
                "chart": source.get("chart"), "limit": source.get("limit")}

    @staticmethod
    def _filter_choices(user) -> dict:
        ids = owner_ids(user, scope_for(user, "opportunity"))
        users = select(CrmUser).where(CrmUser.active.is_(True)).order_by(CrmUser.first_name, CrmUser.username)
        if ids is not None:
            users = users.where(CrmUser.id.in_(ids))
        return {
            "periods": list(PERIODS.items()),
            "departments": [(d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.path))],
            "owners": [(str(u.id), u.display_name) for u in db.session.scalars(users)],
            "channels": Channel.choices(),
            "currencies": Currency.choices(),
        }

    @staticmethod
    def _page_config() -> dict:
        from app.models.lookup import current_language

        lang = current_language()
        return {"lang": lang, "locale": "zh-CN" if lang == "zh" else "en-US",
                "text": {"empty": str(_l("No data for these filters.")),
                         "save_image": str(_l("Save image")), "open_list": str(_l("Click a bar to list its records.")),
                         "count": str(_l("Count")), "amount": str(_l("Amount")), "rate": str(_l("Rate")),
                         "failed": str(_l("The chart could not be drawn."))},
                "library": url_for("AnalyticsView.library", version=plotly_version())}

