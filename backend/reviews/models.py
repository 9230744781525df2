"""Leader responsibility reviews (三责联审): the leaders of inspected units, the reviews of
them (离任审核 on leaving office, 任中审核 during a term), the stages each review goes
through, and the problems it found (findings in the ledger).

Leaders' personal data is kept minimal: name, post, unit, level and the dates of the post."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.findings.models import Finding
from backend.rounds.models import InspectionRound
from backend.text import MAX_NOTE
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class LeaderLevel(Labelled):
    """Whose review it is, as 苏州's 三责联审 names them (planning.py's tenure rules read it)."""

    COUNTY = "县级", "县（市、区）党政正职"
    TOWN = "乡镇", "乡镇（街道）党政正职"
    MUNICIPAL_DEPARTMENT = "市直部门", "市直部门正职"
    COUNTY_DEPARTMENT = "县直部门", "县直部门正职"
    DIRECT_INSTITUTION = "直属单位", "直属事业单位、人民团体主要负责人"
    OTHER = "其他", "其他领导干部"


class ReviewGrade(Labelled):
    """审核结论的等次."""

    GOOD = "好"
    FAIRLY_GOOD = "较好"
    FAIR = "一般"
    POOR = "差"


class LeavingReason(Labelled):
    TERM_ENDED = "任期届满"
    PROMOTED = "提拔"
    EXCHANGED = "交流"
    ROTATED = "轮岗"
    DISMISSED = "免职"
    RESIGNED = "辞职"
    DEMOTED = "降职"
    RETIRED = "退休"


class ReviewKind(Labelled):
    LEAVING = "离任审核"
    IN_TERM = "任中审核"


class ReviewState(Labelled):
    """The states of a review (workflow.py moves it between them)."""

    OPEN = "进行中"
    CLOSED = "已完成"


class ReviewStageName(Labelled):
    """The stages of a review, in the order they happen."""

    PRE_NOTICE = "审前告知"
    MOBILIZATION = "动员部署"
    SELF_REPORT = "个人述职"
    DEMOCRATIC_APPRAISAL = "民主评议"
    INTERVIEWS = "个别访谈"
    ON_SITE_CHECK = "实地查验"
    SUMMARY = "情况汇总"
    FEEDBACK = "信息反馈"
    RECTIFICATION = "整改落实"
    FOLLOW_UP = "跟踪督导"
    ACCEPTANCE = "检查验收"


STAGES = tuple(ReviewStageName)  # indexed by a stage's position - 1


def _one_of(column: str, values: type[Labelled]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


TALK_NOTES_MAX = 200  # 谈话要点, in characters


class Leader(TenantBase):
    __tablename__ = "leader"
    __table_args__ = (
        CheckConstraint(_one_of("level", LeaderLevel), name="leader_level"),
        CheckConstraint(_one_of("leaving_reason", LeavingReason), name="leader_leaving_reason"),
        CheckConstraint("(left_on IS NULL) = (leaving_reason IS NULL)", name="leader_leaving"),
        CheckConstraint("left_on IS NULL OR left_on >= appointed_on", name="leader_tenure"),
        CheckConstraint("(talk_held_on IS NULL) = (talk_conducted_by IS NULL)", name="leader_talk"),
        Index("leader_unit_idx", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str] = mapped_column(String(64))  # 职务, e.g. 局长
    level: Mapped[str] = mapped_column(String(8))
    appointed_on: Mapped[date]  # 任现职时间
    left_on: Mapped[date | None]  # 离任时间
    leaving_reason: Mapped[str | None] = mapped_column(String(8))
    # The 纪律谈话 on appointment (湖南): when, by whom (谈话人), what was said.
    talk_held_on: Mapped[date | None]
    talk_conducted_by: Mapped[str | None] = mapped_column(String(64))
    talk_notes: Mapped[str | None] = mapped_column(String(TALK_NOTES_MAX))  # bounded: no TOAST table
    version: Mapped[int] = mapped_column(server_default="1")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LeaderReview(TenantBase):
    """One review of a leader, for a plan year, carried out within a 三责联审 round."""

    __tablename__ = "leader_review"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ReviewKind), name="leader_review_kind"),
        CheckConstraint(_one_of("state", ReviewState), name="leader_review_state"),
        CheckConstraint("(state = '已完成') = (closed_at IS NOT NULL)", name="leader_review_closed_at"),
        CheckConstraint("grade IS NULL OR " + _one_of("grade", ReviewGrade), name="leader_review_grade"),
        UniqueConstraint("leader_id", "year", name="leader_review_leader_year_key"),
        Index("leader_review_year_idx", "year", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey(Leader.id))
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    kind: Mapped[str] = mapped_column(String(8))
    year: Mapped[int]
    state: Mapped[str] = mapped_column(String(8), server_default="进行中")
    conclusion: Mapped[str | None] = mapped_column(Text)  # 审核结论, written on closing
    grade: Mapped[str | None] = mapped_column(String(4))  # its 等次 (好 / 较好 / 一般 / 差)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(server_default="1")


class ReviewStage(TenantBase):
    """A stage of a review as it was held (recorded in STAGES order, once each)."""

    __tablename__ = "review_stage"
    __table_args__ = (CheckConstraint(_one_of("stage", ReviewStageName), name="review_stage_stage"),)

    review_id: Mapped[int] = mapped_column(ForeignKey(LeaderReview.id), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)  # 1-based index in STAGES
    stage: Mapped[str] = mapped_column(String(8))
    held_on: Mapped[date]
    notes: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ReviewProblem(TenantBase):
    """A problem a review found: a finding in the ledger (and the problem bank)."""

    __tablename__ = "review_problem"
    __table_args__ = (Index("review_problem_review_idx", "review_id"),)

    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id), primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey(LeaderReview.id))
