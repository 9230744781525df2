"""Accountability cases (追责问责). A case lives in the schema of the office that opened it;
its subject is an inspected unit of that office or of an office below it (or a leader of
such a unit), its findings are problem-bank rows of the same subtree. What was done is recorded
as measures (问责措施): the office's own (责令纠正 … 锁定实名制账户), its 提出问责建议 or 移送 to
the region's 纪委监委 or 组织部 (with the document that carried it), and the personal measures
(诫勉, 组织调整或组织处理, 纪律处分) that organ decided, recorded under that organ's identity.

A freeze (冻结机构编制调整事项) or a lock (锁定实名制账户) is a state of the unit, not of the
case: it is kept in the shared `supervision` schema (the opener may not write a child's
schema), keyed by the unit's office and id, so every place that shows the unit, and the
approval systems asking `unitStatus`, see it while it holds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.sensitivity import Sensitivity, marking_check, marking_column
from backend.supervision.models import SupervisionBase
from tenants.labelled import Labelled


class CaseState(Labelled):
    """The states of a case (workflow.py moves it between them)."""

    REGISTERED = "受理", "已受理（登记）"
    VERIFYING = "核查", "核查中"
    DETERMINED = "认定", "已认定"
    HANDLING = "处理", "处理中"
    REFERRED = "移送", "已移送或提出问责建议，待回复"
    IMPLEMENTING = "落实", "落实中"
    CLOSED = "办结", "已办结"
    DISMISSED = "不予立案", "不予立案"
    WITHDRAWN = "撤销", "已撤销"


class MeasureKind(Labelled):
    """问责措施: the office's own, its 提出问责建议 and 移送, and the personal measures the organ
    it turned to decided."""

    ORDER_CORRECTION = "责令纠正"
    INTERVIEW = "约谈"
    PHONE_REMINDER = "电话提醒"
    INQUIRY = "函询"
    CIRCULATION = "通报"
    STAFFING_REDUCTION = "核减收回编制", "核减或收回编制"
    APPROVAL_SUSPENSION = "暂停审批机构编制事项"
    FREEZE = "冻结机构编制调整事项"
    LOCK = "锁定实名制账户"
    ACCOUNTABILITY_PROPOSAL = "提出问责建议"
    HANDOVER = "移送"
    ADMONITION = "诫勉"
    ORGANIZATIONAL = "组织调整或组织处理"
    DISCIPLINARY = "纪律处分"


class RestrictionKind(Labelled):
    """The measures that are a state of the unit while they hold (UnitRestriction)."""

    FREEZE = MeasureKind.FREEZE.value
    LOCK = MeasureKind.LOCK.value


class ReferralKind(Labelled):
    """How the office turns to the organ that decides on people (纪委监委 or 组织部)."""

    ACCOUNTABILITY_PROPOSAL = MeasureKind.ACCOUNTABILITY_PROPOSAL.value
    HANDOVER = MeasureKind.HANDOVER.value


class PersonalMeasureKind(Labelled):
    """Measures on a person (《中国共产党问责条例》): the deciding organ's, never the office's."""

    ADMONITION = MeasureKind.ADMONITION.value
    ORGANIZATIONAL = MeasureKind.ORGANIZATIONAL.value
    DISCIPLINARY = MeasureKind.DISCIPLINARY.value


OWN_MEASURES = frozenset(MeasureKind) - {MeasureKind(k) for k in (*ReferralKind, *PersonalMeasureKind)}


def _in(column: str, values: type[Labelled]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class AccountabilityCase(TenantBase):
    __tablename__ = "accountability_case"
    __table_args__ = (
        marking_check("accountability_case"),
        CheckConstraint(_in("state", CaseState), name="accountability_case_state"),
        CheckConstraint("(leader_name IS NULL) = (leader_post IS NULL)", name="accountability_case_leader"),
        Index("accountability_case_subject_idx", "subject_tenant_code", "subject_unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sensitivity: Mapped[str] = marking_column(Sensitivity.SENSITIVE)  # 公开 / 内部 / 敏感
    title: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text)  # 基本事实
    # The subject: a unit (of this office or one below it), or a leader of it (领导干部).
    subject_tenant_code: Mapped[str] = mapped_column(String(6))
    subject_unit_id: Mapped[int] = mapped_column(BigInteger)
    subject_unit_name: Mapped[str] = mapped_column(String(128))  # as registered when the case was opened
    subject_credit_code: Mapped[str] = mapped_column(String(18))
    leader_name: Mapped[str | None] = mapped_column(String(64))
    leader_post: Mapped[str | None] = mapped_column(String(64))
    leader_rank: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8), server_default="受理")
    determination: Mapped[str | None] = mapped_column(Text)  # 认定意见
    decision: Mapped[str | None] = mapped_column(Text)  # 处理决定 (the office's own)
    conclusion: Mapped[str | None] = mapped_column(Text)  # 办结、不予立案或撤销的说明
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    closed_at: Mapped[datetime | None]  # 办结, 不予立案 or 撤销
    version: Mapped[int] = mapped_column(server_default="1")


class CaseFinding(TenantBase):
    """A finding the case is about: a problem-bank row (problem_bank.problem) of the subtree."""

    __tablename__ = "case_finding"
    __table_args__ = (Index("case_finding_bank_idx", "tenant_code", "finding_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey(AccountabilityCase.id), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    finding_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class CaseMeasure(TenantBase):
    """A measure taken (问责措施): when, who decided, what was done; an interview (约谈) has its
    attendees and minutes; a freeze or lock points at the unit's restriction it imposed. A
    提出问责建议 or 移送 names the organ it went to and its document; a personal measure names the
    organ that decided it (decided_by is that organ's name) and the 复函 that told the office."""

    __tablename__ = "case_measure"
    __table_args__ = (
        CheckConstraint(_in("kind", MeasureKind), name="case_measure_kind"),
        CheckConstraint(
            "organ_id IS NULL OR kind IN (" + ", ".join(f"'{v}'" for v in (*ReferralKind, *PersonalMeasureKind)) + ")",
            name="case_measure_organ",
        ),
        Index("case_measure_case_idx", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey(AccountabilityCase.id))
    kind: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[date]
    decided_by: Mapped[str] = mapped_column(String(64))  # 决定人或决定机关
    content: Mapped[str] = mapped_column(Text)
    attendees: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # 约谈: 参加人员
    minutes: Mapped[str | None] = mapped_column(Text)  # 约谈: 谈话记录
    restriction_id: Mapped[int | None] = mapped_column(BigInteger)  # supervision.unit_restriction
    organ_id: Mapped[int | None] = mapped_column(BigInteger)  # tenancy.organ: referred to, or deciding
    document_id: Mapped[int | None] = mapped_column(BigInteger)  # correspondence.document: the 移送/建议, or the 复函
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())


class UnitRestriction(SupervisionBase):
    """A freeze or lock on an inspected unit, from its start until it is lifted. At most one
    of each kind holds on a unit at a time."""

    __tablename__ = "unit_restriction"
    __table_args__ = (
        CheckConstraint(_in("kind", RestrictionKind), name="unit_restriction_kind"),
        CheckConstraint("(lifted_at IS NULL) = (lifted_by IS NULL)", name="unit_restriction_lifted"),
        Index("unit_restriction_active_key", "tenant_code", "unit_id", "kind", unique=True, postgresql_where=text("lifted_at IS NULL")),
        Index("unit_restriction_unit_idx", "tenant_code", "unit_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6))  # the unit's office (references tenancy.tenant in the migration)
    unit_id: Mapped[int] = mapped_column(BigInteger)
    credit_code: Mapped[str] = mapped_column(String(18))
    unit_name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    imposed_by_code: Mapped[str] = mapped_column(String(6))  # the office whose case imposed it
    case_id: Mapped[int] = mapped_column(BigInteger)
    measure_id: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date]
    lift_conditions: Mapped[str] = mapped_column(Text)  # 解除条件
    imposed_by: Mapped[str] = mapped_column(String(64))
    imposed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(64))
    lift_note: Mapped[str | None] = mapped_column(Text)
