"""GraphQL for problem lists (问题清单): push a common problem down, list what was issued or
received, acknowledge (签收), file a stamped nil return (无此问题)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from backend.bank.types import BankProblem
from backend.context import Context
from backend.cursors import after_id, by_id, window
from backend.enums import graphql_enum
from backend.evidence.store import is_sha256
from backend.findings.types import Severity
from backend.ids import parse_id
from backend.ledger.types import LedgerState
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import mutation, query, special, write
from backend.problem_lists.service import (
    PUSHERS,
    PUSHING_LEVELS,
    ListDraft,
    ProblemListService,
    Readable,
    ReceiptState,
    problems_of_lists,
    receipts_of_lists,
)
from backend.text import clean_text
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.naming import check_code
from tenants.registry import clean_name

graphql_enum(ReceiptState, "问题清单回执的状态")


@strawberry.type(description="问题清单的一个收件对象（下级机构或本机构的被检查单位）及其签收情况")
class ListReceipt:
    id: strawberry.ID
    recipient_code: str = strawberry.field(description="收件机构代码；收件对象为单位时是下发机构本身")
    unit_id: strawberry.ID | None = strawberry.field(description="收件单位；为空表示收件对象是机构")
    recipient_name: str
    state: ReceiptState
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


@strawberry.type(description="清单中收件方辖区以外的问题：只有问题种类、严重程度、发现日期和整改状态，不含地区、单位、编号和描述")
class ListedElsewhere:
    taxonomy_code: str
    taxonomy_name: str
    severity: Severity
    found_on: date
    state: LedgerState


def _recipient_reads(row: Any, receipts: list[Any]) -> bool:
    """Is a listed bank row in what one of the caller's receipts addresses: a recipient office's
    own subtree (the office, or offices whose city or province it is), a recipient unit's own
    findings?"""
    for receipt in receipts:
        code = receipt.recipient_code
        if receipt.unit_id is not None:
            if row.tenant_code == code and row.unit_id == receipt.unit_id:
                return True
        elif code in (row.tenant_code, row.city_code, row.province_code):
            return True
    return False


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

    @strawberry.field(
        description="清单所列问题（问题库记录），新的在前：下发机构及其上级看到全部；收件机构只看到其辖区的，收件单位只看到本单位的"
    )
    async def problems(self, info: Info[Context, None]) -> list[BankProblem]:
        rows = await self._listed(info, own=True)
        taxonomy, today = await info.context.runtime.taxonomy(), info.context.clock.today()
        return [BankProblem.of(row, taxonomy, today) for row in rows]

    @strawberry.field(description="清单中收件方辖区以外的问题（去标识：不含地区、单位、编号和描述）；下发机构一方看到的为空")
    async def elsewhere(self, info: Info[Context, None]) -> list[ListedElsewhere]:
        taxonomy = await info.context.runtime.taxonomy()
        return [
            ListedElsewhere(
                taxonomy_code=row.taxonomy_code,
                taxonomy_name=taxonomy.name(row.taxonomy_code) or row.taxonomy_code,
                severity=row.severity,
                found_on=row.found_on,
                state=row.state,
            )
            for row in await self._listed(info, own=False)
        ]

    async def _listed(self, info: Info[Context, None], *, own: bool) -> list[Any]:
        """The listed bank rows the caller sees in full (`own`), or those it sees only as kinds."""
        rows = await info.context.loaders.shared(problems_of_lists).load(self.readable.row.id) or []
        if self.readable.whole:
            return rows if own else []
        receipts = await info.context.loaders.shared(receipts_of_lists).load(self.readable.row.id) or []
        mine = [r for r in receipts if r.id in self.readable.own_receipts]
        return [row for row in rows if _recipient_reads(row, mine) == own]

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


class ListDirection(Labelled):
    ISSUED = "issued", "本机构下发的"
    RECEIVED = "received", "本机构（联络员：本单位）收到的"


graphql_enum(ListDirection, "问题清单的方向")


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


async def issuer(context: Context, arguments: Mapping[str, Any]) -> str:
    """The office a list is pushed from, named in the input."""
    return check_code(arguments["input"].issuer_code, field="issuerCode")


# Who sees and answers a list (backend/problem_lists/service.py applies it): the issuer's readers see it
# whole; a recipient sees it with its own receipt, which it answers.
LISTED = "下发的：下发机构及其上级机构的人员（联络员除外）；收到的：收件机构本身的人员，其联络员只看到发给本单位的"
SEEN = "下发机构及其上级机构的人员（联络员除外）看到全部回执；收件机构本身的人员（联络员除外）、收件单位的联络员看到自己的回执"
ANSWERED = "收件对象为机构的：该机构的管理员、监督检查人员、审核人员；收件对象为单位的：该单位的联络员"


@strawberry.type
class ProblemListQuery:
    @query("问题清单列表，新的在前", special(LISTED))
    async def problem_lists(
        self,
        info: Info[Context, None],
        tenant_code: str,
        direction: ListDirection,
        first: int = 20,
        after: str | None = None,
    ) -> Page[ProblemList]:
        principal = await info.context.principal()
        tenant_code = check_code(tenant_code, field="tenantCode")
        first = page_size(info, first)
        lists = service(info).issued if direction is ListDirection.ISSUED else service(info).received
        found = await lists(principal, tenant_code, first=first, after=after_id(after))
        page = window(found, first, lambda readable: by_id(readable.row))
        return Page(items=[ProblemList.of(readable) for readable in page.rows], page_info=PageInfo.of(page))

    @query("一份问题清单", special(SEEN))
    async def problem_list(self, info: Info[Context, None], id: strawberry.ID) -> ProblemList:
        principal = await info.context.principal()
        return ProblemList.of(await service(info).readable(principal, parse_id(id, "id")))


async def _list_now(info: Info[Context, None], list_id: int) -> ProblemList:
    return ProblemList.of(await service(info).readable(await info.context.principal(), list_id))


@strawberry.type
class ProblemListMutation:
    @mutation(
        "下发问题清单：列出本地区该分类、该时段的问题，发给选定的下级机构或本机构的被检查单位",
        write(PUSHERS, locate=issuer, levels=PUSHING_LEVELS),
    )
    async def push_problem_list(self, info: Info[Context, None], input: PushProblemListInput) -> ProblemList:
        principal = await info.context.principal()
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

    @mutation("签收问题清单", special(ANSWERED, writes=True))
    async def acknowledge_problem_list(self, info: Info[Context, None], receipt_id: strawberry.ID, version: int) -> ProblemList:
        principal = await info.context.principal()
        receipt = parse_id(receipt_id, "receiptId")
        list_id = await service(info).acknowledge(principal, receipt, version, info.context.request_id)
        return await _list_now(info, list_id)

    @mutation("报送无此问题说明：附已上传的盖章说明文件（POST /evidence/{收件机构代码}），同时视为签收", special(ANSWERED, writes=True))
    async def file_nil_return(
        self,
        info: Info[Context, None],
        receipt_id: strawberry.ID,
        version: int,
        statement: str,
        stamped_scan_sha256: str,
    ) -> ProblemList:
        principal = await info.context.principal()
        receipt = parse_id(receipt_id, "receiptId")
        statement = clean_text(statement, "statement", required=True)
        if not is_sha256(stamped_scan_sha256):
            raise DomainError("NOT_FOUND", "找不到已上传的盖章说明文件，请先上传", field="stampedScanSha256")
        list_id = await service(info).file_nil_return(principal, receipt, version, statement, stamped_scan_sha256, info.context.request_id)
        return await _list_now(info, list_id)
