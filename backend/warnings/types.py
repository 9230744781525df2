"""GraphQL for early warnings (预警): the office's list, a unit's open warnings (a DataLoader
fetch), the rule settings in force."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import optional_id
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import query, read
from backend.warnings.models import WarningLevel, WarningState
from backend.warnings.rules import RULES, Breach, WarningRule
from backend.warnings.service import WarningFilter, WarningService, open_warnings_of_units
from backend.warnings.thresholds import Effective, ThresholdService

graphql_enum(WarningLevel, "预警等级（按超出量与所在省设定的阈值）")
graphql_enum(WarningRule, "预警规则")
graphql_enum(WarningState, "预警是否已关闭（情形消除后自动关闭）")


@strawberry.type(description="编制预警：某单位（某编制类别、职务层次）触发的一条规则；情形消除后自动关闭")
class StaffingWarning:
    id: strawberry.ID
    unit_id: strawberry.ID
    unit_name: str
    rule: WarningRule
    rule_name: str
    subject_key: str = strawberry.field(description="编制类别或职务层次；针对整个单位的为空")
    level: WarningLevel
    state: WarningState
    measured: int = strawberry.field(description="实有（人数、职数、机构数、天数）")
    allowed: int = strawberry.field(description="核定或限定")
    description: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    close_note: str | None
    finding_id: strawberry.ID | None = strawberry.field(description="已转为问题的，问题的 ID")
    version: int

    @classmethod
    def from_row(cls, row: Row) -> StaffingWarning:
        """`row`: the warning's columns and its unit's name (unit_name)."""
        warning, rule = row, RULES[row.rule]
        return cls(
            id=strawberry.ID(str(warning.id)),
            unit_id=strawberry.ID(str(warning.unit_id)),
            unit_name=row.unit_name,
            rule=WarningRule(warning.rule),
            rule_name=rule.name,
            subject_key=warning.subject_key,
            level=WarningLevel(warning.level),
            state=WarningState.OPEN if warning.closed_at is None else WarningState.CLOSED,
            measured=warning.measured,
            allowed=warning.allowed,
            description=rule.describe(Breach(warning.subject_key, warning.measured, warning.allowed)),
            opened_at=warning.opened_at,
            updated_at=warning.updated_at,
            closed_at=warning.closed_at,
            close_note=warning.close_note,
            finding_id=strawberry.ID(str(warning.finding_id)) if warning.finding_id else None,
            version=warning.version,
        )


async def open_warnings_by_unit(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict[int, list]:
    """For Unit.openWarnings (a DataLoader fetch: one statement per page of units)."""
    return {
        unit_id: [StaffingWarning.from_row(row) for row in rows]
        for unit_id, rows in (await open_warnings_of_units(connection, ids)).items()
    }


@strawberry.type(description="预警规则在某省的设定（市县沿用所在省的；省未设定的用全国默认）")
class WarningThreshold:
    rule: WarningRule
    rule_name: str
    parameter: int | None = strawberry.field(description="规则自身的限值（如借调期限天数、内设机构限额）；无则为空")
    parameter_meaning: str | None
    yellow_at: int = strawberry.field(description="超出量达到此值为黄色")
    red_at: int = strawberry.field(description="超出量达到此值为红色；低于黄色起点为蓝色")
    province_code: str
    set_by_province: bool = strawberry.field(description="false 表示全国默认")

    @classmethod
    def of(cls, effective: Effective) -> WarningThreshold:
        rule = RULES[effective.rule]
        return cls(
            rule=WarningRule(effective.rule),
            rule_name=rule.name,
            parameter=effective.setting.parameter,
            parameter_meaning=rule.parameter,
            yellow_at=effective.setting.yellow_at,
            red_at=effective.setting.red_at,
            province_code=effective.province_code,
            set_by_province=effective.set_by_province,
        )


@strawberry.input(description="预警筛选条件，均可不填；state 缺省只看未关闭的，null 表示全部")
class WarningFilterInput:
    level: WarningLevel | None = None
    rule: WarningRule | None = None
    state: WarningState | None = WarningState.OPEN
    unit_id: strawberry.ID | None = None

    def to_filter(self) -> WarningFilter:
        return WarningFilter(level=self.level, rule=self.rule, state=self.state, unit_id=optional_id(self.unit_id, "unitId"))


def warnings(info: Info[Context, None]) -> WarningService:
    return WarningService(info.context.runtime.engine)


@strawberry.type
class WarningQuery:
    @query("某机构的编制预警，新的在前；联络员只看到本单位的", read())
    async def staffing_warnings(
        self,
        info: Info[Context, None],
        tenant_code: str,
        filter: WarningFilterInput | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[StaffingWarning]:
        principal = await info.context.principal()
        page = await warnings(info).page(
            principal, tenant_code, (filter or WarningFilterInput()).to_filter(), first=page_size(info, first), after=after
        )
        return Page(items=[StaffingWarning.from_row(row) for row in page.rows], page_info=PageInfo.of(page))

    @query("某机构适用的预警规则设定（所在省的），每条规则一项", read())
    async def warning_thresholds(self, info: Info[Context, None], tenant_code: str) -> list[WarningThreshold]:
        settings = await ThresholdService(info.context.runtime.engine).effective(tenant_code)
        return [WarningThreshold.of(effective) for effective in settings]
