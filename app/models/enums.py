"""Fixed vocabularies. Stored as short codes; labels are translated at display time."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translated label."""

    @classmethod
    def labels(cls) -> dict[str, object]:
        return {m.value: m.label for m in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_of(cls, code: str | None) -> object:
        if code is None:
            return ""
        try:
            return cls(code).label
        except ValueError:
            return code

    @property
    def label(self) -> object:  # overridden by each enum's _LABELS
        return self._labels()[self.value]

    @classmethod
    def _labels(cls) -> dict[str, object]:
        raise NotImplementedError


class Channel(LabelledEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    REFERRAL = "referral"

    @classmethod
    def _labels(cls):
        return {"online": _l("Online"), "offline": _l("Offline"), "referral": _l("Referral")}


class LeadStatus(LabelledEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    CONVERTED = "converted"

    @classmethod
    def _labels(cls):
        return {
            "new": _l("New"),
            "contacted": _l("Contacted"),
            "qualified": _l("Qualified"),
            "unqualified": _l("Unqualified"),
            "converted": _l("Converted"),
        }


class UnqualifiedReason(LabelledEnum):
    NO_NEED = "no_need"
    NO_BUDGET = "no_budget"
    UNREACHABLE = "unreachable"
    COMPETITOR = "competitor"
    INVALID = "invalid"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            "no_need": _l("No need"),
            "no_budget": _l("No budget"),
            "unreachable": _l("Cannot be reached"),
            "competitor": _l("Chose a competitor"),
            "invalid": _l("Invalid information"),
            "other": _l("Other"),
        }


class Rating(LabelledEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"

    @classmethod
    def _labels(cls):
        return {"hot": _l("Hot"), "warm": _l("Warm"), "cold": _l("Cold")}


class AccountLevel(LabelledEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @classmethod
    def _labels(cls):
        return {
            "A": _l("A (key account)"),
            "B": _l("B (important)"),
            "C": _l("C (ordinary)"),
            "D": _l("D (low value)"),
        }


class Industry(LabelledEnum):
    MANUFACTURING = "manufacturing"
    IT = "it"
    RETAIL = "retail"
    FINANCE = "finance"
    EDUCATION = "education"
    HEALTHCARE = "healthcare"
    CONSTRUCTION = "construction"
    LOGISTICS = "logistics"
    ENERGY = "energy"
    GOVERNMENT = "government"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            "manufacturing": _l("Manufacturing"),
            "it": _l("IT and software"),
            "retail": _l("Retail and consumer goods"),
            "finance": _l("Finance"),
            "education": _l("Education"),
            "healthcare": _l("Healthcare"),
            "construction": _l("Construction and real estate"),
            "logistics": _l("Logistics"),
            "energy": _l("Energy"),
            "government": _l("Government and public sector"),
            "other": _l("Other"),
        }


class ActivityType(LabelledEnum):
    TASK = "task"
    CALL = "call"
    VISIT = "visit"
    MEETING = "meeting"
    EMAIL = "email"

    @classmethod
    def _labels(cls):
        return {
            "task": _l("Task"),
            "call": _l("Call"),
            "visit": _l("Visit"),
            "meeting": _l("Meeting"),
            "email": _l("E-mail"),
        }


class Currency(LabelledEnum):
    CNY = "CNY"
    USD = "USD"
    EUR = "EUR"
    HKD = "HKD"
    JPY = "JPY"

    @classmethod
    def _labels(cls):
        return {
            "CNY": _l("CNY (¥)"),
            "USD": _l("USD ($)"),
            "EUR": _l("EUR (€)"),
            "HKD": _l("HKD (HK$)"),
            "JPY": _l("JPY (円)"),
        }
