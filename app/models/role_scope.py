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
            "self": _l("Self"),
            "subordinates": _l("Self and subordinates"),
            "department": _l("Department"),
            "department_tree": _l("Department and sub-departments"),
            "all": _l("All"),
        }

    @property
    def breadth(self) -> int:
        return list(DataScope).index(self)


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
