"""Provisioned offices against the shipped register (tenants/register/): which have a name the
register no longer gives their code, or a code it no longer has (and what became of it, from
changes.csv); renaming an office as the register names it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tenants.divisions import DivisionChange, Level, division_changes, national_register
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.naming import check_code
from tenants.organs import rename_organs
from tenants.registry import clean_name


@dataclass(frozen=True)
class OutOfDate:
    code: str
    name: str
    register_name: str | None  # the register's name for the same code; None: the register has no such code
    change: DivisionChange | None  # what became of the code, where recorded


async def out_of_date(connection: AsyncConnection) -> list[OutOfDate]:
    """Every provisioned office whose code or name the register does not have, by code."""
    register, changes = national_register(), division_changes()
    found = []
    for code, name in (await connection.execute(select(Tenant.code, Tenant.name).order_by(Tenant.code))).all():
        division = register.get(code)
        if division is None or division.name != name:
            found.append(OutOfDate(code, name, division.name if division else None, changes.get(code)))
    return found


async def rename(connection: AsyncConnection, code: str, name: str | None) -> tuple[str, str]:
    """Give a provisioned office a new name (by default the register's); (before, after)."""
    code = check_code(code)
    before = (await connection.execute(select(Tenant.name).where(Tenant.code == code).with_for_update())).scalar_one_or_none()
    if before is None:
        raise DomainError("NOT_FOUND", f"没有开通代码为 {code} 的机构", field="code")
    if name is None:
        division = national_register().get(code)
        if division is None:
            raise DomainError("NOT_IN_REGISTER", f"名录中没有代码 {code}，请用 --name 给出新名称", field="code")
        name = division.name
    name = clean_name(name)
    level = (await connection.execute(update(Tenant).where(Tenant.code == code).values(name=name).returning(Tenant.level))).scalar_one()
    await rename_organs(connection, Level(level), (code, before), (code, name))
    return before, name
