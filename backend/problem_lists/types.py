"""GraphQL for problem lists (问题清单): push a common problem down, list what was issued or
received, acknowledge (签收), file a stamped nil return (无此问题)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from backend.bank.types import BankProblem
from backend.context import Context
from backend.evidence.store import is_sha256
from backend.ids import optional_id, parse_id
from backend.pagination import page_size
from backend.problem_lists.service import ListDraft, ProblemListService, Readable, problems_of_lists, receipts_of_lists
from backend.text import clean_text
from tenants.errors import DomainError
from tenants.naming import check_code
from tenants.registry import clean_name


@strawberry.type(description="问题清单的一个收件对象（下级机构或本机构的被检查单位）及其签收情况")
class ListReceipt:
    id: strawberry.ID
    recipient_code: str = strawberry.field(description="收件机构代码；收件对象为单位时是下发机构本身")
    unit_id: strawberry.ID | None = strawberry.field(description="收件单位；为空表示收件对象是机构")
    recipient_name: str
    state: str = strawberry.field(description="待签收、已签收或无此问题")
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    nil_statement: str | None = strawberry.field(description="无此问题的说明")
    nil_scan_sha256: str | None = strawberry.field(description="盖章说明文件（收件机构证据库中的 SHA-256）")
    version: int

    @classmethod
    def of(cls, row) -> ListReceipt:
        return cls(
            id=strawberry.ID(str(row.id)),
            recipient_code=row.recipient_code,
            unit_id=strawberry.ID(str(row.unit_id)) if row.unit_id is not None else None,
            recipient_name=row.recipient_name,
            state=row.state,
            acknowledged_by=row.acknowledged_by,
            acknowledged_at=row.acknowledged_at,
            nil_statement=row.nil_statement,
            nil_scan_sha256=row.nil_scan_sha256,
            version=row.version,
        )


@strawberry.type(description="问题清单：省、市两级把共性问题下发给下级机构或被检查单位，收件方须签收，可报无此问题")
class ProblemList:
    id: strawberry.ID
    issuer_code: str
    title: str
    taxonomy_code: str
    found_from: date
    found_to: date
    note: str
    respond_by: date = strawberry.field(description="反馈期限")
    created_by: str
    created_at: datetime
    readable: strawberry.Private[Readable]

    @strawberry.field(description="清单所列问题（问题库记录），新的在前")
    async def problems(self, info: Info[Context, None]) -> list[BankProblem]:
        rows = await info.context.loaders.shared(problems_of_lists).load(self.readable.row.id) or []
        taxonomy, today = await info.context.runtime.taxonomy(), info.context.clock.today()
        return [BankProblem.of(row, taxonomy, today) for row in rows]

    @strawberry.field(description="签收情况：下发机构及其上级看到全部，收件方只看到自己的")
    async def receipts(self, info: Info[Context, None]) -> list[ListReceipt]:
        rows = await info.context.loaders.shared(receipts_of_lists).load(self.readable.row.id) or []
        return [ListReceipt.of(r) for r in rows if self.readable.whole or r.id in self.readable.own_receipts]

    @classmethod
    def of(cls, readable: Readable) -> ProblemList:
        row = readable.row
        return cls(
            id=strawberry.ID(str(row.id)),
            issuer_code=row.issuer_code,
            title=row.title,
            taxonomy_code=row.taxonomy_code,
            found_from=row.found_from,
            found_to=row.found_to,
            note=row.note,
            respond_by=row.respond_by,
            created_by=row.created_by,
            created_at=row.created_at,
            readable=readable,
        )


@strawberry.enum(description="ISSUED 本机构下发的；RECEIVED 本机构（联络员：本单位）收到的")
class ListDirection(enum.Enum):
    ISSUED = "issued"
    RECEIVED = "received"


@strawberry.input(description="把共性问题（某问题分类在某时段内本地区的问题）下发为问题清单")
class PushProblemListInput:
    issuer_code: str
    title: str
    taxonomy_code: str = strawberry.field(description="问题分类代码（通常是共性问题的种类），含其下级")
    found_from: date
    found_to: date
    respond_by: date = strawberry.field(description="反馈期限")
    note: str | None = strawberry.field(default=None, description="工作要求")
    office_codes: list[str] | None = strawberry.field(default=None, description="收件的下级机构")
    unit_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="收件的本机构被检查单位")


def service(info: Info[Context, None]) -> ProblemListService:
    return ProblemListService(info.context.runtime.engine)


@strawberry.type
class ProblemListQuery:
    @strawberry.field(description="问题清单列表，新的在前；before 为上一页最后一份的 id")
    async def problem_lists(
        self,
        info: Info[Context, None],
        tenant_code: str,
        direction: ListDirection,
        first: int = 20,
        before: strawberry.ID | None = None,
    ) -> list[ProblemList]:
        principal = await info.context.principal()
        tenant_code = check_code(tenant_code, field="tenantCode")
        page: dict[str, Any] = {"first": page_size(info, first), "before": optional_id(before, "before")}
        if direction is ListDirection.ISSUED:
            found = await service(info).issued(principal, tenant_code, **page)
        else:
            found = await service(info).received(principal, tenant_code, **page)
        return [ProblemList.of(readable) for readable in found]

    @strawberry.field(description="一份问题清单（下发机构及其上级，或收件方）")
    async def problem_list(self, info: Info[Context, None], id: strawberry.ID) -> ProblemList:
        principal = await info.context.principal()
        return ProblemList.of(await service(info).readable(principal, parse_id(id, "id")))


async def _list_now(info: Info[Context, None], list_id: int) -> ProblemList:
    return ProblemList.of(await service(info).readable(await info.context.principal(), list_id))


@strawberry.type
class ProblemListMutation:
    @strawberry.mutation(
        description="下发问题清单（省、市两级的管理员、检查员）：列出本地区该分类、该时段的问题，发给选定的下级机构或本机构的被检查单位"
    )
    async def push_problem_list(self, info: Info[Context, None], input: PushProblemListInput) -> ProblemList:
        principal = await info.context.writer()
        taxonomy = await info.context.runtime.taxonomy()
        if input.found_from > input.found_to:
            raise DomainError("INVALID_PERIOD", "时间范围的起点不能晚于终点", field="foundFrom")
        office_codes = tuple(dict.fromkeys(check_code(code, field="officeCodes") for code in input.office_codes or ()))
        unit_ids = tuple(dict.fromkeys(parse_id(unit_id, "unitIds") for unit_id in input.unit_ids or ()))
        draft = ListDraft(
            issuer_code=check_code(input.issuer_code, field="issuerCode"),
            title=clean_name(input.title, field="title", max_length=128),
            taxonomy_code=taxonomy.node(input.taxonomy_code).code,
            found_from=input.found_from,
            found_to=input.found_to,
            note=clean_text(input.note, "note", required=False) or "",
            respond_by=input.respond_by,
            office_codes=office_codes,
            unit_ids=unit_ids,
        )
        list_id = await service(info).push(principal, draft, info.context.clock.today(), info.context.request_id)
        return await _list_now(info, list_id)

    @strawberry.mutation(description="签收问题清单（收件机构的管理员、检查员、审核员；收件单位的联络员）")
    async def acknowledge_problem_list(self, info: Info[Context, None], receipt_id: strawberry.ID, version: int) -> ProblemList:
        principal = await info.context.writer()
        receipt = parse_id(receipt_id, "receiptId")
        list_id = await service(info).acknowledge(principal, receipt, version, info.context.request_id)
        return await _list_now(info, list_id)

    @strawberry.mutation(description="报送无此问题说明：附已上传的盖章说明文件（POST /evidence/{收件机构代码}），同时视为签收")
    async def file_nil_return(
        self,
        info: Info[Context, None],
        receipt_id: strawberry.ID,
        version: int,
        statement: str,
        stamped_scan_sha256: str,
    ) -> ProblemList:
        principal = await info.context.writer()
        receipt = parse_id(receipt_id, "receiptId")
        statement = clean_text(statement, "statement", required=True)
        if not is_sha256(stamped_scan_sha256):
            raise DomainError("NOT_FOUND", "找不到已上传的盖章说明文件，请先上传", field="stampedScanSha256")
        list_id = await service(info).file_nil_return(principal, receipt, version, statement, stamped_scan_sha256, info.context.request_id)
        return await _list_now(info, list_id)
