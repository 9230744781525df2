"""Freezes and locks (冻结机构编制调整事项, 锁定实名制账户) as GraphQL shows them wherever a unit
appears (the unit itself, a bank finding, a case's subject, `unitStatus`): one batched
statement per request, keyed by the unit's office and id. RestrictionKind is registered here,
with the type that shows it (the units' and the bank's types import this module, not types.py)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from backend.accountability.models import RestrictionKind
from backend.accountability.service import active_restrictions
from backend.context import Context
from backend.enums import graphql_enum

graphql_enum(RestrictionKind, "单位所受的限制：冻结或锁定")


@strawberry.type(description="冻结机构编制调整事项或锁定实名制账户：自开始日起至解除前有效")
class UnitRestriction:
    id: strawberry.ID
    kind: RestrictionKind
    tenant_code: str = strawberry.field(description="被冻结或锁定单位所属机构")
    unit_id: strawberry.ID
    unit_name: str
    credit_code: str
    imposed_by_code: str = strawberry.field(description="作出决定的机构")
    case_id: strawberry.ID
    starts_on: date
    lift_conditions: str = strawberry.field(description="解除条件")
    imposed_by: str
    imposed_at: datetime
    active: bool
    lifted_at: datetime | None
    lifted_by: str | None
    lift_note: str | None

    @classmethod
    def from_row(cls, r) -> UnitRestriction:
        return cls(
            id=strawberry.ID(str(r.id)),
            kind=RestrictionKind(r.kind),
            tenant_code=r.tenant_code,
            unit_id=strawberry.ID(str(r.unit_id)),
            unit_name=r.unit_name,
            credit_code=r.credit_code,
            imposed_by_code=r.imposed_by_code,
            case_id=strawberry.ID(str(r.case_id)),
            starts_on=r.starts_on,
            lift_conditions=r.lift_conditions,
            imposed_by=r.imposed_by,
            imposed_at=r.imposed_at,
            active=r.lifted_at is None,
            lifted_at=r.lifted_at,
            lifted_by=r.lifted_by,
            lift_note=r.lift_note,
        )


async def restrictions_by_unit(connection: AsyncConnection, units: list[tuple[str, int]]) -> dict:
    found = await active_restrictions(connection, units)
    return {unit: [UnitRestriction.from_row(r) for r in found.get(unit, [])] for unit in units}


def unit_restrictions(info: Info[Context, None], tenant_code: str, unit_id: int) -> Awaitable[list[UnitRestriction]]:
    """The restrictions holding on a unit (a loader's future: one statement per request)."""
    return info.context.loaders.shared(restrictions_by_unit).load((tenant_code, unit_id))
