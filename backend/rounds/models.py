"""Inspection rounds (巡视/巡察 rounds and special checks), the units they cover, their
team, and the units' self-check submissions (自查)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, ForeignKeyConstraint, Identity, Index, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.text import MAX_NOTE
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class RoundKind(Labelled):
    """What a round is (stored, and shown, in Chinese): 巡视 by a province, 巡察 by a city or
    county committee, or one of the special checks."""

    INSPECTION_TOUR = "巡视"
    PATROL_INSPECTION = "巡察"
    APPOINTMENT_CHECK = "选人用人专项检查"
    LEADER_REVIEW = "三责联审"
    SPECIAL_CHECK = "专项检查"
    ROUTINE_SUPERVISION = "日常督查"
    FOLLOW_UP = "回头看"  # re-checks an earlier round's closed problems


class InspectionMethod(Labelled):
    """How a round finds out: the methods of 巡视巡察 and 宁波's six."""

    HEARING_REPORTS = "听取汇报"
    INTERVIEWS = "个别谈话"
    DOCUMENT_REVIEW = "调阅资料"
    DEMOCRATIC_EVALUATION = "民主测评"
    QUESTIONNAIRE = "问卷调查"
    LETTERS_AND_VISITS = "受理来信来访"
    VISITS = "走访"
    ON_SITE_CHECK = "实地查验"
    ROUTINE = "常规检查"
    SELF_CHECK = "单位自查"
    REAL_NAME_SCREENING = "实名制筛查"
    SPOT_CHECK = "重点抽查"
    SPECIAL_CHECK = "专项检查"
    DATA_COMPARISON = "数据比对"


class TeamDuty(Labelled):
    """A member's duty in a round's team."""

    LEADER = "组长"
    DEPUTY_LEADER = "副组长"
    MEMBER = "组员"
    LIAISON = "联络员"


class RoundStage(Labelled):
    """Where a round stands, from the annual plan to the archive (stored, and shown, in Chinese)."""

    PLANNED = "计划"
    PREPARING = "准备"
    STATIONED = "进驻"
    INVESTIGATING = "了解情况"
    REPORTING = "报告"
    FEEDBACK = "反馈"
    RECTIFYING = "整改"
    ACCEPTANCE = "验收"
    ARCHIVED = "归档"


class InspectionRound(TenantBase):
    __tablename__ = "inspection_round"
    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in RoundKind) + ")", name="inspection_round_kind"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="inspection_round_period"),
        CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in RoundStage) + ")", name="inspection_round_state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    methods: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    state: Mapped[str] = mapped_column(String(16), server_default=RoundStage.PLANNED.value)  # its RoundStage
    follows_round_id: Mapped[int | None] = mapped_column(BigInteger)  # a 回头看's earlier round (its key below)
    scope: Mapped[str | None] = mapped_column(Text)  # the 检查方案: what it covers
    key_points: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # taxonomy codes it looks at first
    division_of_work: Mapped[str | None] = mapped_column(Text)
    announcement: Mapped[dict | None] = mapped_column(JSONB)  # the 进驻公告: how people reach the team
    led_by: Mapped[str | None] = mapped_column(String(6))  # the upper office leading it (backend/rounds/leading.py); None: this office
    version: Mapped[int] = mapped_column(server_default="1")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# A key on its own table, written with column objects so a copy of the metadata in another schema keeps it.
InspectionRound.__table__.append_constraint(  # type: ignore[attr-defined]
    ForeignKeyConstraint(
        [InspectionRound.__table__.c.follows_round_id],
        [InspectionRound.__table__.c.id],
        name="inspection_round_follows_round_id_fkey",
    )
)


class RoundUnit(TenantBase):
    __tablename__ = "round_unit"
    __table_args__ = (Index("round_unit_unit_idx", "unit_id"),)

    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id), primary_key=True)


class RoundMember(TenantBase):
    __tablename__ = "round_member"
    __table_args__ = (
        CheckConstraint("duty IN ('组长', '副组长', '组员', '联络员')", name="round_member_duty"),
        Index("round_member_round_idx", "round_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    name: Mapped[str] = mapped_column(String(64))
    duty: Mapped[str] = mapped_column(String(16))
    organ_id: Mapped[int | None] = mapped_column(BigInteger)  # tenancy.organ: the member's organ; None: the office's 编办


class SelfCheck(TenantBase):
    """A unit's own report for a round (单位自查), one per unit and round."""

    __tablename__ = "self_check"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", name="self_check_round_unit_key"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    content: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RoundStageEvent(TenantBase):
    """A round's move from one stage to the next: when, by whom, with what note."""

    __tablename__ = "round_stage_event"
    __table_args__ = (Index("round_stage_event_round_idx", "round_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    actor: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
