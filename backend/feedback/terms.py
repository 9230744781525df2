"""A province's terms of the round lifecycle: how long a unit has after its 统一反馈 (its
整改方案 within `plan_days`, default 15; its 整改情况报告 within `report_months`, default two,
as the 巡视工作条例 has it), and whether a 验收 is scored. Cities and counties follow their
province's; a province's admins set them, audited in the province's own trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, func, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from backend.audit.service import record_audit
from backend.clock import months_after
from backend.supervision.models import SupervisionBase
from tenants.access import Principal
from tenants.divisions import province_of
from tenants.errors import DomainError
from tenants.scoping import tenant_engine

MAX_PLAN_DAYS = 90
MAX_REPORT_MONTHS = 12


class RoundTermsRow(SupervisionBase):
    """A province's own terms (shared migration 0022); a province without a row has the defaults."""

    __tablename__ = "round_terms"

    province_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    plan_days: Mapped[int]
    report_months: Mapped[int]
    acceptance_scored: Mapped[bool]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


@dataclass(frozen=True)
class Terms:
    plan_days: int = 15
    report_months: int = 2
    acceptance_scored: bool = False  # 验收 records a score (0–100)
    set_by_province: bool = False  # False: the defaults

    def plan_due(self, given_on: date) -> date:
        return given_on + timedelta(days=self.plan_days)

    def report_due(self, given_on: date) -> date:
        return months_after(given_on, self.report_months)


def check_terms(plan_days: int, report_months: int, acceptance_scored: bool) -> Terms:
    if not 1 <= plan_days <= MAX_PLAN_DAYS:
        raise DomainError("INVALID_TERMS", f"整改方案的报送期限须为 1 到 {MAX_PLAN_DAYS} 天", field="planDays")
    if not 1 <= report_months <= MAX_REPORT_MONTHS:
        raise DomainError("INVALID_TERMS", f"整改情况报告的报送期限须为 1 到 {MAX_REPORT_MONTHS} 个月", field="reportMonths")
    return Terms(plan_days, report_months, acceptance_scored, set_by_province=True)


async def terms_of(connection: AsyncConnection, tenant_code: str) -> Terms:
    """The terms in force for an office: its province's."""
    row = (await connection.execute(select(RoundTermsRow).where(RoundTermsRow.province_code == province_of(tenant_code)))).one_or_none()
    if row is None:
        return Terms()
    return Terms(row.plan_days, row.report_months, row.acceptance_scored, set_by_province=True)


async def set_terms(engine: AsyncEngine, principal: Principal, province_code: str, terms: Terms, request_id: str | None) -> None:
    """Who may (the province's admins) is declared on the operation."""
    async with tenant_engine(engine, province_code).begin() as connection:
        before = await terms_of(connection, province_code)
        values = {"plan_days": terms.plan_days, "report_months": terms.report_months, "acceptance_scored": terms.acceptance_scored}
        await connection.execute(
            upsert(RoundTermsRow)
            .values(province_code=province_code, updated_by=principal.username, **values)
            .on_conflict_do_update(index_elements=[RoundTermsRow.province_code], set_={**values, "updated_by": principal.username})
        )
        await record_audit(
            connection,
            province_code,
            actor=principal.username,
            action="round_terms.set",
            entity="province",
            entity_id=province_code,
            before={"plan_days": before.plan_days, "report_months": before.report_months, "acceptance_scored": before.acceptance_scored},
            after=values,
            request_id=request_id,
        )
