"""整改量化指标 of a finding: how many of a kind (消化超编 2 人, 撤并机构 1 个) it is to achieve and
has achieved, kept on its ledger entry as {kind: {"planned": n, "achieved": m}}. Planned
numbers come with the finding (logFinding) or from the approved 整改方案's task; achieved ones
with the finding or a progress report. The kinds are the province's (problem_bank.quantities)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from problem_bank.quantities import add_kind, kinds_of
from problem_bank.search import AnyRow
from tenants.access import Principal
from tenants.divisions import province_of
from tenants.errors import DomainError
from tenants.scoping import tenant_engine

PLANNED, ACHIEVED = "planned", "achieved"
WORDS = {PLANNED: "计划数", ACHIEVED: "完成数"}
MAX_QUANTITY = 1_000_000
MAX_KINDS = 20  # kinds on one finding

# {kind: {"planned": n, "achieved": m}}, either number absent when not given.
Quantities: TypeAlias = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Quantity:
    kind: str
    planned: int | None = None
    achieved: int | None = None


def check_quantities(quantities: Sequence[Quantity], *, allowed: Iterable[str], field: str) -> Quantities:
    """Each kind once, with at least one of the numbers `allowed` here and no other, each a
    non-negative integer (INVALID_QUANTITY); whether the kinds exist is `require_known_kinds`'."""
    allowed = tuple(allowed)
    checked: Quantities = {}
    for quantity in quantities:
        kind = quantity.kind.strip()
        numbers = {name: value for name, value in ((PLANNED, quantity.planned), (ACHIEVED, quantity.achieved)) if value is not None}
        if not kind or kind in checked:
            raise DomainError("INVALID_QUANTITY", "每种量化指标填写一次，须写明指标名称", field=field)
        if not numbers or set(numbers) - set(allowed):
            raise DomainError("INVALID_QUANTITY", f"“{kind}”此处须填写且只填写{'或'.join(WORDS[n] for n in allowed)}", field=field)
        if any(not 0 <= value <= MAX_QUANTITY for value in numbers.values()):
            raise DomainError("INVALID_QUANTITY", f"“{kind}”的数量须为 0 到 {MAX_QUANTITY} 之间的整数", field=field)
        checked[kind] = numbers
    if len(checked) > MAX_KINDS:
        raise DomainError("INVALID_QUANTITY", f"一个问题最多 {MAX_KINDS} 种量化指标", field=field)
    return checked


async def require_known_kinds(connection: AsyncConnection, tenant_code: str, kinds: Iterable[str], field: str) -> None:
    """UNKNOWN_QUANTITY_KIND unless every kind is one the tenant's province uses."""
    wanted = set(kinds)
    if not wanted:
        return
    known = [kind.name for kind in await kinds_of(connection, province_of(tenant_code))]
    if unknown := sorted(wanted - set(known)):
        raise DomainError("UNKNOWN_QUANTITY_KIND", f"没有量化指标“{'、'.join(unknown)}”；可填：{'、'.join(known)}", field=field)


def merged(current: Quantities, change: Quantities) -> Quantities:
    """`current` with the numbers `change` gives replacing theirs, kind by kind (the others kept)."""
    return {**current, **{kind: {**current.get(kind, {}), **numbers} for kind, numbers in change.items()}}


async def add_provincial_kind(
    engine: AsyncEngine, principal: Principal, province_code: str, name: str, unit: str, request_id: str | None
) -> AnyRow:
    """A province's own kind (its admins decide: the operation's declaration says so), audited in
    the province's trail in the same transaction."""
    async with tenant_engine(engine, province_code).begin() as connection:
        row = await add_kind(connection, province_code, name, unit)
        await record_audit(
            connection,
            province_code,
            actor=principal.username,
            action="quantity_kind.added",
            entity="quantity_kind",
            entity_id=str(row.id),
            after={"name": name, "unit": unit},
            request_id=request_id,
        )
    return row
