"""Custom fields 自定义字段 on every record screen: form fields, show page, list columns, facets.

Mixed into CrmModelView. Definitions change while the app runs, so the fields are added to
FAB's form class per request (a subclass built from the definitions the user may edit), never
stored on the shared view object.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    BS3TextFieldWidget,
    DatePickerWidget,
    Select2ManyWidget,
    Select2Widget,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from app.extensions import db
from app.models import CrmUser
from app.security.current import current_actor
from app.services import custom_fields as cf
from app.services.custom_fields import values as cf_values

from .fields import RemoteSelectField

CUSTOM_FIELDSET = _l("More fields")


def entity_of(view) -> str | None:
    model = view.datamodel.obj
    return next((name for name, m in cf.ENTITIES.items() if m is model), None)


class CustomCheck:
    """Parses the field's input into the stored form and checks it like the service does."""

    def __init__(self, definition):
        self.definition = definition

    def __call__(self, form, field):
        data = field.data
        if self.definition.kind == "link":
            data = data.id if data is not None else None
        try:
            value = cf_values.parse_text(self.definition, data) if not isinstance(data, bool) else data
        except ValueError as error:
            raise ValidationError(str(error)) from None
        message = cf_values.check(self.definition, value, user=current_actor(),
                                  record_id=getattr(form, "_id", None))
        if message:
            raise ValidationError(message)
        field.cf_value = value


class _Custom:
    """Writes the parsed value into the record's JSON instead of an attribute."""

    cf_key = ""
    cf_value = None

    def populate_obj(self, obj, name):
        cf_values.store(obj, {self.cf_key: self.cf_value})


def _user_choices():
    people = db.session.scalars(select(CrmUser).where(CrmUser.active.is_(True)).order_by(CrmUser.username))
    return [("", "—")] + [(str(person.id), person.display_name) for person in people]


def make_field(definition, default=None):
    kind = definition.kind
    kwargs = {"label": definition.label, "description": definition.help,
              "validators": [CustomCheck(definition)]}
    if default is not None:
        kwargs["default"] = default
    if kind == "long_text":
        base, kwargs["widget"] = TextAreaField, BS3TextAreaFieldWidget()
    elif kind == "date":
        base, kwargs["widget"] = StringField, DatePickerWidget()
    elif kind == "yes_no":
        base = BooleanField
    elif kind == "choice":
        base = SelectField
        kwargs.update(widget=Select2Widget(), validate_choice=False,
                      choices=[("", "—")] + definition.choice_options())
    elif kind == "multi_choice":
        base = SelectMultipleField
        kwargs.update(widget=Select2ManyWidget(), validate_choice=False, choices=definition.choice_options())
    elif kind == "user":
        base = SelectField
        kwargs.update(widget=Select2Widget(), validate_choice=False, choices=_user_choices())
    elif kind == "link":
        base = RemoteSelectField
        kwargs.update(entity=definition.link_entity, model=cf.ENTITIES[definition.link_entity])
    else:
        base, kwargs["widget"] = StringField, BS3TextFieldWidget()
    field_class = type(f"Custom{base.__name__}", (_Custom, base), {"cf_key": definition.key})
    return field_class(**kwargs)


def form_value(definition, value):
    """A stored value as the form field holds it."""
    if value is None:
        return None
    if definition.kind == "link":
        model = cf.ENTITIES.get(definition.link_entity)
        return db.session.get(model, int(value)) if model is not None else None
    if definition.kind == "yes_no":
        return bool(value)
    if definition.kind in ("user", "number", "money"):
        return str(value)
    return value


class FormWithCustomFields:
    """Stands in for FAB's form class: `refresh()` builds it with the user's custom fields."""

    def __init__(self, base, entity: str, adding: bool):
        object.__setattr__(self, "_base", base)
        object.__setattr__(self, "_entity", entity)
        object.__setattr__(self, "_adding", adding)

    def build(self):
        user = current_actor()
        defaults = cf_values.defaults(self._entity, user) if self._adding else {}
        fields = {}
        for definition in cf.editable_fields(self._entity, user):
            fields[definition.name] = make_field(definition, form_value(definition, defaults.get(definition.key)))
        return type(self._base.__name__, (self._base,), fields) if fields else self._base

    def refresh(self, obj=None):
        return self.build().refresh(obj=obj)

    def __call__(self, *args, **kwargs):
        return self.build()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._base, name)

    def __setattr__(self, name, value):
        setattr(self._base, name, value)


def _custom_names(form) -> list[str]:
    return [field.name for field in form if isinstance(field, _Custom)]


class CustomFieldsMixin:
    """The screens' side of custom fields; the rules live in app/services/custom_fields."""

    def _init_forms(self):
        super()._init_forms()
        entity = entity_of(self)
        if entity is not None:
            self.add_form = FormWithCustomFields(self.add_form, entity, adding=True)
            self.edit_form = FormWithCustomFields(self.edit_form, entity, adding=False)

    def _visible(self) -> list:
        entity = entity_of(self)
        return cf.visible_fields(entity, current_actor()) if entity else []

    # -- forms ------------------------------------------------------------------------------
    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        widgets = super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        return self._with_custom(widgets, "add", form, self.add_columns, self.add_fieldsets, exclude_cols)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        widgets = super()._get_edit_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        return self._with_custom(widgets, "edit", form, self.edit_columns, self.edit_fieldsets, exclude_cols)

    def _with_custom(self, widgets, key, form, columns, fieldsets, exclude_cols):
        names = _custom_names(form)
        if names:
            widget = self.add_widget if key == "add" else self.edit_widget
            widgets[key] = widget(form=form, include_cols=list(columns) + names, exclude_cols=exclude_cols or [],
                                  fieldsets=list(fieldsets) + [(CUSTOM_FIELDSET, {"fields": names})]
                                  if fieldsets else fieldsets)
        return widgets

    def prefill_form(self, form, pk):
        names = _custom_names(form)
        if not names:
            return
        item = self.datamodel.get(pk, self._base_filters)
        stored = (item.custom or {}) if item is not None else {}
        for definition in cf.editable_fields(entity_of(self), current_actor()):
            if definition.name in names:
                form[definition.name].data = form_value(definition, stored.get(definition.key))

    # -- show page --------------------------------------------------------------------------
    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        fields = self._visible()
        widgets = super()._get_show_widget(pk, item, widgets=widgets, actions=actions,
                                           show_fieldsets=show_fieldsets)
        if not fields:
            return widgets
        names = [d.name for d in fields]
        stored = item.custom or {}
        fieldsets = list(show_fieldsets or self.show_fieldsets)
        if fieldsets:
            fieldsets.insert(1, (CUSTOM_FIELDSET, {"fields": names}))
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns={**self.label_columns, **{d.name: d.label for d in fields}},
            include_columns=list(self.show_columns) + names,
            value_columns=self.datamodel.get_values_item(item, self.show_columns)
            + [cf_values.display(d, stored.get(d.key)) for d in fields],
            formatters_columns=self.formatters_columns,
            actions=actions or self.actions,
            fieldsets=fieldsets,
            modelview_name=self.__class__.__name__,
        )
        return widgets

    # -- list -------------------------------------------------------------------------------
    def list_choice(self) -> tuple[list[str], list]:
        """(built-in columns, custom definitions) the list shows: chosen by `cols`, or the defaults."""
        fields = self._visible()
        chosen = [c for c in (request.args.get("cols") or "").split(",") if c]
        if not chosen:
            return list(self.list_columns), [d for d in fields if d.in_list]
        by_name = {d.name: d for d in fields}
        builtin = [c for c in chosen if c in self.list_columns]
        return builtin or list(self.list_columns[:1]), [by_name[c] for c in chosen if c in by_name]

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", page=None,
                         page_size=None, widgets=None, **kwargs):
        builtin, custom = self.list_choice()
        if builtin == list(self.list_columns) and not custom:
            return super()._get_list_widget(filters, actions=actions, order_column=order_column,
                                            order_direction=order_direction, page=page,
                                            page_size=page_size, widgets=widgets, **kwargs)
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined_filters = filters.get_joined_filters(self._base_filters)
        count, rows = self.datamodel.query(joined_filters, order_column, order_direction, page=page,
                                           page_size=page_size)
        values = []
        for row, plain in zip(rows, self.datamodel.get_values(rows, builtin), strict=True):
            stored = row.custom or {}
            values.append({**plain, **{d.name: cf_values.display(d, stored.get(d.key)) for d in custom}})
        widgets["list"] = self.list_widget(
            label_columns={**self.label_columns, **{d.name: d.label for d in custom}},
            include_columns=builtin + [d.name for d in custom],
            value_columns=values,
            order_columns=self.order_columns,
            formatters_columns=self.formatters_columns,
            page=page, page_size=page_size, count=count,
            pks=self.datamodel.get_keys(rows),
            actions=actions, filters=filters, modelview_name=self.__class__.__name__, **kwargs)
        return widgets

    def custom_list_context(self) -> dict:
        """What the list's filter panel shows for custom fields: facets and the column chooser."""
        fields = self._visible()
        facets = []
        for d in fields:
            if d.kind in ("choice", "multi_choice"):
                facets.append((d.name, d.label, d.choice_options()))
            elif d.kind == "yes_no":
                facets.append((d.name, d.label, [("1", str(_l("Yes"))), ("0", str(_l("No")))]))
        builtin, custom = self.list_choice()
        columns = [(c, self.label_columns.get(c, c), c in builtin) for c in self.list_columns]
        columns += [(d.name, d.label, d in custom) for d in fields]
        return {"custom_facets": facets, "list_column_choices": columns}
