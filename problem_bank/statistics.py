"""Statistics of a region's problem bank rows, one GROUP BY per breakdown:

- 整改完成率 (completion rate): findings closed (已销号) over all findings, as offices count it
  (DOMAIN.md "Words"); findings whose close-out the unit asked for and the office has not yet
  decided (待销号审核) are counted apart, never as done;
- 逾期: open findings past their deadline (derived with today's date, as everywhere), and
  their average days past it;
- 整改量化指标: the planned and achieved quantities of each kind, summed (`quantity_sums`,
  always from the rows: no counted table holds them).

Breakdowns: the region's direct subdivisions (drill-down province → city → county; a
province's own findings and its 省直管县 count as themselves), the taxonomy at a level,
unit type, month found, source (a round, or a channel of 日常监督). The overdue ranking lists the offices with most overdue findings.

Each statistic reads the pre-counted rows (problem_bank.counts) when a counted table answers
its breakdown and criteria, and the bank's rows otherwise (a text, round kinds, sources, a
breakdown by source, a period not in whole months, criteria on two dimensions): the same statement over either. Statements are
built once per shape, the region and today bound when they run (as in problem_bank.search)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol, TypeAlias

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute

from problem_bank.counts import counts_answering as counts_answering  # re-exported: bench/bank.py swaps it
from problem_bank.models import Problem, TaxonomyLevel
from problem_bank.rectification import LedgerState
from problem_bank.search import (
    REGION_CODE,
    TODAY,
    BankRows,
    ProblemFilter,
    filtered,
    in_bound_region,
    overdue,
    region_values,
)
from problem_bank.taxonomy import ancestor
from tenants.access import Place
from tenants.divisions import Level
from tenants.labelled import Labelled
from tenants.models import Tenant


class Breakdown(Labelled):
    REGION = "region", "直属下级地区（省 → 市 → 县）"
    CATEGORY = "category", "问题类别"
    KIND = "kind", "问题种类"
    UNIT_TYPE = "unit_type", "单位类型"
    MONTH = "month", "发现月份"
    SOURCE = "source", "问题来源（轮次或日常监督渠道）"


@dataclass(frozen=True)
class Tally:
    key: str
    total: int
    awaiting_close_out: int  # 待销号审核
    closed: int
    overdue: int
    average_days_overdue: float | None

    @property
    def completion_rate(self) -> float:
        """整改完成率: 已销号 ÷ 总数."""
        return round(self.closed / self.total, 4) if self.total else 0.0


def sum_of(tallies: list[Tally], key: str = "合计") -> Tally:
    """The tallies of a breakdown added up: one figure for all of them (its overdue days the
    weighted average)."""
    overdue = sum(t.overdue for t in tallies)
    days = sum((t.average_days_overdue or 0) * t.overdue for t in tallies)
    return Tally(
        key=key,
        total=sum(t.total for t in tallies),
        awaiting_close_out=sum(t.awaiting_close_out for t in tallies),
        closed=sum(t.closed for t in tallies),
        overdue=overdue,
        average_days_overdue=round(days / overdue, 1) if overdue else None,
    )


# The column of the bank's rows a breakdown groups by (None: the office, for REGION).
DIMENSION = {
    Breakdown.REGION: None,
    Breakdown.CATEGORY: "taxonomy_code",
    Breakdown.KIND: "taxonomy_code",
    Breakdown.UNIT_TYPE: "unit_type",
    Breakdown.MONTH: "found_on",
    Breakdown.SOURCE: "source",  # no counted table has it: read from the rows
}


# A breakdown key: an expression over the rows, or one of their columns as it is.
GroupKey: TypeAlias = ColumnElement[str] | InstrumentedAttribute[str]


def _group_key(rows: BankRows, level: Level, breakdown: Breakdown) -> GroupKey:
    if breakdown is Breakdown.REGION and level is Level.PROVINCE:
        return case((rows.tenant_code == REGION_CODE, REGION_CODE), else_=func.coalesce(rows.city_code, rows.tenant_code))
    keys: dict[Breakdown, Callable[[], GroupKey]] = {  # built on demand: a counted table has only its own dimension's column
        Breakdown.REGION: lambda: rows.tenant_code,
        Breakdown.CATEGORY: lambda: ancestor(rows.taxonomy_code, TaxonomyLevel.CATEGORY),
        Breakdown.KIND: lambda: ancestor(rows.taxonomy_code, TaxonomyLevel.KIND),
        Breakdown.UNIT_TYPE: lambda: rows.unit_type,
        Breakdown.MONTH: lambda: func.to_char(rows.found_on, "YYYY-MM"),
        Breakdown.SOURCE: lambda: rows.source,
    }
    return keys[breakdown]()


def _count(rows: BankRows, condition: ColumnElement[bool] | None = None) -> ColumnElement[int]:
    """How many bank rows (matching `condition`): the rows counted, or their counts summed."""
    if rows is Problem:
        return func.count() if condition is None else func.count().filter(condition)
    return func.coalesce(func.sum(rows.n) if condition is None else func.sum(rows.n).filter(condition), 0)


def _measures(rows: BankRows) -> list[ColumnElement[Any]]:
    late = overdue(TODAY, rows)
    days_overdue = cast(TODAY - rows.deadline, Integer)  # evaluated for late rows only (FILTER)
    if rows is not Problem:
        days_overdue = rows.n * days_overdue
    return [
        _count(rows).label("total"),
        _count(rows, rows.state == LedgerState.CLOSE_REQUESTED.value).label("awaiting_close_out"),
        _count(rows, rows.state == LedgerState.CLOSED.value).label("closed"),
        _count(rows, late).label("overdue"),
        (cast(func.sum(days_overdue).filter(late), Numeric) / func.nullif(_count(rows, late), 0)).label("average_days_overdue"),
    ]


class TallyColumns(Protocol):
    """What `_tally` reads: a row of `tally_query` or `ranking_query` (or anything with their columns)."""

    key: str
    total: int
    awaiting_close_out: int
    closed: int
    overdue: int
    average_days_overdue: Decimal | None


def _tally(row: TallyColumns) -> Tally:
    average = row.average_days_overdue
    return Tally(
        row.key, row.total, row.awaiting_close_out, row.closed, row.overdue, round(float(average), 1) if average is not None else None
    )


def _source(by: str | None, criteria: ProblemFilter) -> BankRows:
    """The counted table that answers (problem_bank.counts), else the bank's rows."""
    return counts_answering(by, criteria) or Problem


@lru_cache(maxsize=256)
def tally_query(level: Level, criteria: ProblemFilter, breakdown: Breakdown) -> Select[*tuple[Any, ...]]:
    """The rows of a region of `level` counted per breakdown key, in key order (from the counts
    where they answer); runs with `region_values`."""
    rows = _source(DIMENSION[breakdown], criteria)
    key = _group_key(rows, level, breakdown).label("key")
    query = filtered(select(key, *_measures(rows)).where(in_bound_region(level, rows)), criteria, TODAY, rows)
    return query.group_by(key).order_by(key)


async def tallies(connection: AsyncConnection, region: Place, criteria: ProblemFilter, breakdown: Breakdown, today: date) -> list[Tally]:
    """`tally_query`'s answer (the caller checked the principal may read the region)."""
    rows = await connection.execute(tally_query(region.level, criteria, breakdown), region_values(region, today))
    return [_tally(row) for row in rows]


@dataclass(frozen=True)
class QuantitySum:
    key: str  # the breakdown key, as the tallies have it
    kind: str
    planned: int
    achieved: int


@lru_cache(maxsize=256)
def quantity_query(level: Level, criteria: ProblemFilter, breakdown: Breakdown) -> Select[*tuple[Any, ...]]:
    """The planned and achieved quantities of a region of `level`'s rows, summed per breakdown key
    and kind (in key order, kinds in code point order); runs with `region_values`."""
    key = _group_key(Problem, level, breakdown).label("key")
    each = func.jsonb_each(Problem.quantities).table_valued(column("key", String), column("value", JSONB)).alias("q")
    kind = each.c.key.label("kind")

    def summed(number: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(cast(each.c.value.op("->>")(number), Integer)), 0).label(number)

    # A function in FROM sees the rows before it (PostgreSQL's implicit LATERAL).
    query = select(key, kind, summed("planned"), summed("achieved")).select_from(Problem).join(each, true())
    query = filtered(query.where(in_bound_region(level)), criteria, TODAY)
    return query.group_by(key, kind).order_by(key, kind.collate("C"))


async def quantity_sums(
    connection: AsyncConnection, region: Place, criteria: ProblemFilter, breakdown: Breakdown, today: date
) -> list[QuantitySum]:
    """`quantity_query`'s answer (the caller checked the principal may read the region)."""
    rows = await connection.execute(quantity_query(region.level, criteria, breakdown), region_values(region, today))
    return [QuantitySum(row.key, row.kind, row.planned, row.achieved) for row in rows]


RankingKey: TypeAlias = tuple[int, str]


def ranking_key(tally: Tally) -> RankingKey:
    """An office's place in the ranking (most overdue first, then by code): where the next page starts."""
    return tally.overdue, tally.key


# The offices after a ranking key's, in ranking order.
_AFTER_OVERDUE, _AFTER_OFFICE = bindparam("after_overdue", type_=BigInteger), bindparam("after_office", type_=String)


@lru_cache(maxsize=256)
def ranking_query(level: Level, criteria: ProblemFilter, limit: int, paged: bool = False) -> Select[*tuple[Any, ...]]:
    """The offices of a region of `level` with the most overdue findings (`paged`: after the
    office `_AFTER_OVERDUE`/`_AFTER_OFFICE` bind), with their names (named after ranking:
    grouping by the name too made the planner expect a group per row); runs with
    `region_values`."""
    rows = _source(None, criteria)
    key = rows.tenant_code.label("key")
    late = _count(rows, overdue(TODAY, rows))
    ranked = (
        filtered(select(key, *_measures(rows)).where(in_bound_region(level, rows)), criteria, TODAY, rows).group_by(key).having(late > 0)
    )
    if paged:
        ranked = ranked.having(or_(late < _AFTER_OVERDUE, and_(late == _AFTER_OVERDUE, rows.tenant_code > _AFTER_OFFICE)))
    ranking = ranked.order_by(late.desc(), key).limit(limit).subquery()
    return select(ranking, Tenant.name).join(Tenant, Tenant.code == ranking.c.key).order_by(ranking.c.overdue.desc(), ranking.c.key)


async def overdue_ranking(
    connection: AsyncConnection, region: Place, criteria: ProblemFilter, today: date, limit: int, after: RankingKey | None = None
) -> list[tuple[Tally, str]]:
    """The first `limit` offices of the ranking after `after` (None: from the top), with their names."""
    values = region_values(region, today)
    if after is not None:
        values |= {"after_overdue": after[0], "after_office": after[1]}
    rows = await connection.execute(ranking_query(region.level, criteria, limit, after is not None), values)
    return [(_tally(row), row.name) for row in rows]
