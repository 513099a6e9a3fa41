"""Notes 便签 on show pages (saved without leaving the page), the record timeline, and recently
viewed 最近访问 (the navbar menu). Also the template helpers these partials share."""

from __future__ import annotations

from flask import abort, current_app, jsonify, render_template, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import format_date, format_time
from flask_babel import lazy_gettext as _l

from app.models import ActivityType, utcnow
from app.security.current import current_actor
from app.services import recent as recent_service
from app.services.activities import is_overdue, log_followup, visible_activity
from app.services.errors import CrmError
from app.services.timeline import TIMELINE_ENTITIES, add_note, record_timeline

from .todo import parent_url

ENTITY_LABELS = {"lead": _l("Lead"), "account": _l("Account"), "contact": _l("Contact"),
                 "opportunity": _l("Opportunity")}


def timeline_entries(entity: str, pk, modelview_name: str | None = None) -> list:
    """(entry, change lines) for a record's timeline; lines only for history entries."""
    from .history import describe

    user = current_actor()
    try:
        entries = record_timeline(entity, int(pk), user)
    except (CrmError, TypeError, ValueError):
        return []
    view = _view(modelview_name) or _view(f"{entity.capitalize()}View")
    return [(e, describe(e.record, view) if e.kind == "history" and view is not None else [])
            for e in entries]


def _view(name: str | None):
    if not name:
        return None
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == name:
            return view
    return None


def open_activity(pk):
    """The activity shown on this page, if the user may see it and it is still open."""
    try:
        activity = visible_activity(int(pk), current_actor())
    except (CrmError, TypeError, ValueError):
        return None
    return activity if activity.done_at is None else None


def register_template_helpers(blueprint) -> None:
    """Jinja globals and filters for the partials in ui_slots (they render in other views' pages)."""
    blueprint.add_app_template_global(timeline_entries, "crm_timeline")
    blueprint.add_app_template_global(TIMELINE_ENTITIES, "crm_timeline_entities")
    blueprint.add_app_template_global(ActivityType.choices, "crm_followup_kinds")
    blueprint.add_app_template_global(utcnow, "crm_now")
    blueprint.add_app_template_global(is_overdue, "crm_is_overdue")
    blueprint.add_app_template_global(parent_url, "crm_parent_url")
    blueprint.add_app_template_global(open_activity, "crm_open_activity")
    blueprint.add_app_template_filter(lambda day: format_date(day, "EEE M/d"), "weekday")
    blueprint.add_app_template_filter(lambda value: format_time(value, "short") if value else "", "clock")


class NotesView(BaseView):
    route_base = "/notes"
    default_view = "timeline"
    method_permission_name = {"timeline": "timeline", "note": "note"}

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        register_template_helpers(blueprint)
        return blueprint

    @expose("/<entity>/<int:pk>/timeline")
    @has_access
    def timeline(self, entity: str, pk: int):
        if entity not in TIMELINE_ENTITIES:
            abort(404)
        try:
            record_timeline(entity, pk, current_actor(), limit=1)
        except CrmError:
            abort(404)
        return render_template("crm/timeline_items.html", entries=timeline_entries(entity, pk))

    @expose("/<entity>/<int:pk>", methods=["POST"])
    @has_access
    def note(self, entity: str, pk: int):
        """Save a note, or log a follow-up (kind = an activity type); answers with the new timeline."""
        if entity not in TIMELINE_ENTITIES:
            abort(404)
        user, kind, sm = current_actor(), request.form.get("kind", "note"), self.appbuilder.sm
        needed = "NoteView" if kind == "note" else "ActivityView"
        if not sm.has_access("can_add", needed):
            return jsonify({"ok": False, "message": str(_l("You do not have permission to do this."))}), 403
        try:
            if kind == "note":
                add_note(entity, pk, user, request.form.get("text"))
                message = _l("Note saved.")
            else:
                log_followup(entity, pk, user, request.form.get("text"), kind)
                message = _l("Follow-up recorded.")
        except CrmError as error:
            return jsonify({"ok": False, "message": str(error.message)}), error.status_code
        html = render_template("crm/timeline_items.html", entries=timeline_entries(entity, pk))
        return jsonify({"ok": True, "message": str(message), "html": html})


class RecentlyViewedView(BaseView):
    route_base = "/recent"
    default_view = "menu"
    method_permission_name = {"menu": "menu"}

    @expose("/menu")
    @has_access
    def menu(self):
        sm = self.appbuilder.sm
        items = [r for r in recent_service.recent(current_actor()) if sm.has_access("can_show", r.view)]
        return render_template("crm/recent_menu.html", items=items, labels=ENTITY_LABELS)
