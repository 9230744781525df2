"""问题底稿: a problem as the round's team writes it down during 进驻, before the unit formally
receives it. A draft may be sent to the unit for 事实确认 (the unit agrees, or disputes it with a
reason; the team then revises, keeps or withdraws it); at the 统一反馈 the confirmed drafts become
findings with their ledger entries. Until then nothing outside the team sees a draft: it is not
a finding, so the ledger, the problem bank, statistics, warnings and notifications never read it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.findings.models import Finding, RectificationClass, Severity
from backend.history import MoveRecord
from backend.rounds.models import InspectionRound
from backend.sensitivity import Sensitivity, marking_check, marking_column
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class DraftState(Labelled):
    DRAFT = "底稿"
    SENT = "待确认"  # sent to the unit for 事实确认
    DISPUTED = "有异议"
    CONFIRMED = "已确认"  # the unit agreed, the team kept it after a dispute, or settled it unsent
    WITHDRAWN = "已撤回"
    FED_BACK = "已反馈"  # a finding since the 统一反馈


def _in(column: str, values: type[Labelled]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class FindingDraft(TenantBase):
    __tablename__ = "finding_draft"
    __table_args__ = (
        marking_check("finding_draft"),
        CheckConstraint(_in("state", DraftState), name="finding_draft_state"),
        CheckConstraint(_in("severity", Severity), name="finding_draft_severity"),
        CheckConstraint(_in("rectification_class", RectificationClass), name="finding_draft_class"),
        Index("finding_draft_round_unit_idx", "round_id", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sensitivity: Mapped[str] = marking_column(Sensitivity.INTERNAL)  # 公开 / 内部 / 敏感
    self_found: Mapped[bool] = mapped_column(server_default="false")  # 自查发现: reported by the unit in its 自查表
    # 立行立改: what the unit reports it fixed (with files), and who of the team confirmed it.
    fix_note: Mapped[str | None] = mapped_column(Text)
    fix_evidence: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    fixed_at: Mapped[datetime | None]
    fix_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    code: Mapped[str | None] = mapped_column(String(32))  # the office's 问题编号 for the finding, if it numbers its own
    taxonomy_code: Mapped[str] = mapped_column(String(16))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)  # the facts
    basis: Mapped[str | None] = mapped_column(Text)  # 依据: the rule and article it breaks
    requirement: Mapped[str | None] = mapped_column(Text)  # 整改要求
    evidence_sources: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    severity: Mapped[str] = mapped_column(String(8))
    rectification_class: Mapped[str] = mapped_column(String(8))
    found_on: Mapped[date]
    deadline: Mapped[date | None]  # None: the 整改情况报告's due date, set at the 统一反馈
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(8), server_default=DraftState.DRAFT.value)
    version: Mapped[int] = mapped_column(server_default="1")
    sent_at: Mapped[datetime | None]  # first sent for 事实确认: from then on the unit sees it
    finding_id: Mapped[int | None] = mapped_column(ForeignKey(Finding.id), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DraftEvent(MoveRecord, TenantBase):
    """A draft's move: sent, agreed or disputed (with the unit's reason), revised, kept, withdrawn, fed back."""

    __tablename__ = "finding_draft_event"
    __table_args__ = (Index("finding_draft_event_draft_idx", "draft_id", "id"),)

    draft_id: Mapped[int] = mapped_column(ForeignKey(FindingDraft.id))
