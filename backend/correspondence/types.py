"""GraphQL for correspondence between organs (公文往来)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated

import strawberry
from sqlalchemy import Row, select
from strawberry.types import Info

from backend.context import Context
from backend.correspondence.determination import determine
from backend.correspondence.joint import JointDocuments
from backend.correspondence.models import (
    Copy,
    Determination,
    DocumentAttachment,
    DocumentItem,
    DocumentKind,
    HandlingState,
    JointState,
    Recipient,
)
from backend.correspondence.service import OPEN, Addressee, Correspondence, Draft
from backend.correspondence.workflow import HANDLING_WORKFLOW
from backend.enums import graphql_enum
from backend.ids import optional_id, parse_id
from backend.organs.types import Organ
from backend.permissions import mutation, query, special
from backend.sensitivity import Sensitivity
from tenants.labelled import Labelled
from tenants.organs import Organ as OrganRow
from tenants.scoping import reading

graphql_enum(DocumentKind, "公文的种类")
graphql_enum(Copy, "主送或抄送")
graphql_enum(HandlingState, "收文机关的办理状态")
graphql_enum(Determination, "编办对移交的认定")
graphql_enum(JointState, "联合发文的状态")
HandlingAction = graphql_enum(HANDLING_WORKFLOW.actions("HandlingAction"), "收文机关对公文的办理：签收、办理、办结、退回（须写明理由）")

READERS = special("发文机关和收文机关（主送、抄送）的成员；联络员除外")
HANDLERS = special("该机关的管理员、监督检查人员（经办）和审核人员；只读账号不能", writes=True)


@strawberry.type(description="调阅材料清单中的一项及收文机关的答复")
class RequestedItem:
    position: int
    request: str
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None


@strawberry.type(description="公文的附件：GET /correspondence/{公文id}/files/{sha256} 下载")
class Attachment:
    sha256: str
    file_name: str
    size: int
    content_type: str


@strawberry.type(description="一个收文机关及其办理情况")
class DocumentRecipient:
    organ: Organ
    copy: Copy
    state: HandlingState
    signed_by: str | None
    signed_at: datetime | None
    finished_at: datetime | None
    note: str | None = strawberry.field(description="退回的理由")
    answer_id: strawberry.ID | None = strawberry.field(description="办结它的复函")
    late: bool = strawberry.field(description="主送机关过了办理时限仍未办结")
    determination: Determination | None = strawberry.field(description="编办对移交的认定")
    finding_id: strawberry.ID | None = strawberry.field(description="认定属实后登记的问题（在编办的台账中）")


@strawberry.type(description="机关之间往来的一份公文")
class CorrespondenceDocument:
    id: strawberry.ID
    kind: DocumentKind
    document_number: str = strawberry.field(description="文号：机关代字〔年份〕序号号，每个机关按种类每年连续编号")
    subject: str
    body: str
    sensitivity: Sensitivity
    due_on: date | None = strawberry.field(description="办理时限")
    replies_to_id: strawberry.ID | None = strawberry.field(description="复函所答复的公文")
    concerns: str | None = strawberry.field(description="所涉事项，如 round:3、finding:12、clue:5")
    sender: Organ
    joint_issuers: list[Organ] = strawberry.field(description="联合发文的会签机关")
    sent_by: str
    sent_at: datetime
    recipients: list[DocumentRecipient]
    items: list[RequestedItem]
    attachments: list[Attachment]


@strawberry.type(description="一个会签机关的会签")
class JointSignature:
    organ: Organ
    approved_by: str | None
    approved_at: datetime | None


@strawberry.type(description="联合发文：牵头机关拟稿，各会签机关会签后，由牵头机关以本机关文号发出")
class JointDocumentDraft:
    id: strawberry.ID
    state: JointState
    lead_organ_id: strawberry.ID
    kind: DocumentKind
    subject: str
    body: str
    signatures: list[JointSignature]
    document_id: strawberry.ID | None = strawberry.field(description="发出后的公文")
    proposed_by: str
    proposed_at: datetime


@strawberry.input
class AddresseeInput:
    organ_id: strawberry.ID
    copy: Copy = Copy.MAIN


@strawberry.input(description="一份要发出的公文")
class DocumentInput:
    sender_organ_id: strawberry.ID
    kind: DocumentKind
    subject: str
    body: str
    recipients: list[AddresseeInput] = strawberry.field(default_factory=list, description="复函自动主送原发文机关")
    items: list[str] = strawberry.field(default_factory=list, description="函请的调阅材料清单，收文机关逐项答复")
    due_on: date | None = None
    sensitivity: Sensitivity = Sensitivity.INTERNAL
    replies_to_id: strawberry.ID | None = None
    concerns: str | None = None
    attachments: list[str] = strawberry.field(
        default_factory=list, description="附件：本机关已上传文件的 sha256（POST /correspondence/files）"
    )

    def draft(self) -> Draft:
        return Draft(
            sender_organ_id=parse_id(self.sender_organ_id, "senderOrganId"),
            kind=self.kind,
            subject=self.subject,
            body=self.body,
            recipients=tuple(Addressee(parse_id(r.organ_id, "recipients"), r.copy) for r in self.recipients),
            items=tuple(self.items),
            due_on=self.due_on,
            sensitivity=self.sensitivity,
            replies_to_id=optional_id(self.replies_to_id, "repliesToId"),
            concerns=matter(self.concerns),
            attachments=tuple(self.attachments),
        )


def matter(concerns: str | None) -> str | None:
    """What a document is about, as stored and as filtered on (round:3)."""
    return (concerns or "").strip()[:64] or None


def service(info: Info[Context, None]) -> Correspondence:
    return Correspondence(info.context.runtime.engine, info.context.clock)


async def joint_draft(info: Info[Context, None], draft_id: int) -> JointDocumentDraft:
    draft, approvals = await JointDocuments(service(info)).readable(await info.context.principal(), draft_id)
    async with reading(info.context.runtime.engine).connect() as connection:
        organs = {
            row.id: Organ.of(row)
            for row in await connection.execute(select(OrganRow).where(OrganRow.id.in_([a.organ_id for a in approvals])))
        }
    return JointDocumentDraft(
        id=strawberry.ID(str(draft.id)),
        state=JointState(draft.state),
        lead_organ_id=strawberry.ID(str(draft.lead_organ_id)),
        kind=DocumentKind(draft.draft["kind"]),
        subject=draft.draft["subject"],
        body=draft.draft["body"],
        signatures=[JointSignature(organ=organs[a.organ_id], approved_by=a.approved_by, approved_at=a.approved_at) for a in approvals],
        document_id=None if draft.document_id is None else strawberry.ID(str(draft.document_id)),
        proposed_by=draft.proposed_by,
        proposed_at=draft.proposed_at,
    )


async def documents(info: Info[Context, None], rows: Sequence[Row]) -> list[CorrespondenceDocument]:
    """Views of documents with their senders, recipients, items and attachments: five statements for any number."""
    ids = [row.id for row in rows]
    today = info.context.clock.today()
    async with reading(info.context.runtime.engine).connect() as connection:
        recipients = (await connection.execute(select(Recipient).where(Recipient.document_id.in_(ids)).order_by(Recipient.id))).all()
        items = (
            await connection.execute(select(DocumentItem).where(DocumentItem.document_id.in_(ids)).order_by(DocumentItem.position))
        ).all()
        attachments = (
            await connection.execute(
                select(DocumentAttachment).where(DocumentAttachment.document_id.in_(ids)).order_by(DocumentAttachment.file_name)
            )
        ).all()
        organ_ids = (
            {row.sender_organ_id for row in rows} | {r.organ_id for r in recipients} | {o for row in rows for o in row.joint_organ_ids}
        )
        organs = {organ.id: Organ.of(organ) for organ in await connection.execute(select(OrganRow).where(OrganRow.id.in_(organ_ids)))}
    due = {row.id: row.due_on for row in rows}
    by_document: dict[int, list[DocumentRecipient]] = defaultdict(list)
    for r in recipients:
        late = r.copy == Copy.MAIN.value and r.state in OPEN and due[r.document_id] is not None and due[r.document_id] < today
        by_document[r.document_id].append(
            DocumentRecipient(
                organ=organs[r.organ_id],
                copy=Copy(r.copy),
                state=HandlingState(r.state),
                signed_by=r.signed_by,
                signed_at=r.signed_at,
                finished_at=r.finished_at,
                note=r.note,
                answer_id=None if r.answer_id is None else strawberry.ID(str(r.answer_id)),
                late=late,
                determination=None if r.determination is None else Determination(r.determination),
                finding_id=None if r.finding_id is None else strawberry.ID(str(r.finding_id)),
            )
        )
    items_of: dict[int, list[RequestedItem]] = defaultdict(list)
    for item in items:
        items_of[item.document_id].append(
            RequestedItem(
                position=item.position, request=item.request, answer=item.answer, answered_by=item.answered_by, answered_at=item.answered_at
            )
        )
    files_of: dict[int, list[Attachment]] = defaultdict(list)
    for a in attachments:
        files_of[a.document_id].append(Attachment(sha256=a.sha256, file_name=a.file_name, size=a.size, content_type=a.content_type))
    return [
        CorrespondenceDocument(
            id=strawberry.ID(str(row.id)),
            kind=DocumentKind(row.kind),
            document_number=row.document_number,
            subject=row.subject,
            body=row.body,
            sensitivity=Sensitivity(row.sensitivity),
            due_on=row.due_on,
            replies_to_id=None if row.replies_to_id is None else strawberry.ID(str(row.replies_to_id)),
            concerns=row.concerns,
            sender=organs[row.sender_organ_id],
            joint_issuers=[organs[organ] for organ in row.joint_organ_ids],
            sent_by=row.sent_by,
            sent_at=row.sent_at,
            recipients=by_document[row.id],
            items=items_of[row.id],
            attachments=files_of[row.id],
        )
        for row in rows
    ]


async def _one(info: Info[Context, None], document_id: int) -> CorrespondenceDocument:
    row = await service(info).readable(await info.context.principal(), document_id)
    return (await documents(info, [row]))[0]


@strawberry.type
class CorrespondenceQuery:
    @query(
        "一个机关的公文：received 收文（可只看未办结的），sent 发文；concerns 只看涉及某事项的（如 round:3 即该轮次移交的事项及其办理结果）；新的在前",
        special("该机关的成员；联络员除外"),
    )
    async def correspondence(
        self,
        info: Info[Context, None],
        organ_id: strawberry.ID,
        sent: bool = False,
        open_only: bool = False,
        first: int = 50,
        concerns: str | None = None,
    ) -> list[CorrespondenceDocument]:
        rows = await service(info).box(
            await info.context.principal(), parse_id(organ_id, "organId"), sent, open_only, max(1, min(first, 200)), matter(concerns)
        )
        return await documents(info, rows)

    @query("一份联合发文稿及各会签机关的会签情况", special("牵头机关和会签机关的成员；联络员除外"))
    async def joint_document_draft(self, info: Info[Context, None], id: strawberry.ID) -> JointDocumentDraft:
        return await joint_draft(info, parse_id(id, "id"))

    @query("一份公文及各收文机关的办理情况", READERS)
    async def correspondence_document(self, info: Info[Context, None], id: strawberry.ID) -> CorrespondenceDocument:
        return await _one(info, parse_id(id, "id"))


@strawberry.type
class CorrespondenceMutation:
    @mutation(
        "以本机关名义发出公文（函请、巡前通报、移交、通知、复函），编发文号",
        special("发文机关的管理员、监督检查人员（经办）和审核人员", writes=True),
    )
    async def send_document(self, info: Info[Context, None], input: DocumentInput) -> CorrespondenceDocument:
        principal = await info.context.writer()
        document_id = await service(info).send(principal, input.draft(), info.context.request_id)
        return await _one(info, document_id)

    @mutation("收文机关签收、办理、办结或退回（须写明理由）一份公文；抄送机关只签收", HANDLERS)
    async def handle_document(
        self,
        info: Info[Context, None],
        document_id: strawberry.ID,
        organ_id: strawberry.ID,
        action: Annotated[Labelled, strawberry.argument(graphql_type=HandlingAction)],
        note: str | None = None,
    ) -> CorrespondenceDocument:
        principal = await info.context.writer()
        transition = HANDLING_WORKFLOW.transition(action.name.lower())
        await service(info).move(
            principal, parse_id(document_id, "documentId"), parse_id(organ_id, "organId"), transition, note, info.context.request_id
        )
        return await _one(info, parse_id(document_id, "documentId"))

    @mutation("主送机关逐项答复函请的调阅材料清单", HANDLERS)
    async def answer_document_item(
        self, info: Info[Context, None], document_id: strawberry.ID, organ_id: strawberry.ID, position: int, answer: str
    ) -> CorrespondenceDocument:
        principal = await info.context.writer()
        await service(info).answer_item(principal, parse_id(document_id, "documentId"), parse_id(organ_id, "organId"), position, answer)
        return await _one(info, parse_id(document_id, "documentId"))

    @mutation(
        "编办对主送给它的移交作出认定：属实的须先登记问题（日常监督或轮次问题）并给出 findingId，不属实的须写明理由；随即向移交机关复函",
        HANDLERS,
    )
    async def determine_handover(
        self,
        info: Info[Context, None],
        document_id: strawberry.ID,
        organ_id: strawberry.ID,
        finding_id: strawberry.ID | None = None,
        reason: str | None = None,
    ) -> CorrespondenceDocument:
        principal = await info.context.writer()
        reply_id = await determine(
            service(info),
            principal,
            parse_id(document_id, "documentId"),
            parse_id(organ_id, "organId"),
            optional_id(finding_id, "findingId"),
            reason,
            info.context.request_id,
        )
        return await _one(info, reply_id)

    @mutation(
        "牵头机关拟稿联合发文（如与纪委监委、组织部联合通报），交本地区各会签机关会签",
        special("牵头机关的管理员、监督检查人员（经办）和审核人员", writes=True),
    )
    async def propose_joint_document(
        self, info: Info[Context, None], input: DocumentInput, joint_organ_ids: list[strawberry.ID]
    ) -> JointDocumentDraft:
        principal = await info.context.writer()
        joint = tuple(parse_id(organ, "jointOrganIds") for organ in joint_organ_ids)
        draft_id = await JointDocuments(service(info)).propose(principal, input.draft(), joint)
        return await joint_draft(info, draft_id)

    @mutation("会签机关会签联合发文（该机关的管理员或审核人员）", special("会签机关的管理员和审核人员", writes=True))
    async def approve_joint_document(self, info: Info[Context, None], id: strawberry.ID, organ_id: strawberry.ID) -> JointDocumentDraft:
        principal = await info.context.writer()
        await JointDocuments(service(info)).approve(principal, parse_id(id, "id"), parse_id(organ_id, "organId"))
        return await joint_draft(info, parse_id(id, "id"))

    @mutation(
        "各会签机关都会签后，牵头机关以本机关文号发出联合发文", special("牵头机关的管理员、监督检查人员（经办）和审核人员", writes=True)
    )
    async def issue_joint_document(self, info: Info[Context, None], id: strawberry.ID) -> CorrespondenceDocument:
        principal = await info.context.writer()
        document_id = await JointDocuments(service(info)).issue(principal, parse_id(id, "id"), info.context.request_id)
        return await _one(info, document_id)
