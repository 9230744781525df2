"""Periodic rectification reports up the hierarchy (整改情况定期报告): a county reports to its
city, a city to its province, once a period (its province's calendar: a quarter by default), in the shared `supervision` schema
because the parent office reads it (backend/reporting/service.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Identity, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.supervision.models import SupervisionBase
from tenants.labelled import Labelled


class ReportUpState(Labelled):
    DRAFT = "草稿", "草稿"
    SUBMITTED = "已报送", "已报送（待上级确认）"
    ACKNOWLEDGED = "已确认", "上级已确认"
    RETURNED = "已退回", "上级已退回"


class ReportUp(SupervisionBase):
    __tablename__ = "report_up"
    __table_args__ = (
        UniqueConstraint("tenant_code", "period", name="report_up_period_key"),
        CheckConstraint("state IN ('草稿', '已报送', '已确认', '已退回')", name="report_up_state"),
        Index("report_up_parent_idx", "parent_code", "period"),  # a parent's view of its children
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6))  # the reporting office
    parent_code: Mapped[str] = mapped_column(String(6))  # the office it reports to
    period: Mapped[str] = mapped_column(String(8))  # 2026Q4, 2026H2, 2026M03
    due_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(4), server_default=ReportUpState.DRAFT.value)
    narrative: Mapped[str] = mapped_column(Text)  # 整改工作情况
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # the bank's figures, frozen when submitted
    prepared_by: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str | None] = mapped_column(String(64))  # the admin who signed it off
    submitted_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # the parent's reason when it returned the report
    version: Mapped[int] = mapped_column(server_default="1")
