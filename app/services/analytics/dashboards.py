"""The built-in dashboards: each is a list of ChartSpecs. Adding a chart is a few lines here."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .spec import ChartSpec as C
from .spec import Ratio


@dataclass(frozen=True)
class Dashboard:
    key: str
    title: object
    description: object
    icon: str
    charts: tuple[C, ...]


FUNNEL_STEPS = ("count", "count::qualified", "count::converted", "count::with_opportunity", "count::won")
FUNNEL_LABELS = (_l("Leads"), _l("Qualified"), _l("Converted"), _l("Opportunities"), _l("Won"))

DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard("funnel", _l("Sales funnel"), _l("Leads of the period and how far they got."), "fa-filter", (
        C("funnel", _l("Lead funnel"), "lead", measures=FUNNEL_STEPS, labels=FUNNEL_LABELS,
          chart="funnel", width=6),
        C("funnel_month", _l("Leads and conversions by month"), "lead", group_by="created_at", bucket="month",
          measures=("count", "count::converted"), labels=(_l("Leads"), _l("Converted")),
          ratios=(Ratio("rate", _l("Conversion rate"), "count::converted", "count"),), chart="line", width=6),
        C("funnel_channel", _l("Funnel by channel"), "lead", group_by="channel", measures=FUNNEL_STEPS,
          labels=FUNNEL_LABELS, ratios=(Ratio("rate", _l("Conversion rate"), "count::converted", "count"),
                                        Ratio("win", _l("Lead-to-win rate"), "count::won", "count")),
          chart="table", width=12),
    )),
    Dashboard("pipeline", _l("Pipeline"), _l("Open opportunities now, by stage."), "fa-stream", (
        C("pipeline_stage", _l("Open pipeline by stage"), "opportunity", group_by="stage",
          measures=("sum:amount", "weighted:amount", "count"),
          labels=(_l("Amount"), _l("Weighted amount"), _l("Opportunities")),
          filters=("open",), date_field=None, window="none", width=6),
        C("pipeline_owner", _l("Open pipeline by owner"), "opportunity", group_by="owner",
          measures=("sum:amount", "weighted:amount", "count"),
          labels=(_l("Amount"), _l("Weighted amount"), _l("Opportunities")),
          filters=("open",), date_field=None, window="none", chart="hbar", limit=15, width=6),
        C("pipeline_close", _l("Open pipeline by expected close month"), "opportunity",
          group_by="expected_close_date", bucket="month", measures=("sum:amount", "weighted:amount"),
          labels=(_l("Amount"), _l("Weighted amount")), filters=("open",), width=12),
    )),
    Dashboard("revenue", _l("Revenue"), _l("Won amount by month, against the same months a year earlier."),
              "fa-yen-sign", (
        C("revenue_month", _l("Won amount by month"), "opportunity", group_by="closed_at", bucket="month",
          measures=("sum:amount",), filters=("won",), window="compare_year", width=8),
        C("revenue_total", _l("Won in the period"), "opportunity", measures=("sum:amount", "count", "avg:amount"),
          labels=(_l("Won amount"), _l("Won opportunities"), _l("Average deal")), filters=("won",),
          date_field="closed_at", chart="table", width=4),
        C("revenue_detail", _l("Won opportunities (revenue detail)"), "opportunity", custom="won_detail",
          width=12),
    )),
    Dashboard("sources", _l("Sources"), _l("Which channels and sources bring leads, conversions and wins."),
              "fa-sign-in-alt", (
        C("sources_channel", _l("Leads by channel"), "lead", group_by="channel",
          measures=("count", "count::converted"), labels=(_l("Leads"), _l("Converted")),
          ratios=(Ratio("rate", _l("Conversion rate"), "count::converted", "count"),), width=6),
        C("sources_source", _l("Leads by source"), "lead", group_by="source",
          measures=("count", "count::converted"), labels=(_l("Leads"), _l("Converted")),
          ratios=(Ratio("rate", _l("Conversion rate"), "count::converted", "count"),), chart="hbar", width=6),
        C("sources_won", _l("Won amount and win rate by source"), "opportunity", group_by="source",
          measures=("sum:amount:won", "count::won", "count::closed"),
          labels=(_l("Won amount"), _l("Won"), _l("Closed")),
          ratios=(Ratio("win_rate", _l("Win rate"), "count::won", "count::closed"),),
          date_field="closed_at", filters=("closed",), chart="table", width=12),
    )),
    Dashboard("team", _l("Team performance"), _l("Won amount, opportunities and activities per person."),
              "fa-users", (
        C("team_won", _l("Leaderboard: won amount"), "opportunity", group_by="owner",
          measures=("sum:amount", "count"), labels=(_l("Won amount"), _l("Won opportunities")),
          filters=("won",), date_field="closed_at", chart="hbar", limit=15, width=6),
        C("team_department", _l("Won amount by department"), "opportunity", group_by="department",
          measures=("sum:amount",), labels=(_l("Won amount"),), filters=("won",), date_field="closed_at",
          chart="pie", width=6),
        C("team_opportunities", _l("New opportunities by owner"), "opportunity", group_by="owner",
          measures=("count", "sum:amount"), labels=(_l("Opportunities"), _l("Amount")), chart="hbar",
          limit=15, width=6),
        C("team_activities", _l("Activities and follow-ups by owner"), "activity", group_by="owner",
          measures=("count", "count::done"), labels=(_l("Activities"), _l("Follow-ups (done)")),
          date_field="due_at", chart="hbar", limit=15, width=6),
        C("team_targets", _l("Won amount against sales targets"), "opportunity", custom="targets_vs_actual",
          width=12),
    )),
    Dashboard("customers", _l("Customers"), _l("Who the customers are, how many are new, who is neglected."),
              "fa-building", (
        C("customers_industry", _l("Accounts by industry"), "account", group_by="industry", chart="pie",
          date_field=None, window="none", width=6),
        C("customers_level", _l("Accounts by level"), "account", group_by="level", date_field=None,
          window="none", width=6),
        C("customers_region", _l("Accounts by region (top 15)"), "account", group_by="province",
          date_field=None, window="none", chart="hbar", limit=15, width=6),
        C("customers_source", _l("Accounts by source"), "account", group_by="source", date_field=None,
          window="none", chart="pie", width=6),
        C("customers_new", _l("New accounts per month"), "account", group_by="created_at", bucket="month",
          chart="line", width=6),
        C("customers_neglected", _l("Neglected accounts (no follow-up for 30 days) by owner"), "account",
          group_by="owner", filters=("neglected",), date_field=None, window="none", chart="hbar", limit=15,
          width=6),
    )),
    Dashboard("forecast", _l("Forecast"), _l("Expected revenue of the next three months, two ways."),
              "fa-chart-line", (
        C("forecast_month", _l("Next three months: expected revenue"), "opportunity",
          group_by="expected_close_date", bucket="month",
          measures=("sum:amount", "weighted:amount", "learned:amount"),
          labels=(_l("Open amount"), _l("Forecast (configured probabilities)"),
                  _l("Forecast (learned probabilities)")),
          filters=("open",), window="next3", width=8,
          note=_l("Configured: each stage's probability as set in Settings. Learned: the share of "
                  "closed opportunities at that stage that were won.")),
        C("forecast_stages", _l("Stage probabilities: configured and learned"), "opportunity",
          custom="stage_probabilities", width=4),
        C("forecast_accuracy", _l("Past forecasts and what was won"), "opportunity", custom="forecast_accuracy",
          width=12),
    )),
    Dashboard("activities", _l("Activities"), _l("Activities and follow-ups by type, person and week."),
              "fa-calendar-check", (
        C("activities_type", _l("Activities by type"), "activity", group_by="type",
          measures=("count", "count::done"), labels=(_l("Activities"), _l("Follow-ups (done)")),
          date_field="due_at", width=6),
        C("activities_week", _l("Activities by week"), "activity", group_by="due_at", bucket="week",
          measures=("count", "count::done"), labels=(_l("Activities"), _l("Follow-ups (done)")),
          chart="line", width=6),
        C("activities_owner", _l("Activities by owner"), "activity", group_by="owner",
          measures=("count", "count::done"), labels=(_l("Activities"), _l("Follow-ups (done)")),
          date_field="due_at", chart="hbar", limit=15, width=6),
        C("activities_overdue", _l("Overdue tasks by owner"), "activity", group_by="owner",
          measures=("count",), labels=(_l("Overdue"),), filters=("overdue",), date_field=None, window="none",
          chart="hbar", limit=15, width=6),
    )),
)
from .service_dashboard import SERVICE_DASHBOARD  # noqa: E402  (tickets 工单, and the `ticket` entity)

DASHBOARDS += (SERVICE_DASHBOARD,)
BY_KEY = {d.key: d for d in DASHBOARDS}
CUSTOM_DASHBOARD = "custom"  # charts saved from the builder without a built-in home
