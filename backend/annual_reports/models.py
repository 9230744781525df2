"""The annual 机构编制报告: each unit's report to its office (tenant table `annual_report`: the
figures and the narrative as one JSON document), and the office's report onward to its parent
(`supervision.annual_collection`: when the reports are due, and the figures of its units'
reports, frozen when it submits)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.supervision.models import SupervisionBase
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class AnnualReportState(Labelled):
    PENDING = "未报送", "未报送"
    SUBMITTED = "已报送", "已报送（待审核）"
    RETURNED = "已退回", "已退回（须修改后重报）"
    ACCEPTED = "已审核", "已审核"


class AnnualReport(TenantBase):
    __tablename__ = "annual_report"
    __table_args__ = (
        UniqueConstraint("year", "unit_id", name="annual_report_year_unit_key"),
        CheckConstraint("state IN ('未报送', '已报送', '已退回', '已审核')", name="annual_report_state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    year: Mapped[int]  # the year reported on
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    state: Mapped[str] = mapped_column(String(4), server_default=AnnualReportState.PENDING.value)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # backend/annual_reports/content.py
    due_on: Mapped[date]
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # why it was returned
    version: Mapped[int] = mapped_column(server_default="1")


class AnnualCollection(SupervisionBase):
    """An office's collection of a year's reports: when its units' reports and its own onward are
    due, the reminders given, and its report onward once submitted (figures frozen then)."""

    __tablename__ = "annual_collection"

    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(String(6))
    due_on: Mapped[date]  # the units' reports (default: end of January)
    onward_due_on: Mapped[date]  # the office's own report onward (default: end of February)
    units_reminded_at: Mapped[datetime | None]
    onward_reminded_at: Mapped[datetime | None]
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    narrative: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None]
