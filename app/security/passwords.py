"""Password policy for local accounts (used by FAB's user, reset and change-password forms)."""

from __future__ import annotations

import string

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _

MIN_LENGTH = 10
COMMON = {"password", "passw0rd", "12345678", "123456789", "1234567890", "qwertyuiop", "admin123",
          "11111111", "abc123456", "iloveyou", "a123456789"}


def password_problem(password: str) -> str | None:
    """None when the password is acceptable, otherwise why not (in the user's language)."""
    if len(password or "") < MIN_LENGTH:
        return _("Use at least %(n)s characters.", n=MIN_LENGTH)
    classes = sum((
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(c in string.punctuation or not c.isascii() for c in password),
    ))
    if classes < 3:
        return _("Mix at least three of: lower-case letters, upper-case letters, digits, symbols.")
    if password.lower() in COMMON:
        return _("This password is too common.")
    return None


def check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise PasswordComplexityValidationError(problem)
