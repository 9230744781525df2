"""统一反馈: the round's office hands a unit its problems in a numbered 反馈意见 addressed to the
unit's 主要负责人; from that day run the clocks of the unit's 整改方案 and 整改情况报告."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit


class RoundFeedback(TenantBase):
    __tablename__ = "round_feedback"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", name="round_feedback_round_unit_key"),
        UniqueConstraint("document_number", name="round_feedback_document_number_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    year: Mapped[int]
    number: Mapped[int]  # in the issuing office's series: a led round's are the leading office's
    document_number: Mapped[str] = mapped_column(String(128))  # 文号
    addressee: Mapped[str] = mapped_column(String(64))  # the unit's 主要负责人
    given_on: Mapped[date]
    findings: Mapped[int]  # how many problems it handed over
    plan_due: Mapped[date]  # the 整改方案
    report_due: Mapped[date]  # the 整改情况报告 with the 主要负责人组织落实情况报告
    given_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
