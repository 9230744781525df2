"""Logging findings, each with its ledger entry, and listing them within the policy."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Row, Select, and_, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.cursors import Window, decode_cursor, window
from backend.db import any_of, violated_constraint
from backend.findings.joins import joined
from backend.findings.models import DAILY_SOURCES, EvidenceSource, Finding, FindingSource, RectificationClass, Severity
from backend.ledger.models import LedgerEntry
from backend.notifications.outbox import emit
from backend.quantities.service import ACHIEVED, PLANNED, Quantities, Quantity, check_quantities, require_known_kinds
from backend.rounds.models import InspectionRound, RoundUnit
from backend.rounds.workflow import REGISTERING
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from backend.units.models import InspectedUnit
from problem_bank.projection import project
from problem_bank.rectification import LedgerState, overdue
from problem_bank.taxonomy import CodeScope, Taxonomy
from tenants.access import Principal, Role, not_found, visible_units
from tenants.divisions import province_of
from tenants.errors import DomainError
from tenants.registry import clean_name, readable_place
from tenants.scoping import tenant_engine, tenant_reader

FINDING_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
MAX_EXPORT_ROWS = 50_000
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}")
_GENERATED_CODE = re.compile(r"WT\d+", re.IGNORECASE)


@dataclass(frozen=True)
class FindingData:
    code: str | None  # None: numbered WT + id by the database
    round_id: int | None  # None: a daily-supervision finding (`source` says which channel)
    unit_id: int
    taxonomy_code: str
    taxonomy_version: str
    description: str
    evidence_sources: list[str]
    severity: str
    rectification_class: str
    fixed_on_spot: bool
    found_on: date
    deadline: date
    responsible_unit: str | None  # None: the inspected unit itself
    responsible_person: str | None
    measures: str | None
    close_note: str | None
    source: str = FindingSource.ROUND
    source_reference: str | None = None  # a daily finding's 12310 report number, audit letter number…
    sensitivity: str = Sensitivity.INTERNAL  # backend/sensitivity.py
    quantities: Quantities = field(default_factory=dict)  # 整改量化指标, planned and achieved


def check_source(round_id: int | None, daily_source: str | None, reference: str | None) -> tuple[str, str | None]:
    """A finding's source and its reference: a round's (`round_id`), or a channel of 日常监督
    (`daily_source`, with an optional reference such as the 12310 report number); one of the two, never both."""
    if round_id is None and daily_source is None:
        raise DomainError("SOURCE_REQUIRED", f"须指明问题来源：所属轮次（roundId），或日常监督来源（{_daily_labels()}）", field="roundId")
    if round_id is not None and daily_source is not None:
        raise DomainError("SOURCE_CONFLICT", "问题来源只能是一个：所属轮次与日常监督来源不能同时填写", field="dailySource")
    reference = clean_name(reference, field="sourceReference", max_length=64) if reference and reference.strip() else None
    if round_id is not None:
        if reference is not None:
            raise DomainError(
                "SOURCE_CONFLICT", "来源文号只随日常监督来源填写（如 12310 举报编号、审计移送函文号）", field="sourceReference"
            )
        return FindingSource.ROUND, None
    if daily_source not in DAILY_SOURCES:
        raise DomainError("INVALID_SOURCE", f"日常监督来源须为：{_daily_labels()}", field="dailySource")
    return FindingSource(daily_source), reference


def _daily_labels() -> str:
    return "、".join(source.label for source in FindingSource if source in DAILY_SOURCES)


def check_code_of_finding(code: str | None) -> str | None:
    if code is None or not code.strip():
        return None
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise DomainError("INVALID_FINDING_CODE", "问题编号须为 1 到 32 位字母、数字、“-”或“_”", field="code")
    if _GENERATED_CODE.fullmatch(code):
        raise DomainError("INVALID_FINDING_CODE", "“WT+数字”留给系统自动编号，请换一个编号", field="code")
    return code


def check_evidence_sources(evidence_sources: Sequence[str]) -> list[str]:
    if not set(evidence_sources) <= set(EvidenceSource) or len(set(evidence_sources)) != len(evidence_sources):
        raise DomainError("INVALID_EVIDENCE_SOURCE", f"证据来源须为不重复的：{EvidenceSource.labels()}", field="evidenceSources")
    return list(evidence_sources)


def check_severity(severity: str) -> str:
    if severity not in set(Severity):
        raise DomainError("INVALID_SEVERITY", f"严重程度须为：{Severity.labels()}", field="severity")
    return severity


def check_rectification_class(rectification_class: str) -> str:
    if rectification_class not in set(RectificationClass):
        raise DomainError("INVALID_RECTIFICATION_CLASS", f"整改类别须为：{RectificationClass.labels()}", field="rectificationClass")
    return rectification_class


def check_found_on(found_on: date, today: date) -> date:
    if found_on > today:
        raise DomainError("INVALID_DATE", "发现日期不能晚于今天", field="foundOn")
    return found_on


def check_finding(
    *,
    round_id: int | None,
    unit_id: int,
    taxonomy_code: str,
    description: str,
    evidence_sources: Sequence[str],
    severity: str,
    fixed_on_spot: bool,
    found_on: date,
    deadline: date | None,
    responsible_person: str | None,
    measures: str | None,
    close_note: str | None,
    today: date,
    taxonomy: Taxonomy,
    tenant_code: str,
    code: str | None = None,
    responsible_unit: str | None = None,
    rectification_class: str | None = None,  # None: 立行立改 when fixed on the spot, else 限期整改
    daily_source: str | None = None,  # instead of a round: the channel of 日常监督 that found it
    source_reference: str | None = None,
    quantities: Sequence[Quantity] = (),
) -> FindingData:
    source, source_reference = check_source(round_id, daily_source, source_reference)
    taxonomy.manifestation(taxonomy_code, province_of(tenant_code))
    evidence_sources = check_evidence_sources(evidence_sources)
    severity = check_severity(severity)
    found_on = check_found_on(found_on, today)
    if fixed_on_spot:
        deadline = found_on  # fixed on the spot (立行立改, 当场整改完毕): nothing left to rectify
    elif deadline is None or deadline < found_on:
        raise DomainError("INVALID_DEADLINE", "整改期限须不早于发现日期", field="deadline")
    if rectification_class is None:
        rectification_class = RectificationClass.AT_ONCE if fixed_on_spot else RectificationClass.BY_DEADLINE
    return FindingData(
        code=check_code_of_finding(code),
        round_id=round_id,
        unit_id=unit_id,
        taxonomy_code=taxonomy_code,
        taxonomy_version=taxonomy.version,
        description=clean_text(description, "description", required=True),
        evidence_sources=list(evidence_sources),
        severity=severity,
        rectification_class=check_rectification_class(rectification_class),
        fixed_on_spot=fixed_on_spot,
        found_on=found_on,
        deadline=deadline,
        responsible_unit=clean_name(responsible_unit, field="responsibleUnit", max_length=128) if responsible_unit else None,
        responsible_person=clean_name(responsible_person, field="responsiblePerson") if responsible_person else None,
        measures=clean_text(measures, "measures", required=False),
        close_note=clean_text(close_note, "closeNote", required=fixed_on_spot),
        source=source,
        source_reference=source_reference,
        quantities=check_quantities(quantities, allowed=(PLANNED, ACHIEVED), field="quantities"),
    )


@dataclass(frozen=True)
class FindingFilter:
    """What a ledger listing (or export) is limited to; every field optional."""

    round_id: int | None = None
    sources: frozenset[str] = field(default_factory=frozenset)
    unit_id: int | None = None
    taxonomy: CodeScope | None = None  # a category, kind or manifestation and everything under it, in any edition
    states: frozenset[str] = field(default_factory=frozenset)
    overdue: bool | None = None
    deadline_from: date | None = None
    deadline_to: date | None = None

    def __post_init__(self) -> None:
        if not self.states <= set(LedgerState):
            raise DomainError("INVALID_STATE", f"台账状态须为：{LedgerState.labels()}", field="states")
        if self.deadline_from and self.deadline_to and self.deadline_from > self.deadline_to:
            raise DomainError("INVALID_PERIOD", "期限范围的起点不能晚于终点", field="deadlineFrom")

    def apply(self, query: Select, today: date) -> Select:
        if self.round_id is not None:
            query = query.where(Finding.round_id == self.round_id)
        if self.sources:
            query = query.where(Finding.source.in_(sorted(self.sources)))
        if self.unit_id is not None:
            query = query.where(Finding.unit_id == self.unit_id)
        if self.taxonomy is not None:
            query = query.where(self.taxonomy.matches(Finding.taxonomy_version, Finding.taxonomy_code))
        if self.states:
            query = query.where(LedgerEntry.state.in_(sorted(self.states)))
        if self.overdue is not None:
            late = overdue(LedgerEntry.state, LedgerEntry.deadline, today)
            query = query.where(late if self.overdue else ~late)
        if self.deadline_from is not None:
            query = query.where(LedgerEntry.deadline >= self.deadline_from)
        if self.deadline_to is not None:
            query = query.where(LedgerEntry.deadline <= self.deadline_to)
        return query


class FindingSort(enum.Enum):
    NEWEST = "newest"  # most recently logged first
    DEADLINE = "deadline"  # the most urgent deadline first
    FOUND_ON = "found_on"  # most recently found first

    @property
    def key(self):
        return {FindingSort.NEWEST: None, FindingSort.DEADLINE: LedgerEntry.deadline, FindingSort.FOUND_ON: Finding.found_on}[self]

    @property
    def ascending(self) -> bool:
        return self is FindingSort.DEADLINE


def cursor_key(sort: FindingSort) -> Callable[[Any], tuple]:
    """A page's cursor: the sort, the row's sort key (none for NEWEST) and its id."""
    return lambda row: (sort.value, None if sort.key is None else getattr(row, sort.key.key), row.id)


def decode_after(sort: FindingSort, cursor: str) -> tuple[date | None, int]:
    name, value, finding_id = decode_cursor(cursor, str, type(None) if sort.key is None else date, int) or ()
    if name != sort.value:
        raise DomainError("INVALID_CURSOR", "分页游标与排序方式不符，请从第一页重新查询", field="after")
    return value, finding_id


def _after(sort: FindingSort) -> ColumnElement[bool]:
    """Rows after the cursor's (:after_key, :after_id), bound at execution."""
    after_id: BindParameter[int] = bindparam("after_id")
    if sort.key is None:
        return Finding.id < after_id
    after_key = bindparam("after_key", type_=sort.key.type)
    if sort.ascending:
        return or_(sort.key > after_key, and_(sort.key == after_key, Finding.id > after_id))
    return or_(sort.key < after_key, and_(sort.key == after_key, Finding.id < after_id))


def _order(sort: FindingSort) -> list:
    if sort.key is None:
        return [Finding.id.desc()]
    if sort.ascending:
        return [sort.key.asc(), Finding.id.asc()]
    return [sort.key.desc(), Finding.id.desc()]


# The ledger entry's columns as a listed finding carries them (a ledger change returns the same).
LISTED_LEDGER_COLUMNS = (
    LedgerEntry.state,
    LedgerEntry.deadline,
    LedgerEntry.responsible_unit,
    LedgerEntry.responsible_person,
    LedgerEntry.measures,
    LedgerEntry.close_note,
    LedgerEntry.closed_at,
    LedgerEntry.quantities,
    LedgerEntry.version.label("ledger_version"),
)
LISTED_COLUMNS = (*Finding.__table__.columns, *LISTED_LEDGER_COLUMNS)


# Built once (building a statement costs more than running it); values are bound at execution.
_LISTED = select(*LISTED_COLUMNS).join(LedgerEntry, LedgerEntry.finding_id == Finding.id)
_LISTED_IN_UNITS = _LISTED.where(any_of(Finding.unit_id, "units"))  # a liaison's: see `unit_parameters`


def listed_query(in_units: bool) -> Select:
    """Findings with their ledger entries (in_units: a liaison's, bound by `unit_parameters`)."""
    return _LISTED_IN_UNITS if in_units else _LISTED


@lru_cache(maxsize=64)
def _by_id_query(in_units: bool, joins: frozenset[str]) -> Select:
    return joined(listed_query(in_units), joins).where(Finding.id == bindparam("finding_id"))


@lru_cache(maxsize=256)
def _page_query(
    filter: FindingFilter, sort: FindingSort, first: int, after: bool, in_units: bool, today: date, joins: frozenset[str]
) -> Select:
    """A page's statement, built once per shape; the cursor and the units are bound at execution.
    One row more than asked says whether another page follows."""
    query = filter.apply(listed_query(in_units), today).order_by(*_order(sort)).limit(first + 1)
    return joined(query.where(_after(sort)) if after else query, joins)


def unit_parameters(units: frozenset[int] | None) -> dict:
    """The `units` parameter of a statement limited to a liaison's units (none for the others)."""
    return {} if units is None else {"units": sorted(units)}


@dataclass(frozen=True)
class Listed:
    """Finding rows, the units the caller sees (None: all; a liaison's relations are limited
    to them) and the one-to-one relations joined to the rows (backend/findings/joins.py)."""

    rows: Sequence[Row | SimpleNamespace]  # a change answers with its row updated (backend/ledger/service.py)
    units: frozenset[int] | None
    joins: frozenset[str] = frozenset()


class FindingService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def log(
        self,
        principal: Principal,
        tenant_code: str,
        data: FindingData,
        request_id: str | None,
        *,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        """The finding and its ledger entry (挂号, or 已销号 at once when fixed on the spot),
        with one audit entry, in one transaction."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            finding_id = await insert_finding(connection, tenant_code, data, principal.username, request_id)
        return await self.get(principal, tenant_code, finding_id, joins=joins)

    async def get(
        self,
        principal: Principal,
        tenant_code: str,
        finding_id: int,
        *,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        place = await readable_place(self.engine, principal, tenant_code)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return await listed_finding(connection, finding_id, visible_units(principal, place), joins)

    async def page(
        self,
        principal: Principal,
        tenant_code: str,
        *,
        filter: FindingFilter,
        sort: FindingSort,
        first: int,
        after: str | None,
        today: date,
        joins: frozenset[str] = frozenset(),
    ) -> tuple[Listed, Window]:
        """A page of findings with their ledger entries and `joins` in one statement, and whether
        another follows. A liaison sees only its unit's findings."""
        place = await readable_place(self.engine, principal, tenant_code)
        units = visible_units(principal, place)
        query = _page_query(filter, sort, first, after is not None, units is not None, today, joins)
        parameters = unit_parameters(units)
        if after is not None:
            parameters["after_key"], parameters["after_id"] = decode_after(sort, after)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query, parameters)).all()
        page = window(rows, first, cursor_key(sort))
        return Listed(page.rows, units, joins), page

    async def export_rows(
        self, principal: Principal, tenant_code: str, *, filter: FindingFilter, sort: FindingSort, today: date
    ) -> Sequence[Row]:
        """Every finding the filter selects, with its unit's and round's names (none for a daily finding), for an export."""
        place = await readable_place(self.engine, principal, tenant_code)
        units = visible_units(principal, place)
        query = (
            listed_query(units is not None)
            .add_columns(InspectedUnit.name.label("unit_name"), InspectionRound.name.label("round_name"))
            .join(InspectedUnit, InspectedUnit.id == Finding.unit_id)
            .outerjoin(InspectionRound, InspectionRound.id == Finding.round_id)
        )
        query = filter.apply(query, today).order_by(*_order(sort)).limit(MAX_EXPORT_ROWS + 1)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query, unit_parameters(units))).all()
        if len(rows) > MAX_EXPORT_ROWS:
            raise DomainError("TOO_MANY_ROWS", f"一次最多导出 {MAX_EXPORT_ROWS} 条，请缩小筛选范围", field="filter")
        return rows

    async def count(self, principal: Principal, tenant_code: str, *, filter: FindingFilter, today: date) -> int:
        place = await readable_place(self.engine, principal, tenant_code)
        units = visible_units(principal, place)
        query = filter.apply(listed_query(units is not None).with_only_columns(func.count()), today)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return (await connection.execute(query, unit_parameters(units))).scalar_one()


async def listed_finding(
    connection: AsyncConnection, finding_id: int, units: frozenset[int] | None, joins: frozenset[str] = frozenset()
) -> Listed:
    """One finding with its ledger entry and `joins`, if it is among `units` (None: any); NOT_FOUND otherwise."""
    query = _by_id_query(units is not None, joins)
    row = (await connection.execute(query, {"finding_id": finding_id, **unit_parameters(units)})).one_or_none()
    if row is None:
        raise not_found()
    return Listed([row], units, joins)


async def insert_finding(
    connection: AsyncConnection,
    tenant_code: str,
    data: FindingData,
    actor: str,
    request_id: str | None,
    *,
    by_stage: bool = True,
    tell_unit: bool = True,
) -> int:
    """Insert a checked finding and its ledger entry, with its problem-bank row and an audit
    entry, in the caller's transaction. `by_stage`: the round must have reached its 统一反馈 (a
    process with stages of its own, a leader review, says False; a daily-supervision finding has
    no round and no 统一反馈: it is the unit's problem at once); `tell_unit`: the unit's liaison
    is told (unless it was fixed on the spot; the 统一反馈 tells it of all its problems at once)."""
    unit_name = await _unit_of(connection, data, by_stage)
    await require_known_kinds(connection, tenant_code, data.quantities, "quantities")
    try:  # a duplicate code aborts the transaction; the caller's whole change is refused
        finding_id, finding_code = (
            await connection.execute(
                insert(Finding)
                .values(
                    code=data.code,
                    round_id=data.round_id,
                    source=data.source,
                    source_reference=data.source_reference,
                    unit_id=data.unit_id,
                    taxonomy_code=data.taxonomy_code,
                    taxonomy_version=data.taxonomy_version,
                    description=data.description,
                    evidence_sources=data.evidence_sources,
                    severity=data.severity,
                    rectification_class=data.rectification_class,
                    fixed_on_spot=data.fixed_on_spot,
                    found_on=data.found_on,
                    found_by=actor,
                    sensitivity=data.sensitivity,
                )
                .returning(Finding.id, Finding.code)
            )
        ).one()
    except IntegrityError as error:
        if violated_constraint(error) != "finding_code_key":
            raise
        raise DomainError("DUPLICATE", f"问题编号 {data.code} 已被使用", field="code") from None
    await connection.execute(
        insert(LedgerEntry).values(
            finding_id=finding_id,
            state=LedgerState.CLOSED if data.fixed_on_spot else LedgerState.REGISTERED,
            deadline=data.deadline,
            responsible_unit=data.responsible_unit or unit_name,
            responsible_person=data.responsible_person,
            measures=data.measures,
            close_note=data.close_note,
            closed_at=func.now() if data.fixed_on_spot else None,
            quantities=data.quantities,
        )
    )
    await project(connection, tenant_code, finding_ids=[finding_id])
    await record_audit(
        connection,
        tenant_code,
        actor=actor,
        action="finding.logged",
        entity="finding",
        entity_id=str(finding_id),
        after={
            "code": data.code,
            "round_id": data.round_id,
            "source": data.source,
            "source_reference": data.source_reference,
            "unit_id": data.unit_id,
            "taxonomy_code": data.taxonomy_code,
            "severity": data.severity,
            "fixed_on_spot": data.fixed_on_spot,
            "rectification_class": data.rectification_class,
            "deadline": data.deadline.isoformat(),
            "quantities": data.quantities,
        },
        request_id=request_id,
    )
    if tell_unit and not data.fixed_on_spot:
        await emit(
            connection,
            tenant_code,
            "finding.logged",
            {
                "finding_id": finding_id,
                "finding_code": finding_code,
                "unit_id": data.unit_id,
                "deadline": data.deadline.isoformat(),
                "description": data.description[:200],
            },
        )
    return finding_id


async def _unit_of(connection: AsyncConnection, data: FindingData, by_stage: bool) -> str:
    """The name of the finding's unit, which its round (if it has one) covers and, `by_stage`,
    has fed back to; NOT_FOUND or ROUND_NOT_FED_BACK otherwise."""
    if data.round_id is None:
        name = (await connection.execute(select(InspectedUnit.name).where(InspectedUnit.id == data.unit_id))).scalar_one_or_none()
        if name is None:
            raise DomainError("NOT_FOUND", "没有这个被检查单位", field="unitId")
        return name
    found = (
        await connection.execute(
            select(InspectedUnit.name, InspectionRound.state)
            .join(RoundUnit, RoundUnit.unit_id == InspectedUnit.id)
            .join(InspectionRound, InspectionRound.id == RoundUnit.round_id)
            .where(RoundUnit.round_id == data.round_id, RoundUnit.unit_id == data.unit_id)
        )
    ).one_or_none()
    if found is None:
        raise DomainError("NOT_FOUND", "该轮次不存在或未覆盖该单位", field="unitId")
    unit_name, stage = found
    if by_stage and stage not in REGISTERING:
        raise DomainError(
            "ROUND_NOT_FED_BACK",
            f"该轮次处于“{stage}”阶段，尚未统一反馈：发现的问题请先录入问题底稿，统一反馈后进入整改台账",
            field="roundId",
        )
    return unit_name
