"""The year's figures of an office and its subtree (issue 23 item 4), as the year-end statistics
to the office above: rounds by kind, problems found by category (with 整改完成率 and 逾期) and by
rectification class, the 整改量化指标 planned and achieved, clues by result, accountability
measures by kind, bulletins published, evaluations and their grades. The bank answers the
problems; one statement over the subtree's schemas each answers rounds, classes, measures and
grades; the shared schemas answer clues and bulletins — ten statements, whatever the subtree."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.clues.models import Clue
from problem_bank.models import Bulletin
from problem_bank.search import ProblemFilter
from problem_bank.statistics import Breakdown, Tally, quantity_sums, sum_of, tallies
from tenants.access import Place
from tenants.models import Tenant
from tenants.registry import in_subtree
from tenants.scoping import summed_across

# Per schema, what it holds of the year (:first … :last), as (key, n) rows summed over the subtree.
ROUNDS = "SELECT kind AS key, count(*) AS n FROM {schema}.inspection_round WHERE starts_on BETWEEN :first AND :last GROUP BY kind"
CLASSES = (
    "SELECT rectification_class AS key, count(*) AS n FROM {schema}.finding"
    " WHERE found_on BETWEEN :first AND :last GROUP BY rectification_class"
)
MEASURES = "SELECT m.kind AS key, count(*) AS n FROM {schema}.case_measure m WHERE m.decided_on BETWEEN :first AND :last GROUP BY m.kind"
GRADES = (
    "SELECT coalesce(u.grade, '未评完') AS key, count(*) AS n FROM {schema}.evaluation_unit u"
    " JOIN {schema}.evaluation e ON e.id = u.evaluation_id WHERE e.year = :year GROUP BY 1"
)
EVALUATIONS = "SELECT 'evaluations' AS key, count(*) AS n FROM {schema}.evaluation WHERE year = :year"


@dataclass(frozen=True)
class YearFigures:
    year: int
    region_name: str
    offices: int  # the office and those below it
    rounds: Counter[str]
    problems: Tally | None  # all problems found in the year (None: none)
    by_category: list[Tally]
    by_class: Counter[str]
    quantities: dict[str, tuple[int, int]]  # kind → (planned, achieved)
    clues: Counter[str]  # by result (未反馈结果 while none is reported)
    measures: Counter[str]
    bulletins: int
    evaluations: int
    grades: Counter[str]


async def year_figures(connection: AsyncConnection, region: Place, year: int, today: date) -> YearFigures:
    """The figures (the caller checked the principal reads the region)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    offices = (
        await connection.execute(
            select(Tenant.code, Tenant.name)
            .where(in_subtree(region, province=Tenant.province_code, city=Tenant.city_code, code=Tenant.code))
            .order_by(Tenant.code)
        )
    ).all()
    codes = [office.code for office in offices]
    found = ProblemFilter(found_from=first, found_to=last)
    by_category = await tallies(connection, region, found, Breakdown.CATEGORY, today)
    quantities: dict[str, tuple[int, int]] = {}
    for each in await quantity_sums(connection, region, found, Breakdown.CATEGORY, today):
        planned, achieved = quantities.get(each.kind, (0, 0))
        quantities[each.kind] = (planned + each.planned, achieved + each.achieved)
    period = {"first": first, "last": last, "year": year}
    result = func.coalesce(Clue.result, "未反馈结果")
    clue_rows = await connection.execute(
        select(result.label("key"), func.count().label("n"))
        .where(Clue.tenant_code.in_(codes), func.extract("year", func.timezone("Asia/Shanghai", Clue.registered_at)) == year)
        .group_by(result)
    )
    bulletins = (
        await connection.execute(
            select(func.count()).where(Bulletin.publisher_code.in_(codes), Bulletin.year == year, Bulletin.state == "已发布")
        )
    ).scalar_one()
    return YearFigures(
        year=year,
        region_name=next(office.name for office in offices if office.code == region.code),
        offices=len(offices),
        rounds=await summed_across(connection, ROUNDS, codes, period),
        problems=sum_of(by_category) if by_category else None,
        by_category=by_category,
        by_class=await summed_across(connection, CLASSES, codes, period),
        quantities=quantities,
        clues=Counter({row.key: row.n for row in clue_rows}),
        measures=await summed_across(connection, MEASURES, codes, period),
        bulletins=bulletins,
        evaluations=(await summed_across(connection, EVALUATIONS, codes, period))["evaluations"],
        grades=await summed_across(connection, GRADES, codes, period),
    )
