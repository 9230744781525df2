"""Scalars the schema reads differently from strawberry's defaults. A date outside the years an
office could mean (0001-01-01, 9999-12-31) is refused where it is read, as INVALID_INPUT with
its field, instead of reaching date arithmetic in SQL or Python."""

from __future__ import annotations

from datetime import date
from operator import methodcaller

from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def plausible_date(text: str) -> date:
    day = date.fromisoformat(text)
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"日期须在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间")
    return day


PLAUSIBLE_DATE = ScalarDefinition(
    name="Date",
    description=f"日期（ISO 8601，如 2026-09-10），{EARLIEST.isoformat()} 至 {LATEST.isoformat()}",
    specified_by_url=None,
    serialize=methodcaller("isoformat"),
    parse_value=wrap_parser(plausible_date, "Date"),
    parse_literal=None,
    origin=date,
)
