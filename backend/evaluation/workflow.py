"""An evaluation's steps:

    方案 ─部署自评→ 自评 ─开始评估→ 评估 ─反馈结果→ 已反馈 ─办结→ 已办结

The office (admins, inspectors) sets the departments and moves it on; departments write their
自评 while it stands at 自评; the 评估组 (admins, inspectors, reviewers) scores while it stands at
评估; a reviewer or admin gives the results back once every department has a total."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backend.evaluation.models import Evaluation, EvaluationState, EvaluationUnit
from backend.workflow import Guard, Move, Transition, Workflow
from tenants.access import Role
from tenants.errors import DomainError

PLANNED, SELF_ASSESSING, ASSESSING, FED_BACK, CLOSED = EvaluationState
MOVERS = frozenset({Role.ADMIN, Role.INSPECTOR})
ASSESSORS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER})  # the 评估组
DECIDERS = frozenset({Role.ADMIN, Role.REVIEWER})
SELF_ASSESSORS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.LIAISON})  # the department's liaison, or the office for it


async def _every_department_has_a_total(move: Move[Any]) -> None:
    missing = select(func.count()).where(EvaluationUnit.evaluation_id == move.row.id, EvaluationUnit.total.is_(None))
    if left := (await move.connection.execute(missing)).scalar_one():
        raise DomainError("SCORES_INCOMPLETE", f"尚有 {left} 个部门未评完（评估要点未打分或满意度未录入）", field="id")


START_SELF = Transition("start_self", "部署自评", frozenset({PLANNED}), SELF_ASSESSING, MOVERS, note="none")
ASSESS = Transition("assess", "开始评估", frozenset({SELF_ASSESSING}), ASSESSING, MOVERS, note="none")
FEED_BACK = Transition(
    "feed_back",
    "反馈结果",
    frozenset({ASSESSING}),
    FED_BACK,
    DECIDERS,
    note="optional",
    guard=Guard("每个部门都已评出总分", _every_department_has_a_total),
)
CLOSE = Transition("close", "办结", frozenset({FED_BACK}), CLOSED, MOVERS, note="none")

EVALUATIONS = Workflow(
    name="evaluation",
    title="机构编制评估",
    noun="评估",
    states=EvaluationState,
    initial=PLANNED,
    transitions=(START_SELF, ASSESS, FEED_BACK, CLOSE),
    model=Evaluation,
    entity="evaluation",
)
