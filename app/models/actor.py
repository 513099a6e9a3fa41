"""Who is acting, and through which door — read by the mixins and (later) the history hook.

A request's user comes from Flask-Login; CLI jobs, imports and the scheduler run as the system
actor (None) or set an explicit actor with `acting_as`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_actor: contextvars.ContextVar[int | None] = contextvars.ContextVar("crm_actor", default=None)
_actor_set: contextvars.ContextVar[bool] = contextvars.ContextVar("crm_actor_set", default=False)
_door: contextvars.ContextVar[str] = contextvars.ContextVar("crm_door", default="system")


def current_user_id() -> int | None:
    if _actor_set.get():
        return _actor.get()
    try:
        from flask import has_request_context
        from flask_login import current_user

        if has_request_context() and current_user and current_user.is_authenticated:
            return int(current_user.id)
    except Exception:  # outside Flask entirely
        return None
    return None


def current_door() -> str:
    return _door.get()


@contextlib.contextmanager
def acting_as(user_id: int | None, door: str = "system") -> Iterator[None]:
    """Run a block as `user_id` (None = the system) through `door` (ui, api, import, bulk, system)."""
    tokens = (_actor.set(user_id), _actor_set.set(True), _door.set(door))
    try:
        yield
    finally:
        _door.reset(tokens[2])
        _actor_set.reset(tokens[1])
        _actor.reset(tokens[0])


def set_door(door: str) -> None:
    _door.set(door)
