"""A 问题底稿's state machine:

    底稿 ─送事实确认→ 待确认 ─确认无异议→ 已确认 ─统一反馈→ 已反馈
    待确认 ─提出异议 (with the unit's reason)→ 有异议 ─修改底稿→ 底稿 (to be sent again)
    有异议 ─维持认定 (with the team's reason)→ 已确认
    底稿 ─定稿 (facts confirmed otherwise, said in the note)→ 已确认
    any but 已反馈 ─撤回 (with a reason)→ 已撤回

The round's team (the office's admins and inspectors) writes, sends, revises, keeps, settles
and withdraws drafts; only the unit's liaison answers a draft sent to it, so the team never
confirms its own facts for the unit. A 立行立改 draft, once sent (the 初步反馈), also takes the
unit's report of its fix and another team member's confirmation of it (no self-sign-off); the
统一反馈 then registers it as rectified on the spot.
"""

from __future__ import annotations

from typing import Any

from backend.drafts.models import DraftEvent, DraftState, FindingDraft
from backend.findings.models import RectificationClass
from backend.workflow import Guard, HistoryTable, Move, Transition, Workflow
from tenants.access import Role
from tenants.errors import DomainError

DRAFT, SENT, DISPUTED, CONFIRMED, WITHDRAWN, FED_BACK = DraftState

TEAM = frozenset({Role.ADMIN, Role.INSPECTOR})
UNIT = frozenset({Role.LIAISON})
READERS = TEAM | {Role.REVIEWER} | UNIT  # the team and the office's reviewers read every draft; a liaison its unit's, once sent

SEND = Transition("send", "送事实确认", frozenset({DRAFT}), SENT, TEAM)
AGREE = Transition("agree", "确认无异议", frozenset({SENT}), CONFIRMED, UNIT)
DISPUTE = Transition("dispute", "提出异议", frozenset({SENT}), DISPUTED, UNIT, note="required")
REVISE = Transition("revise", "修改底稿", frozenset({DRAFT, DISPUTED}), DRAFT, TEAM)
KEEP = Transition("keep", "维持认定", frozenset({DISPUTED}), CONFIRMED, TEAM, note="required")
SETTLE = Transition("settle", "定稿", frozenset({DRAFT}), CONFIRMED, TEAM, note="required")
WITHDRAW = Transition("withdraw", "撤回", frozenset({DRAFT, SENT, DISPUTED, CONFIRMED}), WITHDRAWN, TEAM, note="required")
FEED_BACK = Transition("feed_back", "统一反馈", frozenset({CONFIRMED}), FED_BACK, TEAM, note="none")


async def _on_the_spot(move: Move[Any]) -> None:
    if move.row.rectification_class != RectificationClass.AT_ONCE:
        raise DomainError("NOT_AT_ONCE", "只有立行立改的问题底稿才能报告当场整改", field="id")


async def _fix_reported_by_another(move: Move[Any]) -> None:
    """No self-sign-off: the fix is confirmed by someone other than the inspector who found it."""
    await _on_the_spot(move)
    if move.row.fixed_at is None:
        raise DomainError("NO_FIX_REPORTED", "被检查单位尚未报告整改情况", field="id")
    if move.actor == move.row.created_by:
        raise DomainError("NO_SELF_SIGN_OFF", "立行立改须由发现问题以外的检查人员确认", field="id")


# 立行立改: after the 初步反馈 (the draft sent to the unit the same day), the unit reports what it
# fixed, with files; another member of the team confirms it (no self-sign-off).
REPORT_FIX = Transition(
    "report_fix",
    "报告立行立改情况",
    frozenset({SENT, CONFIRMED}),
    None,
    UNIT | TEAM,
    note="required",
    guard=Guard("立行立改的底稿", _on_the_spot),
)
CONFIRM_FIX = Transition(
    "confirm_fix",
    "确认立行立改到位",
    frozenset({SENT, CONFIRMED}),
    None,
    TEAM,
    note="none",
    guard=Guard("单位已报告整改，且确认人不是发现问题的人", _fix_reported_by_another),
)

DRAFTS = Workflow(
    name="draft",
    title="问题底稿",
    noun="底稿",
    states=DraftState,
    initial=DRAFT,
    transitions=(SEND, AGREE, DISPUTE, REVISE, KEEP, SETTLE, WITHDRAW, FEED_BACK, REPORT_FIX, CONFIRM_FIX),
    model=FindingDraft,
    entity="finding_draft",
    history=HistoryTable(DraftEvent, "draft_id"),
)

TEAM_MOVES = (SEND, KEEP, SETTLE, WITHDRAW)  # moveDraftFinding's actions
ANSWERS = (AGREE, DISPUTE)  # answerDraftFinding's
UNSETTLED = frozenset({DRAFT, SENT, DISPUTED})  # a unit with one of these is not ready for its 统一反馈
