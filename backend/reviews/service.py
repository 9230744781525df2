"""Leaders, the year's review plan, and reviews through their stages to the findings they
raise. Who may call each operation is declared on it (backend/permissions.py): an office's
admins and inspectors write; its members and the offices above it read (auditors too);
liaisons see none of it (leaders' records are personnel data, not the unit's rectification
work). Every change is audited in its own transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, Select, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from backend.audit.service import record_audit
from backend.cursors import Window, by_id, decode_cursor, window
from backend.db import violated_constraint
from backend.findings.models import Finding
from backend.findings.service import FindingData, insert_finding
from backend.ledger.models import LedgerEntry
from backend.reviews import planning
from backend.reviews.models import (
    STAGES,
    TALK_NOTES_MAX,
    Leader,
    LeaderLevel,
    LeaderReview,
    LeavingReason,
    ReviewGrade,
    ReviewKind,
    ReviewProblem,
    ReviewStage,
    ReviewStageName,
    ReviewState,
)
from backend.reviews.workflow import CLOSE, RECORD_PROBLEM, RECORD_STAGE, REVIEWS
from backend.rounds.models import InspectionRound, RoundUnit
from backend.text import MAX_NOTE, clean_text
from backend.units.models import InspectedUnit
from backend.workflow import Move, Transition
from tenants.access import Principal, not_found
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import clean_name
from tenants.scoping import reading, tenant_engine, tenant_reader

REVIEW_ROUND_KIND = "三责联审"
FIRST_YEAR = 2000


@dataclass(frozen=True)
class LeaderData:
    unit_id: int
    name: str
    post: str
    level: LeaderLevel
    appointed_on: date


def check_leader(*, unit_id: int, name: str, post: str, level: LeaderLevel, appointed_on: date, today: date) -> LeaderData:
    if appointed_on > today:
        raise DomainError("INVALID_DATE", "任职时间不能晚于今天", field="appointedOn")
    return LeaderData(
        unit_id=unit_id, name=clean_name(name, field="name"), post=clean_name(post, field="post"), level=level, appointed_on=appointed_on
    )


def check_year(year: int, today: date) -> int:
    if not FIRST_YEAR <= year <= today.year + 1:
        raise DomainError("INVALID_YEAR", f"年度须在 {FIRST_YEAR} 到 {today.year + 1} 之间", field="year")
    return year


def facts_of(row, last_in_term_review_year: int | None = None) -> planning.LeaderFacts:
    reason = None if row.leaving_reason is None else LeavingReason(row.leaving_reason)
    return planning.LeaderFacts(LeaderLevel(row.level), row.appointed_on, row.left_on, reason, last_in_term_review_year)


@dataclass(frozen=True)
class DisciplineTalkData:
    """A checked 纪律谈话 record."""

    held_on: date
    conducted_by: str  # 谈话人: who held it, e.g. 县委编办主任 李某
    notes: str | None  # 谈话要点

    @classmethod
    def checked(cls, held_on: date, conducted_by: str, notes: str | None) -> DisciplineTalkData:
        cleaned = clean_text(notes, "notes", required=False)
        if cleaned is not None and len(cleaned) > TALK_NOTES_MAX:
            raise DomainError("INVALID_TEXT", f"谈话要点不能超过 {TALK_NOTES_MAX} 个字", field="notes")
        return cls(held_on, clean_name(conducted_by, "conductedBy"), cleaned)


def _leader_snapshot(row) -> dict:
    return {
        "unit_id": row.unit_id,
        "name": row.name,
        "post": row.post,
        "level": row.level,
        "appointed_on": row.appointed_on.isoformat(),
        "left_on": row.left_on.isoformat() if row.left_on else None,
        "leaving_reason": row.leaving_reason,
        "talk_held_on": row.talk_held_on.isoformat() if row.talk_held_on else None,
        "talk_conducted_by": row.talk_conducted_by,
        "version": row.version,
    }


@dataclass(frozen=True)
class PlanItem:
    leader: Row  # a Leader row
    selection: planning.Selection
    review_id: int | None  # the review opened for this plan year, if any
    review_state: ReviewState | None


@dataclass(frozen=True)
class PlanProgress:
    code: str
    name: str
    required: int  # 必审
    optional: int  # 可审
    opened: int  # reviews opened for the plan's leaders
    closed: int


@dataclass(frozen=True)
class Report:
    review: Row  # reviews_query columns plus the office's, unit's and round's names
    stages: Sequence[Row]
    problems: Sequence[Row]


def reviews_query() -> Select:
    """Reviews with how many stages they have recorded (recorded_stages)."""
    recorded = select(func.count()).where(ReviewStage.review_id == LeaderReview.id).scalar_subquery()
    return select(LeaderReview, recorded.label("recorded_stages"))


async def stage_rows(connection: AsyncConnection, review_ids: list[int]) -> Sequence[Row]:
    return (
        await connection.execute(
            select(ReviewStage).where(ReviewStage.review_id.in_(review_ids)).order_by(ReviewStage.review_id, ReviewStage.position)
        )
    ).all()


async def problem_rows(connection: AsyncConnection, review_ids: list[int]) -> Sequence[Row]:
    """The findings the reviews raised, with their ledger state and deadline."""
    return (
        await connection.execute(
            select(
                ReviewProblem.review_id,
                Finding.id,
                Finding.code,
                Finding.description,
                Finding.severity,
                Finding.found_on,
                LedgerEntry.state,
                LedgerEntry.deadline,
            )
            .join(Finding, Finding.id == ReviewProblem.finding_id)
            .join(LedgerEntry, LedgerEntry.finding_id == Finding.id)
            .where(ReviewProblem.review_id.in_(review_ids))
            .order_by(ReviewProblem.review_id, Finding.id)
        )
    ).all()


class ReviewService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # -- leaders ---------------------------------------------------------------------------

    async def leaders(self, tenant_code: str, *, unit_id: int | None, include_left: bool, first: int, after: str | None) -> Window[Row]:
        """A page of the office's leaders, in the order they were registered."""
        query = select(Leader).order_by(Leader.id).limit(first + 1)
        if unit_id is not None:
            query = query.where(Leader.unit_id == unit_id)
        if not include_left:
            query = query.where(Leader.left_on.is_(None))
        if after is not None:
            (last,) = decode_cursor(after, int) or ()
            query = query.where(Leader.id > last)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return window((await connection.execute(query)).all(), first, by_id)

    async def add_leader(self, principal: Principal, tenant_code: str, data: LeaderData, request_id: str | None):
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await _require_unit(connection, data.unit_id)
            row = (await connection.execute(insert(Leader).values(**dataclasses.asdict(data)).returning(Leader))).one()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="leader.added",
                entity="leader",
                entity_id=str(row.id),
                after=_leader_snapshot(row),
                request_id=request_id,
            )
        return row

    async def update_leader(
        self, principal: Principal, tenant_code: str, leader_id: int, version: int, data: LeaderData, request_id: str | None
    ):
        """Correct a leader's record (unit, name, post, level, appointment) if unchanged since `version`;
        the unit stays once the leader has a review (its round covers that unit)."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            before = await _locked_leader(connection, leader_id, version)
            if (
                data.unit_id != before.unit_id
                and (await connection.execute(select(LeaderReview.id).where(LeaderReview.leader_id == leader_id).limit(1))).first()
                is not None
            ):
                raise DomainError("LEADER_UNDER_REVIEW", "该领导干部已有审核记录，不能改到其他单位", field="unitId")
            await _require_unit(connection, data.unit_id)
            if before.left_on is not None and data.appointed_on > before.left_on:
                raise DomainError("INVALID_DATE", "任职时间不能晚于离任时间", field="appointedOn")
            row = (
                await connection.execute(
                    update(Leader)
                    .where(Leader.id == leader_id)
                    .values(**dataclasses.asdict(data), version=Leader.version + 1, updated_at=func.now())
                    .returning(Leader)
                )
            ).one()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="leader.updated",
                entity="leader",
                entity_id=str(leader_id),
                before=_leader_snapshot(before),
                after=_leader_snapshot(row),
                request_id=request_id,
            )
        return row

    async def record_leaving(
        self,
        principal: Principal,
        tenant_code: str,
        leader_id: int,
        version: int,
        left_on: date,
        reason: LeavingReason,
        today: date,
        request_id: str | None,
    ):
        """离任: the leader left the post on `left_on` for `reason` (once; a new post is a new leader record)."""
        if left_on > today:
            raise DomainError("INVALID_DATE", "离任时间不能晚于今天", field="leftOn")
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            before = await _locked_leader(connection, leader_id, version)
            if before.left_on is not None:
                raise DomainError("ALREADY_LEFT", f"该领导干部已于 {before.left_on.isoformat()} 离任", field="id")
            if left_on < before.appointed_on:
                raise DomainError("INVALID_DATE", "离任时间不能早于任职时间", field="leftOn")
            changed = {"left_on": left_on, "leaving_reason": reason}
            return await _change_leader(connection, principal, tenant_code, before, changed, "leader.left", request_id)

    async def record_talk(
        self,
        principal: Principal,
        tenant_code: str,
        leader_id: int,
        version: int,
        talk: DisciplineTalkData,
        today: date,
        request_id: str | None,
    ):
        """The 纪律谈话 held with the leader on appointment (once)."""
        if talk.held_on > today:
            raise DomainError("INVALID_DATE", "谈话时间不能晚于今天", field="heldOn")
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            before = await _locked_leader(connection, leader_id, version)
            if before.talk_held_on is not None:
                raise DomainError("ALREADY_RECORDED", f"已记录 {before.talk_held_on.isoformat()} 的纪律谈话", field="id")
            if talk.held_on < before.appointed_on:
                raise DomainError("INVALID_DATE", "纪律谈话在任职之后进行，谈话时间不能早于任职时间", field="heldOn")
            changed = {"talk_held_on": talk.held_on, "talk_conducted_by": talk.conducted_by, "talk_notes": talk.notes}
            return await _change_leader(connection, principal, tenant_code, before, changed, "leader.talk_recorded", request_id)

    # -- the plan --------------------------------------------------------------------------

    async def plan(self, tenant_code: str, year: int, *, required_only: bool) -> list[PlanItem]:
        """Every leader on the plan of `year` (in office during it), must-review first, in one statement."""
        past = aliased(LeaderReview)
        earlier = (
            select(func.max(past.year))
            .where(past.leader_id == Leader.id, past.kind == ReviewKind.IN_TERM, past.year < year)
            .correlate(Leader)
            .scalar_subquery()
        )
        this_year = and_(LeaderReview.leader_id == Leader.id, LeaderReview.year == year)
        query = (
            select(
                Leader,
                earlier.label("last_in_term_review_year"),
                LeaderReview.id.label("review_id"),
                LeaderReview.state.label("review_state"),
            )
            .outerjoin(LeaderReview, this_year)
            # narrows to planning.on_the_plan's leaders; planning.select decides
            .where(Leader.appointed_on <= planning.reference_date(year), Leader.left_on.is_(None) | (Leader.left_on >= date(year, 1, 1)))
            .order_by(Leader.unit_id, Leader.id)
        )
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query)).all()
        items = []
        for row in rows:
            selection = planning.select(facts_of(row, row.last_in_term_review_year), year)
            if selection is not None and (selection.required or not required_only):
                state = None if row.review_state is None else ReviewState(row.review_state)
                items.append(PlanItem(row, selection, row.review_id, state))
        return sorted(items, key=lambda item: not item.selection.required)

    async def progress(self, tenant_code: str, year: int) -> list[PlanProgress]:
        """The year's plan and its progress in the office and in each of its direct children (a
        city's view of its counties: 苏州's 48 = 7 + 41), the office first."""
        async with reading(self.engine).connect() as connection:
            offices = (
                await connection.execute(
                    select(Tenant.code, Tenant.name)
                    .where(or_(Tenant.code == tenant_code, Tenant.parent_code == tenant_code))
                    .order_by(Tenant.code != tenant_code, Tenant.code)
                )
            ).all()
        found = []
        for office in offices:  # one statement each: an office and its direct children, a dozen or two
            items = await self.plan(office.code, year, required_only=False)
            found.append(
                PlanProgress(
                    office.code,
                    office.name,
                    required=sum(item.selection.required for item in items),
                    optional=sum(not item.selection.required for item in items),
                    opened=sum(item.review_id is not None for item in items),
                    closed=sum(item.review_state is ReviewState.CLOSED for item in items),
                )
            )
        return found

    # -- reviews ---------------------------------------------------------------------------

    async def reviews(self, tenant_code: str, *, year: int | None, first: int, after: str | None) -> Window[Row]:
        """A page of the office's reviews, newest first."""
        query = reviews_query().order_by(LeaderReview.id.desc()).limit(first + 1)
        if year is not None:
            query = query.where(LeaderReview.year == year)
        if after is not None:
            (before,) = decode_cursor(after, int) or ()
            query = query.where(LeaderReview.id < before)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return window((await connection.execute(query)).all(), first, by_id)

    async def review(self, tenant_code: str, review_id: int):
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return await _review(connection, review_id)

    async def open_review(
        self,
        principal: Principal,
        tenant_code: str,
        *,
        leader_id: int,
        round_id: int,
        year: int,
        kind: ReviewKind,
        today: date,
        request_id: str | None,
    ):
        """Open a review of a leader for a plan year, within a 三责联审 round covering the leader's unit."""
        check_year(year, today)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            leader = (await connection.execute(select(Leader).where(Leader.id == leader_id))).one_or_none()
            if leader is None:
                raise DomainError("NOT_FOUND", "领导干部不存在", field="leaderId")
            facts = facts_of(leader)
            if not planning.on_the_plan(facts, year):
                raise DomainError("INVALID_YEAR", f"该领导干部 {year} 年不在任", field="year")
            if kind == ReviewKind.LEAVING and not planning.leaves_in(facts, year):
                raise DomainError("INVALID_KIND", f"该领导干部不是在 {year} 年离任的，不能进行该年度的离任审核", field="kind")
            round_kind = (
                await connection.execute(
                    select(InspectionRound.kind)
                    .join(RoundUnit, RoundUnit.round_id == InspectionRound.id)
                    .where(InspectionRound.id == round_id, RoundUnit.unit_id == leader.unit_id)
                )
            ).scalar_one_or_none()
            if round_kind != REVIEW_ROUND_KIND:
                raise DomainError("INVALID_ROUND", f"须在覆盖该领导干部所在单位的“{REVIEW_ROUND_KIND}”轮次中开展审核", field="roundId")
            try:
                review_id = (
                    await connection.execute(
                        insert(LeaderReview)
                        .values(leader_id=leader_id, round_id=round_id, kind=kind, year=year, opened_by=principal.username)
                        .returning(LeaderReview.id)
                    )
                ).scalar_one()
            except IntegrityError as error:
                if violated_constraint(error) != "leader_review_leader_year_key":
                    raise
                raise DomainError("DUPLICATE", f"该领导干部 {year} 年度的审核已经开展", field="leaderId") from None
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="review.opened",
                entity="leader_review",
                entity_id=str(review_id),
                after={"leader_id": leader_id, "round_id": round_id, "kind": kind, "year": year},
                request_id=request_id,
            )
            return await _review(connection, review_id)

    async def record_stage(
        self,
        principal: Principal,
        tenant_code: str,
        review_id: int,
        version: int,
        *,
        stage: ReviewStageName,
        held_on: date,
        notes: str | None,
        today: date,
        request_id: str | None,
    ):
        """Record the next stage of an open review: stages go in their fixed order, once each,
        on dates that do not go backwards."""
        notes = clean_text(notes, "notes", required=False, max_length=MAX_NOTE)
        if held_on > today:
            raise DomainError("INVALID_DATE", "阶段日期不能晚于今天", field="heldOn")
        async with self._locked(principal, tenant_code, review_id, version, RECORD_STAGE, notes, request_id) as move:
            connection = move.connection
            done = (
                await connection.execute(select(ReviewStage).where(ReviewStage.review_id == review_id).order_by(ReviewStage.position))
            ).all()
            if len(done) == len(STAGES):
                raise DomainError("STAGE_OUT_OF_ORDER", "各阶段均已记录，请结束审核", field="stage")
            expected = STAGES[len(done)]
            if stage != expected:
                raise DomainError("STAGE_OUT_OF_ORDER", f"阶段须按顺序记录，下一阶段应为“{expected.label}”", field="stage")
            if done and held_on < done[-1].held_on:
                raise DomainError("INVALID_DATE", f"阶段日期不能早于上一阶段（{done[-1].held_on.isoformat()}）", field="heldOn")
            await connection.execute(
                insert(ReviewStage).values(
                    review_id=review_id, position=len(done) + 1, stage=stage, held_on=held_on, notes=notes, recorded_by=principal.username
                )
            )
            await move.apply(after={"stage": stage, "held_on": held_on.isoformat()})
            return await _review(connection, review_id)

    async def record_problem(
        self, principal: Principal, tenant_code: str, review_id: int, data: FindingData, request_id: str | None
    ) -> int:
        """A problem the open review found becomes a finding on the leader's unit in the review's
        round (its ledger entry and problem-bank row come with it), linked to the review. The
        finding carries no personal data of the leader. The finding's id."""
        async with self._locked(principal, tenant_code, review_id, None, RECORD_PROBLEM, None, request_id) as move:
            connection, review = move.connection, move.row
            unit_id = (await connection.execute(select(Leader.unit_id).where(Leader.id == review.leader_id))).scalar_one()
            finding_id = await insert_finding(
                connection,
                tenant_code,
                dataclasses.replace(data, round_id=review.round_id, unit_id=unit_id),
                principal.username,
                request_id,
                by_stage=False,  # the review's own stages lead to its problems, not the round's
            )
            await connection.execute(insert(ReviewProblem).values(finding_id=finding_id, review_id=review_id))
            await move.apply(after={"finding_id": finding_id})
        return finding_id

    async def close_review(
        self,
        principal: Principal,
        tenant_code: str,
        review_id: int,
        version: int,
        conclusion: str,
        grade: ReviewGrade,
        request_id: str | None,
        *,
        now: datetime,
    ):
        """已完成: every stage recorded, with the review's conclusion (审核结论) and its 等次."""
        conclusion = clean_text(conclusion, "conclusion", required=True)
        async with self._locked(principal, tenant_code, review_id, version, CLOSE, conclusion, request_id) as move:
            await move.apply({"conclusion": conclusion, "grade": grade.value, "closed_at": now})
            return await _review(move.connection, review_id)

    @asynccontextmanager
    async def _locked(
        self,
        principal: Principal,
        tenant_code: str,
        review_id: int,
        version: int | None,
        transition: Transition[ReviewState],
        note: str | None,
        request_id: str | None,
    ) -> AsyncIterator[Move[ReviewState]]:
        """A transaction holding the review locked, once the workflow's checks pass (version,
        state, note, guard; version None: not checked; who may take the transition is declared
        on the operation)."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            yield await REVIEWS.lock(
                transition,
                connection,
                select(LeaderReview).where(LeaderReview.id == review_id).with_for_update(),
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
            )

    async def report(self, tenant_code: str, review_id: int) -> Report:
        """What the printable report shows: the review, its leader, unit, round and office, stages and problems."""
        office = select(Tenant.name).where(Tenant.code == tenant_code).scalar_subquery()
        query = (
            reviews_query()
            .add_columns(
                Leader.name.label("leader_name"),
                Leader.post,
                Leader.level,
                Leader.appointed_on,
                Leader.left_on,
                Leader.leaving_reason,
                InspectedUnit.name.label("unit_name"),
                InspectionRound.name.label("round_name"),
                office.label("office_name"),
            )
            .join(Leader, Leader.id == LeaderReview.leader_id)
            .join(InspectedUnit, InspectedUnit.id == Leader.unit_id)
            .join(InspectionRound, InspectionRound.id == LeaderReview.round_id)
            .where(LeaderReview.id == review_id)
        )
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            row = (await connection.execute(query)).one_or_none()
            if row is None:
                raise not_found()
            return Report(row, await stage_rows(connection, [review_id]), await problem_rows(connection, [review_id]))


async def _require_unit(connection: AsyncConnection, unit_id: int) -> None:
    if (await connection.execute(select(InspectedUnit.id).where(InspectedUnit.id == unit_id))).first() is None:
        raise DomainError("NOT_FOUND", "被检查单位不存在", field="unitId")


async def _change_leader(
    connection: AsyncConnection, principal: Principal, tenant_code: str, before, changed: dict, action: str, request_id: str | None
):
    """The locked leader `before` with `changed` applied (a new version), audited as `action`."""
    statement = update(Leader).where(Leader.id == before.id).values(**changed, version=Leader.version + 1, updated_at=func.now())
    row = (await connection.execute(statement.returning(Leader))).one()
    await record_audit(
        connection,
        tenant_code,
        actor=principal.username,
        action=action,
        entity="leader",
        entity_id=str(before.id),
        before=_leader_snapshot(before),
        after=_leader_snapshot(row),
        request_id=request_id,
    )
    return row


async def _locked_leader(connection: AsyncConnection, leader_id: int, version: int):
    row = (await connection.execute(select(Leader).where(Leader.id == leader_id).with_for_update())).one_or_none()
    if row is None:
        raise not_found()
    if row.version != version:
        raise DomainError("STALE_VERSION", f"该领导干部信息已被他人修改（当前版本 {row.version}），请刷新后重试", field="version")
    return row


async def _review(connection: AsyncConnection, review_id: int):
    row = (await connection.execute(reviews_query().where(LeaderReview.id == review_id))).one_or_none()
    if row is None:
        raise not_found()
    return row
