"""GraphQL for 整改量化指标: the kinds a province uses (a province's admins add their own), a
finding's quantities as its ledger shows them, and the input that sets them."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.types import Info

from backend.bank.service import TAXONOMY_EDITORS
from backend.context import Context
from backend.permissions import mutation, query, read, write
from backend.quantities.service import ACHIEVED, PLANNED, Quantities, Quantity, add_provincial_kind
from problem_bank.quantities import kinds_of
from tenants.divisions import Level, province_of
from tenants.registry import clean_name
from tenants.scoping import tenant_reader

MAX_UNIT_LENGTH = 4


@strawberry.type(description="整改量化指标的一种，如“消化超编”（计量单位“人”）")
class QuantityKind:
    name: str
    unit: str = strawberry.field(description="计量单位：人、名、个、项等")
    province_code: str | None = strawberry.field(description="增设该指标的省；全国统一的为空")

    @classmethod
    def from_row(cls, row) -> QuantityKind:
        return cls(name=row.name, unit=row.unit, province_code=row.province_code)


@strawberry.type(description="一个问题的一种整改量化指标：计划数与完成数（未填的为空）")
class FindingQuantity:
    kind: str
    planned: int | None
    achieved: int | None


def quantities_of(stored: Quantities) -> list[FindingQuantity]:
    """A ledger entry's (or task's) quantities, by kind (in code point order, as the bank's sums are)."""
    return [
        FindingQuantity(kind=kind, planned=numbers.get(PLANNED), achieved=numbers.get(ACHIEVED)) for kind, numbers in sorted(stored.items())
    ]


@strawberry.input(description="一种整改量化指标的数量（不小于 0 的整数；指标须为本省可用的，见 quantityKinds）")
class QuantityInput:
    kind: str = strawberry.field(description="指标名称，如“消化超编”")
    planned: int | None = strawberry.field(default=None, description="计划数")
    achieved: int | None = strawberry.field(default=None, description="完成数")


def quantities_in(inputs: Sequence[QuantityInput] | None) -> list[Quantity]:
    return [Quantity(kind=item.kind, planned=item.planned, achieved=item.achieved) for item in inputs or ()]


@strawberry.type
class QuantityQuery:
    @query("本机构可填报的整改量化指标：全国统一的，及所在省增设的", read())
    async def quantity_kinds(self, info: Info[Context, None], tenant_code: str) -> list[QuantityKind]:
        async with tenant_reader(info.context.runtime.engine, tenant_code).connect() as connection:
            return [QuantityKind.from_row(row) for row in await kinds_of(connection, province_of(tenant_code))]


@strawberry.type
class QuantityMutation:
    @mutation(
        "省级机构增设本省的整改量化指标（名称、计量单位），供本省及下级登记问题、整改方案和进展时填报",
        write(TAXONOMY_EDITORS, tenant="province_code", levels=frozenset({Level.PROVINCE})),
    )
    async def add_quantity_kind(self, info: Info[Context, None], province_code: str, name: str, unit: str) -> QuantityKind:
        principal = await info.context.principal()
        name, unit = clean_name(name, max_length=16), clean_name(unit, field="unit", max_length=MAX_UNIT_LENGTH)
        row = await add_provincial_kind(info.context.runtime.engine, principal, province_code, name, unit, info.context.request_id)
        return QuantityKind.from_row(row)
