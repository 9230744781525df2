"""Staff records (实名制人员): the persons an office's 实名制 export lists for each unit, with
their staffing category, whether they are at their post, and secondments (借调) away from it.

The 身份证号 is never stored in clear: a keyed hash (HMAC-SHA256 with the deployment's secret)
identifies the person across imports, and a masked form (431321********123X) is shown."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.units.models import InspectedUnit


class StaffRecord(TenantBase):
    __tablename__ = "staff_record"
    __table_args__ = (
        CheckConstraint("seconded_to IS NULL OR seconded_from IS NULL OR seconded_to >= seconded_from", name="staff_record_period"),
        Index("staff_record_unit_idx", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    name: Mapped[str] = mapped_column(String(64))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the natural key of an import
    id_masked: Mapped[str] = mapped_column(String(18))
    category: Mapped[str] = mapped_column(String(16))  # 编制类别
    on_post: Mapped[bool]  # 在岗
    seconded: Mapped[bool]  # 借调在外
    seconded_from: Mapped[date | None]
    seconded_to: Mapped[date | None]  # the agreed end; None: open-ended
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
