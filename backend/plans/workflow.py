"""The 整改方案's state machine:

    填报中 ─报送→ 已报送 ─批准→ 已批准
    已报送 ─退回 (with the reasons)→ 已退回 ─报送→ 已报送

The unit (its liaison, or the office's inspectors and admins writing for it) fills the plan in
and submits it, with a task for every problem it was given; a reviewer of the office approves
it or returns it, so nobody approves the plan they wrote. Approval sets the problems' ledger
entries (measure, responsible leader and department, deadline); later changes go through the
ledger's own extension requests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.feedback.service import problems_left_out
from backend.ledger.workflow import RECTIFIERS, REVIEWERS
from backend.plans.models import PlanEvent, PlanState, RectificationPlan, RectificationTask
from backend.workflow import Guard, Move, Transition, Workflow, history_table
from tenants.errors import DomainError

DRAFTING, SUBMITTED, RETURNED, APPROVED = PlanState


async def _a_task_for_every_problem(move: Move[Any]) -> None:
    plan = move.row
    tasks = select(RectificationTask.finding_id).where(RectificationTask.plan_id == plan.id)
    if missing := await problems_left_out(move.connection, plan.round_id, plan.unit_id, tasks):
        raise DomainError("PLAN_INCOMPLETE", f"尚有 {missing} 个反馈的问题没有整改任务，请补全后报送", field="id")


SAVE = Transition("save", "填报整改方案", frozenset({DRAFTING, RETURNED}), None, RECTIFIERS, note="none")
SUBMIT = Transition(
    "submit",
    "报送",
    frozenset({DRAFTING, RETURNED}),
    SUBMITTED,
    RECTIFIERS,
    guard=Guard("每个反馈的问题都有整改任务", _a_task_for_every_problem),
)
APPROVE = Transition("approve", "批准", frozenset({SUBMITTED}), APPROVED, REVIEWERS)
RETURN = Transition("return", "退回", frozenset({SUBMITTED}), RETURNED, REVIEWERS, note="required")

PLANS = Workflow(
    name="plan",
    title="整改方案",
    noun="整改方案",
    states=PlanState,
    initial=DRAFTING,
    transitions=(SAVE, SUBMIT, APPROVE, RETURN),
    model=RectificationPlan,
    entity="rectification_plan",
    history=history_table(PlanEvent, "plan_id"),
)
DECISIONS = (APPROVE, RETURN)
