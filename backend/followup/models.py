"""回头看: a later round re-checks the problems an earlier round closed; each is found 巩固 (still
rectified) or 反弹 (it came back: the ledger entry is reopened)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.findings.models import Finding
from backend.rounds.models import InspectionRound
from backend.text import MAX_NOTE
from tenants.labelled import Labelled


class FollowUpOutcome(Labelled):
    """What a 回头看 finds of a problem closed earlier."""

    CONSOLIDATED = "巩固"  # still rectified
    REBOUNDED = "反弹"  # came back: reopened


class FollowUpCheck(TenantBase):
    """A 回头看's finding on one problem an earlier round closed."""

    __tablename__ = "follow_up_check"
    __table_args__ = (
        UniqueConstraint("round_id", "finding_id", name="follow_up_check_key"),
        CheckConstraint("outcome IN ('巩固', '反弹')", name="follow_up_check_outcome"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id))
    outcome: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(MAX_NOTE))
    checked_by: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(server_default=func.now())
