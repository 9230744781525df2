"""GraphQL for the year's statistics of an office and its subtree."""

from __future__ import annotations

from collections import Counter

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.permissions import Reach, query, read
from backend.supervision.calendar import check_year
from backend.year_statistics.service import YearFigures, year_figures
from tenants.registry import readable_place
from tenants.scoping import reading


@strawberry.type(description="一项计数")
class YearCount:
    key: str = strawberry.field(description="分项（种类、类别、结果、等次等，照各机构的叫法）")
    count: int


@strawberry.type(description="一类问题的整改情况")
class CategoryFigure:
    key: str = strawberry.field(description="问题类别代码（合计为“合计”）")
    name: str
    total: int
    closed: int = strawberry.field(description="已销号")
    awaiting_close_out: int = strawberry.field(description="待销号审核")
    overdue: int = strawberry.field(description="逾期未整改")
    completion_rate: float = strawberry.field(description="整改完成率 = 已销号 ÷ 总数")


@strawberry.type(description="一项整改量化指标的计划数和完成数")
class QuantityFigure:
    kind: str
    planned: int
    achieved: int


@strawberry.type(description="一个机构及其下级机构一年的机构编制监督检查工作统计")
class YearStatistics:
    year: int
    region_name: str
    offices: int = strawberry.field(description="统计范围内的机构数（本机构及下级机构）")
    rounds: list[YearCount] = strawberry.field(description="当年开始的检查轮次，按种类")
    problems: CategoryFigure | None = strawberry.field(description="当年发现的问题合计")
    by_category: list[CategoryFigure] = strawberry.field(description="当年发现的问题，按问题类别")
    by_class: list[YearCount] = strawberry.field(description="当年发现的问题，按整改类别（立行立改、限期整改、长期整改）")
    quantities: list[QuantityFigure] = strawberry.field(description="整改量化指标")
    clues: list[YearCount] = strawberry.field(description="当年登记的问题线索，按办理结果")
    measures: list[YearCount] = strawberry.field(description="当年作出的问责措施，按种类")
    bulletins: int = strawberry.field(description="当年发布的典型案例通报期数")
    evaluations: int = strawberry.field(description="当年开展的评估次数")
    grades: list[YearCount] = strawberry.field(description="当年评估的部门，按等次")


def counts(counter: Counter[str]) -> list[YearCount]:
    return [YearCount(key=key, count=n) for key, n in sorted(counter.items())]


def of_figures(figures: YearFigures, names: dict[str, str]) -> YearStatistics:
    def category(tally) -> CategoryFigure:
        return CategoryFigure(
            key=tally.key,
            name=names.get(tally.key, tally.key),
            total=tally.total,
            closed=tally.closed,
            awaiting_close_out=tally.awaiting_close_out,
            overdue=tally.overdue,
            completion_rate=tally.completion_rate,
        )

    return YearStatistics(
        year=figures.year,
        region_name=figures.region_name,
        offices=figures.offices,
        rounds=counts(figures.rounds),
        problems=category(figures.problems) if figures.problems else None,
        by_category=[category(t) for t in figures.by_category],
        by_class=counts(figures.by_class),
        quantities=[QuantityFigure(kind=k, planned=p, achieved=a) for k, (p, a) in sorted(figures.quantities.items())],
        clues=counts(figures.clues),
        measures=counts(figures.measures),
        bulletins=figures.bulletins,
        evaluations=figures.evaluations,
        grades=counts(figures.grades),
    )


async def figures_for(context: Context, tenant_code: str, year: int) -> YearFigures:
    region = await readable_place(context.runtime.engine, await context.principal(), tenant_code)
    async with reading(context.runtime.engine).connect() as connection:
        return await year_figures(connection, region, check_year(year), context.clock.today())


@strawberry.type
class YearStatisticsQuery:
    @query("一个机构及其下级机构一年的工作统计（检查轮次、问题及整改、量化指标、线索、问责、通报、评估）", read(Reach.SUBTREE))
    async def year_statistics(self, info: Info[Context, None], tenant_code: str, year: int) -> YearStatistics:
        figures = await figures_for(info.context, tenant_code, year)
        taxonomy = await info.context.runtime.taxonomy()
        return of_figures(figures, {code: taxonomy.name(code) for code in (t.key for t in figures.by_category)})
