"""The states of a leader responsibility review (三责联审) and who may move it. A review is
进行中 while its eleven stages (STAGES, in order) are recorded and the problems it finds go to
the ledger; it is 已完成 with its conclusion once every stage is recorded. The office's admins
and inspectors run reviews."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backend.reviews.models import STAGES, LeaderReview, ReviewStage, ReviewState
from backend.workflow import Guard, Move, Transition, Workflow
from tenants.access import Role
from tenants.errors import DomainError

OPEN, CLOSED = ReviewState
REVIEW_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})


async def _every_stage_recorded(move: Move[Any]) -> None:
    recorded = (await move.connection.execute(select(func.count()).where(ReviewStage.review_id == move.row.id))).scalar_one()
    if recorded < len(STAGES):
        raise DomainError("STAGES_INCOMPLETE", f"尚有阶段未记录（下一阶段：“{STAGES[recorded].label}”），不能结束审核", field="id")


RECORD_STAGE = Transition("record_stage", "记录审核阶段", frozenset({OPEN}), None, REVIEW_WRITERS, note="optional")
RECORD_PROBLEM = Transition("record_problem", "记录发现的问题", frozenset({OPEN}), None, REVIEW_WRITERS, note="none", versioned=False)
CLOSE = Transition(
    "close",
    "结束审核",
    frozenset({OPEN}),
    CLOSED,
    REVIEW_WRITERS,
    note="required",
    guard=Guard("十一个阶段均已记录", _every_stage_recorded),
)

REVIEWS = Workflow(
    name="review",
    title="领导干部三责联审",
    noun="审核",
    states=ReviewState,
    initial=OPEN,
    transitions=(RECORD_STAGE, RECORD_PROBLEM, CLOSE),
    model=LeaderReview,
    entity="leader_review",
)
