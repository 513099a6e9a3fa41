"""Organisation tree 组织架构. `path` ("/1/4/9/") makes "this department and below" one LIKE."""

from __future__ import annotations

from flask_appbuilder.models.sqla import Model
from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .mixins import AuditMixin


class Department(AuditMixin, Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), index=True
    )
    path: Mapped[str] = mapped_column(String(255), nullable=False, default="/", index=True)

    parent = relationship("Department", remote_side=[id], back_populates="children")
    children = relationship("Department", back_populates="parent")
    manager = relationship("CrmUser", foreign_keys=[manager_id])

    def __str__(self) -> str:
        return self.name

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent is not None else "/"
        return f"{prefix}{self.id}/"


@event.listens_for(Department, "after_insert")
@event.listens_for(Department, "after_update")
def _keep_path(mapper, connection, target: Department) -> None:
    """Keep the materialised path of a department (and its subtree) in step with `parent`."""
    new_path = target.compute_path()
    if new_path == target.path:
        return
    table = Department.__table__
    old_path = target.path
    connection.execute(table.update().where(table.c.id == target.id).values(path=new_path))
    if old_path and old_path != "/":
        # Re-root descendants: /old/… → /new/…
        for row in connection.execute(
            table.select().where(table.c.path.like(f"{old_path}%"), table.c.id != target.id)
        ):
            connection.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(path=new_path + row.path[len(old_path) :])
            )
    target.path = new_path
