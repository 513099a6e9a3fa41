"""Helpers the templates share: locale-aware numbers and dates, and labels of coded values."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_currency, format_datetime, format_decimal, get_locale


def register_template_helpers(app: Flask) -> None:
    @app.template_filter("money")
    def money(value, currency: str = "CNY"):
        if value is None:
            return ""
        return format_currency(value, currency)

    @app.template_filter("number")
    def number(value):
        return "" if value is None else format_decimal(value)

    @app.template_filter("when")
    def when(value):
        return "" if value is None else format_datetime(value, "short")

    @app.context_processor
    def _locale():
        locale = get_locale()
        return {"crm_lang": locale.language if locale else "zh"}
