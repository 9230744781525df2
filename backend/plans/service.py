"""Filling in, submitting and deciding 整改方案, and reading them within the policy (a liaison
sees its unit's plan; who may change a plan is declared on the operations)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.feedback.models import RoundFeedback
from backend.findings.models import Finding
from backend.ledger.models import LedgerEntry
from backend.ledger.workflow import APPLY_APPROVED_PLAN, BEFORE_CLOSE_OUT, LEDGER
from backend.plans.models import RectificationPlan, RectificationTask
from backend.plans.workflow import APPROVE, PLANS, SAVE
from backend.text import clean_text
from backend.workflow import Move, Transition
from problem_bank.projection import project
from tenants.access import Principal, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import clean_name, readable_place
from tenants.scoping import tenant_engine, tenant_reader

MAX_TASKS = 500


@dataclass(frozen=True)
class Task:
    finding_id: int
    measure: str
    responsible_leader: str
    responsible_department: str
    deadline: date


def check_tasks(tasks: Sequence[Task]) -> list[Task]:
    if not 1 <= len(tasks) <= MAX_TASKS or len({t.finding_id for t in tasks}) != len(tasks):
        raise DomainError("INVALID_TASKS", f"整改任务须为 1 到 {MAX_TASKS} 条，每个问题一条", field="tasks")
    return [
        Task(
            finding_id=task.finding_id,
            measure=clean_text(task.measure, "tasks.measure", required=True),
            responsible_leader=clean_name(task.responsible_leader, field="tasks.responsibleLeader"),
            responsible_department=clean_name(task.responsible_department, field="tasks.responsibleDepartment", max_length=128),
            deadline=task.deadline,
        )
        for task in tasks
    ]


@dataclass(frozen=True)
class PlanView:
    row: Row
    tasks: Sequence[Row]


class PlanService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _units(self, principal: Principal, tenant_code: str) -> frozenset[int] | None:
        return visible_units(principal, await readable_place(self.engine, principal, tenant_code))

    async def save(
        self,
        principal: Principal,
        tenant_code: str,
        round_id: int,
        unit_id: int,
        version: int | None,
        tasks: list[Task],
        request_id: str | None,
    ) -> PlanView:
        """The unit's plan for the round, written anew with `tasks` (version None: the first
        writing), once the unit has its 反馈意见."""
        units = await self._units(principal, tenant_code)
        if units is not None and unit_id not in units:
            raise not_found()
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            given_on = (
                await connection.execute(
                    select(RoundFeedback.given_on).where(RoundFeedback.round_id == round_id, RoundFeedback.unit_id == unit_id)
                )
            ).scalar_one_or_none()
            if given_on is None:
                raise DomainError("NOT_FED_BACK", "该单位尚未统一反馈，没有需要制定整改方案的问题", field="unitId")
            await _check_findings(connection, round_id, unit_id, tasks, given_on)
            plan_query = select(RectificationPlan).where(RectificationPlan.round_id == round_id, RectificationPlan.unit_id == unit_id)
            if version is None:
                if (await connection.execute(plan_query)).first() is not None:
                    raise DomainError("DUPLICATE", "该单位本轮次的整改方案已经填报，请按读到的版本修改", field="version")
                plan_id = await _new_plan(connection, principal, tenant_code, round_id, unit_id, request_id)
            else:
                move = await PLANS.lock(
                    SAVE,
                    connection,
                    plan_query.with_for_update(),
                    tenant_code=tenant_code,
                    expected_version=version,
                    actor=principal.username,
                    note=None,
                    request_id=request_id,
                )
                await move.apply(after={"tasks": len(tasks)})
                plan_id = move.row.id
                await connection.execute(delete(RectificationTask).where(RectificationTask.plan_id == plan_id))
            await connection.execute(insert(RectificationTask), [{"plan_id": plan_id, **asdict(task)} for task in tasks])
            return await _view(connection, plan_id)

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        plan_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
    ) -> PlanView:
        """Submit, approve or return the plan; approval sets its problems' open ledger entries."""
        note = clean_text(note, "note", required=False)
        units = await self._units(principal, tenant_code)
        query = select(RectificationPlan).where(RectificationPlan.id == plan_id).with_for_update()
        if units is not None:
            query = query.where(RectificationPlan.unit_id.in_(units))
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await PLANS.lock(
                transition,
                connection,
                query,
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
            )
            await move.apply()
            if transition is APPROVE:
                await _apply_to_ledger(move, principal)
            return await _view(connection, plan_id)

    async def plans(self, principal: Principal, tenant_code: str, round_id: int) -> list[PlanView]:
        """A round's plans with their tasks, by unit (a liaison: its unit's): two statements."""
        units = await self._units(principal, tenant_code)
        query = select(RectificationPlan).where(RectificationPlan.round_id == round_id).order_by(RectificationPlan.unit_id)
        if units is not None:
            query = query.where(RectificationPlan.unit_id.in_(units))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            plans = (await connection.execute(query)).all()
            tasks = (
                await connection.execute(
                    select(RectificationTask)
                    .where(RectificationTask.plan_id.in_([plan.id for plan in plans]))
                    .order_by(RectificationTask.finding_id)
                )
            ).all()
        return [PlanView(plan, [task for task in tasks if task.plan_id == plan.id]) for plan in plans]


async def _check_findings(connection: AsyncConnection, round_id: int, unit_id: int, tasks: list[Task], given_on: date) -> None:
    """Each task is for a problem the round gave the unit, due no earlier than the feedback."""
    ids = [task.finding_id for task in tasks]
    known = set(
        (
            await connection.execute(
                select(Finding.id).where(Finding.id.in_(ids), Finding.round_id == round_id, Finding.unit_id == unit_id)
            )
        ).scalars()
    )
    if missing := [finding for finding in ids if finding not in known]:
        raise DomainError("NOT_FOUND", f"问题 {missing[0]} 不是本轮次反馈给该单位的问题", field="tasks.findingId")
    if any(task.deadline < given_on for task in tasks):
        raise DomainError("INVALID_DEADLINE", f"整改时限不能早于反馈日期 {given_on.isoformat()}", field="tasks.deadline")


async def _new_plan(
    connection: AsyncConnection, principal: Principal, tenant_code: str, round_id: int, unit_id: int, request_id: str | None
) -> int:
    plan_id = (
        await connection.execute(
            insert(RectificationPlan)
            .values(round_id=round_id, unit_id=unit_id, created_by=principal.username)
            .returning(RectificationPlan.id)
        )
    ).scalar_one()
    await record_audit(
        connection,
        tenant_code,
        actor=principal.username,
        action="plan.created",
        entity="rectification_plan",
        entity_id=str(plan_id),
        after={"round_id": round_id, "unit_id": unit_id},
        request_id=request_id,
    )
    return plan_id


async def _apply_to_ledger(plan: Move, principal: Principal) -> None:
    """Each task's measure, leader, department and deadline onto its problem's ledger entry,
    if still open (one history event and audit entry each), and onto the problem bank."""
    connection = plan.connection
    entries = (
        await connection.execute(
            select(
                LedgerEntry.finding_id.label("id"),  # the ledger's moves are keyed by finding (see LEDGER)
                LedgerEntry.id.label("entry_id"),
                LedgerEntry.state,
                LedgerEntry.version.label("ledger_version"),
                RectificationTask.measure,
                RectificationTask.responsible_leader,
                RectificationTask.responsible_department,
                RectificationTask.deadline,
            )
            .join(RectificationTask, RectificationTask.finding_id == LedgerEntry.finding_id)
            .where(RectificationTask.plan_id == plan.row.id, LedgerEntry.state.in_(sorted(BEFORE_CLOSE_OUT)))
            .order_by(LedgerEntry.finding_id)
            .with_for_update(of=LedgerEntry)
        )
    ).all()
    for entry in entries:
        move = await Move.start(
            LEDGER,
            APPLY_APPROVED_PLAN,
            connection,
            tenant_code=plan.tenant_code,
            row=entry,
            expected_version=None,
            actor=principal.username,
            note=None,
            request_id=plan.request_id,
        )
        await move.apply(
            {
                "measures": entry.measure,
                "responsible_person": entry.responsible_leader,
                "responsible_unit": entry.responsible_department,
                "deadline": entry.deadline,
            },
            after={"plan_id": plan.row.id, "deadline": entry.deadline.isoformat()},
        )
    await project(connection, plan.tenant_code, finding_ids=[entry.id for entry in entries])


async def _view(connection: AsyncConnection, plan_id: int) -> PlanView:
    plan = (await connection.execute(select(RectificationPlan).where(RectificationPlan.id == plan_id))).one()
    tasks = (
        await connection.execute(
            select(RectificationTask).where(RectificationTask.plan_id == plan_id).order_by(RectificationTask.finding_id)
        )
    ).all()
    return PlanView(plan, tasks)
