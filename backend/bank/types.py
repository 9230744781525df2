"""GraphQL for the shared problem bank (问题库): its violation taxonomy, search and statistics."""

from __future__ import annotations

import enum
from datetime import date, datetime

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from backend.clock import office_today
from backend.context import Context
from backend.directory.types import page_size
from backend.ledger.workflow import is_overdue
from problem_bank.search import ProblemFilter, highlight, search
from problem_bank.statistics import Breakdown, Tally, overdue_ranking, tallies
from problem_bank.taxonomy import Node, Taxonomy
from tenants.access import Place, require_subtree_read
from tenants.models import Tenant
from tenants.naming import check_code
from tenants.registry import readable_place


@strawberry.type(description="问题分类的一个节点：类别（Cnn）、种类（Cnn.Knn）或具体表现（Cnn.Knn.Mnn）")
class TaxonomyNode:
    code: str
    level: str = strawberry.field(description="category、kind 或 manifestation")
    name: str
    legal_basis: str = strawberry.field(description="依据")
    edition: strawberry.Private[Taxonomy]

    @strawberry.field(description="下一级节点")
    def children(self) -> list[TaxonomyNode]:
        return [TaxonomyNode.of(child, self.edition) for child in self.edition.children(self.code)]

    @classmethod
    def of(cls, node: Node, edition: Taxonomy) -> TaxonomyNode:
        return cls(code=node.code, level=node.level, name=node.name, legal_basis=node.legal_basis, edition=edition)


@strawberry.type(description="问题分类的当前版本")
class TaxonomyEdition:
    version: str
    categories: list[TaxonomyNode]


@strawberry.type(description="问题库中的一个问题（来自某一级机构的整改台账）")
class BankProblem:
    tenant_code: str
    office_name: str
    finding_id: strawberry.ID
    finding_code: str
    unit_name: str
    unit_type: str
    round_kind: str
    taxonomy_code: str
    taxonomy_name: str
    severity: str
    state: str
    deadline: date
    overdue: bool
    closed_at: datetime | None
    found_on: date
    description: str
    highlight: str = strawberry.field(description="描述中命中检索词的片段，命中处以【】标出")


@strawberry.input(description="问题库筛选条件，均可不填")
class ProblemFilterInput:
    taxonomy_code: str | None = strawberry.field(default=None, description="问题分类代码，含其下级")
    unit_types: list[str] | None = None
    round_kinds: list[str] | None = None
    states: list[str] | None = None
    overdue: bool | None = None
    found_from: date | None = None
    found_to: date | None = None

    def to_filter(self, taxonomy: Taxonomy, text: str | None) -> ProblemFilter:
        return ProblemFilter(
            text=text, taxonomy_code=taxonomy.checked(self.taxonomy_code), unit_types=frozenset(self.unit_types or ()),
            round_kinds=frozenset(self.round_kinds or ()), states=frozenset(self.states or ()), overdue=self.overdue,
            found_from=self.found_from, found_to=self.found_to,
        )


@strawberry.type(description="一页问题库记录；nextCursor 为空表示没有下一页")
class BankProblemPage:
    items: list[BankProblem]
    next_cursor: str | None


@strawberry.enum(description="统计口径：REGION 直属下级地区（省 → 市 → 县）；CATEGORY、KIND 问题类别、种类；UNIT_TYPE 单位类型；MONTH 发现月份")
class BankBreakdown(enum.Enum):
    REGION = Breakdown.REGION.value
    CATEGORY = Breakdown.CATEGORY.value
    KIND = Breakdown.KIND.value
    UNIT_TYPE = Breakdown.UNIT_TYPE.value
    MONTH = Breakdown.MONTH.value


@strawberry.type(description="一组问题的统计：整改率 =（申请销号 + 已销号）÷ 总数；销号率 = 已销号 ÷ 总数")
class BankTally:
    key: str
    label: str
    total: int
    rectified: int
    closed: int
    overdue: int
    average_days_overdue: float | None = strawberry.field(description="逾期问题平均逾期天数")
    rectification_rate: float
    close_out_rate: float

    @classmethod
    def of(cls, tally: Tally, label: str) -> BankTally:
        return cls(
            key=tally.key, label=label, total=tally.total, rectified=tally.rectified, closed=tally.closed,
            overdue=tally.overdue, average_days_overdue=tally.average_days_overdue,
            rectification_rate=tally.rectification_rate, close_out_rate=tally.close_out_rate,
        )


async def _readable_region(info: Info[Context, None], region_code: str) -> Place:
    """The region, if the caller may read its whole subtree (liaisons may not)."""
    principal = await info.context.principal()
    region = await readable_place(info.context.runtime.engine, principal, check_code(region_code, field="regionCode"))
    require_subtree_read(principal, region)
    return region


@strawberry.type
class BankQuery:
    @strawberry.field(description="当前版本的问题分类（类别 → 种类 → 具体表现，附依据）；登记问题时用具体表现的代码")
    async def taxonomy(self, info: Info[Context, None]) -> TaxonomyEdition:
        await info.context.principal()
        edition = await info.context.runtime.taxonomy()
        return TaxonomyEdition(version=edition.version, categories=[TaxonomyNode.of(n, edition) for n in edition.children(None)])

    @strawberry.field(description="问题库：某地区（本级及全部下级）的问题，可全文检索和筛选，按发现日期新的在前；联络员无权查看")
    async def problems(
        self, info: Info[Context, None], region_code: str, text: str | None = None, filter: ProblemFilterInput | None = None,
        first: int = 50, after: str | None = None,
    ) -> BankProblemPage:
        region = await _readable_region(info, region_code)
        taxonomy = await info.context.runtime.taxonomy()
        criteria = (filter or ProblemFilterInput()).to_filter(taxonomy, text)
        today = office_today()
        async with info.context.runtime.engine.connect() as connection:
            page = await search(connection, region, criteria, first=page_size(info, first), after=after, today=today)
        return BankProblemPage(
            items=[
                BankProblem(
                    tenant_code=r.tenant_code, office_name=r.office_name, finding_id=strawberry.ID(str(r.finding_id)),
                    finding_code=r.finding_code, unit_name=r.unit_name, unit_type=r.unit_type, round_kind=r.round_kind,
                    taxonomy_code=r.taxonomy_code, taxonomy_name=taxonomy.name(r.taxonomy_code), severity=r.severity,
                    state=r.state, deadline=r.deadline, overdue=is_overdue(r.state, r.deadline, today),
                    closed_at=r.closed_at, found_on=r.found_on, description=r.description,
                    highlight=highlight(r.description, text),
                )
                for r in page.rows
            ],
            next_cursor=page.next_cursor,
        )

    @strawberry.field(description="问题库统计：按口径分组的问题数、整改率、销号率、逾期数和平均逾期天数；联络员无权查看")
    async def bank_statistics(
        self, info: Info[Context, None], region_code: str, by: BankBreakdown, filter: ProblemFilterInput | None = None,
    ) -> list[BankTally]:
        region = await _readable_region(info, region_code)
        taxonomy = await info.context.runtime.taxonomy()
        criteria = (filter or ProblemFilterInput()).to_filter(taxonomy, None)
        async with info.context.runtime.engine.connect() as connection:
            found = await tallies(connection, region, criteria, Breakdown(by.value), office_today())
            if by is BankBreakdown.REGION:
                names = dict((await connection.execute(
                    select(Tenant.code, Tenant.name).where(Tenant.code.in_([t.key for t in found]))
                )).all())
        if by is BankBreakdown.REGION:
            return [BankTally.of(t, names.get(t.key, t.key)) for t in found]
        if by in (BankBreakdown.CATEGORY, BankBreakdown.KIND):
            return [BankTally.of(t, taxonomy.name(t.key) or t.key) for t in found]
        return [BankTally.of(t, t.key) for t in found]

    @strawberry.field(description="逾期排名：地区内逾期问题最多的机构，多的在前；联络员无权查看")
    async def overdue_ranking(
        self, info: Info[Context, None], region_code: str, filter: ProblemFilterInput | None = None, first: int = 20,
    ) -> list[BankTally]:
        region = await _readable_region(info, region_code)
        criteria = (filter or ProblemFilterInput()).to_filter(await info.context.runtime.taxonomy(), None)
        async with info.context.runtime.engine.connect() as connection:
            ranked = await overdue_ranking(connection, region, criteria, office_today(), page_size(info, first))
        return [BankTally.of(tally, name) for tally, name in ranked]
