"""GraphQL for inspected units (被检查单位)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import Row
from strawberry import UNSET
from strawberry.types import Info

from backend.accountability.restrictions import UnitRestriction, unit_restrictions
from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.loaders import Key
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import camel, mutation, query, read, write
from backend.units.models import InspectedUnit, UnitType
from backend.units.service import POST_RANKS, STAFFING_CATEGORIES, UNIT_FIELDS, UNIT_WRITERS, UnitChanges, UnitService, check_unit
from backend.warnings.types import StaffingWarning, open_warnings_by_unit
from tenants.errors import DomainError

graphql_enum(UnitType, "被检查单位的类型")


@strawberry.type(description="按类别或职务层次的人数")
class Count:
    key: str
    count: int


@strawberry.input(description="按类别或职务层次的人数")
class CountInput:
    key: str
    count: int


def _counts(mapping: dict[str, int]) -> list[Count]:
    return [Count(key=key, count=count) for key, count in mapping.items()]


@strawberry.type(description="被检查单位及其“三定”数据与实有人员")
class Unit:
    id: strawberry.ID
    credit_code: str
    name: str
    unit_type: UnitType
    approved_staffing: list[Count] = strawberry.field(description="核定编制数，按编制类别")
    leadership_posts: list[Count] = strawberry.field(description="领导职数，按职务层次")
    internal_bodies: list[str] = strawberry.field(description="实际设置的内设机构")
    actual_staffing: list[Count] = strawberry.field(description="实有人数，按编制类别")
    actual_posts: list[Count] = strawberry.field(description="实配领导，按职务层次")
    actual_as_of: date | None = strawberry.field(description="实有人数的统计日期")
    approved_internal_bodies: int | None = strawberry.field(description="“三定”规定核定的内设机构数；未登记为空")
    body_leader_posts: list[Count] = strawberry.field(description="内设机构领导职数，按内设机构")
    body_leaders: list[Count] = strawberry.field(description="内设机构实配领导，按内设机构")
    mandate_number: str | None = strawberry.field(description="“三定”规定文号")
    mandate_issued_on: date | None = strawberry.field(description="“三定”规定印发日期")
    version: int
    updated_at: datetime
    tenant_code: strawberry.Private[str]

    @strawberry.field(
        description="正在执行的冻结机构编制调整事项、锁定实名制账户（追责问责决定的；空表示没有）", graphql_type=list[UnitRestriction]
    )
    def restrictions(self, info: Info[Context, None]) -> Awaitable[list[UnitRestriction]]:
        return unit_restrictions(info, self.tenant_code, int(self.id))

    @strawberry.field(description="未关闭的编制预警，红色在前", graphql_type=list[StaffingWarning])
    def open_warnings(self, info: Info[Context, None]) -> Awaitable[list[StaffingWarning]]:
        return info.context.loaders(open_warnings_by_unit).load(Key(self.tenant_code, int(self.id)))

    @classmethod
    def from_row(cls, row: Row, tenant_code: str) -> Unit:
        return cls(
            id=strawberry.ID(str(row.id)),
            credit_code=row.credit_code,
            name=row.name,
            unit_type=UnitType(row.unit_type),
            approved_staffing=_counts(row.approved_staffing),
            leadership_posts=_counts(row.leadership_posts),
            internal_bodies=list(row.internal_bodies),
            actual_staffing=_counts(row.actual_staffing),
            actual_posts=_counts(row.actual_posts),
            actual_as_of=row.actual_as_of,
            approved_internal_bodies=row.approved_internal_bodies,
            body_leader_posts=_counts(row.body_leader_posts),
            body_leaders=_counts(row.body_leaders),
            mandate_number=row.mandate_number,
            mandate_issued_on=row.mandate_issued_on,
            version=row.version,
            updated_at=row.updated_at,
            tenant_code=tenant_code,
        )


@strawberry.input(description=f"编制类别：{'、'.join(STAFFING_CATEGORIES)}；职务层次：{'、'.join(POST_RANKS)}")
class UnitInput:
    credit_code: str
    name: str
    unit_type: UnitType
    approved_staffing: list[CountInput] = strawberry.field(default_factory=list)
    leadership_posts: list[CountInput] = strawberry.field(default_factory=list)
    internal_bodies: list[str] = strawberry.field(default_factory=list, description="实际设置的内设机构")
    actual_staffing: list[CountInput] = strawberry.field(default_factory=list)
    actual_posts: list[CountInput] = strawberry.field(default_factory=list)
    actual_as_of: date | None = None
    approved_internal_bodies: int | None = strawberry.field(default=None, description="“三定”规定核定的内设机构数")
    body_leader_posts: list[CountInput] = strawberry.field(default_factory=list, description="领导职数，按内设机构（须为已登记的内设机构）")
    body_leaders: list[CountInput] = strawberry.field(default_factory=list, description="实配领导，按内设机构")
    mandate_number: str | None = strawberry.field(default=None, description="“三定”规定文号")
    mandate_issued_on: date | None = strawberry.field(default=None, description="“三定”规定印发日期")

    def checked(self, today: date):
        return check_unit(**_given(self), today=today)


# The fields a unit may lack, which an update clears with null; it may leave the others out, not clear them.
_CLEARABLE = frozenset(name for name in UNIT_FIELDS if InspectedUnit.__table__.c[name].nullable)


@strawberry.input(
    description="对被检查单位的修改，字段含义同 UnitInput：只改给出的字段，未给出的保持原值；"
    f"{'、'.join(camel(name) for name in UNIT_FIELDS if name in _CLEARABLE)} 给 null 即清空，其余字段不能给 null（清空列表请给 []）"
)
class UnitChangesInput:
    credit_code: str | None = UNSET
    name: str | None = UNSET
    unit_type: UnitType | None = UNSET
    approved_staffing: list[CountInput] | None = UNSET
    leadership_posts: list[CountInput] | None = UNSET
    internal_bodies: list[str] | None = UNSET
    actual_staffing: list[CountInput] | None = UNSET
    actual_posts: list[CountInput] | None = UNSET
    actual_as_of: date | None = UNSET
    approved_internal_bodies: int | None = UNSET
    body_leader_posts: list[CountInput] | None = UNSET
    body_leaders: list[CountInput] | None = UNSET
    mandate_number: str | None = UNSET
    mandate_issued_on: date | None = UNSET

    def changes(self) -> UnitChanges:
        """The fields given; null only where a unit may lack the value (else INVALID_INPUT)."""
        changes = _given(self)
        for name, value in changes.items():
            if value is None and name not in _CLEARABLE:
                raise DomainError("INVALID_INPUT", f"{camel(name)} 不能为空：不修改请不要给出该字段", field=camel(name))
        return changes


def _given(input: UnitInput | UnitChangesInput) -> dict[str, Any]:
    """The fields the client gave, as `check_unit` takes them: counts as (key, count) pairs."""
    return {name: _argument(value) for name, value in vars(input).items() if value is not UNSET}


def _argument(value: Any) -> Any:
    if isinstance(value, list):
        return [(item.key, item.count) if isinstance(item, CountInput) else item for item in value]
    return value


def units(info: Info[Context, None]) -> UnitService:
    return UnitService(info.context.runtime.engine)


@strawberry.type
class UnitQuery:
    @query("某机构的被检查单位，按登记先后；联络员只看到本单位", read())
    async def units(self, info: Info[Context, None], tenant_code: str, first: int = 50, after: str | None = None) -> Page[Unit]:
        principal = await info.context.principal()
        page = await units(info).page(principal, tenant_code, first=page_size(info, first), after=after)
        return Page(items=[Unit.from_row(row, tenant_code) for row in page.rows], page_info=PageInfo.of(page))

    @query("一个被检查单位", read())
    async def unit(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Unit:
        principal = await info.context.principal()
        row = await units(info).get(principal, tenant_code, parse_id(id, "id"))
        return Unit.from_row(row, tenant_code)


@strawberry.type
class UnitMutation:
    @mutation("登记被检查单位", write(UNIT_WRITERS))
    async def create_unit(self, info: Info[Context, None], tenant_code: str, input: UnitInput) -> Unit:
        principal = await info.context.principal()
        row = await units(info).create(principal, tenant_code, input.checked(info.context.clock.today()), info.context.request_id)
        return Unit.from_row(row, tenant_code)

    @mutation("修改被检查单位：只改给出的字段；version 须为读到的版本，否则提示已被他人修改；没有改动时版本不变", write(UNIT_WRITERS))
    async def update_unit(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, input: UnitChangesInput
    ) -> Unit:
        principal = await info.context.principal()
        row = await units(info).update(
            principal, tenant_code, parse_id(id, "id"), version, input.changes(), info.context.clock.today(), info.context.request_id
        )
        return Unit.from_row(row, tenant_code)
