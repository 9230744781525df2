"""GraphQL mutations of early warnings: turning one into a finding, a province's settings
(apart from types.py, which Unit imports for its openWarnings and which must not import the
findings types that import Unit)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.findings.service import FINDING_WRITERS
from backend.findings.types import Finding, read_finding
from backend.ids import parse_id
from backend.permissions import mutation, write
from backend.warnings.thresholds import THRESHOLD_EDITORS, THRESHOLD_LEVELS, ThresholdService, check_setting
from backend.warnings.types import WarningRule, WarningThreshold, warnings


@strawberry.type
class WarningMutation:
    @mutation(
        "把预警转为问题：按规则对应的问题分类登记到所给轮次（须覆盖该单位）并生成整改台账，严重程度随预警等级；version 须为读到的版本",
        write(FINDING_WRITERS),
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
        principal = await info.context.principal()
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

    @mutation(
        "设定本省某条预警规则的参数和等级阈值；市县沿用所在省的设定",
        write(THRESHOLD_EDITORS, tenant="province_code", levels=THRESHOLD_LEVELS),
    )
    async def set_warning_threshold(
        self,
        info: Info[Context, None],
        province_code: str,
        rule: WarningRule,
        yellow_at: int,
        red_at: int,
        parameter: int | None = None,
    ) -> WarningThreshold:
        principal = await info.context.principal()
        setting = check_setting(rule, parameter, yellow_at, red_at)
        effective = await ThresholdService(info.context.runtime.engine).set(
            principal, province_code, rule, setting, info.context.request_id
        )
        return WarningThreshold.of(effective)
