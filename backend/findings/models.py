"""Findings (问题) and their rectification ledger entries (整改台账)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit

SEVERITIES = ("一般", "较重", "严重")
EVIDENCE_SOURCES = ("实名制数据", "任免文件", "官方网站", "工作报告", "现场情况", "钉钉数据")
# 挂号 registered → 整改中 in progress → 申请销号 close-out requested → 已销号 closed
LEDGER_STATES = ("挂号", "整改中", "申请销号", "已销号")


class Finding(TenantBase):
    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint("severity IN ('一般', '较重', '严重')", name="finding_severity"),
        Index("finding_round_idx", "round_id", "id"),
        Index("finding_unit_idx", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    taxonomy_code: Mapped[str] = mapped_column(String(16))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    evidence_sources: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    severity: Mapped[str] = mapped_column(String(8))
    fixed_on_spot: Mapped[bool] = mapped_column(server_default="false")  # 即知即改
    found_on: Mapped[date]
    found_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LedgerEntry(TenantBase):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("state IN ('挂号', '整改中', '申请销号', '已销号')", name="ledger_entry_state"),
        CheckConstraint("(state = '已销号') = (closed_at IS NOT NULL)", name="ledger_entry_closed_at"),
        Index("ledger_entry_open_deadline_idx", "deadline", postgresql_where=text("state <> '已销号'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id), unique=True)
    state: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[date]
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    measures: Mapped[str | None] = mapped_column(Text)
    close_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(server_default="1")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
