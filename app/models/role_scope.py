"""Data scope 数据权限 per role: which owners' records the role's users see."""

from __future__ import annotations

from flask_appbuilder.models.sqla import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .enums import LabelledEnum


class DataScope(LabelledEnum):
    SELF = "self"
    SUBORDINATES = "subordinates"
    DEPARTMENT = "department"
    DEPARTMENT_TREE = "department_tree"
    ALL = "all"

    @classmethod
    def _labels(cls):
        return {
            "self": _l("Only their own"),
            "subordinates": _l("Their own and their subordinates'"),
            "department": _l("Their department's"),
            "department_tree": _l("Their department's and sub-departments'"),
            "all": _l("All records"),
        }

    @property
    def breadth(self) -> int:
        return list(DataScope).index(self)


class ScopedEntity(LabelledEnum):
    """Record types a data-scope row can be about ("*": the role's default)."""

    ANY = "*"
    LEAD = "lead"
    ACCOUNT = "account"
    CONTACT = "contact"
    OPPORTUNITY = "opportunity"
    ACTIVITY = "activity"
    TICKET = "ticket"

    @classmethod
    def _labels(cls):
        return {
            "*": _l("Every record type"),
            "lead": _l("Leads"),
            "account": _l("Accounts"),
            "contact": _l("Contacts"),
            "opportunity": _l("Opportunities"),
            "activity": _l("Activities"),
            "ticket": _l("Tickets"),
        }


class RoleDataScope(Model):
    """One row per role (entity "*") plus optional per-entity overrides (e.g. "account")."""

    __tablename__ = "role_data_scope"
    __table_args__ = (UniqueConstraint("role_id", "entity", name="uq_role_data_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("ab_role.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(30), nullable=False, default="*")
    scope: Mapped[str] = mapped_column(String(20), nullable=False, default=DataScope.SELF)

    role = relationship("Role")

    @property
    def scope_label(self):
        return DataScope.label_of(self.scope)
