"""Adding and naming a region's partner organs (tenants/organs.py holds what an organ is)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.db import violated_constraint
from tenants.access import Principal, may_correspond, not_found
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.organs import Organ, OrganKind, OrganNames, default_names
from tenants.registry import clean_name, load_place
from tenants.scoping import reading

NAMED_ONE_BY_ONE = frozenset({OrganKind.INSPECTION_TEAM, OrganKind.OTHER})


@dataclass(frozen=True)
class OrganChange:
    """Names given by the admin (None: keep, or for a new organ the usual name of its kind)."""

    name: str | None = None
    short_name: str | None = None
    document_code: str | None = None
    signature_name: str | None = None
    shares_office_data: bool | None = None


class Organs:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def of_region(self, principal: Principal, tenant_code: str) -> list[Row]:
        """A region's organs, the 编办 first, for those who may correspond with it."""
        async with reading(self.engine).connect() as connection:
            place = await load_place(connection, tenant_code)
            if place is None or not may_correspond(principal, place):
                raise not_found()
            query = select(Organ).where(Organ.tenant_code == tenant_code).order_by(Organ.kind != OrganKind.OFFICE.value, Organ.id)
            return list((await connection.execute(query)).all())

    async def add(self, actor: str, tenant_code: str, kind: OrganKind, change: OrganChange, parent_organ_id: int | None) -> Row:
        if kind is OrganKind.OFFICE:
            raise DomainError("ONE_OFFICE", "每个地区只有一个机构编制委员会办公室，随地区开通时建立", field="kind")
        async with self.engine.begin() as connection:
            place = await load_place(connection, tenant_code)
            assert place is not None  # the declared access found it
            usual = default_names(kind, (await _region_name(connection, tenant_code)), tenant_code, place.level)
            names = _names(change, usual)
            await _check_parent(connection, tenant_code, kind, parent_organ_id)
            values = {
                "tenant_code": tenant_code,
                "kind": kind.value,
                "parent_organ_id": parent_organ_id,
                "shares_office_data": bool(change.shares_office_data),
                **names.__dict__,
            }
            row = await _written(connection, insert(Organ).values(values).returning(Organ))
            await record_audit(
                connection, tenant_code, actor=actor, action="organ.added", entity="organ", entity_id=str(row.id), after=_audited(row)
            )
            return row

    async def change(self, actor: str, organ_id: int, change: OrganChange) -> Row:
        async with self.engine.begin() as connection:
            before = (await connection.execute(select(Organ).where(Organ.id == organ_id).with_for_update())).one()
            if change.shares_office_data and before.kind == OrganKind.OFFICE:
                raise DomainError("ONE_OFFICE", "机构编制委员会办公室的数据本就是它自己的", field="sharesOfficeData")
            names = _names(change, OrganNames(before.name, before.short_name, before.document_code, before.signature_name))
            shares = before.shares_office_data if change.shares_office_data is None else change.shares_office_data
            statement = update(Organ).where(Organ.id == organ_id).values(shares_office_data=shares, **names.__dict__).returning(Organ)
            row = await _written(connection, statement)
            await record_audit(
                connection,
                before.tenant_code,
                actor=actor,
                action="organ.changed",
                entity="organ",
                entity_id=str(organ_id),
                before=_audited(before),
                after=_audited(row),
            )
            return row


async def tenant_of_organ(engine: AsyncEngine, organ_id: int) -> str | None:
    async with reading(engine).connect() as connection:
        return (await connection.execute(select(Organ.tenant_code).where(Organ.id == organ_id))).scalar_one_or_none()


async def _region_name(connection: AsyncConnection, tenant_code: str) -> str:
    return (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()


def _names(change: OrganChange, usual: OrganNames | None) -> OrganNames:
    """The names given, the rest from `usual`; a kind named one by one needs its name and 机关代字."""

    def given(value: str | None, field: str, fallback: str | None, max_length: int) -> str:
        if value is None and fallback is None:
            raise DomainError("NAME_REQUIRED", "巡察组和其他机关须填写全称和机关代字", field=field)
        return clean_name(value if value is not None else fallback or "", field=field, max_length=max_length)

    name = given(change.name, "name", usual.name if usual else None, 100)
    return OrganNames(
        name=name,
        short_name=given(change.short_name, "shortName", usual.short_name if usual else name[:32], 32),
        document_code=given(change.document_code, "documentCode", usual.document_code if usual else None, 16),
        signature_name=given(change.signature_name, "signatureName", usual.signature_name if usual else name, 100),
    )


async def _check_parent(connection: AsyncConnection, tenant_code: str, kind: OrganKind, parent_organ_id: int | None) -> None:
    """A 巡察组 sits under its region's 巡察办; no other organ sits under another."""
    if kind is not OrganKind.INSPECTION_TEAM:
        if parent_organ_id is not None:
            raise DomainError("INVALID_PARENT_ORGAN", "只有巡察组隶属于巡察办", field="parentOrganId")
        return
    query = select(Organ.id).where(
        Organ.id == parent_organ_id, Organ.tenant_code == tenant_code, Organ.kind == OrganKind.INSPECTION_OFFICE.value
    )
    if parent_organ_id is None or (await connection.execute(query)).first() is None:
        raise DomainError("INVALID_PARENT_ORGAN", "巡察组须隶属于本地区的巡察办", field="parentOrganId")


async def _written(connection: AsyncConnection, statement) -> Row:
    try:
        return (await connection.execute(statement)).one()
    except IntegrityError as error:
        if violated_constraint(error) == "organ_name_key":
            raise DomainError("DUPLICATE", "本地区已有同名机关", field="name") from None
        raise


def _audited(row: Row) -> dict[str, object]:
    return {
        "kind": row.kind,
        "name": row.name,
        "short_name": row.short_name,
        "document_code": row.document_code,
        "signature_name": row.signature_name,
        "shares_office_data": row.shares_office_data,
    }
