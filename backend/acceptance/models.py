"""验收: the office that gave a unit its problems checks the rectification and closes (销号) what
is done — 对号结账 — recording the day, who, the conclusion and, where the province scores it, a
score. One 验收 per unit and round."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit


class Acceptance(TenantBase):
    __tablename__ = "acceptance"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", name="acceptance_round_unit_key"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="acceptance_score"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    accepted_on: Mapped[date]
    conclusion: Mapped[str] = mapped_column(Text)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    closed: Mapped[int]  # problems closed at this 验收
    left_open: Mapped[int]  # problems still being rectified after it
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
