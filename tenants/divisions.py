"""GB/T 2260 administrative division codes: levels, parent rules, and the national register.

A code is PPCCDD: province PP0000, prefecture-level city PPCC00, county-level DD != 00.
Districts of a 直辖市 (310113 under 310000) and 省直管县 (429004 under 420000) sit directly
under their province, so a county's parent is the city PPCC00 or the province PP0000.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.naming import check_code

REGISTER_FILE = Path(__file__).parent / "register" / "divisions.csv"
CHANGES_FILE = Path(__file__).parent / "register" / "changes.csv"  # what became of the codes of the previous register

# Province-level prefixes of GB/T 2260 (34 province-level divisions).
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


class Level(Labelled):
    """An office's level, as DOMAIN.md "Words" names it (湖南: 14 个市州、122 个县市区)."""

    PROVINCE = "province", "省级"
    CITY = "city", "市级（市州）"
    COUNTY = "county", "县级（县市区）"


LEVEL_NAMES = {Level.PROVINCE: "省级", Level.CITY: "市级", Level.COUNTY: "县级"}  # the short forms messages use ("市级单位 431300")


def level_of(code: str) -> Level:
    """The level a code denotes; raises INVALID_CODE for codes no division can have."""
    check_code(code)
    if code[:2] not in PROVINCE_PREFIXES:
        raise DomainError("INVALID_CODE", f"代码 {code} 的前两位 {code[:2]} 不是省级行政区划代码", field="code")
    if code[2:] == "0000":
        return Level.PROVINCE
    if code[4:] == "00":
        return Level.CITY
    if code[2:4] == "00":
        raise DomainError("INVALID_CODE", f"代码 {code} 的市级部分为 00 而县级部分不为 00，不是有效的行政区划代码", field="code")
    return Level.COUNTY


def province_of(code: str) -> str:
    return code[:2] + "0000"


def possible_parents(code: str) -> tuple[str, ...]:
    """Parents a code may have, most specific first."""
    level = level_of(code)
    if level is Level.PROVINCE:
        return ()
    if level is Level.CITY:
        return (province_of(code),)
    return (code[:4] + "00", province_of(code))


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: Level


@functools.cache
def national_register() -> dict[str, Division]:
    """The shipped register of real divisions (34 provinces, 333 cities, county level), by code."""
    with REGISTER_FILE.open(encoding="utf-8", newline="") as f:
        return {row["code"]: Division(row["code"], row["name"], Level(row["level"])) for row in csv.DictReader(f)}


@dataclass(frozen=True)
class DivisionChange:
    """What became of a division of the previous register: 改代码, 改代码并更名, 更名 (the same
    code), or 撤销或并入 (no successor recorded)."""

    old_code: str
    old_name: str
    new_code: str | None
    new_name: str | None
    change: str


@functools.cache
def division_changes() -> dict[str, DivisionChange]:
    """The recorded changes, by the old code."""
    with CHANGES_FILE.open(encoding="utf-8", newline="") as f:
        return {
            row["old_code"]: DivisionChange(
                row["old_code"], row["old_name"], row["new_code"] or None, row["new_name"] or None, row["change"]
            )
            for row in csv.DictReader(f)
        }


def default_parent(code: str, known: Mapping[str, object]) -> str | None:
    """The parent a code gets when none is given: its city when that city is registered or
    is a real division (then it must be provisioned first), else its province."""
    parents = possible_parents(code)
    for city in parents[:-1]:
        if city in known or city in national_register():
            return city
    return parents[-1] if parents else None
