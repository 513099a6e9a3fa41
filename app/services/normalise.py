"""One spelling per fact: the keys duplicate checks, imports and ticket matching compare.

`13800138000`, `+86 138-0013-8000` and `86 138 0013 8000` are one mobile; `Foo@X.com ` and
`foo@x.com` one e-mail; `上海 明远科技有限公司`, `上海明远科技` and `ＳＨＡＮＧＨＡＩ…` one company.
"""

from __future__ import annotations

import re
import unicodedata

_NON_DIGITS = re.compile(r"\D+")
_SPACE_AND_PUNCT = re.compile(r"[\s\.,，。·・、()（）\[\]【】&＆'\"-]+")

# longest first, so "股份有限公司" wins over "有限公司"; compared after NFKC and lower-casing
LEGAL_SUFFIXES = tuple(sorted((
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司",
    "co.,ltd.", "co., ltd.", "co.,ltd", "co., ltd", "co ltd", "company limited", "limited", "ltd.", "ltd",
    "corporation", "corp.", "corp", "incorporated", "inc.", "inc", "llc", "gmbh", "co.", "co",
), key=len, reverse=True))


def mobile(value: str | None) -> str | None:
    """Digits only, without China's +86 / 0086 / 86 prefix; None when nothing is left."""
    if not value:
        return None
    digits = _NON_DIGITS.sub("", unicodedata.normalize("NFKC", value))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits or None


def email(value: str | None) -> str | None:
    if not value:
        return None
    cleaned = unicodedata.normalize("NFKC", value).strip().lower()
    return cleaned or None


def company(value: str | None) -> str | None:
    """Full-width to half-width, lower case, no spaces or punctuation, legal suffixes removed."""
    if not value:
        return None
    text = unicodedata.normalize("NFKC", value).strip().lower()
    changed = True
    while changed:  # "明远科技(集团)有限公司" sheds both
        changed = False
        stripped = text.rstrip(" .,，()（）")
        for suffix in LEGAL_SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                text = stripped[: -len(suffix)]
                changed = True
                break
    key = _SPACE_AND_PUNCT.sub("", text)
    return key or None
