"""De-identification (脱敏) of typical cases: the inspected unit, the offices above it and the
persons named in a case are replaced by placeholders in everything published, e.g.
双峰县财政局 → 某县某局, 娄底市 → 某市, 张三 → 某甲.

A placeholder says what kind of body it stands for (its office's level, the unit's type), never
which one. Replacement is longest name first, so 双峰县财政局 becomes 某县某局 and not 某县财政局."""

from __future__ import annotations

import re
from collections.abc import Iterable

LEVEL_PLACEHOLDERS = {"province": "某省", "city": "某市", "county": "某县"}

# What a unit of each type (backend.units.models.UnitType) is called once anonymous.
UNIT_TYPE_PLACEHOLDERS = {
    "党的机关": "某委",
    "人大机关": "人大某机关",
    "政府机关": "某局",
    "政协机关": "政协某机关",
    "监察机关": "某监察机关",
    "审判机关": "某法院",
    "检察机关": "某检察院",
    "群团机关": "某群团组织",
    "民主党派和工商联机关": "某民主党派机关",
    "事业单位": "某事业单位",
}
PERSON_PLACEHOLDERS = tuple(f"某{stem}" for stem in "甲乙丙丁戊己庚辛壬癸")

Masks = list[tuple[str, str]]  # (name, placeholder)


def unit_placeholder(level: str, unit_type: str) -> str:
    """某县某局: the level of the unit's office, then its type."""
    return LEVEL_PLACEHOLDERS[level] + UNIT_TYPE_PLACEHOLDERS.get(unit_type, "某单位")


def person_placeholder(index: int) -> str:
    return PERSON_PLACEHOLDERS[index] if index < len(PERSON_PLACEHOLDERS) else f"某某{index + 1}"


def case_masks(
    unit_name: str, unit_placeholder: str, aliases: Iterable[str], places: Iterable[Iterable[str]], persons: Iterable[str]
) -> Masks:
    """Every name of one case with its placeholder."""
    masks = [(unit_name, unit_placeholder), *((alias, unit_placeholder) for alias in aliases)]
    masks += [(name, placeholder) for name, placeholder in places]
    masks += [(person, person_placeholder(index)) for index, person in enumerate(persons)]
    return masks


def mask(text: str, masks: Masks) -> str:
    """`text` with every name of `masks` replaced by its placeholder (longest names first)."""
    table = {name: placeholder for name, placeholder in sorted(masks, key=lambda m: len(m[0])) if name}
    if not table or not text:
        return text
    names = re.compile("|".join(re.escape(name) for name in sorted(table, key=len, reverse=True)))
    return names.sub(lambda found: table[found.group(0)], text)
