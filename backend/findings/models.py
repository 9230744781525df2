"""Findings (问题) logged during inspection rounds or in daily supervision (日常监督)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.rounds.models import InspectionRound
from backend.sensitivity import Sensitivity, marking_check, marking_column
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


class FindingSource(Labelled):
    """Where a finding comes from: a round (巡视、巡察 or a check), or a channel of 日常监督
    (daily supervision), which finds problems outside any round and needs none."""

    ROUND = "巡察检查", "巡视巡察、专项检查等轮次"
    RECRUITMENT_REVIEW = "进人审核"
    REAL_NAME_REVIEW = "实名制审核"
    STAFFING_REPORT_ANALYSIS = "机构编制报告分析"
    REPORT_12310 = "12310举报"
    AUDIT_REFERRAL = "审计移送线索"
    EVALUATION = "机构编制评估"


DAILY_SOURCES = frozenset(FindingSource) - {FindingSource.ROUND}


class Finding(TenantBase):
    __tablename__ = "finding"
    __table_args__ = (
        marking_check("finding"),
        CheckConstraint("severity IN ('一般', '较重', '严重')", name="finding_severity"),
        CheckConstraint("rectification_class IN ('立行立改', '限期整改', '长期整改')", name="finding_rectification_class"),
        CheckConstraint("source IN (" + ", ".join(f"'{s}'" for s in FindingSource) + ")", name="finding_source"),
        # A round's finding names its round; a daily one has none (and only it may cite a reference).
        CheckConstraint(f"(source = '{FindingSource.ROUND}') = (round_id IS NOT NULL)", name="finding_source_round"),
        CheckConstraint(f"source_reference IS NULL OR source <> '{FindingSource.ROUND}'", name="finding_source_reference"),
        Index("finding_round_idx", "round_id", "id"),
        Index("finding_unit_idx", "unit_id", "id"),
        Index("finding_taxonomy_idx", "taxonomy_code", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sensitivity: Mapped[str] = marking_column(Sensitivity.INTERNAL)  # 公开 / 内部 / 敏感
    # 问题编号: given by the office (an Excel import is idempotent on it), else WT + id (a trigger).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey(InspectionRound.id))  # None: a daily-supervision finding
    source: Mapped[str] = mapped_column(String(16), server_default=FindingSource.ROUND.value)
    source_reference: Mapped[str | None] = mapped_column(String(64))  # 12310 举报编号, 审计移送函文号…
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    taxonomy_code: Mapped[str] = mapped_column(String(16))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    evidence_sources: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    severity: Mapped[str] = mapped_column(String(8))
    fixed_on_spot: Mapped[bool] = mapped_column(server_default="false")  # 当场整改完毕 (立行立改, closed when logged)
    rectification_class: Mapped[str] = mapped_column(String(8), server_default=RectificationClass.BY_DEADLINE.value)
    found_on: Mapped[date]
    found_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ImportState(Labelled):
    QUEUED = "排队", "排队中"
    RUNNING = "进行中", "导入中"
    DONE = "完成", "已完成"
    FAILED = "失败", "失败"


class ImportJob(TenantBase):
    """An Excel import of findings (backend/findings/import_jobs.py): run at once when small or a
    dry run, else by the worker, its progress and its report kept for the office to read."""

    __tablename__ = "import_job"
    __table_args__ = (CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in ImportState) + ")", name="import_job_state"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    dry_run: Mapped[bool]
    state: Mapped[str] = mapped_column(String(4))
    total: Mapped[int]  # rows read from the sheet
    processed: Mapped[int] = mapped_column(server_default="0")  # rows written so far
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # ImportReport, once done
    failure: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
