"""Evaluation (三评合一): indicator systems in the shared schema `evaluation` (a province's or a
city's, versioned; an example for everyone else), and in each office its evaluations of its
departments with each department's 自评, scores per 要点, 满意度, total and grade."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, MetaData, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.db import TenantBase
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled

EVALUATION_SCHEMA = "evaluation"


class EvaluationBase(DeclarativeBase):
    metadata = MetaData(schema=EVALUATION_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class IndicatorLevel(Labelled):
    FIRST = "一级", "一级指标"
    SECOND = "二级", "二级指标"
    THIRD = "三级", "三级指标"
    POINT = "要点", "评估要点（计分）"


class IndicatorSystem(EvaluationBase):
    __tablename__ = "indicator_system"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_code: Mapped[str | None] = mapped_column(String(6))  # a province or city; none: the example
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Indicator(EvaluationBase):
    __tablename__ = "indicator"

    system_id: Mapped[int] = mapped_column(ForeignKey(IndicatorSystem.id), primary_key=True)
    code: Mapped[str] = mapped_column(String(24), primary_key=True)  # I1, I1.2, I1.2.1, I1.2.1.1
    parent_code: Mapped[str | None] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(200))
    max_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # 要点 only
    personal: Mapped[bool] = mapped_column(server_default="false")  # 个性: scored only where it applies
    satisfaction: Mapped[bool] = mapped_column(server_default="false")  # scored from the survey
    position: Mapped[int]


class EvaluationKind(Labelled):
    EXECUTION = "执行情况和使用效益评估", "机构编制执行情况和使用效益评估"
    FUNCTIONS = "职能履行情况评估", "部门职能履行情况评估"
    POWER_LIST = "权责清单评估", "权责清单评估"
    COMBINED = "三评合一", "三评合一（以上三项合并开展）"
    ACCEPTANCE = "验收评估", "机构改革验收评估"


class EvaluationState(Labelled):
    PLANNED = "方案", "方案（确定评估对象）"
    SELF_ASSESSING = "自评", "部门自评"
    ASSESSING = "评估", "评估组评估"
    FED_BACK = "已反馈", "已反馈结果"
    CLOSED = "已办结", "已办结"


class Grade(Labelled):
    EXCELLENT = "优秀"
    GOOD = "良好"
    FAIR = "一般"
    POOR = "较差"


class Evaluation(TenantBase):
    __tablename__ = "evaluation"
    __table_args__ = (CheckConstraint("state IN ('方案', '自评', '评估', '已反馈', '已办结')", name="evaluation_state"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(128))
    year: Mapped[int]
    system_id: Mapped[int] = mapped_column(BigInteger)  # evaluation.indicator_system (no key across schemas)
    state: Mapped[str] = mapped_column(String(8), server_default=EvaluationState.PLANNED.value)
    version: Mapped[int] = mapped_column(server_default="1")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EvaluationUnit(TenantBase):
    """A department under evaluation: its 自评 ({code: {text, evidence}}), the 评估组's scores
    ({code: {score, reason, by}}; score null: the 个性 要点 does not apply), its 满意度 (0–100)
    and, once every applicable 要点 is scored, its total and grade."""

    __tablename__ = "evaluation_unit"

    evaluation_id: Mapped[int] = mapped_column(ForeignKey(Evaluation.id), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id), primary_key=True)
    self_assessment: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    scores: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    satisfaction: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    total: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    grade: Mapped[str | None] = mapped_column(String(4))
    version: Mapped[int] = mapped_column(server_default="1")
