"""Early warnings (预警) raised from units' staffing data, and the per-province settings of
the rules that raise them.

A warning is open until its cause disappears (closed_at and a close note set by the engine);
at most one open warning per unit, rule and subject (a staffing category, a rank, or '' for
the whole unit), which is what makes re-running the engine idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.findings.models import Finding
from backend.supervision.models import SupervisionBase
from backend.text import MAX_NOTE
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class WarningLevel(Labelled):
    """How far a breach goes, the mildest first (rules.py: by its excess over the province's thresholds)."""

    BLUE = "blue", "蓝色"
    YELLOW = "yellow", "黄色"
    RED = "red", "红色"

    @property
    def rank(self) -> int:
        return list(WarningLevel).index(self)


class WarningState(Labelled):
    """Whether a warning is open: it closes itself when its cause is gone (closed_at set)."""

    OPEN = "open", "未关闭"
    CLOSED = "closed", "已关闭"


class StaffingWarning(TenantBase):
    __tablename__ = "staffing_warning"
    __table_args__ = (
        CheckConstraint("level IN ('blue', 'yellow', 'red')", name="staffing_warning_level"),
        Index("staffing_warning_open_once", "unit_id", "rule", "subject_key", unique=True, postgresql_where=text("closed_at IS NULL")),
        Index("staffing_warning_unit_idx", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    rule: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(64), server_default="")  # category, rank, body, or '' (the unit)
    level: Mapped[str] = mapped_column(String(8))
    measured: Mapped[int]  # what the unit has (people, posts, bodies, days)
    allowed: Mapped[int]  # what it may have
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    closed_at: Mapped[datetime | None]
    close_note: Mapped[str | None] = mapped_column(String(MAX_NOTE))  # written by the engine
    finding_id: Mapped[int | None] = mapped_column(ForeignKey(Finding.id))
    version: Mapped[int] = mapped_column(server_default="1")


class WarningThreshold(SupervisionBase):
    """A province's setting of one rule (its counties and cities inherit it); rules a province
    did not set use the national defaults in rules.py."""

    __tablename__ = "warning_threshold"
    __table_args__ = (CheckConstraint("0 < yellow_at AND yellow_at <= red_at", name="warning_threshold_levels"),)

    province_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    parameter: Mapped[int | None]  # the rule's own limit (days, bodies), where it has one
    yellow_at: Mapped[int]  # excess from which a warning is yellow
    red_at: Mapped[int]  # … and red
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
