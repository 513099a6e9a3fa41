"""Analytics over REST, for ERP and BI tools: the same dashboards, filters and data scope as the screens.

    GET /api/v1/analytics/                 → {dashboards: [{key, title, description, charts: [{key, title}]}]}
    GET /api/v1/analytics/<dashboard>?period=month|quarter|year|last12|custom&start=&end=
        &department=<id>&owner=<id>|pool&channel=online|offline|referral&currency=CNY
                                           → {key, title, filters, charts: [{key, title, chart, categories:
                                              [{value, label}], series: [{key, label, format, values}],
                                              columns, rows, currency, note}]}

Permission `can_get` on AnalyticsApi; every number is computed inside the caller's data scope.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect, safe

from app.services.analytics import (
    DASHBOARDS,
    chart_specs,
    dashboard_data,
    dashboard_title,
    parse_filters,
)
from app.services.analytics.dashboards import CUSTOM_DASHBOARD
from app.services.errors import CrmError

from .base import CrmApi


class AnalyticsApi(CrmApi):
    resource_name = "analytics"
    method_permission_name = {"index": "get", "dashboard": "get"}
    allow_browser_login = False

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def index(self):
        """The dashboards and their charts.
        ---
        get:
          summary: List the analytics dashboards
          responses:
            200:
              description: The dashboards and their charts
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      dashboards:
                        type: array
                        items:
                          type: object
                          properties:
                            key: {type: string}
                            title: {type: string}
                            description: {type: string}
                            charts:
                              type: array
                              items:
                                type: object
                                properties: {key: {type: string}, title: {type: string}}
            401: {$ref: '#/components/responses/401'}
        """
        user = self.request_user()
        keys = [(d.key, d.title, d.description) for d in DASHBOARDS] + [(CUSTOM_DASHBOARD, dashboard_title(
            CUSTOM_DASHBOARD), "")]
        return self.response(200, dashboards=[
            {"key": key, "title": str(title), "description": str(description),
             "charts": [{"key": s.key, "title": str(s.title)} for s in chart_specs(key, user)]}
            for key, title, description in keys])

    @expose("/<key>", methods=["GET"])
    @protect()
    @safe
    def dashboard(self, key):
        """One dashboard's aggregated data, with the same filters as the screen.
        ---
        get:
          summary: One analytics dashboard (aggregates in the caller's data scope)
          parameters:
            - {in: path, name: key, required: true, schema: {type: string}, example: funnel}
            - {in: query, name: period, schema: {type: string, enum: [month, quarter, year, last12, custom]}}
            - {in: query, name: start, schema: {type: string, format: date}}
            - {in: query, name: end, schema: {type: string, format: date}}
            - {in: query, name: department, schema: {type: integer}}
            - {in: query, name: owner, schema: {type: string}}
            - {in: query, name: channel, schema: {type: string, enum: [online, offline, referral]}}
            - {in: query, name: currency, schema: {type: string}}
          responses:
            200:
              description: "The dashboard's charts: categories, series (values per category), table rows"
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      key: {type: string}
                      title: {type: string}
                      filters: {type: object}
                      charts:
                        type: array
                        items:
                          type: object
                          properties:
                            key: {type: string}
                            title: {type: string}
                            categories: {type: array, items: {type: object}}
                            series: {type: array, items: {type: object}}
                            rows: {type: array, items: {type: object}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        user = self.request_user()
        try:
            title = dashboard_title(key)
            filters = parse_filters(request.args)
            charts = dashboard_data(key, filters, user)
        except CrmError as error:
            return self.crm_error(error)
        out = []
        for chart in charts:
            data = chart.to_dict()
            for category in data["categories"]:
                category.pop("drill", None)
            for row in data["rows"]:
                row.pop("url", None)
            data.pop("width", None)
            out.append(data)
        return self.response(200, key=key, title=str(title), filters=filters.as_args(), charts=out)


ANALYTICS_APIS = (AnalyticsApi,)
