"""A 问题底稿's state machine:

    底稿 ─送事实确认→ 待确认 ─确认无异议→ 已确认 ─统一反馈→ 已反馈
    待确认 ─提出异议 (with the unit's reason)→ 有异议 ─修改底稿→ 底稿 (to be sent again)
    有异议 ─维持认定 (with the team's reason)→ 已确认
    底稿 ─定稿 (facts confirmed otherwise, said in the note)→ 已确认
    any but 已反馈 ─撤回 (with a reason)→ 已撤回

The round's team (the office's admins and inspectors) writes, sends, revises, keeps, settles
and withdraws drafts; only the unit's liaison answers a draft sent to it, so the team never
confirms its own facts for the unit.
"""

from __future__ import annotations

from backend.drafts.models import DraftEvent, DraftState, FindingDraft
from backend.workflow import Transition, Workflow, history_table
from tenants.access import Role

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

DRAFTS = Workflow(
    name="draft",
    title="问题底稿",
    noun="底稿",
    states=DraftState,
    initial=DRAFT,
    transitions=(SEND, AGREE, DISPUTE, REVISE, KEEP, SETTLE, WITHDRAW, FEED_BACK),
    model=FindingDraft,
    entity="finding_draft",
    history=history_table(DraftEvent, "draft_id"),
)

TEAM_MOVES = (SEND, KEEP, SETTLE, WITHDRAW)  # moveDraftFinding's actions
ANSWERS = (AGREE, DISPUTE)  # answerDraftFinding's
UNSETTLED = frozenset({DRAFT, SENT, DISPUTED})  # a unit with one of these is not ready for its 统一反馈
