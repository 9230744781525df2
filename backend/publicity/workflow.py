"""整改情况公开's state machine:

    草稿 ─提交审批→ 待审批 ─批准→ 已批准 ─公开→ 已公开
    待审批 ─退回 (with the reasons)→ 草稿

The team (admins, inspectors) writes and submits the text; an admin approves it, never the one
who submitted it; an admin or a publisher publishes it. Only the 草稿 is edited.
"""

from __future__ import annotations

from typing import Any

from backend.publicity.models import NoticeEvent, NoticeState, PublicNotice
from backend.workflow import Guard, HistoryTable, Move, Transition, Workflow
from tenants.access import Role, forbidden

DRAFT, SUBMITTED, APPROVED, PUBLISHED = NoticeState

WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
APPROVERS = frozenset({Role.ADMIN})
PUBLISHERS = frozenset({Role.ADMIN, Role.PUBLISHER})


async def _not_the_submitter(move: Move[Any]) -> None:
    if move.row.submitted_by == move.actor:
        raise forbidden("提交审批的人不能批准自己提交的公开稿")


EDIT = Transition("edit", "修改公开稿", frozenset({DRAFT}), None, WRITERS, note="none")
SUBMIT = Transition("submit", "提交审批", frozenset({DRAFT}), SUBMITTED, WRITERS)
APPROVE = Transition("approve", "批准", frozenset({SUBMITTED}), APPROVED, APPROVERS, guard=Guard("批准人不是提交人", _not_the_submitter))
RETURN = Transition("return", "退回", frozenset({SUBMITTED}), DRAFT, APPROVERS, note="required")
PUBLISH = Transition("publish", "公开", frozenset({APPROVED}), PUBLISHED, PUBLISHERS)

NOTICES = Workflow(
    name="public_notice",
    title="整改情况公开",
    noun="公开稿",
    states=NoticeState,
    initial=DRAFT,
    transitions=(EDIT, SUBMIT, APPROVE, RETURN, PUBLISH),
    model=PublicNotice,
    entity="public_notice",
    history=HistoryTable(NoticeEvent, "notice_id"),
)
DECISIONS = (APPROVE, RETURN)
