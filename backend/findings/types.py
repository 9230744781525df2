"""GraphQL for findings (问题): listing the ledger with filters, logging a finding."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.findings.import_jobs import INLINE_ROWS, FindingImports, import_job
from backend.findings.joins import LATEST_PROGRESS, Joined
from backend.findings.models import EvidenceSource, FindingSource, ImportState, RectificationClass, Severity
from backend.findings.service import (
    FINDING_WRITERS,
    FindingFilter,
    FindingService,
    FindingSort,
    Listed,
    check_finding,
)
from backend.ids import optional_id, parse_id
from backend.ledger.types import Ledger, LedgerEvent, extension_requests_by_finding, history_by_finding
from backend.loaders import Fetch, event_view, round_views_by_id, unit_rows
from backend.pagination import PageInfo, page_size
from backend.permissions import Reach, mutation, query, read, write
from backend.quantities.types import QuantityInput, quantities_in, quantities_of
from backend.rounds.types import Round
from backend.selection import selected_paths
from backend.sensitivity import Sensitivity
from backend.units.types import Unit
from problem_bank.rectification import LedgerState, is_overdue
from problem_bank.taxonomy import Taxonomy
from tenants.access import Principal
from tenants.scoping import tenant_reader

graphql_enum(Severity, "问题的严重程度")
graphql_enum(EvidenceSource, "问题的证据来源")
graphql_enum(RectificationClass, "整改类别")
graphql_enum(ImportState, "问题导入任务的状态")
graphql_enum(FindingSource, "问题来源：巡视巡察等轮次，或日常监督的一个渠道")


@strawberry.type(description="检查发现的问题")
class Finding:
    id: strawberry.ID
    code: str = strawberry.field(description="问题编号：导入时给定，否则为 WT+序号")
    round_id: strawberry.ID | None = strawberry.field(description="所属轮次；日常监督发现的问题为空")
    source: FindingSource
    source_reference: str | None = strawberry.field(description="日常监督来源的文号，如 12310 举报编号、审计移送函文号")
    sensitivity: Sensitivity = strawberry.field(description="敏感程度；非公开的问题不以邮件、回调发送其内容")
    unit_id: strawberry.ID
    taxonomy_code: str
    taxonomy_name: str
    description: str
    evidence_sources: list[EvidenceSource]
    severity: Severity
    fixed_on_spot: bool = strawberry.field(description="当场整改完毕（立行立改，登记即销号）")
    rectification_class: RectificationClass
    found_on: date
    found_by: str
    ledger: Ledger
    # Relations (None until set by `findings_of`).
    unit: Unit = strawberry.field(default=None, description="被检查单位")
    round: Round | None = strawberry.field(default=None, description="所属轮次；日常监督发现的问题为空")

    @classmethod
    def from_row(cls, row, today: date, taxonomy: Taxonomy) -> Finding:
        """`row`: the finding's columns and its ledger entry's (FindingService.LISTED_COLUMNS)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            code=row.code,
            round_id=None if row.round_id is None else strawberry.ID(str(row.round_id)),
            source=FindingSource(row.source),
            source_reference=row.source_reference,
            sensitivity=Sensitivity(row.sensitivity),
            unit_id=strawberry.ID(str(row.unit_id)),
            taxonomy_code=row.taxonomy_code,
            taxonomy_name=taxonomy.name(row.taxonomy_code, row.taxonomy_version),
            description=row.description,
            evidence_sources=list(row.evidence_sources),
            severity=row.severity,
            fixed_on_spot=row.fixed_on_spot,
            rectification_class=RectificationClass(row.rectification_class),
            found_on=row.found_on,
            found_by=row.found_by,
            ledger=Ledger(
                state=row.state,
                deadline=row.deadline,
                overdue=is_overdue(row.state, row.deadline, today),
                responsible_unit=row.responsible_unit,
                responsible_person=row.responsible_person,
                measures=row.measures,
                close_note=row.close_note,
                closed_at=row.closed_at,
                quantities=quantities_of(row.quantities),
                version=row.ledger_version,
            ),
        )


async def units_by_id(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict[int, Unit]:
    return {unit: Unit.from_row(row, tenant_code) for unit, row in (await unit_rows(connection, ids)).items()}


async def rounds_by_id(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict[int, Round]:
    return {round_: Round.from_view(view) for round_, view in (await round_views_by_id(connection, ids, units)).items()}


@dataclass(frozen=True)
class JoinedRelation:
    """A relation with one row per finding, read joined to its row (backend/findings/joins.py):
    where the query selects it, the join's name, how its value is built from its columns (and
    the tenant code), and which attribute of which object takes it."""

    path: str
    join: str
    build: Callable[[Joined, str], object]
    owner_of: Callable[[Finding], object]
    attribute: str


@dataclass(frozen=True)
class FetchedRelation:
    """A relation fetched for a batch of findings: where the query selects it, how a batch of it
    is fetched (by the ids `key_of` gives, each once; None: the finding has none), and which
    attribute of which object takes the value."""

    path: str
    fetch: Fetch
    key_of: Callable[[Finding], int | None]
    owner_of: Callable[[Finding], object]
    attribute: str


JOINED = (
    JoinedRelation(
        "ledger.latestProgress",
        LATEST_PROGRESS,
        lambda columns, tenant_code: None if columns.id is None else LedgerEvent.from_view(event_view(columns), tenant_code),
        lambda f: f.ledger,
        "latest_progress",
    ),
)
FETCHED = (
    FetchedRelation("unit", units_by_id, lambda f: int(f.unit_id), lambda f: f, "unit"),
    FetchedRelation("round", rounds_by_id, lambda f: None if f.round_id is None else int(f.round_id), lambda f: f, "round"),
    FetchedRelation("ledger.history", history_by_finding, lambda f: int(f.id), lambda f: f.ledger, "history"),
    FetchedRelation(
        "ledger.extensionRequests", extension_requests_by_finding, lambda f: int(f.id), lambda f: f.ledger, "extension_requests"
    ),
)


def _selected(info: Info[Context, None]) -> set[str]:
    return selected_paths(info.selected_fields[0].selections)


def joined_relations(info: Info[Context, None], under: str = "") -> frozenset[str]:
    """The joins (backend/findings/joins.py) the query's selection needs, for findings at `under`
    below the resolver's field."""
    paths = _selected(info)
    return frozenset(relation.join for relation in JOINED if under + relation.path in paths)


async def findings_of(info: Info[Context, None], listed: Listed, tenant_code: str, under: str = "") -> list[Finding]:
    """The findings of `listed` with the relations the query selects (below the resolver's field,
    at `under`): the joined ones from the rows, each fetched one in one statement for them all,
    on one connection. Plain attributes rather than a resolver per relation and finding:
    strawberry's resolver call costs ~20 µs, and a page of 50 with three relations made 150."""
    today, taxonomy = info.context.clock.today(), await info.context.runtime.taxonomy()
    joined = [relation for relation in JOINED if relation.join in listed.joins]
    items = []
    for row in listed.rows:
        finding = Finding.from_row(row, today, taxonomy)
        for joined_relation in joined:
            setattr(
                joined_relation.owner_of(finding),
                joined_relation.attribute,
                joined_relation.build(Joined(row, joined_relation.join), tenant_code),
            )
        items.append(finding)
    paths = _selected(info)
    fetched = [relation for relation in FETCHED if under + relation.path in paths]
    if fetched and items:
        async with tenant_reader(info.context.runtime.engine, tenant_code).connect() as connection:
            for relation in fetched:
                ids = sorted({key for finding in items if (key := relation.key_of(finding)) is not None})
                values = await relation.fetch(connection, tenant_code, ids, listed.units)
                for finding in items:
                    key = relation.key_of(finding)
                    setattr(relation.owner_of(finding), relation.attribute, None if key is None else values.get(key))
    return items


async def one_finding(info: Info[Context, None], listed: Listed, tenant_code: str) -> Finding:
    """The finding a query or mutation answers with, its selected relations loaded (`listed`
    read with `joined_relations(info)`)."""
    return (await findings_of(info, listed, tenant_code))[0]


@strawberry.enum(description="排序：NEWEST 登记时间新的在前；DEADLINE 整改期限近的在前；FOUND_ON 发现日期新的在前")
class FindingOrder(enum.Enum):
    NEWEST = FindingSort.NEWEST.value
    DEADLINE = FindingSort.DEADLINE.value
    FOUND_ON = FindingSort.FOUND_ON.value


@strawberry.input(description="台账筛选条件，均可不填")
class FindingFilterInput:
    round_id: strawberry.ID | None = None
    sources: list[FindingSource] | None = strawberry.field(default=None, description="问题来源（轮次或日常监督渠道）")
    unit_id: strawberry.ID | None = None
    taxonomy_code: str | None = strawberry.field(default=None, description="问题分类代码，含其下级")
    states: list[LedgerState] | None = None
    overdue: bool | None = strawberry.field(default=None, description="true 只看逾期未销号的；false 排除它们")
    deadline_from: date | None = None
    deadline_to: date | None = None

    def to_filter(self, taxonomy: Taxonomy) -> FindingFilter:
        return FindingFilter(
            round_id=optional_id(self.round_id, "roundId"),
            sources=frozenset(self.sources or ()),
            unit_id=optional_id(self.unit_id, "unitId"),
            taxonomy=taxonomy.scope(self.taxonomy_code),
            states=frozenset(self.states or ()),
            overdue=self.overdue,
            deadline_from=self.deadline_from,
            deadline_to=self.deadline_to,
        )


@strawberry.type(description="一页问题")
class FindingPage:
    items: list[Finding]
    page_info: PageInfo
    principal: strawberry.Private[Principal]
    tenant_code: strawberry.Private[str]
    filter: strawberry.Private[FindingFilter]

    @strawberry.field(description="符合筛选条件的问题总数")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await findings(info).count(self.principal, self.tenant_code, filter=self.filter, today=info.context.clock.today())


@strawberry.input(description="登记一个问题：来源为所属轮次（roundId，须已统一反馈），或日常监督来源（dailySource），二者填且只填一个")
class FindingInput:
    round_id: strawberry.ID | None = strawberry.field(default=None, description="所属轮次；日常监督发现的不填")
    daily_source: FindingSource | None = strawberry.field(
        default=None, description="日常监督来源（进人审核、实名制审核、机构编制报告分析、12310举报、审计移送线索）；轮次发现的不填"
    )
    source_reference: str | None = strawberry.field(default=None, description="日常监督来源的文号，如 12310 举报编号、审计移送函文号")
    unit_id: strawberry.ID
    taxonomy_code: str
    description: str
    severity: Severity
    found_on: date
    deadline: date | None = None
    code: str | None = strawberry.field(default=None, description="问题编号；不填则自动编为 WT+序号")
    evidence_sources: list[EvidenceSource] = strawberry.field(default_factory=list)
    fixed_on_spot: bool = False
    rectification_class: RectificationClass | None = strawberry.field(
        default=None, description="整改类别；不填则当场整改完毕的为立行立改，其余为限期整改"
    )
    responsible_unit: str | None = strawberry.field(default=None, description="责任单位；不填即被检查单位")
    responsible_person: str | None = None
    measures: str | None = None
    close_note: str | None = strawberry.field(default=None, description="当场整改完毕时必填：当场整改的情况")
    sensitivity: Sensitivity = strawberry.field(default=Sensitivity.INTERNAL, description="敏感程度，默认内部")
    quantities: list[QuantityInput] | None = strawberry.field(default=None, description="整改量化指标：计划数（及已完成数）")


@strawberry.type(description="导入中出错的一行（行号同 Excel）")
class ImportRowError:
    line: int
    field: str | None
    code: str
    message: str


@strawberry.type(description="问题导入结果；有错误时什么也没有写入，试导入（dryRun）也不写入")
class FindingImportReport:
    dry_run: bool
    created: list[str] = strawberry.field(description="新登记（或试导入时将登记）的问题编号")
    skipped: list[str] = strawberry.field(description="台账中已有、因此跳过的问题编号")
    errors: list[ImportRowError]


def findings(info: Info[Context, None]) -> FindingService:
    return FindingService(info.context.runtime.engine)


async def read_finding(info: Info[Context, None], principal: Principal, tenant_code: str, finding_id: int) -> Finding:
    """One finding as the query selects it, its joined relations read with it: a `finding`
    query's answer, or that of a mutation that made the finding."""
    listed = await findings(info).get(principal, tenant_code, finding_id, joins=joined_relations(info))
    return await one_finding(info, listed, tenant_code)


@strawberry.type(description="一次问题导入（导入任务）：状态、进度和结果")
class FindingImport:
    id: strawberry.ID
    state: ImportState
    dry_run: bool
    total: int = strawberry.field(description="表中的数据行数")
    processed: int = strawberry.field(description="已写入的问题数（导入中随时更新）")
    report: FindingImportReport | None = strawberry.field(description="结果；完成后才有")
    failure: str | None = strawberry.field(description="失败的原因")
    created_by: str
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row) -> FindingImport:
        report = row.report
        return cls(
            id=strawberry.ID(str(row.id)),
            state=ImportState(row.state),
            dry_run=row.dry_run,
            total=row.total,
            processed=row.processed,
            report=None
            if report is None
            else FindingImportReport(
                dry_run=report["dry_run"],
                created=report["created"],
                skipped=report["skipped"],
                errors=[ImportRowError(**error) for error in report["errors"]],
            ),
            failure=row.failure,
            created_by=row.created_by,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )


async def _import_now(info: Info[Context, None], tenant_code: str, job_id: int) -> FindingImport:
    async with tenant_reader(info.context.runtime.engine, tenant_code).connect() as connection:
        return FindingImport.of(await import_job(connection, job_id))


@strawberry.type
class FindingQuery:
    @query("一次问题导入的状态、进度和结果（本机构的管理员和监督检查人员）", read(Reach.OFFICE, roles=FINDING_WRITERS))
    async def finding_import(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> FindingImport:
        return await _import_now(info, tenant_code, parse_id(id, "id"))

    @query("某机构的问题及其整改台账（可筛选、排序、分页）；联络员只看到本单位的问题", read())
    async def findings(
        self,
        info: Info[Context, None],
        tenant_code: str,
        filter: FindingFilterInput | None = None,
        order: FindingOrder = FindingOrder.NEWEST,
        first: int = 50,
        after: str | None = None,
    ) -> FindingPage:
        principal = await info.context.principal()
        taxonomy = await info.context.runtime.taxonomy()
        criteria = (filter or FindingFilterInput()).to_filter(taxonomy)
        page, window = await findings(info).page(
            principal,
            tenant_code,
            filter=criteria,
            sort=FindingSort(order.value),
            first=page_size(info, first),
            after=after,
            today=info.context.clock.today(),
            joins=joined_relations(info, under="items."),
        )
        return FindingPage(
            items=await findings_of(info, page, tenant_code, under="items."),
            page_info=PageInfo.of(window),
            principal=principal,
            tenant_code=tenant_code,
            filter=criteria,
        )

    @query("一个问题及其整改台账", read())
    async def finding(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Finding:
        principal = await info.context.principal()
        return await read_finding(info, principal, tenant_code, parse_id(id, "id"))


@strawberry.type
class FindingMutation:
    @mutation(
        "登记问题并生成整改台账、进入问题库、告知单位联络员；来源为已统一反馈的轮次，或日常监督（不经统一反馈）；当场整改完毕的问题当即销号",
        write(FINDING_WRITERS),
    )
    async def log_finding(self, info: Info[Context, None], tenant_code: str, input: FindingInput) -> Finding:
        principal = await info.context.principal()
        data = check_finding(
            code=input.code,
            round_id=optional_id(input.round_id, "roundId"),
            daily_source=input.daily_source,
            source_reference=input.source_reference,
            unit_id=parse_id(input.unit_id, "unitId"),
            taxonomy_code=input.taxonomy_code,
            description=input.description,
            evidence_sources=input.evidence_sources,
            severity=input.severity,
            fixed_on_spot=input.fixed_on_spot,
            rectification_class=input.rectification_class,
            found_on=input.found_on,
            deadline=input.deadline,
            responsible_unit=input.responsible_unit,
            responsible_person=input.responsible_person,
            measures=input.measures,
            close_note=input.close_note,
            quantities=quantities_in(input.quantities),
            today=info.context.clock.today(),
            taxonomy=await info.context.runtime.taxonomy(knowing=input.taxonomy_code),
            tenant_code=tenant_code,
        )
        data = dataclasses.replace(data, sensitivity=input.sensitivity)
        listed = await findings(info).log(principal, tenant_code, data, info.context.request_id, joins=joined_relations(info))
        return await one_finding(info, listed, tenant_code)

    @mutation(
        "从 Excel 模板导入问题：先 POST /evidence/{机构代码}?name=xx.xlsx 上传，再以返回的 sha256 调用；默认试导入，只报告每行的错误。"
        f"试导入和不超过 {INLINE_ROWS} 行的导入当即完成，更大的导入在后台进行，用 findingImport 查看进度和结果",
        write(FINDING_WRITERS),
    )
    async def import_findings(self, info: Info[Context, None], tenant_code: str, sha256: str, dry_run: bool = True) -> FindingImport:
        principal = await info.context.principal()
        imports = FindingImports(info.context.runtime)
        job_id = await imports.start(principal, tenant_code, sha256.strip().lower(), dry_run=dry_run, request_id=info.context.request_id)
        return await _import_now(info, tenant_code, job_id)
