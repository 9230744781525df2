"""Staff records (实名制人员): the persons an office's 实名制 export lists for each unit, with
their staffing category (or, for 编外 persons, how they are employed), post type, birth year
and education, whether they are at their post, and secondments (借调) away from it.

The 身份证号 is never stored in clear: a keyed hash (HMAC-SHA256 with the deployment's secret)
identifies the person across imports, and a masked form (431321********123X) is shown. The
birth year is taken from the number at import; nothing else of it is kept."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled, sql_values


class PostType(Labelled):
    """岗位类别: a 机关's 行政 and 工勤 posts, a 事业单位's three kinds."""

    ADMINISTRATIVE = "行政岗位"  # 公务员（参公）岗位
    ORGAN_WORKER = "机关工勤岗位"
    MANAGEMENT = "管理岗位"
    PROFESSIONAL = "专业技术岗位"
    SKILLED_WORKER = "工勤技能岗位"


class Education(Labelled):
    """学历, highest first."""

    POSTGRADUATE = "研究生"
    BACHELOR = "大学本科"
    COLLEGE = "大专"
    SECONDARY = "中专及以下"


class OffRoll(Labelled):
    """编外类别: how a person without a 编制 is employed."""

    HIRED = "编外聘用"
    PURCHASED_SERVICE = "政府购买服务"
    DISPATCHED = "劳务派遣"


class StaffRecord(TenantBase):
    __tablename__ = "staff_record"
    __table_args__ = (
        CheckConstraint("seconded_to IS NULL OR seconded_from IS NULL OR seconded_to >= seconded_from", name="staff_record_period"),
        CheckConstraint("(category IS NULL) <> (off_roll IS NULL)", name="staff_record_roll"),
        CheckConstraint(f"post_type IN ({sql_values(PostType)})", name="staff_record_post_type"),
        CheckConstraint(f"education IN ({sql_values(Education)})", name="staff_record_education"),
        CheckConstraint(f"off_roll IN ({sql_values(OffRoll)})", name="staff_record_off_roll"),
        Index("staff_record_unit_idx", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    name: Mapped[str] = mapped_column(String(64))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the natural key of an import
    id_masked: Mapped[str] = mapped_column(String(18))
    category: Mapped[str | None] = mapped_column(String(16))  # 编制类别; None: 编外 (off_roll says how)
    on_post: Mapped[bool]  # 在岗
    seconded: Mapped[bool]  # 借调在外
    seconded_from: Mapped[date | None]
    seconded_to: Mapped[date | None]  # the agreed end; None: open-ended
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)  # from the 身份证号; None: imported before t0025
    post_type: Mapped[str | None] = mapped_column(String(16))
    education: Mapped[str | None] = mapped_column(String(16))
    off_roll: Mapped[str | None] = mapped_column(String(16))  # 编外类别
