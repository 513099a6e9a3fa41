"""Form fields the CRM needs beyond FAB's: server-searched pickers and coded choice lists."""

from __future__ import annotations

from flask import url_for
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field, SelectField
from wtforms.validators import ValidationError

from app.extensions import db
from app.security.audit import log_denied, record_exists
from app.security.current import current_actor
from app.security.scope import visibility_clause


class RemoteSelectWidget:
    """A <select> that select2 fills by searching `/picker/<entity>` as the user types."""

    def __call__(self, field, **kwargs):
        attrs = {
            "id": field.id,
            "name": field.name,
            "class": "form-control crm-picker",
            "data-url": url_for("PickerView.search", entity=field.entity),
            "data-placeholder": str(_l("Type to search…")),
        }
        option = ""
        if field.data is not None:
            option = f'<option value="{escape(field.data.id)}" selected>{escape(str(field.data))}</option>'
        params = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
        return Markup(f'<select {params}><option value=""></option>{option}</select>')


class RemoteSelectField(Field):
    """Holds an ORM object; accepts only an id the current user may see."""

    widget = RemoteSelectWidget()

    def __init__(self, label=None, validators=None, entity: str = "", model=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.entity = entity
        self.model = model
        self._invalid = False

    def process_formdata(self, valuelist):
        self._invalid = False
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        try:
            pk = int(raw)
        except ValueError:
            self.data, self._invalid = None, True
            return
        self.data = db.session.scalars(
            db.select(self.model).where(
                self.model.id == pk, visibility_clause(self.model, current_actor())
            )
        ).first()
        self._invalid = self.data is None
        if self._invalid and record_exists(self.model, pk):
            log_denied(current_actor(), self.model.__tablename__, pk, f"picker:{self.name}")

    def pre_validate(self, form):
        if self._invalid:
            raise ValidationError(_l("Choose a record from the list."))

    def _value(self):
        return "" if self.data is None else str(self.data.id)


class CodeSelectField(SelectField):
    """A choice among an enum's codes, labelled in the user's language; blank means None."""

    widget = Select2Widget()

    def __init__(self, label=None, validators=None, enum=None, required=False, **kwargs):
        self.enum = enum
        self.required = required
        super().__init__(label, validators, coerce=self._coerce, **kwargs)

    @staticmethod
    def _coerce(value):
        return value or None

    def iter_choices(self):
        self.choices = ([] if self.required else [("", "—")]) + [
            (code, str(label)) for code, label in self.enum.choices()
        ]
        return super().iter_choices()

    def pre_validate(self, form):
        if self.data is None:
            if self.required:
                raise ValidationError(_l("This field is required."))
            return
        if self.data not in {code for code, _ in self.enum.choices()}:
            raise ValidationError(_l("Not a valid choice."))
