"""Statistics of a region's problem bank rows, one GROUP BY per breakdown:

- 整改率 (rectification rate): findings rectified (申请销号 or 已销号) over all findings;
- 销号率 (close-out rate): findings closed (已销号) over all findings;
- 逾期: open findings past their deadline (derived with today's date, as everywhere), and
  their average days past it.

Breakdowns: the region's direct subdivisions (drill-down province → city → county; a
province's own findings and its 省直管县 count as themselves), the taxonomy at a level,
unit type, month found. The overdue ranking lists the offices with most overdue findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from problem_bank.models import Problem
from problem_bank.search import CLOSED, ProblemFilter, filtered, in_region, overdue
from problem_bank.taxonomy import ancestor
from tenants.access import Place
from tenants.divisions import Level
from tenants.models import Tenant

RECTIFIED = ("申请销号", "已销号")


class Breakdown(enum.Enum):
    REGION = "region"
    CATEGORY = "category"
    KIND = "kind"
    UNIT_TYPE = "unit_type"
    MONTH = "month"


@dataclass(frozen=True)
class Tally:
    key: str
    total: int
    rectified: int
    closed: int
    overdue: int
    average_days_overdue: float | None

    @property
    def rectification_rate(self) -> float:
        return round(self.rectified / self.total, 4) if self.total else 0.0

    @property
    def close_out_rate(self) -> float:
        return round(self.closed / self.total, 4) if self.total else 0.0


def _group_key(region: Place, breakdown: Breakdown):
    if breakdown is Breakdown.REGION:
        if region.level is Level.PROVINCE:
            return case((Problem.tenant_code == region.code, region.code), else_=func.coalesce(Problem.city_code, Problem.tenant_code))
        return Problem.tenant_code
    return {
        Breakdown.CATEGORY: ancestor(Problem.taxonomy_code, "category"),
        Breakdown.KIND: ancestor(Problem.taxonomy_code, "kind"),
        Breakdown.UNIT_TYPE: Problem.unit_type,
        Breakdown.MONTH: func.to_char(Problem.found_on, "YYYY-MM"),
    }[breakdown]


def _measures(today: date) -> list:
    late = overdue(today)
    days_overdue = cast(literal(today) - Problem.deadline, Integer)
    return [
        func.count().label("total"),
        func.count().filter(Problem.state.in_(RECTIFIED)).label("rectified"),
        func.count().filter(Problem.state == CLOSED).label("closed"),
        func.count().filter(late).label("overdue"),
        func.avg(days_overdue).filter(late).label("average_days_overdue"),
    ]


def _tally(row) -> Tally:
    average = row.average_days_overdue
    return Tally(row.key, row.total, row.rectified, row.closed, row.overdue, round(float(average), 1) if average is not None else None)


async def tallies(
    connection: AsyncConnection, region: Place, criteria: ProblemFilter, breakdown: Breakdown, today: date
) -> list[Tally]:
    """The region's rows (the caller checked it may read them), counted per breakdown key, in key order."""
    key = _group_key(region, breakdown).label("key")
    query = filtered(select(key, *_measures(today)).where(in_region(region)), criteria, today)
    rows = await connection.execute(query.group_by(key).order_by(key))
    return [_tally(row) for row in rows]


async def overdue_ranking(
    connection: AsyncConnection, region: Place, criteria: ProblemFilter, today: date, limit: int
) -> list[tuple[Tally, str]]:
    """The offices of the region with the most overdue findings, with their names (named
    after ranking: grouping by the name too made the planner expect a group per row)."""
    key = Problem.tenant_code.label("key")
    late = func.count().filter(overdue(today))
    ranked = (
        filtered(select(key, *_measures(today)).where(in_region(region)), criteria, today)
        .group_by(key).having(late > 0).order_by(late.desc(), key).limit(limit).subquery()
    )
    rows = await connection.execute(
        select(ranked, Tenant.name).join(Tenant, Tenant.code == ranked.c.key).order_by(ranked.c.overdue.desc(), ranked.c.key)
    )
    return [(_tally(row), row.name) for row in rows]
