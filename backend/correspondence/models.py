"""Correspondence between organs (公文往来), in the shared schema `correspondence`: a document goes
from one organ to others in the same region or in its parent or child regions, so it belongs to
no one tenant. Each recipient (主送 or 抄送) has its own state of handling."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index, MetaData, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.sensitivity import Sensitivity, marking_check, marking_column
from tenants.labelled import Labelled, sql_values

CORRESPONDENCE_SCHEMA = "correspondence"


class CorrespondenceBase(DeclarativeBase):
    metadata = MetaData(schema=CORRESPONDENCE_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class DocumentKind(Labelled):
    """The kinds of documents organs send each other, with the character their 文号 carries
    after the 机关代字 (双编办函〔2026〕3号)."""

    REQUEST = "函请", "函请（调阅材料）"
    BRIEFING = "巡前通报", "巡前通报"
    HANDOVER = "移交", "移交"
    NOTICE = "通知", "通知"
    REPLY = "复函", "复函（反馈）"


SERIES_MARK = {
    DocumentKind.REQUEST: "函",
    DocumentKind.BRIEFING: "通",
    DocumentKind.HANDOVER: "移",
    DocumentKind.NOTICE: "发",
    DocumentKind.REPLY: "复",
}


class Copy(Labelled):
    MAIN = "主送"
    COPY = "抄送"


class HandlingState(Labelled):
    SENT = "已发送"
    SIGNED = "已签收"
    HANDLING = "办理中"
    FINISHED = "已办结"
    RETURNED = "已退回"


class Document(CorrespondenceBase):
    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("sender_organ_id", "kind", "year", "number", name="document_number_key"),
        CheckConstraint(f"kind IN ({sql_values(DocumentKind)})", name="document_kind"),
        CheckConstraint("(kind = '复函') = (replies_to_id IS NOT NULL)", name="document_reply_answers"),
        marking_check("document"),
        Index("document_sender_idx", "sender_organ_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    sender_organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"))
    sender_tenant_code: Mapped[str] = mapped_column(String(6))  # whose audit trail records the sending
    year: Mapped[int]
    number: Mapped[int]
    document_number: Mapped[str] = mapped_column(String(64))  # 文号: 双编办函〔2026〕3号
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sensitivity: Mapped[str] = marking_column(Sensitivity.INTERNAL)
    due_on: Mapped[date | None]  # 办理时限
    replies_to_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))  # a 复函's document
    concerns: Mapped[str | None] = mapped_column(String(64))  # what it is about: round:3, finding:12, clue:5, case:2
    joint_organ_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")  # 联合发文 with the sender
    sent_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DocumentItem(CorrespondenceBase):
    """An item of a 函请's list, answered one by one by the recipient."""

    __tablename__ = "document_item"

    document_id: Mapped[int] = mapped_column(ForeignKey(Document.id), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    request: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]


class Determination(Labelled):
    CONFIRMED = "认定属实", "认定为机构编制违规问题"
    REJECTED = "不予认定", "不属于机构编制违规问题"


class Recipient(CorrespondenceBase):
    __tablename__ = "recipient"
    __table_args__ = (
        UniqueConstraint("document_id", "organ_id", name="recipient_once_key"),
        CheckConstraint(f"copy IN ({sql_values(Copy)})", name="recipient_copy"),
        CheckConstraint(f"state IN ({sql_values(HandlingState)})", name="recipient_state"),
        CheckConstraint(f"determination IS NULL OR determination IN ({sql_values(Determination)})", name="recipient_determination"),
        CheckConstraint("(determination = '认定属实') = (finding_id IS NOT NULL)", name="recipient_confirmed_finding"),
        Index("recipient_inbox_idx", "organ_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey(Document.id))
    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"))
    tenant_code: Mapped[str] = mapped_column(String(6))  # the recipient organ's region
    copy: Mapped[str] = mapped_column(String(4))
    state: Mapped[str] = mapped_column(String(4), server_default=HandlingState.SENT.value)
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)  # why it was returned
    answer_id: Mapped[int | None] = mapped_column(ForeignKey(Document.id))  # the 复函 that finished it
    # The 编办's 认定 of a 移交 it received (backend/correspondence/determination.py).
    determination: Mapped[str | None] = mapped_column(String(8))
    finding_id: Mapped[int | None] = mapped_column(BigInteger)  # the finding it became, in the recipient's ledger
    reminded_at: Mapped[datetime | None]  # when the deadline engine told it that it is late (once)
    version: Mapped[int] = mapped_column(server_default="1")


class DocumentCounter(CorrespondenceBase):
    """The last number an organ gave in a kind's series in a year (文号 without gaps)."""

    __tablename__ = "counter"

    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int]


class JointState(Labelled):
    PENDING = "待会签"
    ISSUED = "已发文"


class JointDraft(CorrespondenceBase):
    """A document several organs issue together (联合发文): the lead organ proposes it, each joint
    organ approves it (会签), then the lead organ issues it under its own 文号."""

    __tablename__ = "joint_draft"
    __table_args__ = (CheckConstraint(f"state IN ({sql_values(JointState)})", name="joint_draft_state"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    lead_organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"))
    draft: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the document as proposed
    state: Mapped[str] = mapped_column(String(4), server_default=JointState.PENDING.value)
    document_id: Mapped[int | None] = mapped_column(ForeignKey(Document.id))
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class JointApproval(CorrespondenceBase):
    """A joint organ's 会签 of a joint draft (empty until it approves)."""

    __tablename__ = "joint_approval"

    draft_id: Mapped[int] = mapped_column(ForeignKey(JointDraft.id), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"), primary_key=True, index=True)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]


class OrganFile(CorrespondenceBase):
    """A file an organ uploaded to attach to its documents (the content is in the evidence store)."""

    __tablename__ = "organ_file"

    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(128))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DocumentAttachment(CorrespondenceBase):
    __tablename__ = "document_attachment"

    document_id: Mapped[int] = mapped_column(ForeignKey(Document.id), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(128))
