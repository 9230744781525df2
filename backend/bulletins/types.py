"""GraphQL for typical-case bulletins (典型案例通报) and the shared typical-case library.

A bulletin's and its cases' text fields are always the text as published (de-identified when
the case says so; before publication, as it would be published now). What was composed, with
the real names, is under `original`, for the publisher's readers only."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from backend.audit.reads import SensitiveEntity
from backend.bulletins import workflow
from backend.bulletins.joint import joint_organs_of_bulletins
from backend.bulletins.service import (
    LIBRARY_READERS,
    LISTERS,
    MAX_NAMES,
    PENDING,
    PREVIEWERS,
    READERS,
    RECEIPT_ROLES,
    BulletinService,
    CaseSourceKind,
    CaseText,
    IssueDraft,
    Preview,
    Readable,
    RecipientView,
    cases_of_bulletins,
    document_number,
    issue_label,
    publisher_of,
    publisher_of_case,
    recipients_of_bulletins,
    scope_of_bulletins,
    typical_cases,
)
from backend.bulletins.workflow import BulletinState
from backend.context import Context
from backend.correspondence.types import JointSignature
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.organs.types import Organ
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Locator, camel, mutation, query, special, write
from backend.text import clean_text
from problem_bank.deidentify import PersonStyle, TermKind
from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.naming import check_code
from tenants.registry import clean_name

graphql_enum(BulletinState, "典型案例通报的状态")
graphql_enum(CaseSourceKind, "典型案例的来源")
graphql_enum(PersonStyle, "人名的脱敏方式")
graphql_enum(TermKind, "脱敏名称的种类")


@strawberry.enum(description="ISSUED 本机构编发的（含草稿）；RECEIVED 本机构收到的（已发布的）")
class BulletinDirection(enum.Enum):
    ISSUED = "issued"
    RECEIVED = "received"


@strawberry.type(description="阅读回执：某用户首次阅读的时间")
class BulletinReading:
    username: str
    read_at: datetime


@strawberry.type(description="通报的一个收文机构及其阅读情况")
class BulletinRecipient:
    office_code: str
    office_name: str
    read: bool = strawberry.field(description="本机构是否已有人阅读")
    readings: list[BulletinReading]

    @classmethod
    def of(cls, view: RecipientView) -> BulletinRecipient:
        return cls(
            office_code=view.row.office_code,
            office_name=view.row.office_name,
            read=bool(view.reads),
            readings=[BulletinReading(username=r.username, read_at=r.read_at) for r in view.reads],
        )


@strawberry.type(description="案例的原始内容（含真实名称），仅编发机构及其上级可见")
class CaseOriginal:
    source_kind: CaseSourceKind
    source_tenant_code: str
    source_id: strawberry.ID
    unit_name: str
    title: str
    facts: str
    handling: str
    persons: list[str] = strawberry.field(description="案例中需脱敏的人名")
    aliases: list[str] = strawberry.field(description="单位的其他称呼（简称等），同样脱敏")


@strawberry.type(description="典型案例（文字均为发布口径：脱敏的案例中单位、机构和人名已替换为“某县某局”“张某某”等）")
class BulletinCase:
    id: strawberry.ID
    position: int
    deidentified: bool
    unit: str = strawberry.field(description="发布口径的单位名称（脱敏时为占位名，如某县某局）")
    title: str
    facts: str = strawberry.field(description="基本案情")
    handling: str = strawberry.field(description="处理结果")
    taxonomy_code: str | None
    shared: bool = strawberry.field(description="是否已推送到典型案例库")
    row: strawberry.Private[Any]
    readable: strawberry.Private[Readable]

    @strawberry.field(description="原始内容；收文机构看不到（阅读留痕）")
    def original(self, info: Info[Context, None]) -> CaseOriginal | None:
        if not _reads_original(info, self.readable):
            return None
        row = self.row
        return CaseOriginal(
            source_kind=CaseSourceKind(row.source_kind),
            source_tenant_code=row.source_tenant_code,
            source_id=strawberry.ID(str(row.source_id)),
            unit_name=row.unit_name,
            title=row.title,
            facts=row.facts,
            handling=row.handling,
            persons=list(row.persons),
            aliases=list(row.aliases),
        )

    @classmethod
    def of(cls, row, readable: Readable) -> BulletinCase:
        return cls(
            id=strawberry.ID(str(row.id)),
            position=row.position,
            deidentified=row.deidentified,
            unit=row.published_unit or PENDING,
            title=row.published_title or PENDING,
            facts=row.published_facts or PENDING,
            handling=PENDING if row.published_facts is None else row.published_handling,
            taxonomy_code=row.taxonomy_code,
            shared=row.shared_at is not None,
            row=row,
            readable=readable,
        )


def _reads_original(info: Info[Context, None], readable: Readable) -> bool:
    """May the caller read the real names (the publisher's readers), noted as a sensitive read?"""
    if readable.whole:
        info.context.read(readable.row.publisher_code, SensitiveEntity.BULLETIN_ORIGINAL, readable.row.id)
    return readable.whole


@strawberry.type(description="通报的原始标题和导语，仅编发机构及其上级可见")
class BulletinOriginal:
    title: str
    preface: str
    scope_office_codes: list[str] = strawberry.field(description="选定的发送机构（发给整个辖区时为空）")


@strawberry.type(description="脱敏对照表的一项：原文中的名称及其占位名")
class BulletinMask:
    term: str
    placeholder: str
    kind: TermKind


@strawberry.type(description="疑似人名：看起来像人名、但系统不掌握的文字及其位置，请核对")
class SuspectedName:
    name: str
    place: str = strawberry.field(description="所在位置，如 案例2基本案情")


@strawberry.type(description="发布预览：收文机构将看到的文字（按当前掌握的名称重新脱敏）及需核对之处")
class BulletinPreview:
    title: str
    preface: str
    cases: list[PreviewCase]
    masks: list[BulletinMask] = strawberry.field(description="脱敏对照表")
    remaining_names: list[str] = strawberry.field(description="脱敏后仍出现的已知名称；有则不能提交")
    suspected_names: list[SuspectedName] = strawberry.field(description="疑似人名，请核对后修改或在案例中列为需脱敏的人名")
    bulletin: Bulletin

    @classmethod
    def of(cls, readable: Readable, preview: Preview) -> BulletinPreview:
        return cls(
            title=preview.title,
            preface=preview.preface,
            cases=[
                PreviewCase(id=strawberry.ID(str(c.id)), unit=c.unit, title=c.title, facts=c.facts, handling=c.handling)
                for c in preview.cases
            ],
            masks=[BulletinMask(term=m.term, placeholder=m.placeholder, kind=m.kind) for m in preview.masks],
            remaining_names=preview.remaining,
            suspected_names=[SuspectedName(name=s.name, place=s.place) for s in preview.suspects],
            bulletin=Bulletin.of(readable),
        )


@strawberry.type(description="预览中的一个案例（发布口径）")
class PreviewCase:
    id: strawberry.ID
    unit: str
    title: str
    facts: str
    handling: str


@strawberry.type(description="典型案例通报（第N期）；打印版 GET /bulletins/{id}/print，PDF 版 GET /bulletins/{id}/pdf")
class Bulletin:
    id: strawberry.ID
    publisher_code: str
    publisher_name: str
    state: BulletinState
    year: int | None
    number: int | None = strawberry.field(description="期号，发布时按机构、年度连续编号")
    issue: str | None = strawberry.field(description="如 2026年第3期；发布前为空")
    document_number: str | None = strawberry.field(description="文号，如 湘编办通〔2026〕3号（编发机构的机关代字，与期号同号）；发布前为空")
    whole_subtree: bool = strawberry.field(description="发给整个辖区（否则发给选定的下级机构）")
    created_by: str
    created_at: datetime
    approved_by: str | None
    published_by: str | None
    published_at: datetime | None
    note: str | None = strawberry.field(description="最近一次退回或撤回的理由")
    version: int
    readable: strawberry.Private[Readable]

    title: str = strawberry.field(description="标题（发布口径）")
    preface: str = strawberry.field(description="导语（发布口径）")
    person_style: PersonStyle = strawberry.field(description="人名的脱敏方式")

    @strawberry.field(description="典型案例，按顺序")
    async def cases(self, info: Info[Context, None]) -> list[BulletinCase]:
        rows = await info.context.loaders.shared(cases_of_bulletins).load(self.readable.row.id) or []
        return [BulletinCase.of(row, self.readable) for row in rows]

    @strawberry.field(description="收文机构及阅读回执（发布后）：编发机构及其上级看到全部，收文机构只看到自己的；unreadOnly 只列未读的机构")
    async def recipients(self, info: Info[Context, None], unread_only: bool = False) -> list[BulletinRecipient]:
        views = await info.context.loaders.shared(recipients_of_bulletins).load(self.readable.row.id) or []
        return [
            BulletinRecipient.of(view)
            for view in views
            if (self.readable.whole or view.row.office_code in self.readable.own_offices) and not (unread_only and view.reads)
        ]

    @strawberry.field(description="联合发文机关（按版头顺序）及其会签情况；本机构单独编发的为空")
    async def joint_organs(self, info: Info[Context, None]) -> list[JointSignature]:
        joint = await info.context.loaders.shared(joint_organs_of_bulletins).load(self.readable.row.id) or []
        return [JointSignature(organ=Organ.of(j.organ), approved_by=j.approved_by, approved_at=j.approved_at) for j in joint]

    @strawberry.field(description="原始标题、导语和选定范围；收文机构看不到（阅读留痕）")
    async def original(self, info: Info[Context, None]) -> BulletinOriginal | None:
        if not _reads_original(info, self.readable):
            return None
        row = self.readable.row
        scope = await info.context.loaders.shared(scope_of_bulletins).load(row.id) or []
        return BulletinOriginal(title=row.title, preface=row.preface, scope_office_codes=scope)

    @strawberry.field(description="本期的脱敏对照表（含真实名称）；收文机构看不到（阅读留痕）")
    def masks(self, info: Info[Context, None]) -> list[BulletinMask] | None:
        if not _reads_original(info, self.readable):
            return None
        return [BulletinMask(term=m["term"], placeholder=m["placeholder"], kind=TermKind(m["kind"])) for m in self.readable.row.masks]

    @strawberry.field(description="标注为不具识别性、照原文显示的名称；收文机构看不到")
    def open_terms(self) -> list[str] | None:
        return list(self.readable.row.open_terms) if self.readable.whole else None

    @classmethod
    def of(cls, readable: Readable) -> Bulletin:
        row = readable.row
        return cls(
            id=strawberry.ID(str(row.id)),
            publisher_code=row.publisher_code,
            publisher_name=row.publisher_name,
            state=BulletinState(row.state),
            year=row.year,
            number=row.number,
            issue=issue_label(row),
            document_number=document_number(row),
            whole_subtree=row.whole_subtree,
            title=row.published_title or PENDING,
            preface=row.published_preface or PENDING,
            person_style=PersonStyle(row.person_style),
            created_by=row.created_by,
            created_at=row.created_at,
            approved_by=row.approved_by,
            published_by=row.published_by,
            published_at=row.published_at,
            note=row.note,
            version=row.version,
            readable=readable,
        )


@strawberry.type(description="典型案例库中的案例（已发布、已脱敏，全国各级机构均可查阅）")
class TypicalCase:
    id: strawberry.ID
    unit: str
    title: str
    facts: str
    handling: str
    taxonomy_code: str | None
    publisher_code: str
    publisher_name: str
    issue: str = strawberry.field(description="所在通报的期号，如 2026年第3期")
    published_at: datetime
    shared_at: datetime

    @classmethod
    def of(cls, row) -> TypicalCase:
        """From a case row with its bulletin's year, number, publication and publisher (typical_cases)."""
        issue = issue_label(row)
        assert issue is not None  # the library holds cases of published, numbered bulletins
        return cls(
            id=strawberry.ID(str(row.id)),
            unit=row.published_unit,
            title=row.published_title,
            facts=row.published_facts,
            handling=row.published_handling,
            taxonomy_code=row.taxonomy_code,
            publisher_code=row.publisher_code,
            publisher_name=row.publisher_name,
            issue=issue,
            published_at=row.published_at,
            shared_at=row.shared_at,
        )


@strawberry.input(description="通报的标题、导语和发送范围")
class BulletinInput:
    title: str
    preface: str = strawberry.field(description="导语（按语）")
    whole_subtree: bool = strawberry.field(default=True, description="发给整个辖区的全部下级机构")
    office_codes: list[str] | None = strawberry.field(default=None, description="不发给整个辖区时，选定的下级机构")
    person_style: PersonStyle = strawberry.field(default=PersonStyle.SURNAME, description="人名的脱敏方式，默认保留姓氏（张某某）")

    def checked(self) -> IssueDraft:
        return IssueDraft(
            title=clean_name(self.title, field="title", max_length=200),
            preface=clean_text(self.preface, "preface", required=True),
            whole_subtree=self.whole_subtree,
            office_codes=tuple(dict.fromkeys(check_code(code, field="officeCodes") for code in self.office_codes or ())),
            person_style=self.person_style,
        )


@strawberry.input(description="案例来源")
class CaseSourceInput:
    kind: CaseSourceKind = CaseSourceKind.PROBLEM
    tenant_code: str = strawberry.field(description="问题所在机构（问责案件：本机构）")
    id: strawberry.ID = strawberry.field(description="问题的 id（问题库中的 findingId），或问责案件的 id")


@strawberry.input(description="案例内容；不填的项取自来源（基本案情取问题描述），修改时不填的项不变")
class BulletinCaseInput:
    title: str | None = None
    facts: str | None = strawberry.field(default=None, description="基本案情")
    handling: str | None = strawberry.field(default=None, description="处理结果")
    deidentified: bool | None = strawberry.field(default=None, description="脱敏（新增时默认是）")
    persons: list[str] | None = strawberry.field(
        default=None, description="案例中需脱敏、系统尚不掌握的人名（系统掌握的人名、机构和单位名称自动脱敏）"
    )
    aliases: list[str] | None = strawberry.field(default=None, description="单位的其他称呼（系统未收录的简称等），替换为单位占位名")

    def checked(self) -> CaseText:
        return CaseText(
            title=None if self.title is None else clean_name(self.title, field="title", max_length=200),
            facts=None if self.facts is None else clean_text(self.facts, "facts", required=True),
            handling=None if self.handling is None else clean_text(self.handling, "handling", required=False) or "",
            deidentified=self.deidentified,
            persons=_names(self.persons, "persons"),
            aliases=_names(self.aliases, "aliases"),
        )


def _names(names: list[str] | None, field: str) -> tuple[str, ...] | None:
    """Names to mask: two characters at least (one character would mask it everywhere)."""
    if names is None:
        return None
    if len(names) > MAX_NAMES:
        raise DomainError("INVALID_NAME", f"最多 {MAX_NAMES} 个", field=field)
    cleaned = tuple(dict.fromkeys(clean_name(name, field=field, max_length=64) for name in names))
    if any(len(name) < 2 for name in cleaned):
        raise DomainError("INVALID_NAME", "需脱敏的名称至少两个字", field=field)
    return cleaned


def service(info: Info[Context, None]) -> BulletinService:
    return BulletinService(info.context.runtime.engine)


async def _now(info: Info[Context, None], bulletin_id: int) -> Bulletin:
    return Bulletin.of(await service(info).readable(await info.context.principal(), bulletin_id))


def _bulletin_publisher(argument: str) -> Locator:
    """A call on the bulletin its `argument` names is made in the bulletin's publisher."""

    async def locate(context: Context, arguments: Mapping[str, Any]) -> str | None:
        return await publisher_of(context.runtime.engine, parse_id(arguments[argument], camel(argument)))

    return locate


async def _case_publisher(context: Context, arguments: Mapping[str, Any]) -> str | None:
    """A call on a case (`case_id`) is made in the publisher of the case's bulletin."""
    return await publisher_of_case(context.runtime.engine, parse_id(arguments["case_id"], "caseId"))


BY_ID = _bulletin_publisher("id")
BY_BULLETIN_ID = _bulletin_publisher("bulletin_id")
PUBLISHER_LEVELS = frozenset({Level.PROVINCE, Level.CITY})


@strawberry.type
class BulletinQuery:
    @query("通报列表，新的在前：ISSUED 本机构编发的（含草稿），RECEIVED 本机构收到的", special(LISTERS))
    async def bulletins(
        self,
        info: Info[Context, None],
        tenant_code: str,
        direction: BulletinDirection,
        state: BulletinState | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Page[Bulletin]:
        principal = await info.context.principal()
        tenant_code = check_code(tenant_code, field="tenantCode")
        size = page_size(info, first)
        if direction is BulletinDirection.ISSUED:
            found = await service(info).issued(principal, tenant_code, state, first=size, after=after)
        else:
            found = await service(info).received(principal, tenant_code, state, first=size, after=after)
        return Page(items=[Bulletin.of(readable) for readable in found.rows], page_info=PageInfo.of(found))

    @query("一期通报", special(READERS))
    async def bulletin(self, info: Info[Context, None], id: strawberry.ID) -> Bulletin:
        return await _now(info, parse_id(id, "id"))

    @query("本机关联合编发的通报（编办审核通过起，含待会签的），新的在前", special("该机关的成员；联络员除外"))
    async def joint_bulletins(self, info: Info[Context, None], organ_id: strawberry.ID) -> list[Bulletin]:
        readables = await service(info).of_joint_organ(await info.context.principal(), parse_id(organ_id, "organId"))
        return [Bulletin.of(readable) for readable in readables]

    @query("发布预览：按当前掌握的名称重新脱敏后收文机构将看到的文字、脱敏对照表、仍出现的已知名称和疑似人名", special(PREVIEWERS))
    async def bulletin_preview(self, info: Info[Context, None], id: strawberry.ID) -> BulletinPreview:
        readable, preview = await service(info).preview(await info.context.principal(), parse_id(id, "id"))
        _reads_original(info, readable)  # its table names the real names
        return BulletinPreview.of(readable, preview)

    @query("典型案例库：各地推送的已脱敏典型案例，新的在前，可按文字检索", special(LIBRARY_READERS))
    async def typical_cases(
        self,
        info: Info[Context, None],
        text: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Page[TypicalCase]:
        principal = await info.context.principal()
        text = None if text is None else clean_name(text, field="text", max_length=64) if text.strip() else None
        found = await typical_cases(info.context.runtime.engine, principal, text, first=page_size(info, first), after=after)
        return Page(items=[TypicalCase.of(row) for row in found.rows], page_info=PageInfo.of(found))


@strawberry.type
class BulletinMutation:
    @mutation("起草通报", write(workflow.COMPOSERS, tenant="publisher_code", levels=PUBLISHER_LEVELS))
    async def create_bulletin(self, info: Info[Context, None], publisher_code: str, input: BulletinInput) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = await service(info).create(principal, publisher_code, input.checked(), info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("修改草稿的标题、导语和发送范围", write(workflow.EDIT.roles, locate=BY_ID))
    async def update_bulletin(self, info: Info[Context, None], id: strawberry.ID, version: int, input: BulletinInput) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = parse_id(id, "id")
        await service(info).update(principal, bulletin_id, version, input.checked(), info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("向草稿添加典型案例：从本辖区问题库中选取，复制其内容（之后可修改）", write(workflow.ADD_CASE.roles, locate=BY_BULLETIN_ID))
    async def add_bulletin_case(
        self,
        info: Info[Context, None],
        bulletin_id: strawberry.ID,
        version: int,
        source: CaseSourceInput,
        input: BulletinCaseInput,
    ) -> Bulletin:
        principal = await info.context.principal()
        bulletin = parse_id(bulletin_id, "bulletinId")
        tenant_code, source_id = check_code(source.tenant_code, field="source"), parse_id(source.id, "source")
        await service(info).add_case(
            principal, bulletin, version, source.kind, tenant_code, source_id, input.checked(), info.context.request_id
        )
        return await _now(info, bulletin)

    @mutation(
        "修改草稿中的案例（标题、案情、处理结果、脱敏开关和需脱敏的名称）；version 为通报的版本",
        write(workflow.EDIT_CASE.roles, locate=_case_publisher),
    )
    async def update_bulletin_case(
        self, info: Info[Context, None], case_id: strawberry.ID, version: int, input: BulletinCaseInput
    ) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = await service(info).update_case(
            principal, parse_id(case_id, "caseId"), version, input.checked(), info.context.request_id
        )
        return await _now(info, bulletin_id)

    @mutation("从草稿中删去案例；version 为通报的版本", write(workflow.REMOVE_CASE.roles, locate=_case_publisher))
    async def remove_bulletin_case(self, info: Info[Context, None], case_id: strawberry.ID, version: int) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = await service(info).remove_case(principal, parse_id(case_id, "caseId"), version, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation(
        "标注脱敏对照表中的名称不具识别性（identifying: false，照原文显示）或撤销标注（true）；留痕",
        write(workflow.MARK_TERM.roles, locate=BY_ID),
    )
    async def mark_bulletin_term(
        self, info: Info[Context, None], id: strawberry.ID, version: int, term: str, identifying: bool
    ) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id, term = parse_id(id, "id"), clean_name(term, field="term", max_length=64)
        await service(info).mark_term(principal, bulletin_id, version, term, identifying, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("提交审核：按当前掌握的名称重新脱敏；脱敏后仍有已知名称的不能提交", write(workflow.SUBMIT.roles, locate=BY_ID))
    async def submit_bulletin(self, info: Info[Context, None], id: strawberry.ID, version: int) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = parse_id(id, "id")
        await service(info).submit(principal, bulletin_id, version, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("审核通过", write(workflow.APPROVE.roles, locate=BY_ID))
    async def approve_bulletin(self, info: Info[Context, None], id: strawberry.ID, version: int) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = parse_id(id, "id")
        await service(info).approve(principal, bulletin_id, version, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("退回修改，须写明理由", write(workflow.RETURN.roles, locate=BY_ID))
    async def return_bulletin(self, info: Info[Context, None], id: strawberry.ID, version: int, reason: str) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id, reason = parse_id(id, "id"), clean_text(reason, "reason", required=True)
        await service(info).send_back(principal, bulletin_id, version, reason, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation(
        "设置联合发文机关（草稿）：本地区编办以外的机关，按版头顺序；空列表即本机构单独编发", write(workflow.SET_JOINT.roles, locate=BY_ID)
    )
    async def set_bulletin_joint_organs(
        self, info: Info[Context, None], id: strawberry.ID, version: int, organ_ids: list[strawberry.ID]
    ) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = parse_id(id, "id")
        organs = [parse_id(organ, "organIds") for organ in organ_ids]
        await service(info).set_joint(principal, bulletin_id, version, organs, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation(
        "联合发文机关会签已审核的通报（该机关的管理员或审核人员）；各机关会签后方可发布",
        special("联合发文机关的管理员和审核人员", writes=True),
    )
    async def approve_joint_bulletin(self, info: Info[Context, None], id: strawberry.ID, organ_id: strawberry.ID) -> Bulletin:
        principal = await info.context.writer()
        bulletin_id = parse_id(id, "id")
        await service(info).approve_jointly(principal, bulletin_id, parse_id(organ_id, "organId"), info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation(
        "发布：编定期号，发给发送范围内的机构并通知其人员；联合发文的须各联合发文机关均已会签", write(workflow.PUBLISH.roles, locate=BY_ID)
    )
    async def publish_bulletin(self, info: Info[Context, None], id: strawberry.ID, version: int) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = parse_id(id, "id")
        await service(info).publish(principal, bulletin_id, version, info.context.clock.now(), info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("撤回，须写明理由；已发布的通报撤回时通知收文机构", write(workflow.WITHDRAW.roles, locate=BY_ID))
    async def withdraw_bulletin(self, info: Info[Context, None], id: strawberry.ID, version: int, reason: str) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id, reason = parse_id(id, "id"), clean_text(reason, "reason", required=True)
        await service(info).withdraw(principal, bulletin_id, version, reason, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("把已发布通报中的脱敏案例推送到典型案例库（shared: false 撤出）", write(workflow.SHARE.roles, locate=_case_publisher))
    async def share_typical_case(self, info: Info[Context, None], case_id: strawberry.ID, shared: bool = True) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = await service(info).share(principal, parse_id(case_id, "caseId"), shared, info.context.request_id)
        return await _now(info, bulletin_id)

    @mutation("阅读回执：记录我（收文机构 officeCode 的人员）已阅读该通报，只记首次", write(RECEIPT_ROLES, tenant="office_code"))
    async def mark_bulletin_read(self, info: Info[Context, None], office_code: str, id: strawberry.ID) -> Bulletin:
        principal = await info.context.principal()
        bulletin_id = parse_id(id, "id")
        await service(info).mark_read(principal, office_code, bulletin_id)
        return await _now(info, bulletin_id)
