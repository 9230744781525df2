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

from backend.feedback.steps import answer_steps
from backend.ledger.workflow import REVIEWERS
from backend.plans.models import PlanEvent, PlanState, RectificationPlan, RectificationTask
from backend.workflow import HistoryTable, Transition, Workflow

DRAFTING, SUBMITTED, RETURNED, APPROVED = PlanState


SAVE, SUBMIT, RETURN = answer_steps(
    name="plan",
    label="整改方案",
    lines=RectificationTask,
    drafting=DRAFTING,
    submitted=SUBMITTED,
    returned=RETURNED,
    complete="每个反馈的问题都有整改任务",
    missing=("PLAN_INCOMPLETE", "没有整改任务"),
)
APPROVE = Transition("approve", "批准", frozenset({SUBMITTED}), APPROVED, REVIEWERS)

PLANS = Workflow(
    name="plan",
    title="整改方案",
    noun="整改方案",
    states=PlanState,
    initial=DRAFTING,
    transitions=(SAVE, SUBMIT, APPROVE, RETURN),
    model=RectificationPlan,
    entity="rectification_plan",
    history=HistoryTable(PlanEvent, "plan_id"),
)
DECISIONS = (APPROVE, RETURN)
