"""整改情况报告: within two months of its 统一反馈 a unit reports how each problem stands (已完成,
正在推进 or 未完成, with an account and evidence), together with the 主要负责人组织落实情况报告; the
office reviews it item by item (过筛式: each accepted or not, with the reason)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.findings.models import Finding
from backend.history import MoveRecord
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class ReportState(Labelled):
    DRAFTING = "填报中"
    SUBMITTED = "已报送"
    RETURNED = "已退回"
    REVIEWED = "已审核"


class Progress(Labelled):
    """Where a problem's rectification stands, as the unit reports it."""

    DONE = "已完成"
    UNDER_WAY = "正在推进"
    NOT_DONE = "未完成"


class Verdict(Labelled):
    ACCEPTED = "认可"
    NOT_ACCEPTED = "不认可"


class RectificationReport(TenantBase):
    __tablename__ = "rectification_report"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", name="rectification_report_round_unit_key"),
        CheckConstraint("state IN ('填报中', '已报送', '已退回', '已审核')", name="rectification_report_state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    summary: Mapped[str] = mapped_column(Text)  # the 整改情况报告's text
    leader_report: Mapped[str] = mapped_column(Text)  # the 主要负责人组织落实情况报告
    state: Mapped[str] = mapped_column(String(8), server_default=ReportState.DRAFTING.value)
    version: Mapped[int] = mapped_column(server_default="1")
    submitted_at: Mapped[datetime | None]  # first submitted: whether it came in time
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ReportItem(TenantBase):
    """A problem's line of the report and the office's verdict on it."""

    __tablename__ = "rectification_report_item"
    __table_args__ = (
        UniqueConstraint("report_id", "finding_id", name="rectification_report_item_key"),
        CheckConstraint("progress IN ('已完成', '正在推进', '未完成')", name="rectification_report_item_progress"),
        CheckConstraint("verdict IS NULL OR verdict IN ('认可', '不认可')", name="rectification_report_item_verdict"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey(RectificationReport.id))
    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id))
    progress: Mapped[str] = mapped_column(String(8))
    account: Mapped[str] = mapped_column(Text)  # what was done
    evidence: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # uploaded files' sha256
    verdict: Mapped[str | None] = mapped_column(String(8))
    verdict_note: Mapped[str | None] = mapped_column(Text)


class ReportEvent(MoveRecord, TenantBase):
    """A report's move: saved, submitted, returned (with the reasons), reviewed."""

    __tablename__ = "rectification_report_event"
    __table_args__ = (Index("rectification_report_event_report_idx", "report_id", "id"),)

    report_id: Mapped[int] = mapped_column(ForeignKey(RectificationReport.id))
