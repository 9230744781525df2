"""Handling 12310 reports in an office: who reads them, who acts on them, and the acts.

- The region's 编办 and the offices above it (not liaisons) read every report of the region; a
  partner organ's members read the reports referred to their organ.
- The handling organ's staff (admins, 监督检查人员, reviewers: HANDLERS) act on a report and
  are the only ones who read the reporter's name and contact details; everyone else, the
  platform's superuser included, reads the report without them.
- 转办 to another organ of the region hands it the report (the 编办 keeps its read); 转办 to the
  parent's or a child's office moves it there: a copy at 待受理 in that region's schema with the
  same query code, and the original, 已转办, keeps no contact details.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Row, Select, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.cursors import Window, by_id, decode_cursor, window
from backend.reports_12310.models import Report12310, ReportState
from backend.reports_12310.workflow import ACCEPT, ANSWER, CLOSED, HANDLERS, REFER, REJECT, REPORTS_12310, TRANSFER, VERIFY
from backend.settings import Settings
from backend.supervision.calendar import load_calendar
from backend.workflow import Move, Transition
from tenants.access import Place, Principal, Role, forbidden, not_found, reads_subtree, require_subtree_read
from tenants.errors import DomainError
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code
from tenants.organs import Organ, office_of
from tenants.registry import load_place
from tenants.scoping import reading, tenant_engine, tenant_reader

COLUMNS = tuple(Report12310.__table__.columns)


@dataclass(frozen=True)
class ReportFilter:
    states: frozenset[ReportState] | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class ReportView:
    """A report as one reader sees it: `contacts` tells whether its reporter's details are shown."""

    row: Row
    organ_name: str
    contacts: bool
    today: date

    @property
    def overdue(self) -> bool:
        return self.row.state not in CLOSED and self.row.due_on < self.today


async def workdays_after(connection: AsyncConnection, day: date, count: int) -> date:
    """The `count`-th working day after `day` on the platform's calendar (backend/supervision/calendar.py)."""
    calendar = await load_calendar(connection, day, day + timedelta(days=count * 2 + 60))
    return calendar.workdays_after(day, count)


def handles(principal: Principal, organ_id: int, roles: frozenset[Role] = HANDLERS) -> bool:
    """Does the principal hold one of `roles` in the organ handling a report?"""
    return bool(principal.organ_roles(organ_id) & roles)


def _own_organs(principal: Principal, place: Place) -> frozenset[int]:
    """The organs of region `place` the principal is a member of (liaisons excepted)."""
    return frozenset(g.organ_id for g in principal.organs if g.place.code == place.code and g.role is not Role.LIAISON)


def _readable(principal: Principal, place: Place) -> frozenset[int] | None:
    """The handling organs whose reports the principal reads in region `place` (None: all);
    NOT_FOUND or FORBIDDEN (a liaison) when it reads none."""
    if reads_subtree(principal, place):
        return None
    if organs := _own_organs(principal, place):
        return organs
    require_subtree_read(principal, place)
    raise forbidden()


class Reports12310:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    async def page(
        self, principal: Principal, tenant_code: str, filter: ReportFilter, today: date, *, first: int, after: str | None
    ) -> Window[ReportView]:
        """A page of the region's reports the principal reads, the newest first."""
        place = await self._place(tenant_code)
        query = _visible(_readable(principal, place))
        if filter.states:
            query = query.where(Report12310.state.in_([state.value for state in filter.states]))
        if filter.overdue is not None:
            late = (Report12310.state.not_in([state.value for state in CLOSED])) & (Report12310.due_on < today)
            query = query.where(late if filter.overdue else ~late)
        if (key := decode_cursor(after, int)) is not None:
            query = query.where(Report12310.id < key[0])
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query.order_by(Report12310.id.desc()).limit(first + 1))).all()
        page = window(rows, first, by_id)
        return Window([_view(principal, row, today) for row in page.rows], page.has_next, page.end_cursor)

    async def one(self, principal: Principal, tenant_code: str, report_id: int, today: date) -> ReportView:
        place = await self._place(tenant_code)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            row = (await connection.execute(_visible(None).where(Report12310.id == report_id))).one_or_none()
        if row is None or not _reads(principal, place, row.handling_organ_id):
            require_subtree_read(principal, place)  # NOT_FOUND, or a liaison's FORBIDDEN
            raise not_found()
        return _view(principal, row, today)

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        report_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
        *,
        now: datetime,
        today: date,
        organ_id: int | None = None,
        region_code: str | None = None,
    ) -> ReportView:
        """Take `transition` (REFER to `organ_id`, TRANSFER to `region_code`), as a member of the
        handling organ holding one of its roles."""
        place = await self._place(tenant_code)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            row = (await connection.execute(select(Report12310).where(Report12310.id == report_id).with_for_update())).one_or_none()
            if row is None or not handles(principal, row.handling_organ_id, transition.roles):
                if row is not None and _reads(principal, place, row.handling_organ_id):
                    raise forbidden("只有经办机关的办理人员可以办理该举报")
                require_subtree_read(principal, place)
                raise not_found()
            move = await Move.start(
                REPORTS_12310,
                transition,
                connection,
                tenant_code=tenant_code,
                row=row,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
            )
            values, audited = await self._effects(move, place, now, today, organ_id, region_code)
            await move.apply(values, after=audited)
            changed = (await connection.execute(_visible(None).where(Report12310.id == report_id))).one()
        return _view(principal, changed, today)

    async def _effects(
        self, move: Move, place: Place, now: datetime, today: date, organ_id: int | None, region_code: str | None
    ) -> tuple[dict, dict]:
        """What the act sets on the report besides its state, and what the audit entry adds."""
        transition, connection = move.transition, move.connection
        if transition is ACCEPT:
            return {"due_on": await workdays_after(connection, today, self.settings.report_answer_workdays)}, {}
        if transition is VERIFY:
            return {"verification": move.note}, {}
        if transition in (REJECT, ANSWER):
            return {"public_answer": move.note, "closed_at": now}, {}
        if transition is REFER:
            organ = await _organ_of_region(connection, place, organ_id, move.row.handling_organ_id)
            return {"handling_organ_id": organ}, {"handling_organ_id": organ}
        if transition is TRANSFER:
            target = await _nearby(connection, place, region_code)
            await self._copy(connection, move.row, place, target, today)
            return {"transferred_to": target.code, "reporter_name": None, "reporter_contact": None, "closed_at": now}, {
                "transferred_to": target.code
            }
        raise ValueError(f"no effects declared for {transition.action}")

    async def _copy(self, connection: AsyncConnection, row: Row, place: Place, target: Place, today: date) -> None:
        """The report, at 待受理 with the target region's 编办, in the target's schema."""
        due = await workdays_after(connection, today, self.settings.report_triage_workdays)
        copied = (
            await connection.execute(
                insert(Report12310)
                .values(
                    query_digest=row.query_digest,
                    reported_unit=row.reported_unit,
                    content=row.content,
                    reporter_name=row.reporter_name,
                    reporter_contact=row.reporter_contact,
                    handling_organ_id=await office_of(connection, target.code),
                    due_on=due,
                    transferred_from=place.code,
                    received_at=row.received_at,
                )
                .returning(Report12310.id),
                execution_options={"schema_translate_map": {TENANT_SCHEMA_PLACEHOLDER: schema_for_code(target.code)}},
            )
        ).scalar_one()
        await record_audit(
            connection,
            target.code,
            actor="12310",
            action="report_12310.transferred_in",
            entity="report_12310",
            entity_id=str(copied),
            after={"state": ReportState.RECEIVED.value, "transferred_from": place.code},
        )

    async def _place(self, tenant_code: str) -> Place:
        async with reading(self.engine).connect() as connection:
            place = await load_place(connection, tenant_code)
        if place is None:
            raise not_found()
        return place


def _reads(principal: Principal, place: Place, organ_id: int) -> bool:
    return reads_subtree(principal, place) or organ_id in _own_organs(principal, place)


def _visible(organs: Collection[int] | None) -> Select:
    query = select(Report12310, Organ.short_name.label("organ_name")).join(Organ, Organ.id == Report12310.handling_organ_id)
    return query if organs is None else query.where(Report12310.handling_organ_id.in_(list(organs)))


def _view(principal: Principal, row: Row, today: date) -> ReportView:
    return ReportView(row, row.organ_name, handles(principal, row.handling_organ_id), today)


async def _organ_of_region(connection: AsyncConnection, place: Place, organ_id: int | None, current: int) -> int:
    query = select(Organ.id).where(Organ.id == organ_id, Organ.tenant_code == place.code)
    if organ_id is None or organ_id == current or (await connection.execute(query)).first() is None:
        raise DomainError("INVALID_ORGAN", "只能转办给本地区的其他机关", field="organId")
    return organ_id


async def _nearby(connection: AsyncConnection, place: Place, region_code: str | None) -> Place:
    """The parent's or a child's office, to transfer a report to."""
    target = await load_place(connection, region_code) if region_code else None
    if target is None or not (target.code == place.parent_code or target.parent_code == place.code):
        raise DomainError("INVALID_REGION", "只能转办给上级或下级地区的机构编制部门", field="regionCode")
    return target
