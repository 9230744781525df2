"""Findings (问题) logged during inspection rounds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class Severity(Labelled):
    ORDINARY = "一般"
    SERIOUS = "较重"
    GRAVE = "严重"


class RectificationClass(Labelled):
    """How a problem is rectified: at once, by a deadline, or over years (超编 is absorbed year by year)."""

    AT_ONCE = "立行立改"
    BY_DEADLINE = "限期整改"
    LONG_TERM = "长期整改"


class EvidenceSource(Labelled):
    """Where a finding's facts come from (宁波's six sources)."""

    REAL_NAME_DATA = "实名制数据"
    APPOINTMENT_DOCUMENTS = "任免文件"
    OFFICIAL_WEBSITE = "官方网站"
    WORK_REPORTS = "工作报告"
    ON_SITE = "现场情况"
    DINGTALK_DATA = "钉钉数据"


class Finding(TenantBase):
    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint("severity IN ('一般', '较重', '严重')", name="finding_severity"),
        CheckConstraint("rectification_class IN ('立行立改', '限期整改', '长期整改')", name="finding_rectification_class"),
        Index("finding_round_idx", "round_id", "id"),
        Index("finding_unit_idx", "unit_id", "id"),
        Index("finding_taxonomy_idx", "taxonomy_code", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # 问题编号: given by the office (an Excel import is idempotent on it), else WT + id (a trigger).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    taxonomy_code: Mapped[str] = mapped_column(String(16))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    evidence_sources: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    severity: Mapped[str] = mapped_column(String(8))
    fixed_on_spot: Mapped[bool] = mapped_column(server_default="false")  # 即知即改
    rectification_class: Mapped[str] = mapped_column(String(8), server_default=RectificationClass.BY_DEADLINE.value)
    found_on: Mapped[date]
    found_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
