"""GraphQL for the shared problem bank (问题库): its violation taxonomy, search and statistics."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable
from datetime import date, datetime, timedelta

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from backend.accountability.restrictions import UnitRestriction, unit_restrictions
from backend.bank.service import TAXONOMY_EDITORS, add_provincial_node
from backend.context import Context
from backend.cursors import decode_cursor, window
from backend.enums import graphql_enum
from backend.findings.types import FindingSource, Severity
from backend.ledger.types import LedgerState
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Reach, mutation, query, read, special, write
from backend.selection import selected_paths
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from problem_bank.common import EXAMPLES_PER_GROUP, GROUPS_PER_KIND, SAMPLE_PER_KIND, common_kinds, similar_groups
from problem_bank.models import TaxonomyLevel
from problem_bank.rectification import is_overdue
from problem_bank.search import ProblemFilter, highlight, page_key, search
from problem_bank.statistics import Breakdown, QuantitySum, Tally, overdue_ranking, quantity_sums, ranking_key, tallies
from problem_bank.taxonomy import Node, Taxonomy
from tenants.access import Place
from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import clean_name, readable_place
from tenants.scoping import reading

graphql_enum(TaxonomyLevel, "问题分类的层级")
graphql_enum(Breakdown, "问题库的统计口径", name="BankBreakdown")


@strawberry.type(
    description="问题分类的一个节点：类别（Cnn）、种类（Cnn.Knn）或具体表现（Cnn.Knn.Mnn）；省级增设的种类、具体表现在上级编码后加 P省代码前两位nn（C03.P4301、C03.K01.P4301）"
)
class TaxonomyNode:
    code: str
    level: TaxonomyLevel
    name: str
    legal_basis: str = strawberry.field(description="依据")
    province_code: str | None = strawberry.field(description="增设该种类或具体表现的省；全国统一的为空")
    edition: strawberry.Private[Taxonomy]
    provinces: strawberry.Private[frozenset[str] | None]  # whose additions the caller sees (None: all)

    @strawberry.field(description="下一级节点（具体表现含本省增设的）")
    def children(self) -> list[TaxonomyNode]:
        return [TaxonomyNode.of(child, self.edition, self.provinces) for child in self.edition.children(self.code, self.provinces)]

    @classmethod
    def of(cls, node: Node, edition: Taxonomy, provinces: frozenset[str] | None) -> TaxonomyNode:
        return cls(
            code=node.code,
            level=node.level,
            name=node.name,
            legal_basis=node.legal_basis,
            province_code=node.province_code,
            edition=edition,
            provinces=provinces,
        )


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
    round_kind: str | None = strawberry.field(description="所属轮次的类型；日常监督发现的问题为空")
    source: FindingSource
    taxonomy_code: str
    taxonomy_name: str
    severity: Severity
    state: LedgerState
    deadline: date
    overdue: bool
    closed_at: datetime | None
    found_on: date
    description: str
    highlight: str = strawberry.field(description="描述中命中检索词的片段，命中处以【】标出")
    sensitivity: Sensitivity = strawberry.field(description="问题的敏感程度（随问题）")
    unit_id: strawberry.Private[int]

    @strawberry.field(description="该单位正在执行的冻结、锁定（追责问责决定的）", graphql_type=list[UnitRestriction])
    def unit_restrictions(self, info: Info[Context, None]) -> Awaitable[list[UnitRestriction]]:
        return unit_restrictions(info, self.tenant_code, self.unit_id)

    @classmethod
    def of(cls, row, taxonomy: Taxonomy, today: date, term: str | None = None) -> BankProblem:
        """From a bank row selected with its office's name (`office_name`)."""
        return cls(
            tenant_code=row.tenant_code,
            office_name=row.office_name,
            finding_id=strawberry.ID(str(row.finding_id)),
            finding_code=row.finding_code,
            unit_name=row.unit_name,
            unit_type=row.unit_type,
            round_kind=row.round_kind,
            source=FindingSource(row.source),
            taxonomy_code=row.taxonomy_code,
            taxonomy_name=taxonomy.name(row.taxonomy_code),
            severity=row.severity,
            state=row.state,
            deadline=row.deadline,
            overdue=is_overdue(row.state, row.deadline, today),
            closed_at=row.closed_at,
            found_on=row.found_on,
            description=row.description,
            highlight=highlight(row.description, term),
            sensitivity=Sensitivity(row.sensitivity),
            unit_id=row.unit_id,
        )


@strawberry.input(description="问题库筛选条件，均可不填")
class ProblemFilterInput:
    taxonomy_code: str | None = strawberry.field(default=None, description="问题分类代码，含其下级")
    unit_types: list[str] | None = None
    round_kinds: list[str] | None = None
    sources: list[FindingSource] | None = strawberry.field(default=None, description="问题来源（轮次或日常监督渠道）")
    states: list[LedgerState] | None = None
    overdue: bool | None = None
    found_from: date | None = None
    found_to: date | None = None

    def to_filter(self, taxonomy: Taxonomy, text: str | None) -> ProblemFilter:
        return ProblemFilter(
            text=text,
            taxonomy_code=taxonomy.checked(self.taxonomy_code),
            unit_types=frozenset(self.unit_types or ()),
            round_kinds=frozenset(self.round_kinds or ()),
            sources=frozenset(self.sources or ()),
            states=frozenset(self.states or ()),
            overdue=self.overdue,
            found_from=self.found_from,
            found_to=self.found_to,
        )


@strawberry.type(description="一组问题的一种整改量化指标合计")
class QuantityTotal:
    kind: str
    planned: int = strawberry.field(description="计划数合计")
    achieved: int = strawberry.field(description="完成数合计")


@strawberry.type(description="一组问题的统计：整改完成率 = 已销号 ÷ 总数；待销号审核的（单位已申请销号、尚待审核）另列，不算完成")
class BankTally:
    key: str
    label: str
    total: int
    awaiting_close_out: int = strawberry.field(description="待销号审核")
    closed: int = strawberry.field(description="已销号")
    overdue: int
    average_days_overdue: float | None = strawberry.field(description="逾期问题平均逾期天数")
    completion_rate: float = strawberry.field(description="整改完成率 = 已销号 ÷ 总数")
    quantities: list[QuantityTotal] | None = strawberry.field(
        default=None, description="整改量化指标按种类的计划数、完成数合计（bankStatistics 给出；逾期排名中为空）"
    )

    @classmethod
    def of(cls, tally: Tally, label: str, quantities: list[QuantitySum] | None = None) -> BankTally:
        return cls(
            key=tally.key,
            label=label,
            total=tally.total,
            awaiting_close_out=tally.awaiting_close_out,
            closed=tally.closed,
            overdue=tally.overdue,
            average_days_overdue=tally.average_days_overdue,
            completion_rate=tally.completion_rate,
            quantities=None
            if quantities is None
            else [QuantityTotal(kind=q.kind, planned=q.planned, achieved=q.achieved) for q in quantities],
        )


@strawberry.type(description="共性问题内描述相近的一组问题")
class SimilarProblems:
    findings: int
    offices: int = strawberry.field(description="涉及的机构数")
    representative: BankProblem = strawberry.field(description="组内最新的问题，代表这一组")
    examples: list[BankProblem] = strawberry.field(description=f"组内最新的至多 {EXAMPLES_PER_GROUP} 个问题")


@strawberry.type(description="共性问题：同一问题种类在地区内至少 N 个机构出现")
class CommonProblem:
    kind_code: str
    kind_name: str
    offices: int = strawberry.field(description="发现该种类问题的机构数")
    findings: int
    groups: list[SimilarProblems] = strawberry.field(
        description=f"按描述相似度归组（取该种类最新的 {SAMPLE_PER_KIND} 个问题），问题多的组在前，至多 {GROUPS_PER_KIND} 组"
    )


MAX_MIN_OFFICES = 1000
# The bank is read over a region's whole subtree: its members and those above it; liaisons see their unit only, not the bank.
REGION_READ = read(Reach.SUBTREE, tenant="region_code")
# What the bank's reads cost against a request's and a user's budget (backend/cost.py): a
# dashboard of six breakdowns costs 18; common problems compare every description of a period.
SEARCH_COST, STATISTICS_COST, COMMON_PROBLEMS_COST = 2, 3, 10


async def region_of(info: Info[Context, None], region_code: str) -> Place:
    """The region the rows are read under (the declaration let the caller read it)."""
    return await readable_place(info.context.runtime.engine, await info.context.principal(), region_code)


@strawberry.type
class BankQuery:
    @query(
        "当前版本的问题分类（类别 → 种类 → 具体表现，附依据）；登记问题时用具体表现的代码",
        special("任一登录用户；省级增设的具体表现只列出本人所在省的"),
    )
    async def taxonomy(self, info: Info[Context, None]) -> TaxonomyEdition:
        principal = await info.context.principal()
        provinces = None if principal.is_superuser else frozenset(g.place.province_code for g in principal.grants)
        edition = await info.context.runtime.taxonomy()
        categories = [TaxonomyNode.of(n, edition, provinces) for n in edition.children(None)]
        return TaxonomyEdition(version=edition.version, categories=categories)

    @query("问题库：某地区（本级及全部下级）的问题，可全文检索和筛选，按发现日期新的在前", REGION_READ, cost=SEARCH_COST)
    async def problems(
        self,
        info: Info[Context, None],
        region_code: str,
        text: str | None = None,
        filter: ProblemFilterInput | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[BankProblem]:
        region = await region_of(info, region_code)
        taxonomy = await info.context.runtime.taxonomy()
        criteria = (filter or ProblemFilterInput()).to_filter(taxonomy, text)
        first, start = page_size(info, first), decode_cursor(after, date, str, int)
        today = info.context.clock.today()
        async with reading(info.context.runtime.engine).connect() as connection:
            rows = await search(connection, region, criteria, first=first, after=start, today=today)
        page = window(rows, first, page_key)
        return Page(items=[BankProblem.of(r, taxonomy, today, text) for r in page.rows], page_info=PageInfo.of(page))

    @query(
        "问题库统计：按口径分组的问题数、已销号和待销号审核数、整改完成率、逾期数、平均逾期天数，及整改量化指标的计划数、完成数合计",
        REGION_READ,
        cost=STATISTICS_COST,
    )
    async def bank_statistics(
        self,
        info: Info[Context, None],
        region_code: str,
        by: Breakdown,
        filter: ProblemFilterInput | None = None,
    ) -> list[BankTally]:
        region = await region_of(info, region_code)
        taxonomy = await info.context.runtime.taxonomy()
        criteria = (filter or ProblemFilterInput()).to_filter(taxonomy, None)
        today = info.context.clock.today()
        names: dict[str, str] = {}
        sums: dict[str, list[QuantitySum]] | None = None
        async with reading(info.context.runtime.engine).connect() as connection:
            found = await tallies(connection, region, criteria, by, today)
            if by is Breakdown.REGION:
                names = dict(
                    (await connection.execute(select(Tenant.code, Tenant.name).where(Tenant.code.in_([t.key for t in found])))).all()
                )
            if "quantities" in selected_paths(info.selected_fields[0].selections):
                sums = {tally.key: [] for tally in found}
                for total in await quantity_sums(connection, region, criteria, by, today):
                    sums.setdefault(total.key, []).append(total)

        def label(key: str) -> str:
            if by is Breakdown.REGION:
                return names.get(key, key)
            if by in (Breakdown.CATEGORY, Breakdown.KIND):
                return taxonomy.name(key) or key
            return FindingSource(key).label if by is Breakdown.SOURCE else key

        return [BankTally.of(t, label(t.key), None if sums is None else sums[t.key]) for t in found]

    @query(
        "共性问题：时段内（默认近一年）地区内至少 minOffices 个机构（默认见配置）发现的问题种类，及其描述相近的问题分组",
        REGION_READ,
        cost=COMMON_PROBLEMS_COST,
    )
    async def common_problems(
        self,
        info: Info[Context, None],
        region_code: str,
        min_offices: int | None = None,
        filter: ProblemFilterInput | None = None,
    ) -> list[CommonProblem]:
        region = await region_of(info, region_code)
        settings = info.context.runtime.settings
        min_offices = settings.common_problem_min_offices if min_offices is None else min_offices
        if not 2 <= min_offices <= MAX_MIN_OFFICES:
            raise DomainError("INVALID_COUNT", f"机构数须在 2 到 {MAX_MIN_OFFICES} 之间", field="minOffices")
        taxonomy = await info.context.runtime.taxonomy()
        today = info.context.clock.today()
        criteria = (filter or ProblemFilterInput()).to_filter(taxonomy, None)
        if criteria.found_from is None:
            window = timedelta(days=settings.common_problem_window_days)
            criteria = dataclasses.replace(criteria, found_from=(criteria.found_to or today) - window)
        async with reading(info.context.runtime.engine).connect() as connection:
            kinds = await common_kinds(connection, region, criteria, min_offices, today)
            grouped = {}
            if "groups" in selected_paths(info.selected_fields[0].selections):
                grouped = await similar_groups(connection, region, criteria, [k.kind_code for k in kinds], today)

        def problems(rows) -> list[BankProblem]:
            return [BankProblem.of(row, taxonomy, today) for row in rows]

        return [
            CommonProblem(
                kind_code=kind.kind_code,
                kind_name=taxonomy.name(kind.kind_code),
                offices=kind.offices,
                findings=kind.findings,
                groups=[
                    SimilarProblems(
                        findings=len(g.rows),
                        offices=g.offices,
                        representative=problems(g.rows[:1])[0],
                        examples=problems(g.rows[:EXAMPLES_PER_GROUP]),
                    )
                    for g in grouped.get(kind.kind_code, [])
                ],
            )
            for kind in kinds
        ]

    @query("逾期排名：地区内逾期问题最多的机构，多的在前（逾期数相同的按机构代码）", REGION_READ, cost=STATISTICS_COST)
    async def overdue_ranking(
        self,
        info: Info[Context, None],
        region_code: str,
        filter: ProblemFilterInput | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Page[BankTally]:
        region = await region_of(info, region_code)
        criteria = (filter or ProblemFilterInput()).to_filter(await info.context.runtime.taxonomy(), None)
        first, start = page_size(info, first), decode_cursor(after, int, str)
        async with reading(info.context.runtime.engine).connect() as connection:
            ranked = await overdue_ranking(connection, region, criteria, info.context.clock.today(), first + 1, start)
        page = window(ranked, first, lambda ranked_office: ranking_key(ranked_office[0]))
        return Page(items=[BankTally.of(tally, name) for tally, name in page.rows], page_info=PageInfo.of(page))


@strawberry.type
class BankMutation:
    @mutation(
        "省级机构在问题种类（全国统一的或本省增设的）下增设本省具体表现，供本省及下级登记问题使用",
        write(TAXONOMY_EDITORS, tenant="province_code", levels=frozenset({Level.PROVINCE})),
    )
    async def add_manifestation(
        self,
        info: Info[Context, None],
        province_code: str,
        kind_code: str,
        name: str,
        legal_basis: str,
    ) -> TaxonomyNode:
        return await _add_provincial(info, province_code, kind_code, TaxonomyLevel.KIND, name, legal_basis)

    @mutation(
        "省级机构在全国统一的问题类别下增设本省问题种类（编码如 C03.P4301），其下再增设具体表现",
        write(TAXONOMY_EDITORS, tenant="province_code", levels=frozenset({Level.PROVINCE})),
    )
    async def add_kind(
        self,
        info: Info[Context, None],
        province_code: str,
        category_code: str,
        name: str,
        legal_basis: str,
    ) -> TaxonomyNode:
        return await _add_provincial(info, province_code, category_code, TaxonomyLevel.CATEGORY, name, legal_basis)


async def _add_provincial(
    info: Info[Context, None], province_code: str, parent_code: str, under: TaxonomyLevel, name: str, legal_basis: str
) -> TaxonomyNode:
    principal = await info.context.principal()
    runtime = info.context.runtime
    node = await add_provincial_node(
        runtime.engine,
        principal,
        await runtime.taxonomy(knowing=parent_code),
        province_code=province_code,
        parent_code=parent_code,
        name=clean_name(name, max_length=128),
        legal_basis=clean_text(legal_basis, "legalBasis", required=True),
        request_id=info.context.request_id,
        under=under,
    )
    await runtime.taxonomy_changed()
    edition = await runtime.taxonomy()
    assert node.province_code is not None  # the province's own node
    return TaxonomyNode.of(node, edition, frozenset({node.province_code}))
