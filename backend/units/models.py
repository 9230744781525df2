"""Inspected units (被检查单位) with their 三定 data and actual staffing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Identity, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from tenants.labelled import Labelled


class UnitType(Labelled):
    """What kind of body an inspected unit is (stored, and shown, in Chinese)."""

    PARTY = "党的机关"
    PEOPLES_CONGRESS = "人大机关"
    GOVERNMENT = "政府机关"
    CPPCC = "政协机关"
    SUPERVISORY = "监察机关"
    JUDICIAL = "审判机关"
    PROCURATORIAL = "检察机关"
    MASS_ORGANIZATION = "群团机关"
    DEMOCRATIC_PARTIES_AND_FEDERATION = "民主党派和工商联机关"
    PUBLIC_INSTITUTION = "事业单位"


class InspectedUnit(TenantBase):
    __tablename__ = "inspected_unit"
    __table_args__ = (CheckConstraint("unit_type IN (" + ", ".join(f"'{t}'" for t in UnitType) + ")", name="inspected_unit_type"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # 统一社会信用代码 (18 characters) or the institution's own code.
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    unit_type: Mapped[str] = mapped_column(String(32))
    approved_staffing: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")  # 核定编制数, by category
    leadership_posts: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")  # 领导职数, by rank
    internal_bodies: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # 内设机构 as the unit has set them up
    actual_staffing: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")  # 实有人数, by category
    actual_posts: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")  # 实配领导, by rank
    actual_as_of: Mapped[date | None]
    approved_internal_bodies: Mapped[int | None]  # 内设机构 the 三定 approves; None: not recorded
    body_leader_posts: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")  # 领导职数, by internal body
    body_leaders: Mapped[dict[str, int]] = mapped_column(JSONB, server_default="{}")  # 实配领导, by internal body
    mandate_number: Mapped[str | None] = mapped_column(String(64))  # the “三定”规定's 文号
    mandate_issued_on: Mapped[date | None]  # … and its date
    version: Mapped[int] = mapped_column(server_default="1")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
