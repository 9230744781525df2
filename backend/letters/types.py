"""GraphQL for discipline letters (函告)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry
from sqlalchemy import Row
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.letters.models import LetterKind
from backend.letters.service import LETTER_READERS, LETTER_WRITERS, Letter, LetterDraft, LetterService
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import mutation, query, read, write
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from tenants.registry import clean_name

graphql_enum(LetterKind, "函告的种类")


@strawberry.type(description="阅读回执：某用户首次阅读的时间")
class LetterReading:
    username: str
    read_at: datetime


@strawberry.type(description="函告（致被检查单位主要负责人）；打印版见 GET /letters/{机构代码}/{id}/print")
class DisciplineLetter:
    id: strawberry.ID
    kind: LetterKind
    document_number: str = strawberry.field(description="文号，每个机构每年连续编号")
    unit_id: strawberry.ID
    unit_name: str
    recipient_name: str
    recipient_post: str
    subject: str
    body: str
    sensitivity: Sensitivity = strawberry.field(description="敏感程度；非公开的函告不以邮件、回调发送其内容")
    issued_by: str
    issued_at: datetime
    readings: list[LetterReading] | None = strawberry.field(description="阅读回执（列表中不返回，查看单份函告时返回）")

    @classmethod
    def of(cls, row: Row, readings: Sequence[Row] | None = None) -> DisciplineLetter:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=LetterKind(row.kind),
            document_number=row.document_number,
            unit_id=strawberry.ID(str(row.unit_id)),
            unit_name=row.unit_name,
            recipient_name=row.recipient_name,
            recipient_post=row.recipient_post,
            subject=row.subject,
            body=row.body,
            sensitivity=Sensitivity(row.sensitivity),
            issued_by=row.issued_by,
            issued_at=row.issued_at,
            readings=None if readings is None else [LetterReading(username=r.username, read_at=r.read_at) for r in readings],
        )


@strawberry.input(description="发出函告")
class LetterInput:
    kind: LetterKind
    unit_id: strawberry.ID
    recipient_name: str = strawberry.field(description="单位主要负责人姓名")
    recipient_post: str = strawberry.field(description="职务")
    subject: str
    body: str
    sensitivity: Sensitivity = strawberry.field(default=Sensitivity.INTERNAL, description="敏感程度，默认内部")


def service(info: Info[Context, None]) -> LetterService:
    return LetterService(info.context.runtime.engine)


def _detail(letter: Letter) -> DisciplineLetter:
    return DisciplineLetter.of(letter.row, letter.reads)


@strawberry.type
class LetterQuery:
    @query("本机构发出的函告，新的在前（联络员只看到致本单位的）", read())
    async def discipline_letters(
        self,
        info: Info[Context, None],
        tenant_code: str,
        year: int | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[DisciplineLetter]:
        principal = await info.context.principal()
        found = await service(info).letters(principal, tenant_code, year, first=page_size(info, first), after=after)
        return Page(items=[DisciplineLetter.of(row) for row in found.rows], page_info=PageInfo.of(found))

    @query("一份函告及其阅读回执", read())
    async def discipline_letter(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> DisciplineLetter:
        principal = await info.context.principal()
        return _detail(await service(info).letter(principal, tenant_code, parse_id(id, "id")))


@strawberry.type
class LetterMutation:
    @mutation("发出函告：自动编文号，通知该单位的联络员", write(LETTER_WRITERS))
    async def issue_discipline_letter(self, info: Info[Context, None], tenant_code: str, input: LetterInput) -> DisciplineLetter:
        principal = await info.context.principal()
        draft = LetterDraft(
            kind=input.kind,
            unit_id=parse_id(input.unit_id, "unitId"),
            recipient_name=clean_name(input.recipient_name, field="recipientName"),
            recipient_post=clean_name(input.recipient_post, field="recipientPost"),
            subject=clean_name(input.subject, field="subject", max_length=200),
            body=clean_text(input.body, "body", required=True),
            sensitivity=input.sensitivity,
        )
        letter_id = await service(info).issue(principal, tenant_code, draft, info.context.clock.today().year, info.context.request_id)
        return _detail(await service(info).letter(principal, tenant_code, letter_id))

    @mutation("阅读回执：记录我已阅读该函告（只记首次）", write(LETTER_READERS))
    async def mark_letter_read(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> DisciplineLetter:
        principal = await info.context.principal()
        return _detail(await service(info).mark_read(principal, tenant_code, parse_id(id, "id")))
