"""Warnings as offices see them: listed with filters within the policy (a liaison sees its
unit's), a unit's open warnings for a DataLoader, and turning a warning into a finding: the
finding, its ledger entry, its problem-bank row and the warning's link to it in one
transaction, through the findings service."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, Select, case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.cursors import Window, by_id, decode_cursor, window
from backend.findings.models import EvidenceSource, Severity
from backend.findings.service import check_finding, insert_finding
from backend.units.models import InspectedUnit
from backend.warnings.models import StaffingWarning, WarningLevel, WarningState
from backend.warnings.rules import RULES, Breach, WarningRule
from problem_bank.taxonomy import Taxonomy
from tenants.access import Place, Principal, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader

SEVERITY_OF_LEVEL = {WarningLevel.BLUE: Severity.ORDINARY, WarningLevel.YELLOW: Severity.SERIOUS, WarningLevel.RED: Severity.GRAVE}
MOST_SEVERE_FIRST = case({level: -level.rank for level in WarningLevel}, value=StaffingWarning.level)


@dataclass(frozen=True)
class WarningFilter:
    level: WarningLevel | None = None
    rule: WarningRule | None = None
    state: WarningState | None = WarningState.OPEN  # None: open and closed
    unit_id: int | None = None

    def apply(self, query: Select) -> Select:
        if self.level is not None:
            query = query.where(StaffingWarning.level == self.level)
        if self.rule is not None:
            query = query.where(StaffingWarning.rule == self.rule)
        if self.state is not None:
            is_open = StaffingWarning.closed_at.is_(None)
            query = query.where(is_open if self.state is WarningState.OPEN else ~is_open)
        if self.unit_id is not None:
            query = query.where(StaffingWarning.unit_id == self.unit_id)
        return query


def _select(principal: Principal, place: Place) -> Select:
    query = select(StaffingWarning, InspectedUnit.name.label("unit_name")).join(InspectedUnit, InspectedUnit.id == StaffingWarning.unit_id)
    if (units := visible_units(principal, place)) is not None:
        query = query.where(StaffingWarning.unit_id.in_(units))
    return query


async def open_warnings_of_units(connection: AsyncConnection, unit_ids: list[int]) -> dict[int, list]:
    """unit id → its open warnings, red first (every id present), in one statement."""
    found: dict[int, list] = defaultdict(list)
    query = (
        select(StaffingWarning, InspectedUnit.name.label("unit_name"))
        .join(InspectedUnit, InspectedUnit.id == StaffingWarning.unit_id)
        .where(StaffingWarning.unit_id.in_(unit_ids), StaffingWarning.closed_at.is_(None))
        .order_by(StaffingWarning.unit_id, MOST_SEVERE_FIRST, StaffingWarning.id)
    )
    for row in await connection.execute(query):
        found[row.unit_id].append(row)
    return {unit_id: found[unit_id] for unit_id in unit_ids}


class WarningService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def page(self, principal: Principal, tenant_code: str, filter: WarningFilter, *, first: int, after: str | None) -> Window[Row]:
        """A page of the warnings the filter selects, the newest first."""
        place = await readable_place(self.engine, principal, tenant_code)
        query = filter.apply(_select(principal, place))
        if (cursor := decode_cursor(after, int)) is not None:
            query = query.where(StaffingWarning.id < cursor[0])
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query.order_by(StaffingWarning.id.desc()).limit(first + 1))).all()
        return window(rows, first, by_id)

    async def convert(
        self,
        principal: Principal,
        tenant_code: str,
        warning_id: int,
        version: int,
        *,
        round_id: int,
        deadline: date,
        today: date,
        taxonomy: Taxonomy,
        request_id: str | None,
    ) -> int:
        """Log the warning as a finding of `round_id` (which must cover its unit), coded with
        its rule's manifestation, severity from its level; answers the finding's id."""
        place = await readable_place(self.engine, principal, tenant_code)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            row = (
                await connection.execute(
                    _select(principal, place).where(StaffingWarning.id == warning_id).with_for_update(of=StaffingWarning)
                )
            ).one_or_none()
            if row is None:
                raise not_found()
            warning, rule = row, RULES[row.rule]
            if warning.finding_id is not None:
                raise DomainError("ALREADY_CONVERTED", f"该预警已转为问题（问题 ID {warning.finding_id}）", field="id")
            if warning.version != version:
                raise DomainError("STALE_VERSION", f"该预警已更新（当前版本 {warning.version}），请刷新后重试", field="version")
            if warning.closed_at is not None:
                raise DomainError("WARNING_CLOSED", "该预警已关闭，情形已消除", field="id")
            if rule.taxonomy_code is None:
                raise DomainError("NOT_CONVERTIBLE", f"“{rule.name}”是提示性预警，不构成问题", field="id")
            data = check_finding(
                round_id=round_id,
                unit_id=warning.unit_id,
                taxonomy_code=rule.taxonomy_code,
                description=f"{row.unit_name}{rule.name}：{rule.describe(Breach(warning.subject_key, warning.measured, warning.allowed))}（由编制预警转入）",
                evidence_sources=[EvidenceSource.REAL_NAME_DATA],
                severity=SEVERITY_OF_LEVEL[WarningLevel(warning.level)],
                fixed_on_spot=False,
                found_on=today,
                deadline=deadline,
                responsible_person=None,
                measures=None,
                close_note=None,
                today=today,
                taxonomy=taxonomy,
                tenant_code=tenant_code,
            )
            finding_id = await insert_finding(connection, tenant_code, data, principal.username, request_id)
            await connection.execute(
                update(StaffingWarning)
                .where(StaffingWarning.id == warning_id)
                .values(finding_id=finding_id, version=StaffingWarning.version + 1)
            )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="warning.converted",
                entity="warning",
                entity_id=str(warning_id),
                before={"version": version},
                after={"finding_id": finding_id, "version": version + 1},
                request_id=request_id,
            )
        return finding_id
