"""The kinds of 整改量化指标 (消化超编 N 人, 收回编制 N 名…): the national ones, seeded by the
shared migration, and those a province adds for its whole subtree. A kind is named by its
name, which findings' quantities use as their key; a province sees the national kinds and its own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from problem_bank.models import QuantityKind
from problem_bank.search import AnyRow
from tenants.errors import DomainError

MAX_PROVINCIAL_KINDS = 50


async def kinds_of(connection: AsyncConnection, province_code: str) -> Sequence[AnyRow]:
    """The kinds a province's offices use: the national ones first, then its own, as added."""
    query = (
        select(QuantityKind)
        .where(or_(QuantityKind.province_code.is_(None), QuantityKind.province_code == province_code))
        .order_by(QuantityKind.province_code.is_not(None), QuantityKind.id)
    )
    return (await connection.execute(query)).all()


async def add_kind(connection: AsyncConnection, province_code: str, name: str, unit: str) -> AnyRow:
    """A province's own kind (the caller checked the province and cleaned the words); its name
    is new among the kinds the province sees."""
    known = await kinds_of(connection, province_code)
    if any(kind.name == name for kind in known):
        raise DomainError("DUPLICATE", f"已有量化指标“{name}”", field="name")
    if sum(kind.province_code is not None for kind in known) >= MAX_PROVINCIAL_KINDS:
        raise DomainError("TOO_MANY", f"本省最多增设 {MAX_PROVINCIAL_KINDS} 种量化指标", field="name")
    added = insert(QuantityKind).values(province_code=province_code, name=name, unit=unit).returning(*QuantityKind.__table__.c)
    return (await connection.execute(added)).one()
