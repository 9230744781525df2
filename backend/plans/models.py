"""整改方案: a unit's answer to its 反馈意见, one task per problem (任务清单、责任清单、时限: the
measure, the responsible leader and department, the deadline), submitted by the unit and
approved or returned by the office that gave the feedback; the approved plan sets the problems'
ledger entries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.findings.models import Finding
from backend.history import MoveRecord
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class PlanState(Labelled):
    DRAFTING = "填报中"
    SUBMITTED = "已报送"
    RETURNED = "已退回"
    APPROVED = "已批准"


class RectificationPlan(TenantBase):
    __tablename__ = "rectification_plan"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", name="rectification_plan_round_unit_key"),
        CheckConstraint("state IN ('填报中', '已报送', '已退回', '已批准')", name="rectification_plan_state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    state: Mapped[str] = mapped_column(String(8), server_default=PlanState.DRAFTING.value)
    version: Mapped[int] = mapped_column(server_default="1")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RectificationTask(TenantBase):
    """A problem's line of the 整改方案: the measure, who answers for it, by when."""

    __tablename__ = "rectification_task"
    __table_args__ = (Index("rectification_task_plan_idx", "plan_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey(RectificationPlan.id))
    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id), unique=True)
    measure: Mapped[str] = mapped_column(Text)
    responsible_leader: Mapped[str] = mapped_column(String(64))
    responsible_department: Mapped[str] = mapped_column(String(128))
    deadline: Mapped[date]
    quantities: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONB, server_default="{}")  # planned only


class PlanEvent(MoveRecord, TenantBase):
    """A plan's move: saved, submitted, returned (with the reason), approved."""

    __tablename__ = "rectification_plan_event"
    __table_args__ = (Index("rectification_plan_event_plan_idx", "plan_id", "id"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey(RectificationPlan.id))
