"""Inspected units: checking their data, reading them within the policy, changing them
with optimistic locking and an audit entry in the same transaction."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.cursors import Window, by_id, decode_cursor, window
from backend.db import violated_constraint
from backend.units.models import InspectedUnit, UnitType
from problem_bank.projection import project, project_unit
from tenants.access import Principal, Role, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import clean_name, readable_place
from tenants.scoping import tenant_engine, tenant_reader

# 编制类别 and 领导职数 ranks as offices record them.
STAFFING_CATEGORIES = ("行政编制", "政法专项编制", "事业编制", "机关工勤编制", "其他编制")
POST_RANKS = ("正厅级", "副厅级", "正处级", "副处级", "正科级", "副科级", "股级")
UNIT_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
MAX_COUNT = 100_000
MAX_INTERNAL_BODIES = 200
_CREDIT_CODE = re.compile(r"[0-9A-Z]{8,18}")


@dataclass(frozen=True)
class UnitData:
    credit_code: str
    name: str
    unit_type: UnitType
    approved_staffing: dict[str, int]
    leadership_posts: dict[str, int]
    internal_bodies: list[str]
    actual_staffing: dict[str, int]
    actual_posts: dict[str, int]
    actual_as_of: date | None
    approved_internal_bodies: int | None = None
    body_leader_posts: dict[str, int] = field(default_factory=dict)
    body_leaders: dict[str, int] = field(default_factory=dict)
    mandate_number: str | None = None
    mandate_issued_on: date | None = None


def _counts(pairs: list[tuple[str, int]], allowed: tuple[str, ...], field: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, count in pairs:
        if key not in allowed:
            raise DomainError("INVALID_CATEGORY", f"{key!r} 不是可选项：{'、'.join(allowed)}", field=field)
        if key in counts:
            raise DomainError("INVALID_CATEGORY", f"{key} 重复出现", field=field)
        if not 0 <= count <= MAX_COUNT:
            raise DomainError("INVALID_COUNT", f"{key} 的数量须在 0 到 {MAX_COUNT} 之间", field=field)
        counts[key] = count
    return counts


def _body_counts(pairs: list[tuple[str, int]], bodies: list[str], field: str) -> dict[str, int]:
    """Counts by internal body, each one of the unit's own."""
    for key, _ in pairs:
        if key not in bodies:
            raise DomainError("INVALID_NAME", f"“{key}”不是本单位登记的内设机构", field=field)
    return _counts(pairs, tuple(bodies), field)


def clean_credit_code(value: str, field: str = "creditCode") -> str:
    credit_code = value.strip().upper()
    if not _CREDIT_CODE.fullmatch(credit_code):
        raise DomainError("INVALID_CREDIT_CODE", "统一社会信用代码或机构代码须为 8 到 18 位数字或大写字母", field=field)
    return credit_code


def check_unit(
    *,
    credit_code: str,
    name: str,
    unit_type: str,
    approved_staffing,
    leadership_posts,
    internal_bodies,
    actual_staffing,
    actual_posts,
    actual_as_of: date | None,
    today: date,
    approved_internal_bodies: int | None = None,
    body_leader_posts=(),
    body_leaders=(),
    mandate_number: str | None = None,
    mandate_issued_on: date | None = None,
) -> UnitData:
    """Validate a unit's fields; raises DomainError naming the field at fault. Internal bodies
    are those the unit has set up; their leaders are counted by body, among them."""
    credit_code = clean_credit_code(credit_code)
    if unit_type not in set(UnitType):
        raise DomainError("INVALID_UNIT_TYPE", f"单位类型须为：{UnitType.labels()}", field="unitType")
    if len(internal_bodies) > MAX_INTERNAL_BODIES:
        raise DomainError("INVALID_NAME", f"内设机构最多 {MAX_INTERNAL_BODIES} 个", field="internalBodies")
    bodies = [clean_name(body, field="internalBodies") for body in internal_bodies]
    if len(set(bodies)) != len(bodies):
        raise DomainError("INVALID_NAME", "内设机构名称重复", field="internalBodies")
    if actual_as_of is not None and actual_as_of > today:
        raise DomainError("INVALID_DATE", "实有人数的统计日期不能晚于今天", field="actualAsOf")
    if approved_internal_bodies is not None and not 0 <= approved_internal_bodies <= MAX_INTERNAL_BODIES:
        raise DomainError("INVALID_COUNT", f"核定内设机构数须在 0 到 {MAX_INTERNAL_BODIES} 之间", field="approvedInternalBodies")
    if mandate_issued_on is not None and mandate_issued_on > today:
        raise DomainError("INVALID_DATE", "“三定”规定的印发日期不能晚于今天", field="mandateIssuedOn")
    return UnitData(
        credit_code=credit_code,
        name=clean_name(name, field="name", max_length=128),
        unit_type=UnitType(unit_type),
        approved_staffing=_counts(approved_staffing, STAFFING_CATEGORIES, "approvedStaffing"),
        leadership_posts=_counts(leadership_posts, POST_RANKS, "leadershipPosts"),
        internal_bodies=bodies,
        actual_staffing=_counts(actual_staffing, STAFFING_CATEGORIES, "actualStaffing"),
        actual_posts=_counts(actual_posts, POST_RANKS, "actualPosts"),
        actual_as_of=actual_as_of,
        approved_internal_bodies=approved_internal_bodies,
        body_leader_posts=_body_counts(list(body_leader_posts), bodies, "bodyLeaderPosts"),
        body_leaders=_body_counts(list(body_leaders), bodies, "bodyLeaders"),
        mandate_number=clean_name(mandate_number, field="mandateNumber") if mandate_number is not None else None,
        mandate_issued_on=mandate_issued_on,
    )


UNIT_FIELDS = tuple(UnitData.__dataclass_fields__)

# Some of `check_unit`'s arguments, by name: the fields an update gives, counts as (key, count) pairs.
UnitChanges = Mapping[str, Any]


def _as_given(row) -> dict[str, Any]:
    """A stored unit as `check_unit`'s arguments, so that changes apply to it and the whole is checked again."""
    values = {name: getattr(row, name) for name in UNIT_FIELDS}
    return {name: list(value.items()) if isinstance(value, dict) else value for name, value in values.items()}


def _snapshot(row, fields: Iterable[str] = UNIT_FIELDS) -> dict:
    data = {name: getattr(row, name) for name in fields}
    return {**{k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}, "version": row.version}


class UnitService:
    """Units read within the policy (a liaison sees its own unit); who may change them is
    declared on the operations."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _units(self, principal: Principal, tenant_code: str) -> frozenset[int] | None:
        return visible_units(principal, await readable_place(self.engine, principal, tenant_code))

    async def page(self, principal: Principal, tenant_code: str, *, first: int, after: str | None) -> Window[Row]:
        """A page of units in the order they were registered."""
        query = select(InspectedUnit).order_by(InspectedUnit.id).limit(first + 1)
        if (cursor := decode_cursor(after, int)) is not None:
            query = query.where(InspectedUnit.id > cursor[0])
        if (units := await self._units(principal, tenant_code)) is not None:
            query = query.where(InspectedUnit.id.in_(units))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return window((await connection.execute(query)).all(), first, by_id)

    async def get(self, principal: Principal, tenant_code: str, unit_id: int):
        units = await self._units(principal, tenant_code)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            row = (await connection.execute(select(InspectedUnit).where(InspectedUnit.id == unit_id))).one_or_none()
        if row is None or (units is not None and unit_id not in units):
            raise not_found()
        return row

    async def create(self, principal: Principal, tenant_code: str, data: UnitData, request_id: str | None):
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await self._refuse_duplicate(connection, data.credit_code, None)
            with _code_taken_meanwhile_refused(data.credit_code):
                row = (await connection.execute(insert(InspectedUnit).values(**asdict(data)).returning(InspectedUnit))).one()
            await project_unit(connection, tenant_code, row.id)
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="unit.created",
                entity="unit",
                entity_id=str(row.id),
                after=_snapshot(row),
                request_id=request_id,
            )
        return row

    async def update(
        self, principal: Principal, tenant_code: str, unit_id: int, version: int, changes: UnitChanges, today: date, request_id: str | None
    ):
        """Apply `changes` if nobody changed the unit since `version` (else STALE_VERSION): the fields
        not given keep their values, and the whole is checked as a new unit is. A change that leaves
        every value as it was writes nothing; the unit keeps its version. The audit entry holds the
        fields that changed, before and after."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            before = (await connection.execute(select(InspectedUnit).where(InspectedUnit.id == unit_id).with_for_update())).one_or_none()
            if before is None:
                raise not_found()
            if before.version != version:
                raise DomainError("STALE_VERSION", f"该单位已被他人修改（当前版本 {before.version}），请刷新后重试", field="version")
            data = check_unit(**{**_as_given(before), **changes}, today=today)
            changed = {name: value for name, value in asdict(data).items() if value != getattr(before, name)}
            if not changed:
                return before
            await self._refuse_duplicate(connection, data.credit_code, unit_id)
            with _code_taken_meanwhile_refused(data.credit_code):
                row = (
                    await connection.execute(
                        update(InspectedUnit)
                        .where(InspectedUnit.id == unit_id)
                        .values(**changed, version=InspectedUnit.version + 1, updated_at=func.now())
                        .returning(InspectedUnit)
                    )
                ).one()
            await project(connection, tenant_code, unit_id=unit_id)  # the bank rows carry the unit's name and type
            await project_unit(connection, tenant_code, unit_id)
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="unit.updated",
                entity="unit",
                entity_id=str(unit_id),
                before=_snapshot(before, changed),
                after=_snapshot(row, changed),
                request_id=request_id,
            )
        return row

    async def _refuse_duplicate(self, connection: AsyncConnection, credit_code: str, unit_id: int | None) -> None:
        query = select(InspectedUnit.id).where(InspectedUnit.credit_code == credit_code)
        if unit_id is not None:
            query = query.where(InspectedUnit.id != unit_id)
        if (await connection.execute(query)).first():
            raise _duplicate(credit_code)


def _duplicate(credit_code: str) -> DomainError:
    return DomainError("DUPLICATE", f"代码 {credit_code} 的单位已经登记", field="creditCode")


@contextlib.contextmanager
def _code_taken_meanwhile_refused(credit_code: str) -> Iterator[None]:
    """The unit's write, with the credit code taken by a concurrent request since the check
    refused as DUPLICATE rather than failing."""
    try:
        yield
    except IntegrityError as error:
        if violated_constraint(error) != "inspected_unit_credit_code_key":
            raise
        raise _duplicate(credit_code) from None
