"""One row per recurring job: when it last ran, how it went, and who holds it right now.

The row is the lock: a worker runs a job only after an UPDATE that moves `lease_until` forward
succeeds for it, so with several gunicorn workers (or a cron `crm scheduler --once` beside them)
each due run happens exactly once.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class ScheduledJob(Model):
    __tablename__ = "scheduled_job"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    next_run_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_status: Mapped[str | None] = mapped_column(String(10))  # ok / error
    last_message: Mapped[str | None] = mapped_column(Text)
    runs: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    def __str__(self) -> str:
        return self.name
