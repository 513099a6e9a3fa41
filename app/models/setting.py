"""Company settings 公司设置: one row, written by the first-run page (issue 11).

The row exists from `crm init` on a new installation; `first_run_done_at` stays empty until the
admin finishes or skips the first-run page, and until then the admin is sent there after logging in.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


class CompanySettings(Model):
    __tablename__ = "company_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_name: Mapped[str | None] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(5), nullable=False, default="zh")
    default_currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    first_run_done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
