"""整改情况公开: the text an office publishes about a round's rectification (党内通报 and 社会公开),
written from the round's figures — units, problems by category, how many are rectified — with
no personal data, edited by the team, approved by an admin who did not submit it, then published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.history import MoveRecord
from backend.rounds.models import InspectionRound
from tenants.labelled import Labelled


class NoticeState(Labelled):
    DRAFT = "草稿"
    SUBMITTED = "待审批"
    APPROVED = "已批准"
    PUBLISHED = "已公开"


class PublicNotice(TenantBase):
    __tablename__ = "public_notice"
    __table_args__ = (CheckConstraint("state IN ('草稿', '待审批', '已批准', '已公开')", name="public_notice_state"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id), unique=True)
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(8), server_default=NoticeState.DRAFT.value)
    version: Mapped[int] = mapped_column(server_default="1")
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class NoticeEvent(MoveRecord, TenantBase):
    __tablename__ = "public_notice_event"
    __table_args__ = (Index("public_notice_event_notice_idx", "notice_id", "id"),)

    notice_id: Mapped[int] = mapped_column(ForeignKey(PublicNotice.id))
