"""Field rules shared by forms, the API and imports: one definition of a valid phone or e-mail."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
# the number itself, then an optional extension of up to 6 digits
_PHONE = re.compile(r"^(\+?[\d\s\-().]+?)(?:\s*(?:ext\.?|x|转|分机)\s*\d{1,6})?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d")

MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 20


def is_valid_email(value: str) -> bool:
    return bool(_EMAIL.match(value.strip()))


def is_valid_phone(value: str) -> bool:
    """Digits with the usual separators (+86 138-0013-8000, (021) 6234 5678, 010-88886666 转 123)."""
    match = _PHONE.match(value.strip())
    if not match:
        return False
    digits = len(_DIGITS.findall(match.group(1)))  # an extension does not count towards the 20
    return MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS
