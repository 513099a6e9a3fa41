"""The parts a chart can be built from, per entity, for the chart builder (labels translated)."""

from __future__ import annotations

from .custom_groups import entity_for
from .fields import ENTITIES
from .spec import Measure


def measure_choices(entity) -> list[tuple[str, str]]:
    keys = ["count", *(f"count::{c}" for c in entity.conditions)]
    for number in entity.numbers:
        keys += [f"sum:{number}", f"avg:{number}", *(f"sum:{number}:{c}" for c in entity.conditions)]
        if entity.key == "opportunity":
            keys += [f"weighted:{number}", f"learned:{number}"]
    return [(k, str(Measure.parse(k, entity).title(entity))) for k in keys]


def catalogue(user=None) -> dict:
    """Every entity's parts, with the custom fields `user` may group by (None: the system)."""
    out = {}
    for key, base in ENTITIES.items():
        entity = entity_for(base, user)
        out[key] = {
            "label": str(entity.label),
            "dimensions": [(k, str(d.label)) for k, d in entity.dimensions.items()],
            "dates": [(k, str(label)) for k, label in entity.dates.items()],
            "measures": measure_choices(entity),
            "conditions": [(k, str(c.label)) for k, c in entity.conditions.items()],
        }
    return out
