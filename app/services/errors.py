"""Typed failures with a message in the user's language. Doors turn them into flashes or 4xx."""

from __future__ import annotations


class CrmError(Exception):
    status_code = 400

    def __init__(self, message: object) -> None:  # a lazy_gettext string
        super().__init__(str(message))
        self.message = message


class NotFound(CrmError):
    """Absent, deleted, or outside the user's data scope — indistinguishable on purpose."""

    status_code = 404


class ValidationFailed(CrmError):
    status_code = 422
