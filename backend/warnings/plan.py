"""The 用编计划 view (盐城's 用编计划汇总): a unit's vacancies by 编制类别 today and once those who
reach retirement age in each of the next FORECAST_YEARS years have left, with its 在编 staff's
ages and education, from the same facts the warning rules read."""

from __future__ import annotations

from collections import Counter
from datetime import date

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.ids import parse_id
from backend.permissions import query, read
from backend.staff.models import Education
from backend.units.service import UnitService
from backend.warnings.engine import unit_facts
from backend.warnings.rules import FORECAST_YEARS, UnitFacts, vacancies
from tenants.scoping import tenant_reader

AGE_BANDS = ((55, "55 岁及以上"), (45, "45 至 54 岁"), (35, "35 至 44 岁"), (0, "35 岁以下"))  # the oldest first
UNKNOWN = "未登记"


@strawberry.type(description="按年龄段或学历的人数")
class PlanCount:
    key: str
    count: int


@strawberry.type(description="某编制类别的用编计划")
class PlanCategory:
    category: str
    approved: int = strawberry.field(description="核定编制数")
    actual: int = strawberry.field(description="实有人数")
    vacant: int = strawberry.field(description="现空编数；负数为超编")
    retiring: list[int] = strawberry.field(description=f"今后 1 至 {FORECAST_YEARS} 年内（累计）达到法定退休年龄的人数，逐年")
    vacant_after: list[int] = strawberry.field(description=f"今后 1 至 {FORECAST_YEARS} 年退休人员离开后的空编数，逐年")


@strawberry.type(description="用编计划：单位各编制类别的现空编与今后三年因退休产生的空编，及在编人员的年龄、学历结构")
class StaffingPlan:
    unit_id: strawberry.ID
    unit_name: str
    as_of: date = strawberry.field(description="测算日期")
    categories: list[PlanCategory]
    ages: list[PlanCount] = strawberry.field(description="在编人员的年龄段分布（按出生年份）")
    education: list[PlanCount] = strawberry.field(description="在编人员的学历分布")
    off_roll: int = strawberry.field(description="编外及购买服务用工人数")

    @classmethod
    def of(cls, unit_id: int, name: str, facts: UnitFacts) -> StaffingPlan:
        now, ahead = vacancies(facts), [vacancies(facts, years) for years in range(1, FORECAST_YEARS + 1)]
        on_roll = [p for p in facts.staff if p.category is not None]
        ages = Counter(
            UNKNOWN if p.birth_year is None else next(band for low, band in AGE_BANDS if facts.today.year - p.birth_year >= low)
            for p in on_roll
        )
        education = Counter(p.education or UNKNOWN for p in on_roll)
        return cls(
            unit_id=strawberry.ID(str(unit_id)),
            unit_name=name,
            as_of=facts.today,
            categories=[
                PlanCategory(
                    category=category,
                    approved=facts.approved_staffing[category],
                    actual=facts.actual_staffing.get(category, 0),
                    vacant=vacant,
                    retiring=[later[category] - vacant for later in ahead],
                    vacant_after=[later[category] for later in ahead],
                )
                for category, vacant in now.items()
            ],
            ages=[PlanCount(key=band, count=ages[band]) for _, band in reversed(AGE_BANDS)] + [PlanCount(key=UNKNOWN, count=ages[UNKNOWN])],
            education=[PlanCount(key=level, count=education[level]) for level in [*Education, UNKNOWN]],
            off_roll=len(facts.staff) - len(on_roll),
        )


@strawberry.type
class StaffingPlanQuery:
    @query("某被检查单位的用编计划（现空编、今后三年退休后的空编、年龄与学历结构）；联络员只看到本单位的", read())
    async def staffing_plan(self, info: Info[Context, None], tenant_code: str, unit_id: strawberry.ID) -> StaffingPlan:
        principal, engine = await info.context.principal(), info.context.runtime.engine
        unit = await UnitService(engine).get(principal, tenant_code, parse_id(unit_id, "unitId"))
        async with tenant_reader(engine, tenant_code).connect() as connection:
            [(name, facts)] = (await unit_facts(connection, info.context.clock.today(), unit.id)).values()
        return StaffingPlan.of(unit.id, name, facts)
