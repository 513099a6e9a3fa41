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

    @app.template_filter("crm_with_exact")
    def crm_with_exact(args) -> str:
        from urllib.parse import urlencode

        return urlencode([*((k, v) for k, v in args.items(multi=True) if k != "exact"), ("exact", "1")])

    @app.context_processor
    def _ui_slots():
        from . import ui_slots

        return ui_slots.context()
