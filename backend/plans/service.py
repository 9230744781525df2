"""Filling in, submitting and deciding 整改方案, and reading them within the policy (a liaison
sees its unit's plan; who may change a plan is declared on the operations)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.feedback.answers import Answers, AnswerView
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ENTRY_KEYS, move_entries
from backend.ledger.workflow import APPLY_APPROVED_PLAN, BEFORE_CLOSE_OUT
from backend.plans.models import RectificationTask
from backend.plans.workflow import APPROVE, PLANS, RETURN, SUBMIT
from backend.quantities.service import PLANNED, Quantities, Quantity, check_quantities, merged, require_known_kinds
from backend.supervision.answers import record_answer
from backend.supervision.models import AnswerDocument
from backend.text import clean_text
from backend.workflow import Move, Transition
from tenants.access import Principal
from tenants.errors import DomainError
from tenants.registry import clean_name

MAX_TASKS = 500


@dataclass(frozen=True)
class Task:
    finding_id: int
    measure: str
    responsible_leader: str
    responsible_department: str
    deadline: date
    quantities: Quantities = field(default_factory=dict)  # planned numbers, by kind


def planned(quantities: Sequence[Quantity]) -> Quantities:
    """A task's quantities: planned numbers only (what is achieved comes with progress)."""
    return check_quantities(quantities, allowed=(PLANNED,), field="tasks.quantities")


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
            quantities=task.quantities,
        )
        for task in tasks
    ]


class PlanService(Answers):
    workflow = PLANS
    lines = RectificationTask

    lines_field = "tasks"

    async def save(
        self,
        principal: Principal,
        tenant_code: str,
        round_id: int,
        unit_id: int,
        version: int | None,
        tasks: list[Task],
        request_id: str | None,
    ) -> AnswerView:
        """The unit's plan for the round, written anew with `tasks` (none due before the feedback)."""

        async def due_after_the_feedback(connection: AsyncConnection, given_on: date, units: frozenset[int] | None) -> None:
            if any(task.deadline < given_on for task in tasks):
                raise DomainError("INVALID_DEADLINE", f"整改时限不能早于反馈日期 {given_on.isoformat()}", field="tasks.deadline")
            await require_known_kinds(connection, tenant_code, {kind for task in tasks for kind in task.quantities}, "tasks.quantities")

        rows = [asdict(task) for task in tasks]
        return await self.write(
            principal, tenant_code, round_id, unit_id, version, values={}, rows=rows, request_id=request_id, check=due_after_the_feedback
        )

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        plan_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
    ) -> AnswerView:
        """Submit, approve or return the plan; approval sets its problems' open ledger entries."""
        async with self.locked(principal, tenant_code, plan_id, version, transition, note, request_id) as move:
            await move.apply()
            if transition is APPROVE:
                await _apply_to_ledger(move, principal)
            elif transition in (SUBMIT, RETURN):  # in once submitted, out again when returned
                plan = move.row
                await record_answer(
                    move.connection, tenant_code, plan.round_id, plan.unit_id, AnswerDocument.PLAN, answered=transition is SUBMIT
                )
            return await self.view(move.connection, plan_id)


async def _apply_to_ledger(plan: Move, principal: Principal) -> None:
    """Each task's measure, leader, department, deadline and planned quantities onto its problem's
    ledger entry, if still open (quantities of kinds the task does not name stay)."""
    entries = (
        await plan.connection.execute(
            select(
                *ENTRY_KEYS,
                RectificationTask.measure,
                RectificationTask.responsible_leader,
                RectificationTask.responsible_department,
                RectificationTask.deadline,
                RectificationTask.quantities.label("planned"),
                LedgerEntry.quantities,
            )
            .join(RectificationTask, RectificationTask.finding_id == LedgerEntry.finding_id)
            .where(RectificationTask.plan_id == plan.row.id, LedgerEntry.state.in_(sorted(BEFORE_CLOSE_OUT)))
            .order_by(LedgerEntry.finding_id)
            .with_for_update(of=LedgerEntry)
        )
    ).all()
    await move_entries(
        plan.connection,
        plan.tenant_code,
        APPLY_APPROVED_PLAN,
        entries,
        lambda entry: {
            "measures": entry.measure,
            "responsible_person": entry.responsible_leader,
            "responsible_unit": entry.responsible_department,
            "deadline": entry.deadline,
            "quantities": merged(entry.quantities, entry.planned),
        },
        actor=principal.username,
        note=None,
        request_id=plan.request_id,
    )
