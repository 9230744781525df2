"""督办 as offices see it: the escalations in a region, and what an upper office did about
one (audited in its own trail); the working-day calendar, which the platform administrator keeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from backend.supervision.calendar import WorkingCalendar, check_year, load_calendar, set_year
from backend.supervision.models import Escalation, EscalationAction, EscalationActionKind
from tenants.access import Principal, Role, forbidden, not_found
from tenants.models import Tenant
from tenants.registry import in_subtree, readable_place
from tenants.scoping import reading, tenant_engine

ESCALATION_ACTORS = frozenset({Role.ADMIN, Role.INSPECTOR})


class SupervisionService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def escalations(self, principal: Principal, region_code: str, *, open_only: bool, first: int, after: int | None) -> Sequence[Row]:
        """Escalations of offices in the region, newest first: `first` of them after the
        escalation `after` (None: from the newest), and one more if there is. What the upper
        office did is shown to the office under 督办 too: it is addressed to it."""
        region = await readable_place(self.engine, principal, region_code)
        query = (
            select(Escalation, Tenant.name.label("office_name"))
            .join(Tenant, Tenant.code == Escalation.tenant_code)
            .where(in_subtree(region, province=Tenant.province_code, city=Tenant.city_code, code=Tenant.code))
        )
        if open_only:
            query = query.where(Escalation.closed_at.is_(None))
        if after is not None:
            query = query.where(Escalation.id < after)
        async with reading(self.engine).connect() as connection:
            return (await connection.execute(query.order_by(Escalation.id.desc()).limit(first + 1))).all()

    async def actions(self, escalation_ids: list[int]) -> dict[int, list]:
        async with reading(self.engine).connect() as connection:
            rows = await connection.execute(
                select(EscalationAction).where(EscalationAction.escalation_id.in_(escalation_ids)).order_by(EscalationAction.id)
            )
        found: dict[int, list] = {}
        for row in rows:
            found.setdefault(row.escalation_id, []).append(row)
        return found

    async def escalated_to(self, escalation_id: int) -> str | None:
        """The office an escalation went to: the one that acts on it (None: no such escalation)."""
        async with reading(self.engine).connect() as connection:
            return (await connection.execute(select(Escalation.escalated_to).where(Escalation.id == escalation_id))).scalar_one_or_none()

    async def record_action(
        self, principal: Principal, escalation_id: int, kind: EscalationActionKind, note: str, request_id: str | None
    ) -> int:
        """电话提醒 or 约谈建议 by the office the escalation went to (which of its members may, the
        operation declares)."""
        async with reading(self.engine).connect() as connection:
            escalation = (await connection.execute(select(Escalation).where(Escalation.id == escalation_id))).one_or_none()
        if escalation is None:
            raise not_found()
        upper = escalation.escalated_to
        async with tenant_engine(self.engine, upper).begin() as connection:
            action_id = (
                await connection.execute(
                    insert(EscalationAction)
                    .values(escalation_id=escalation_id, kind=kind, note=note, actor=principal.username)
                    .returning(EscalationAction.id)
                )
            ).scalar_one()
            await record_audit(
                connection,
                upper,
                actor=principal.username,
                action=f"supervision.{kind}",
                entity="escalation",
                entity_id=str(escalation_id),
                after={"office": escalation.tenant_code, "note": note},
                request_id=request_id,
            )
        return action_id

    async def calendar(self, year: int) -> WorkingCalendar:
        check_year(year)
        async with reading(self.engine).connect() as connection:
            return await load_calendar(connection, date(year, 1, 1), date(year, 12, 31))

    async def set_calendar(self, principal: Principal, year: int, holidays: list[date], workdays: list[date]) -> None:
        if not principal.is_superuser:
            raise forbidden("工作日历由平台管理员维护")
        async with self.engine.begin() as connection:
            await set_year(connection, year, holidays, workdays)
