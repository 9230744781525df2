"""The tenant registry, in the shared schema `tenancy`.

The registry is keyed by the division code itself: it is what every office, document and
problem-bank row calls a tenant by. A division change that gives an office a new code is
applied to every row that names it, and the old code is kept in `code_change`
(tenants/recode.py). `province_code`/`city_code` are the ancestors, stored so that "the
subtree of T" is one indexed equality whatever T's level.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tenants.labelled import Labelled
from tenants.naming import REGISTRY_SCHEMA


class RegistryBase(DeclarativeBase):
    metadata = MetaData(schema=REGISTRY_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class TenantStatus(Labelled):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "已停用"  # its members' grants there are void (identity/service.py)


class Tenant(RegistryBase):
    __tablename__ = "tenant"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{6}$'", name="tenant_code_format"),
        CheckConstraint("schema_name = 't' || code", name="tenant_schema_name_from_code"),
        CheckConstraint("level IN ('province', 'city', 'county')", name="tenant_level"),
        CheckConstraint("(level = 'province') = (parent_code IS NULL)", name="tenant_parent_by_level"),
        CheckConstraint("status IN ('active', 'suspended')", name="tenant_status"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 64", name="tenant_name_length"),
        Index("tenant_parent_idx", "parent_code"),
        Index("tenant_province_idx", "province_code"),
        Index("tenant_city_idx", "city_code"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("tenant.code"))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    schema_name: Mapped[str] = mapped_column(String(16), unique=True)
    schema_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CodeChange(RegistryBase):
    """An office's former code and what it became (tenants/recode.py): recoded (the same office
    under a new code) or merged into another office."""

    __tablename__ = "code_change"

    old_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    old_name: Mapped[str] = mapped_column(String(64))
    new_code: Mapped[str] = mapped_column(String(6))
    new_name: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column()


class SpareSchema(RegistryBase):
    """A pre-built, empty tenant schema waiting to be renamed into a new tenant's."""

    __tablename__ = "spare_schema"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    schema_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
