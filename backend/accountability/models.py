"""Accountability cases (追责问责). A case lives in the schema of the office that opened it;
its subject is an inspected unit of that office or of an office below it (or a leader of
such a unit), its findings are problem-bank rows of the same subtree. What the case decided is
recorded as measures (问责措施).

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

    OPENED = "立案", "已立案"
    INVESTIGATING = "调查核实", "调查核实中"
    PROPOSED = "拟处理", "拟处理（待决定）"
    DECIDED = "决定", "已决定"
    CARRIED_OUT = "执行", "执行中"
    CLOSED = "结案", "已结案"
    WITHDRAWN = "撤销", "已撤销"


class MeasureKind(Labelled):
    """问责措施: the office's own tools, and the decisions of others it records."""

    INTERVIEW = "约谈"
    PHONE_REMINDER = "电话提醒"
    CRITICISM = "通报批评"
    LETTER = "函告"
    REFERRAL = "移交纪检监察机关"
    FREEZE = "冻结机构编制调整事项"
    LOCK = "锁定实名制账户"
    ORDER_RECTIFICATION = "责令整改"
    ORGANIZATIONAL_HANDLING = "组织处理"


class RestrictionKind(Labelled):
    """The measures that are a state of the unit while they hold (UnitRestriction)."""

    FREEZE = MeasureKind.FREEZE.value
    LOCK = MeasureKind.LOCK.value


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
    state: Mapped[str] = mapped_column(String(8), server_default="立案")
    proposal: Mapped[str | None] = mapped_column(Text)  # 拟处理意见
    decision: Mapped[str | None] = mapped_column(Text)  # 处理决定
    conclusion: Mapped[str | None] = mapped_column(Text)  # 结案或撤销的说明
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    closed_at: Mapped[datetime | None]  # 结案 or 撤销
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
    attendees and minutes; a freeze or lock points at the unit's restriction it imposed."""

    __tablename__ = "case_measure"
    __table_args__ = (
        CheckConstraint(_in("kind", MeasureKind), name="case_measure_kind"),
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
