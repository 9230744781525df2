"""Per-province settings of the warning rules: the national defaults (rules.py) unless the
province set its own; cities and counties inherit their province's. A province's admins
set them, audited in the province's own trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.warnings.models import WarningThreshold
from backend.warnings.rules import MAX_SETTING, RULES, Setting
from tenants.access import Principal, Role
from tenants.divisions import Level, province_of
from tenants.errors import DomainError
from tenants.scoping import reading, tenant_engine

THRESHOLD_EDITORS = frozenset({Role.ADMIN})
THRESHOLD_LEVELS = frozenset({Level.PROVINCE})  # cities and counties inherit their province's


@dataclass(frozen=True)
class Effective:
    rule: str
    setting: Setting
    province_code: str
    set_by_province: bool  # False: the national default


async def province_settings(connection: AsyncConnection, province_code: str) -> dict[str, Effective]:
    """Every rule's setting in force in the province."""
    rows = {
        row.rule: row for row in await connection.execute(select(WarningThreshold).where(WarningThreshold.province_code == province_code))
    }
    return {
        code: Effective(code, Setting(rows[code].parameter, rows[code].yellow_at, rows[code].red_at), province_code, True)
        if code in rows
        else Effective(code, rule.default, province_code, False)
        for code, rule in RULES.items()
    }


def check_setting(rule_code: str, parameter: int | None, yellow_at: int, red_at: int) -> Setting:
    rule = RULES.get(rule_code)
    if rule is None:
        raise DomainError("UNKNOWN_RULE", f"预警规则须为：{'、'.join(RULES)}", field="rule")
    if rule.parameter is None and parameter is not None:
        raise DomainError("INVALID_THRESHOLD", f"“{rule.name}”没有可设定的参数", field="parameter")
    if rule.parameter is not None and (parameter is None or not 0 <= parameter <= rule.parameter_max):
        raise DomainError("INVALID_THRESHOLD", f"“{rule.name}”须设定{rule.parameter}，0 到 {rule.parameter_max}", field="parameter")
    if not 0 < yellow_at <= red_at <= MAX_SETTING:
        raise DomainError("INVALID_THRESHOLD", f"须 0 < 黄色起点 ≤ 红色起点 ≤ {MAX_SETTING}", field="yellowAt")
    return Setting(parameter, yellow_at, red_at)


class ThresholdService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def effective(self, tenant_code: str) -> list[Effective]:
        """The settings in force for a tenant (its province's)."""
        async with reading(self.engine).connect() as connection:
            return list((await province_settings(connection, province_of(tenant_code))).values())

    async def set(self, principal: Principal, province_code: str, rule: str, setting: Setting, request_id: str | None) -> Effective:
        """Set a rule for a province (whose admins may, and only a province, is declared on the operation)."""
        async with tenant_engine(self.engine, province_code).begin() as connection:
            before = (await province_settings(connection, province_code))[rule]
            values = {"parameter": setting.parameter, "yellow_at": setting.yellow_at, "red_at": setting.red_at}
            proposed = upsert(WarningThreshold).values(province_code=province_code, rule=rule, updated_by=principal.username, **values)
            await connection.execute(  # the proposed row's updated_at (now()): Citus takes no function in DO UPDATE
                proposed.on_conflict_do_update(
                    index_elements=[WarningThreshold.province_code, WarningThreshold.rule],
                    set_={**values, "updated_by": principal.username, "updated_at": proposed.excluded.updated_at},
                )
            )
            await record_audit(
                connection,
                province_code,
                actor=principal.username,
                action="warning_threshold.set",
                entity="warning_threshold",
                entity_id=rule,
                before={**vars(before.setting), "set_by_province": before.set_by_province},
                after=values,
                request_id=request_id,
            )
        return Effective(rule, setting, province_code, True)
