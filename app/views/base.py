"""One base for every CRM screen: scope, left panel, translated labels, fast pickers, eager lists.

A concrete view declares *what* (model, columns, panel, coded fields, pickers); this class
supplies *how*, so the entity views hold no copy-pasted machinery.
"""

from __future__ import annotations

import re

from flask import abort, current_app, flash, g, redirect, request
from flask_appbuilder import ModelView, expose
from flask_appbuilder.fields import QuerySelectField
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Date, DateTime, Numeric
from werkzeug.exceptions import NotFound
from wtforms.fields import HiddenField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired
from wtforms.validators import Optional as OptionalValidator

from app.security.audit import log_denied, record_exists
from app.security.current import current_actor
from app.services.history import AUDITED, timeline
from app.services.records import assign_creator_as_owner, blank_to_none

from .bulk import ACTIONS as BULK_ACTIONS
from .bulk import FILTER_TWINS, BulkActionsMixin
from .custom_form import CustomFieldsMixin
from .fields import CodeSelectField, RemoteSelectField
from .labels import COLUMN_LABELS
from .panel import ALL, Panel, ScopeFilter, make_panel_filter
from .saved_views import SavedViewsMixin
from .validators import SameVersion


def plain(value):
    """What a person expects to read: nothing for an empty value, lists as comma lists."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _l("Yes") if value else _l("No")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return value


def typed_formatters(model) -> dict:
    """Dates, times and amounts in the user's locale and time zone instead of str()."""
    out = {rel.key: plain for rel in model.__mapper__.relationships}
    out.update({attr.key: plain for attr in model.__mapper__.column_attrs})
    if "owner" in out:
        out["owner"] = lambda v: v if v is not None else _l("Public pool")
    for column in model.__table__.columns:
        if isinstance(column.type, DateTime):
            out[column.key] = lambda v: format_datetime(v, "short") if v else ""
        elif isinstance(column.type, Date):
            out[column.key] = lambda v: format_date(v, "medium") if v else ""
        elif isinstance(column.type, Numeric):
            out[column.key] = lambda v: format_decimal(v, format="#,##0.00") if v is not None else ""
    for key in ("mobile", "phone"):  # a tap on a phone calls, a click on a desktop opens the softphone
        if key in out:
            out[key] = tel_link
    if "email" in out:
        out["email"] = mailto_link
    return out


def tel_link(value):
    digits = re.sub(r"[^\d+]", "", value or "")
    return Markup('<a href="tel:{}">{}</a>').format(digits, value) if digits else plain(value)


def mailto_link(value):
    return Markup('<a href="mailto:{}">{}</a>').format(value, value) if value and "@" in value else plain(value)


class ReadableFormsMixin:
    """FAB leaves optional dropdowns blank (select2 then shows "__None"); say "—" instead.
    Versioned records also carry the version the user saw, so a stale save is refused."""

    def _init_forms(self):
        super()._init_forms()
        model = self.datamodel.obj
        if hasattr(model, "version"):
            # added after FAB built the form: hidden_tag() renders it, no table row does
            self.edit_form.expected_version = HiddenField(
                validators=[SameVersion(model, self.label_columns)]
            )
        for form in (self.add_form, self.edit_form, self.search_form):
            for name in dir(form):
                field = getattr(form, name, None)
                if isinstance(field, UnboundField) and issubclass(field.field_class, QuerySelectField):
                    field.kwargs["blank_text"] = "—"


class CrmModelView(CustomFieldsMixin, SavedViewsMixin, BulkActionsMixin, ReadableFormsMixin, ModelView):
    list_template = "crm/list.html"
    show_template = "crm/show.html"
    base_order = ("id", "desc")
    page_size = 25

    #: the left-hand panel of this list
    panel: Panel = Panel(quick=(ALL,))
    #: column -> (LabelledEnum, required): shown as translated choices, stored as codes
    coded_fields: dict[str, tuple[type, bool]] = {}
    #: relationship -> (picker entity, model[, required]): searched on the server, never loaded whole
    picker_fields: dict[str, tuple] = {}
    #: name under which app.services.history records this view's model (None: not audited)
    history_entity: str | None = None
    #: help text under form fields
    description_columns: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "datamodel" not in cls.__dict__:
            return
        cls.label_columns = {**COLUMN_LABELS, **cls.__dict__.get("label_columns", {})}
        cls.history_entity = AUDITED.get(cls.datamodel.obj)
        cls.base_filters = [["id", ScopeFilter, None], ["id", make_panel_filter(cls.panel), None]]
        extra = {}
        for name, (enum, required) in cls.coded_fields.items():
            extra[name] = CodeSelectField(
                cls.label_columns.get(name, name),
                enum=enum,
                required=required,
                description=cls.description_columns.get(name, ""),
            )
        for name, (entity, model, *required) in cls.picker_fields.items():
            extra[name] = RemoteSelectField(
                cls.label_columns.get(name, name),
                validators=[
                    *cls.validators_columns.get(name, []),
                    InputRequired() if required and required[0] else OptionalValidator(),
                ],
                entity=entity,
                model=model,
                description=cls.description_columns.get(name, ""),
            )
        cls.add_form_extra_fields = {**extra, **cls.__dict__.get("add_form_extra_fields", {})}
        cls.edit_form_extra_fields = {**extra, **cls.__dict__.get("edit_form_extra_fields", {})}
        formatters = {**typed_formatters(cls.datamodel.obj), **{
            name: (lambda value, _enum=enum: _enum.label_of(value))
            for name, (enum, _required) in cls.coded_fields.items()
        }}
        cls.formatters_columns = {**formatters, **cls.__dict__.get("formatters_columns", {})}

    def pre_add(self, item):
        blank_to_none(item)
        assign_creator_as_owner(item)

    def pre_update(self, item):
        blank_to_none(item)

    # -- a record outside the user's scope answers 404 like a missing one, and is logged
    def _show(self, pk):
        return self._guarded(super()._show, pk, "show")

    def _edit(self, pk):
        return self._guarded(super()._edit, pk, "edit")

    def _delete(self, pk):
        return self._guarded(super()._delete, pk, "delete")

    def _guarded(self, screen, pk, door: str):
        try:
            return screen(pk)
        except NotFound:
            if record_exists(self.datamodel.obj, pk):
                log_denied(current_actor(), self.datamodel.obj.__tablename__, pk, f"ui:{door}")
            raise

    # -- actions: FAB loads the selected rows without any filter (FAB5-NOTES); ours receive
    # only ids, and every action hands them to a service that applies the data scope itself.
    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        return self._run_action(name, [pk])

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        return self._run_action(request.form.get("action", ""), request.form.getlist("rowid"))

    def _run_action(self, name: str, raw_ids: list[str]):
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name),
                                             self.class_permission_name):
            flash(str(_l("You do not have permission to do this.")), "danger")
            return redirect(self.get_redirect())
        ids = [int(raw) for raw in raw_ids if str(raw).isdigit()]
        if request.form.get("selection") == "filter":  # "all N records matching this filter"
            name = FILTER_TWINS.get(name, name)
            if name not in BULK_ACTIONS or name not in self.actions:
                flash(str(_l("This action works on the records ticked on this page only.")), "warning")
                return redirect(self.get_redirect())
            return self.actions[name].func(None)  # the bulk form re-applies the list's filter
        return action.func(ids)

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)  # custom fields (app/views/custom_form.py)
        if hasattr(form, "expected_version"):
            item = self.datamodel.get(pk, self._base_filters)
            form.expected_version.data = item.version if item is not None else None

    @property
    def database_error_message(self):
        # set by CrmInterface.edit when two saves raced past the version check at once
        return g.get("crm_save_error") or _l("The record could not be saved.")

    # -- what the templates need ----------------------------------------------------------
    def _get_list_widget(self, filters, **kwargs):
        # lists count up to CRM_LIST_COUNT_CAP rows unless the user asks for the exact number
        if request.args.get("exact") != "1":
            g.crm_count_cap = current_app.config.get("CRM_LIST_COUNT_CAP")
        try:
            return super()._get_list_widget(filters, **kwargs)
        finally:
            g.pop("crm_count_cap", None)

    def render_template(self, template, **kwargs):
        kwargs.setdefault("panel", self.panel)
        kwargs.setdefault("panel_args", request.args)
        kwargs.setdefault("list_url", self.get_list_url())
        kwargs.setdefault("modelview_name", self.__class__.__name__)
        kwargs.setdefault("history_entity", self.history_entity)
        if template == self.list_template:  # custom-field facets and columns, saved views 场景
            kwargs = {**self.custom_list_context(), **self.saved_views_context(), **kwargs}
        if template == self.show_template and "pk" in kwargs and self.history_entity:
            # FAB only renders a show page for a record in scope, so its history may be shown
            from .history import describe

            # the pk comes from the URL as text; PostgreSQL will not compare it with an integer
            kwargs["history"] = [(entry, describe(entry, self))
                                 for entry in timeline(self.history_entity, int(kwargs["pk"]))]
            from app.services.recent import record_view  # 最近访问: one cheap upsert

            record_view(current_actor(), self.history_entity, int(kwargs["pk"]))
        return super().render_template(template, **kwargs)

    def get_list_url(self) -> str:
        from flask import url_for

        return url_for(f"{self.__class__.__name__}.list")

