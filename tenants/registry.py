"""Registry rules: what a new tenant's code, name and parent must be, and reading the registry."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, SQLColumnExpression, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenants.access import Place, Principal, not_found, require_read
from tenants.code_history import current_code, recoded
from tenants.divisions import LEVEL_NAMES, Level, default_parent, level_of, national_register, possible_parents, province_of
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.naming import check_code, schema_for_code
from tenants.scoping import reading

NAME_MAX_LENGTH = 64


@dataclass(frozen=True)
class TenantSpec:
    """A validated new tenant, ready to be provisioned."""

    code: str
    name: str
    level: Level
    parent_code: str | None

    @property
    def schema_name(self) -> str:
        return schema_for_code(self.code)

    @property
    def province_code(self) -> str:
        return province_of(self.code)

    def city_code(self, known_levels: Mapping[str, Level]) -> str | None:
        if self.level is Level.CITY:
            return self.code
        if self.parent_code and known_levels.get(self.parent_code) is Level.CITY:
            return self.parent_code
        return None


def clean_name(name: str, field: str = "name", max_length: int = NAME_MAX_LENGTH) -> str:
    """Trim a name and refuse it empty, over-long or with control or invisible characters."""
    cleaned = name.strip()
    if not cleaned:
        raise DomainError("INVALID_NAME", "名称不能为空", field=field)
    if len(cleaned) > max_length:
        raise DomainError("INVALID_NAME", f"名称不能超过 {max_length} 个字符", field=field)
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned):
        raise DomainError("INVALID_NAME", "名称中含有控制字符或不可见字符", field=field)
    return cleaned


def plan_tenant(
    code: str,
    known_levels: Mapping[str, Level],
    *,
    name: str | None = None,
    parent_code: str | None = None,
) -> TenantSpec:
    """Check a new tenant against the hierarchy rules and the tenants already known
    (code → level). Raises DomainError with a field-level message; changes nothing."""
    level = level_of(code)
    if code in known_levels:
        raise DomainError("DUPLICATE", f"代码 {code} 的单位已经开通", field="code")

    if name is None:
        division = national_register().get(code)
        if division is None:
            raise DomainError("NAME_REQUIRED", f"代码 {code} 不在国家行政区划名录中，请提供名称", field="name")
        name = division.name
    name = clean_name(name)

    allowed = possible_parents(code)
    if parent_code is None:
        parent_code = default_parent(code, known_levels)
    else:
        check_code(parent_code, field="parent")
        if level is Level.PROVINCE:
            raise DomainError("WRONG_PARENT", f"{code} 是省级单位，不能有上级", field="parent")
        if parent_code not in allowed:
            raise DomainError(
                "WRONG_PARENT",
                f"{LEVEL_NAMES[level]}单位 {code} 的上级只能是 {' 或 '.join(allowed)}，不能是 {parent_code}",
                field="parent",
            )
    if parent_code is not None and parent_code not in known_levels:
        raise DomainError("PARENT_NOT_FOUND", f"{code} 的上级 {parent_code} 尚未开通，请先开通上级", field="parent")
    return TenantSpec(code=code, name=name, level=level, parent_code=parent_code)


def in_subtree(
    region: Place, *, province: SQLColumnExpression[str], city: SQLColumnExpression[str | None], code: SQLColumnExpression[str]
) -> ColumnElement[bool]:
    """SQL: a row's tenant is `region` or below it, given the columns holding that tenant's
    province code, city code and own code."""
    return subtree_column(region.level, province=province, city=city, code=code) == region.code


def subtree_column(
    level: Level, *, province: SQLColumnExpression[str], city: SQLColumnExpression[str | None], code: SQLColumnExpression[str]
) -> SQLColumnExpression[str | None]:
    """Of those columns, the one that holds the code of the row's region at `level`."""
    return {Level.PROVINCE: province, Level.CITY: city, Level.COUNTY: code}[level]


class TenantColumns(Protocol):
    """What `place_of` reads: a registry row, or any row with the tenant's columns."""

    code: str
    level: str
    parent_code: str | None
    province_code: str
    city_code: str | None


def place_of(row: TenantColumns) -> Place:
    """The hierarchy position of a registry row (anything with the tenant's columns)."""
    return Place(row.code, Level(row.level), row.parent_code, row.province_code, row.city_code)


async def load_place(connection: AsyncConnection, code: str) -> Place | None:
    row = (await connection.execute(select(Tenant).where(Tenant.code == code))).one_or_none()
    return place_of(row) if row else None


async def readable_place(engine: AsyncEngine, principal: Principal, code: str) -> Place:
    """Tenant `code` if the principal may read it; NOT_FOUND alike when it is missing or out of reach.
    The principal's own offices come with its grants (read from the registry when it signed
    in), so only other offices cost a lookup. A former code is refused with the code to use
    now (TENANT_RECODED)."""
    place = next((grant.place for grant in principal.grants if grant.place.code == code), None)
    if place is None:
        async with reading(engine).connect() as connection:
            place = await load_place(connection, code)
            change = None if place is not None else await current_code(connection, code)
        if change is not None:
            raise recoded(code, change, field="tenantCode")
    if place is None:
        raise not_found()
    require_read(principal, place)
    return place


async def registered_levels(connection: AsyncConnection, codes: list[str] | None = None) -> dict[str, Level]:
    """Code → level of registered tenants (all of them, or only `codes`)."""
    query = select(Tenant.code, Tenant.level)
    if codes is not None:
        query = query.where(Tenant.code.in_(codes))
    rows = await connection.execute(query)
    return {code: Level(level) for code, level in rows}


async def offices_below(connection: AsyncConnection, issuer: Place, codes: Iterable[str], field: str) -> dict[str, str]:
    """Code → name of offices strictly below `issuer`; NOT_BELOW for any other code."""
    codes = list(codes)
    offices = {row.code: row for row in await connection.execute(select(Tenant).where(Tenant.code.in_(codes)))} if codes else {}
    for code in codes:
        office = offices.get(code)
        if office is None or code == issuer.code or not issuer.contains(place_of(office)):
            raise DomainError("NOT_BELOW", f"{code} 不是本机构的下级机构", field=field)
    return {code: offices[code].name for code in codes}
