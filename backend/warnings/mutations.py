"""GraphQL mutations of early warnings: turning one into a finding, a province's settings
(apart from types.py, which Unit imports for its openWarnings and which must not import the
findings types that import Unit)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.findings.types import Finding, read_finding
from backend.ids import parse_id
from backend.warnings.thresholds import ThresholdService, check_setting
from backend.warnings.types import WarningRule, WarningThreshold, warnings
from tenants.naming import check_code


@strawberry.type
class WarningMutation:
    @strawberry.mutation(
        description="把预警转为问题（管理员、检查员）：按规则对应的问题分类登记到所给轮次（须覆盖该单位）并生成整改台账，"
        "严重程度随预警等级；version 须为读到的版本"
    )
    async def convert_warning_to_finding(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        round_id: strawberry.ID,
        deadline: date,
    ) -> Finding:
        principal = await info.context.writer()
        tenant_code = check_code(tenant_code, field="tenantCode")
        finding_id = await warnings(info).convert(
            principal,
            tenant_code,
            parse_id(id, "id"),
            version,
            round_id=parse_id(round_id, "roundId"),
            deadline=deadline,
            today=info.context.clock.today(),
            taxonomy=await info.context.runtime.taxonomy(),
            request_id=info.context.request_id,
        )
        return await read_finding(info, principal, tenant_code, finding_id)

    @strawberry.mutation(description="设定本省某条预警规则的参数和等级阈值（省级机构管理员）；市县沿用")
    async def set_warning_threshold(
        self,
        info: Info[Context, None],
        province_code: str,
        rule: WarningRule,
        yellow_at: int,
        red_at: int,
        parameter: int | None = None,
    ) -> WarningThreshold:
        principal = await info.context.writer()
        setting = check_setting(rule.value, parameter, yellow_at, red_at)
        effective = await ThresholdService(info.context.runtime.engine).set(
            principal, check_code(province_code, field="provinceCode"), rule.value, setting, info.context.request_id
        )
        return WarningThreshold.of(effective)
