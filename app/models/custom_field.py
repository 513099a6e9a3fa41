"""Custom field 自定义字段: a field an admin adds to leads, accounts, contacts or opportunities.

The values live in each record's JSON column `custom` ({field key: value}); this table holds the
definitions. A choice field gets an expression index on its key (app/services/custom_fields.py),
so filtering a large list on it stays fast. Retiring a field hides it and keeps its values.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla import Model
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .enums import LabelledEnum
from .mixins import utcnow


class FieldKind(LabelledEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    YES_NO = "yes_no"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    USER = "user"
    LINK = "link"

    @classmethod
    def _labels(cls):
        return {
            "text": _l("Text"),
            "long_text": _l("Long text"),
            "number": _l("Number"),
            "money": _l("Money"),
            "date": _l("Date"),
            "yes_no": _l("Yes/no"),
            "choice": _l("Single choice"),
            "multi_choice": _l("Multiple choice"),
            "user": _l("User"),
            "link": _l("Link to a record"),
        }


CHOICE_KINDS = ("choice", "multi_choice")
TEXT_KINDS = ("text", "long_text")  # searchable by the list search box
MATCH_KINDS = ("text", "number")  # may be unique or used by the duplicate check


def _zh() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


class CustomField(Model):
    __tablename__ = "custom_field"
    __table_args__ = (UniqueConstraint("entity", "key", name="uq_custom_field_entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    label_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    label_en: Mapped[str] = mapped_column(String(100), nullable=False)
    help_zh: Mapped[str | None] = mapped_column(String(255))
    help_en: Mapped[str | None] = mapped_column(String(255))
    #: [{"code": "c1", "zh": "展会", "en": "Trade show"}, …] for the choice kinds
    choices: Mapped[list | None] = mapped_column(JSON)
    #: the linked entity for "link" fields (lead, account, contact, opportunity)
    link_entity: Mapped[str | None] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    unique: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    default_value: Mapped[str | None] = mapped_column(String(255))
    in_list: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: text fields: the list search box finds records by this field (migration 0026's index)
    searchable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    #: text and number fields: the duplicate check (查重) also matches on this field's normalised value
    duplicate_check: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                  server_default=false())
    #: role names that may see / edit the field; empty means every role
    view_roles: Mapped[list | None] = mapped_column(JSON)
    edit_roles: Mapped[list | None] = mapped_column(JSON)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    @property
    def name(self) -> str:
        """The form/column name of this field on screens and in exports."""
        return f"cf_{self.key}"

    @property
    def label(self) -> str:
        return self.label_zh if _zh() else self.label_en

    @property
    def help(self) -> str:
        return (self.help_zh if _zh() else self.help_en) or ""

    @property
    def kind_label(self):
        return FieldKind.label_of(self.kind)

    @property
    def is_active(self) -> bool:
        return self.retired_at is None and not self.hidden

    def choice_label(self, code) -> str:
        for choice in self.choices or []:
            if choice.get("code") == code:
                return choice["zh"] if _zh() else choice["en"]
        return "" if code is None else str(code)

    def choice_options(self) -> list[tuple[str, str]]:
        zh = _zh()
        return [(c["code"], c["zh"] if zh else c["en"]) for c in self.choices or [] if not c.get("retired")]

    def __str__(self) -> str:
        return self.label
