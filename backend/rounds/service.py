"""Inspection rounds and self-checks: checked input, policy, one transaction with its audit entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, exists, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.cursors import Window, decode_cursor, window
from backend.db import child_array
from backend.findings.models import Finding
from backend.rounds.coverage import Term, coverage_query
from backend.rounds.dashboard import dashboard_query, late_first
from backend.rounds.models import (
    InspectionMethod,
    InspectionRound,
    RoundKind,
    RoundMember,
    RoundStage,
    RoundStageEvent,
    RoundUnit,
    SelfCheck,
    TeamDuty,
)
from backend.rounds.workflow import FOLLOWABLE, ROUNDS
from backend.text import clean_text
from backend.units.models import InspectedUnit
from backend.workflow import Transition
from problem_bank.taxonomy import Taxonomy
from tenants.access import Principal, Role, not_found, visible_units
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.organs import Organ
from tenants.registry import clean_name, in_subtree, readable_place
from tenants.scoping import across_schemas, reading, tenant_engine, tenant_reader

SELF_CHECK_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.LIAISON})
MAX_UNITS_PER_ROUND = 500
MAX_TEAM = 50
MAX_SELF_CHECK_LENGTH = 20_000


@dataclass(frozen=True)
class Member:
    """A member of a round's team (联合检查组: members come from several organs)."""

    name: str
    duty: TeamDuty
    organ_id: int | None = None  # None: the round's own office (its 编办)
    organ_name: str | None = None  # the organ's short name, as read back


@dataclass(frozen=True)
class RoundData:
    kind: RoundKind
    name: str
    starts_on: date
    ends_on: date | None
    methods: list[InspectionMethod]
    unit_ids: list[int]
    team: list[Member]
    stage: RoundStage = RoundStage.PLANNED  # a round entered while under way starts where it stands
    follows_round_id: int | None = None  # a 回头看: the round whose closed problems it re-checks


@dataclass(frozen=True)
class RoundView:
    row: Row
    unit_ids: list[int]
    team: Sequence[Member]


def check_round(
    *,
    kind: str,
    name,
    starts_on,
    ends_on,
    methods: Sequence[str],
    unit_ids,
    team: Sequence[tuple[str, str] | tuple[str, str, int | None]],
    stage: str = RoundStage.PLANNED,
    follows_round_id: int | None = None,
) -> RoundData:
    """Validate a round (its kind, methods, duties and stage as enum members or their stored values)."""
    if kind not in set(RoundKind):
        raise DomainError("INVALID_KIND", f"检查类型须为：{RoundKind.labels()}", field="kind")
    if (kind == RoundKind.FOLLOW_UP) != (follows_round_id is not None):
        raise DomainError("INVALID_FOLLOW_UP", "回头看须指明所回头看的轮次，其他类型的轮次不能指明", field="followsRoundId")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("INVALID_PERIOD", "结束日期不能早于开始日期", field="endsOn")
    if not set(methods) <= set(InspectionMethod) or len(set(methods)) != len(methods):
        raise DomainError("INVALID_METHOD", f"检查方式须为不重复的：{InspectionMethod.labels()}", field="methods")
    if not unit_ids or len(unit_ids) > MAX_UNITS_PER_ROUND or len(set(unit_ids)) != len(unit_ids):
        raise DomainError("INVALID_UNITS", f"须覆盖 1 到 {MAX_UNITS_PER_ROUND} 个不重复的单位", field="unitIds")
    if len(team) > MAX_TEAM or not {member[1] for member in team} <= set(TeamDuty):
        raise DomainError("INVALID_TEAM", f"检查组最多 {MAX_TEAM} 人，职责须为：{TeamDuty.labels()}", field="team")
    return RoundData(
        kind=RoundKind(kind),
        name=clean_name(name, field="name", max_length=128),
        starts_on=starts_on,
        ends_on=ends_on,
        methods=[InspectionMethod(method) for method in methods],
        unit_ids=list(unit_ids),
        team=[Member(clean_name(member[0], field="team"), TeamDuty(member[1]), *member[2:]) for member in team],
        stage=RoundStage(stage),
        follows_round_id=follows_round_id,
    )


def with_units_and_team(query: Select) -> Select:
    """`query` (of rounds) with each round's units and team as arrays in the round's own row."""
    return query.add_columns(
        child_array(RoundUnit.unit_id, RoundUnit.round_id == InspectionRound.id, RoundUnit.unit_id).label("covered"),
        child_array(RoundMember.name, RoundMember.round_id == InspectionRound.id, RoundMember.id).label("team_names"),
        child_array(RoundMember.duty, RoundMember.round_id == InspectionRound.id, RoundMember.id).label("team_duties"),
        child_array(RoundMember.organ_id, RoundMember.round_id == InspectionRound.id, RoundMember.id).label("team_organs"),
        child_array(_ORGAN_NAME, RoundMember.round_id == InspectionRound.id, RoundMember.id).label("team_organ_names"),
    )


_ORGAN_NAME = select(Organ.short_name).where(Organ.id == RoundMember.organ_id).scalar_subquery()


async def round_views(
    connection: AsyncConnection, query: Select, units: frozenset[int] | None, parameters: dict | None = None
) -> list[RoundView]:
    """The rounds `query` (built by `with_units_and_team`) selects, with their units (of those,
    only `units` unless None) and team, in one statement: every listed finding's round is one of them."""
    return [
        RoundView(
            row,
            [unit for unit in row.covered if units is None or unit in units],
            [Member(*member) for member in zip(row.team_names, row.team_duties, row.team_organs, row.team_organ_names, strict=True)],
        )
        for row in await connection.execute(query, parameters)
    ]


class RoundService:
    """Rounds and self-checks read within the policy (a liaison sees the rounds that cover its
    unit, and of their units only its own); who may change them is declared on the operations."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _units(self, principal: Principal, tenant_code: str) -> frozenset[int] | None:
        return visible_units(principal, await readable_place(self.engine, principal, tenant_code))

    async def _views(self, principal: Principal, tenant_code: str, query: Select) -> list[RoundView]:
        """The rounds `query` selects that the caller sees, with their units and team: one
        statement whatever their number."""
        units = await self._units(principal, tenant_code)
        if units is not None:
            query = query.where(exists().where(RoundUnit.round_id == InspectionRound.id, RoundUnit.unit_id.in_(units)))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return await round_views(connection, with_units_and_team(query), units)

    async def page(self, principal: Principal, tenant_code: str, *, first: int, after: str | None, year: int | None) -> Window[RoundView]:
        """A page of rounds, the newest first; `year`: the year's plan, the rounds starting in it."""
        query = select(InspectionRound).order_by(InspectionRound.id.desc()).limit(first + 1)
        if year is not None:
            query = query.where(InspectionRound.starts_on.between(date(year, 1, 1), date(year, 12, 31)))
        if (cursor := decode_cursor(after, int)) is not None:
            query = query.where(InspectionRound.id < cursor[0])
        return window(await self._views(principal, tenant_code, query), first, lambda view: (view.row.id,))

    async def get(self, principal: Principal, tenant_code: str, round_id: int) -> RoundView:
        found = await self._views(principal, tenant_code, select(InspectionRound).where(InspectionRound.id == round_id))
        if not found:
            raise not_found()
        return found[0]

    async def create(
        self, principal: Principal, tenant_code: str, data: RoundData, request_id: str | None, *, led_by: str | None = None
    ) -> RoundView:
        """A round of the office over its units (`led_by`: led by that upper office, whose roles the
        caller's declaration checked; NOT_FOUND unless it is above this office)."""
        if led_by is not None:
            leader = await readable_place(self.engine, principal, led_by)
            place = await readable_place(self.engine, principal, tenant_code)
            if leader.code == place.code or not leader.contains(place):
                raise DomainError("NOT_FOUND", "只能对本辖区下级机构的单位开展检查", field="tenantCode")
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            known = set((await connection.execute(select(InspectedUnit.id).where(InspectedUnit.id.in_(data.unit_ids)))).scalars())
            if missing := [unit for unit in data.unit_ids if unit not in known]:
                raise DomainError("NOT_FOUND", f"被检查单位 {', '.join(map(str, missing))} 不存在", field="unitIds")
            if data.follows_round_id is not None:
                await _require_followable(connection, data.follows_round_id)
            row = (
                await connection.execute(
                    insert(InspectionRound)
                    .values(
                        kind=data.kind,
                        name=data.name,
                        starts_on=data.starts_on,
                        ends_on=data.ends_on,
                        methods=data.methods,
                        state=data.stage,
                        follows_round_id=data.follows_round_id,
                        led_by=led_by,
                    )
                    .returning(InspectionRound)
                )
            ).one()
            await connection.execute(insert(RoundUnit), [{"round_id": row.id, "unit_id": unit} for unit in data.unit_ids])
            team = data.team
            if team:
                names = await _team_organs(connection, team, {tenant_code, led_by or tenant_code})
                team = [replace(m, organ_name=names.get(m.organ_id)) for m in team]
                await connection.execute(
                    insert(RoundMember), [{"round_id": row.id, "name": m.name, "duty": m.duty, "organ_id": m.organ_id} for m in data.team]
                )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="round.created",
                entity="round",
                entity_id=str(row.id),
                after={
                    "kind": data.kind,
                    "name": data.name,
                    "starts_on": data.starts_on.isoformat(),
                    "ends_on": data.ends_on.isoformat() if data.ends_on else None,
                    "methods": data.methods,
                    "unit_ids": data.unit_ids,
                    "team": [[m.name, m.duty, m.organ_id] for m in data.team],
                    "stage": data.stage,
                    "follows_round_id": data.follows_round_id,
                    "led_by": led_by,
                },
                request_id=request_id,
            )
        return RoundView(row, sorted(data.unit_ids), team)

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        round_id: int,
        version: int,
        transition: Transition[RoundStage],
        note: str | None,
        request_id: str | None,
        *,
        values: Mapping[str, Any] | None = None,
    ) -> RoundView:
        """Move the round on to the transition's stage, or amend it (`values`: its 检查方案, its
        进驻公告) where it stands; the workflow checks the version, the stage and the note, and who
        may is declared on the operation."""
        note = clean_text(note, "note", required=False)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await ROUNDS.lock(
                transition,
                connection,
                select(InspectionRound).where(InspectionRound.id == round_id).with_for_update(),
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
            )
            await move.apply(values, after=values)
            return (
                await round_views(connection, with_units_and_team(select(InspectionRound).where(InspectionRound.id == round_id)), None)
            )[0]

    async def dashboard(self, principal: Principal, tenant_code: str, today: date) -> list[Row]:
        """The office's rounds not yet archived with what is late, the latest first (backend/rounds/dashboard.py)."""
        units = await self._units(principal, tenant_code)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return late_first((await connection.execute(dashboard_query(today, units))).all())

    async def led(self, principal: Principal, leader_code: str, today: date) -> list[tuple[Row, Row]]:
        """The rounds `leader_code` leads in the offices below it, not yet archived, with what is
        late: (office, dashboard row) pairs, office by office (one statement finds the offices
        over the leader's whole subtree, then one dashboard statement each)."""
        leader = await readable_place(self.engine, principal, leader_code)
        subtree = in_subtree(leader, province=Tenant.province_code, city=Tenant.city_code, code=Tenant.code)
        async with reading(self.engine).connect() as connection:
            offices = (await connection.execute(select(Tenant.code, Tenant.name).where(subtree, Tenant.code != leader.code))).all()
            if not offices:
                return []
            leading_in = across_schemas(
                "SELECT {code} AS code FROM {schema}.inspection_round WHERE led_by = :leader", (o.code for o in offices), distinct=True
            )
            leading = set((await connection.execute(text(leading_in), {"leader": leader.code})).scalars())
        found = []
        for office in sorted((o for o in offices if o.code in leading), key=lambda o: o.code):
            async with tenant_reader(self.engine, office.code).connect() as connection:
                rows = (await connection.execute(dashboard_query(today, None).where(InspectionRound.led_by == leader.code))).all()
            found += [(office, row) for row in late_first(rows)]
        return found

    async def coverage(self, principal: Principal, tenant_code: str, term: Term) -> Sequence[Row]:
        """Every unit of the office with its coverage in `term` (backend/rounds/coverage.py)."""
        await readable_place(self.engine, principal, tenant_code)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return (await connection.execute(coverage_query(term))).all()

    async def stage_history(self, principal: Principal, tenant_code: str, round_id: int) -> Sequence[Row]:
        """The round's moves, oldest first (NOT_FOUND for a round the caller does not see)."""
        await self.get(principal, tenant_code, round_id)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            query = select(RoundStageEvent).where(RoundStageEvent.round_id == round_id).order_by(RoundStageEvent.id)
            return (await connection.execute(query)).all()

    async def unit_history(self, principal: Principal, tenant_code: str, unit_id: int) -> Sequence[Row]:
        """The rounds that covered a unit, the latest first, each with how many problems it found
        there: one statement (NOT_FOUND for a unit the caller does not see)."""
        units = await self._units(principal, tenant_code)
        if units is not None and unit_id not in units:
            raise not_found()
        found = (
            select(func.count())
            .where(Finding.round_id == InspectionRound.id, Finding.unit_id == unit_id)
            .scalar_subquery()
            .label("findings")
        )
        query = (
            select(InspectionRound, found)
            .join(RoundUnit, RoundUnit.round_id == InspectionRound.id)
            .where(RoundUnit.unit_id == unit_id)
            .order_by(InspectionRound.starts_on.desc(), InspectionRound.id.desc())
        )
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            if (await connection.execute(select(InspectedUnit.id).where(InspectedUnit.id == unit_id))).first() is None:
                raise not_found()
            return (await connection.execute(query)).all()

    async def submit_self_check(
        self, principal: Principal, tenant_code: str, round_id: int, unit_id: int, content: str, request_id: str | None
    ):
        """Submit, or replace, a unit's self-check for a round (the unit's liaison, or the office)."""
        content = content.strip()
        if not 1 <= len(content) <= MAX_SELF_CHECK_LENGTH:
            raise DomainError("INVALID_CONTENT", f"自查报告须为 1 到 {MAX_SELF_CHECK_LENGTH} 个字符", field="content")
        units = await self._units(principal, tenant_code)
        if units is not None and unit_id not in units:
            raise not_found()
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await self._require_coverage(connection, round_id, unit_id)
            before = (
                await connection.execute(
                    select(SelfCheck).where(SelfCheck.round_id == round_id, SelfCheck.unit_id == unit_id).with_for_update()
                )
            ).one_or_none()
            proposed = pg_insert(SelfCheck).values(round_id=round_id, unit_id=unit_id, content=content, submitted_by=principal.username)
            row = (
                await connection.execute(  # the proposed row's submitted_at (now()): Citus takes no function in DO UPDATE
                    proposed.on_conflict_do_update(
                        constraint="self_check_round_unit_key",
                        set_={"content": content, "submitted_by": principal.username, "submitted_at": proposed.excluded.submitted_at},
                    ).returning(SelfCheck)
                )
            ).one()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="self_check.replaced" if before else "self_check.submitted",
                entity="self_check",
                entity_id=str(row.id),
                before={"content": before.content} if before else None,
                after={"content": content},
                request_id=request_id,
            )
        return row

    async def _require_coverage(self, connection: AsyncConnection, round_id: int, unit_id: int) -> None:
        covered = await connection.execute(select(RoundUnit.round_id).where(RoundUnit.round_id == round_id, RoundUnit.unit_id == unit_id))
        if covered.first() is None:
            raise not_found()

    async def self_checks(self, principal: Principal, tenant_code: str, round_id: int, *, first: int, after: str | None) -> Window[Row]:
        """A page of a round's self-checks, by unit."""
        await self.get(principal, tenant_code, round_id)  # NOT_FOUND for a round out of sight
        units = await self._units(principal, tenant_code)
        query = select(SelfCheck).where(SelfCheck.round_id == round_id).order_by(SelfCheck.unit_id).limit(first + 1)
        if (cursor := decode_cursor(after, int)) is not None:
            query = query.where(SelfCheck.unit_id > cursor[0])
        if units is not None:
            query = query.where(SelfCheck.unit_id.in_(units))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return window((await connection.execute(query)).all(), first, lambda row: (row.unit_id,))


async def _require_followable(connection: AsyncConnection, round_id: int) -> None:
    """A 回头看 follows a round of the office whose problems were handed over (from 整改 on)."""
    stage = (await connection.execute(select(InspectionRound.state).where(InspectionRound.id == round_id))).scalar_one_or_none()
    if stage is None:
        raise DomainError("NOT_FOUND", "所回头看的轮次不存在", field="followsRoundId")
    if stage not in FOLLOWABLE:
        raise DomainError("ROUND_STAGE", f"所回头看的轮次处于“{stage}”阶段：整改之后才能回头看", field="followsRoundId")


def check_plan(*, scope: str, key_points: Sequence[str], methods: Sequence[str], division_of_work: str | None, taxonomy: Taxonomy) -> dict:
    """A 检查方案 as the round's columns: its scope, the taxonomy codes it looks at first, its
    methods and who does what."""
    if len(set(key_points)) != len(key_points):
        raise DomainError("INVALID_INPUT", "检查重点不能重复", field="keyPoints")
    for code in key_points:
        taxonomy.node(code, field="keyPoints")
    if not set(methods) <= set(InspectionMethod) or len(set(methods)) != len(methods):
        raise DomainError("INVALID_METHOD", f"检查方式须为不重复的：{InspectionMethod.labels()}", field="methods")
    return {
        "scope": clean_text(scope, "scope", required=True),
        "key_points": list(key_points),
        "methods": [InspectionMethod(method).value for method in methods],
        "division_of_work": clean_text(division_of_work, "divisionOfWork", required=False),
    }


def check_announcement(*, phone: str, mailbox: str, address: str | None, receiving_from: date, receiving_to: date) -> dict:
    """A 进驻公告's contact channels and the days the team receives letters and visits."""
    if receiving_to < receiving_from:
        raise DomainError("INVALID_PERIOD", "受理截止日期不能早于开始日期", field="receivingTo")
    return {
        "announcement": {
            "phone": clean_name(phone, field="phone"),
            "mailbox": clean_name(mailbox, field="mailbox", max_length=128),
            "address": clean_name(address, field="address", max_length=128) if address else None,
            "receiving_from": receiving_from.isoformat(),
            "receiving_to": receiving_to.isoformat(),
        }
    }


async def _team_organs(connection: AsyncConnection, team: Sequence[Member], regions: set[str]) -> dict[int | None, str]:
    """The short names of the members' organs, each of the round's office's region (or of the
    office leading it)."""
    named = {m.organ_id for m in team if m.organ_id is not None}
    if not named:
        return {}
    query = select(Organ.id, Organ.short_name).where(Organ.id.in_(named), Organ.tenant_code.in_(regions))
    found: dict[int | None, str] = dict((await connection.execute(query)).all())
    if len(found) != len(named):
        raise DomainError("NOT_FOUND", "检查组成员所在的机关须为本地区（或牵头机构所在地区）的机关", field="team")
    return found
