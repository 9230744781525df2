"""The 检查情况报告's own words: the text the team writes around what is generated from the
confirmed drafts (to whom it goes, the 基本情况 and the 意见建议), per round or per unit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit


class ReportText(TenantBase):
    __tablename__ = "inspection_report_text"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", name="inspection_report_text_key", postgresql_nulls_not_distinct=True),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey(InspectedUnit.id))  # None: the whole round's report
    addressee: Mapped[str] = mapped_column(String(64))  # 主送, e.g. 县委巡察工作领导小组办公室
    opening: Mapped[str] = mapped_column(Text)  # 基本情况
    closing: Mapped[str] = mapped_column(Text)  # 意见建议
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
