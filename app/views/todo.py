"""My to-do 待办 (today, overdue, upcoming, done), the week view, completing an activity with its
outcome, and the reminder bell's light polling endpoint with dismiss and snooze."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from app.models import ActivityType, utcnow
from app.security.current import current_actor
from app.services import activities
from app.services.errors import CrmError

TAB_LABELS = {"today": _l("Today"), "overdue": _l("Overdue"), "upcoming": _l("Upcoming"), "done": _l("Done")}
SNOOZE_LABELS = {10: _l("10 minutes"), 30: _l("30 minutes"), 60: _l("1 hour"), 240: _l("4 hours"),
                 1440: _l("1 day")}
PAGE = 50


def zone():
    return get_timezone()


def parse_local(raw: str | None) -> dt.datetime | None:
    """A datetime-local input ("2026-11-25T14:30") in the user's time zone -> naive UTC."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        local = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CrmError(_l("Enter a date and time such as 2026-12-01 14:30.")) from None
    return local.replace(tzinfo=zone()).astimezone(dt.UTC).replace(tzinfo=None)


def parent_url(activity) -> str | None:
    kind = activity.parent_kind
    if kind is None:
        return None
    return url_for(f"{kind.capitalize()}View.show", pk=getattr(activity, f"{kind}_id"))


def safe_back(default: str) -> str:
    back = request.values.get("next", "")
    return back if back.startswith("/") and not back.startswith("//") else default


class TodoView(BaseView):
    route_base = "/todo"
    default_view = "index"
    method_permission_name = {"index": "list", "week": "list", "reminders": "list",
                              "complete": "complete", "dismiss": "complete", "snooze": "complete"}

    @expose("/")
    @has_access
    def index(self):
        user = current_actor()
        tab = request.args.get("tab", "today")
        if tab not in activities.TABS:
            abort(404)
        page = max(0, request.args.get("page", 0, type=int))
        items = activities.todo(user, tab, zone(), limit=PAGE + 1, offset=page * PAGE)
        return self.render_template(
            "crm/todo.html", tab=tab, tabs=TAB_LABELS, counts=activities.todo_counts(user, zone()),
            items=items[:PAGE], page=page, more=len(items) > PAGE, title=_l("My to-do"))

    @expose("/week")
    @has_access
    def week(self):
        user = current_actor()
        today = utcnow().replace(tzinfo=dt.UTC).astimezone(zone()).date()
        try:
            first = dt.date.fromisoformat(request.args.get("start", ""))
        except ValueError:
            first = today
        first -= dt.timedelta(days=first.weekday())
        days = activities.week(user, first, zone())
        return self.render_template(
            "crm/todo_week.html", days=days, today=today, first=first,
            previous=first - dt.timedelta(days=7), following=first + dt.timedelta(days=7),
            title=_l("My week"))

    @expose("/complete/<int:pk>", methods=["GET", "POST"])
    @has_access
    def complete(self, pk: int):
        user = current_actor()
        if not self.appbuilder.sm.has_access("can_edit", "ActivityView"):
            abort(403)
        try:
            activity = activities.visible_activity(pk, user)
        except CrmError:
            abort(404)
        back = safe_back(url_for("TodoView.index"))
        if activity.done_at is not None:
            flash(str(_l("This activity is already done.")), "info")
            return redirect(back)
        form = request.form
        if request.method == "POST":
            try:
                nxt = activities.NextActivity(
                    subject=form.get("next_subject", ""), type=form.get("next_type", ActivityType.CALL),
                    due_at=parse_local(form.get("next_due_at")),
                    remind_at=parse_local(form.get("next_remind_at")))
                _done, follow = activities.complete_activity(pk, user, form.get("outcome"), nxt)
            except CrmError as error:
                flash(str(error.message), "danger")
            else:
                flash(str(_l("Done. The outcome is recorded as a follow-up.")), "success")
                if follow is not None:
                    flash(str(_l("Next activity planned: %(subject)s", subject=follow.subject)), "info")
                return redirect(back)
        return self.render_template("crm/todo_complete.html", activity=activity, form=form, back=back,
                                    types=ActivityType.choices(), title=_l("Complete the activity"))

    # -- the bell ---------------------------------------------------------------------------------
    @expose("/reminders")
    @has_access
    def reminders(self):
        """Polled by the navbar bell: how many reminders ring now, and the newest few as HTML."""
        user = current_actor()
        count, items = activities.due_reminders(user, limit=8)
        html = render_template("crm/navbar/bell_items.html", count=count, items=items,
                               snooze=SNOOZE_LABELS, can_complete=self.appbuilder.sm.has_access("can_complete", "TodoView"))
        return jsonify({"count": count, "html": html})

    @expose("/reminders/<int:pk>/dismiss", methods=["POST"])
    @has_access
    def dismiss(self, pk: int):
        return self._reminder(lambda: activities.dismiss_reminder(pk, current_actor()))

    @expose("/reminders/<int:pk>/snooze", methods=["POST"])
    @has_access
    def snooze(self, pk: int):
        minutes = request.form.get("minutes", type=int) or 0
        return self._reminder(lambda: activities.snooze_reminder(pk, current_actor(), minutes))

    def _reminder(self, change):
        try:
            change()
        except CrmError as error:
            if request.accept_mimetypes.best == "application/json" or request.is_json:
                return jsonify({"ok": False, "message": str(error.message)}), error.status_code
            flash(str(error.message), "danger")
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"ok": True})
        return redirect(safe_back(url_for("TodoView.index")))
