"""The rectification ledger's state machine (整改台账; states in problem_bank/rectification.py):

    已挂号 ─进展→ 整改中 ─申请销号→ 待销号审核 ─销号→ 已销号
    待销号审核 ─退回 (with a reason)→ 整改中
    已销号 ─回头看 (reopened on a follow-up check, within the reopen window)→ 整改中

The unit's liaison (and the office's inspectors and admins) report progress and ask for the
close-out; only a reviewer closes an entry or sends it back, so nobody signs off their own
work. Inspectors set the deadline while the entry is still 挂号; once rectification has
started a deadline moves only through an extension request (延期申请) a reviewer approves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.ledger.models import LedgerEntry, LedgerEvent
from backend.rounds.models import InspectionRound
from backend.workflow import Guard, HistoryTable, Move, Transition, Workflow
from problem_bank.rectification import OPEN_STATES, LedgerState
from tenants.access import Role
from tenants.errors import DomainError

REGISTERED, IN_PROGRESS, CLOSE_REQUESTED, CLOSED = LedgerState

RECTIFIERS = frozenset({Role.LIAISON, Role.INSPECTOR, Role.ADMIN})
DEADLINE_SETTERS = frozenset({Role.INSPECTOR, Role.ADMIN})
REVIEWERS = frozenset({Role.REVIEWER})
REOPENERS = frozenset({Role.REVIEWER, Role.INSPECTOR})
BEFORE_CLOSE_OUT = frozenset({REGISTERED, IN_PROGRESS})


async def _within_reopen_window(move: Move[Any]) -> None:
    window = move.context["reopen_window"]
    if move.context["now"] - move.row.closed_at > window:
        raise DomainError("REOPEN_WINDOW_PASSED", f"销号已超过 {window.days} 天，不能再回头看重新打开", field="findingId")


async def _not_led_by_another_office(move: Move[Any]) -> None:
    led_by = (await move.connection.execute(select(InspectionRound.led_by).where(InspectionRound.id == move.row.round_id))).scalar()
    if led_by is not None:
        raise DomainError("CLOSED_BY_LEADING_OFFICE", "该问题由牵头检查的上级机构发现，由其在验收时销号", field="findingId")


REPORT_PROGRESS = Transition("report_progress", "进展", BEFORE_CLOSE_OUT, IN_PROGRESS, RECTIFIERS, note="required")
REQUEST_CLOSE_OUT = Transition(
    "request_close_out",
    "申请销号",
    frozenset({IN_PROGRESS}),
    CLOSE_REQUESTED,
    RECTIFIERS,
    note="required",
    event="ledger.close_out_requested",
)
CLOSE_OUT = Transition(
    "close_out",
    "销号",
    frozenset({CLOSE_REQUESTED}),
    CLOSED,
    REVIEWERS,
    guard=Guard("上级牵头检查发现的问题由牵头机构验收销号", _not_led_by_another_office),
    event="ledger.closed",
)
# At the round's 验收 the office closes each problem it finds rectified, whatever the unit asked.
CLOSE_AT_ACCEPTANCE = Transition("close_at_acceptance", "验收销号", OPEN_STATES, CLOSED, REVIEWERS, note="required", event="ledger.closed")
SEND_BACK = Transition("send_back", "退回", frozenset({CLOSE_REQUESTED}), IN_PROGRESS, REVIEWERS, note="required", event="ledger.sent_back")
REOPEN = Transition(
    "reopen",
    "回头看",
    frozenset({CLOSED}),
    IN_PROGRESS,
    REOPENERS,
    note="required",
    guard=Guard("销号后未超过回头看期限（XUNCHA_REOPEN_WINDOW_DAYS，默认 365 天）", _within_reopen_window),
    event="ledger.reopened",
)
UPDATE_PLAN = Transition("update_plan", "调整整改措施", BEFORE_CLOSE_OUT, None, RECTIFIERS, note="none")
# The unit's 整改方案, approved by a reviewer, sets the entry's measure, people and deadline.
APPLY_APPROVED_PLAN = Transition("apply_approved_plan", "整改方案批准", BEFORE_CLOSE_OUT, None, REVIEWERS, note="none")
SET_DEADLINE = Transition("set_deadline", "调整期限", frozenset({REGISTERED}), None, DEADLINE_SETTERS, note="none")
REQUEST_EXTENSION = Transition(
    "request_extension", "延期申请", BEFORE_CLOSE_OUT, None, RECTIFIERS, note="required", event="ledger.extension_requested"
)
APPROVE_EXTENSION = Transition("approve_extension", "延期批准", OPEN_STATES, None, REVIEWERS, event="ledger.extension_decided")
REJECT_EXTENSION = Transition(
    "reject_extension", "延期驳回", OPEN_STATES | {CLOSED}, None, REVIEWERS, note="required", event="ledger.extension_decided"
)

LEDGER = Workflow(
    name="ledger",
    title="整改台账",
    noun="台账",
    states=LedgerState,
    initial=REGISTERED,
    transitions=(
        REPORT_PROGRESS,
        REQUEST_CLOSE_OUT,
        CLOSE_OUT,
        CLOSE_AT_ACCEPTANCE,
        SEND_BACK,
        REOPEN,
        UPDATE_PLAN,
        APPLY_APPROVED_PLAN,
        SET_DEADLINE,
        REQUEST_EXTENSION,
        APPROVE_EXTENSION,
        REJECT_EXTENSION,
    ),
    model=LedgerEntry,
    entity="ledger_entry",
    history=HistoryTable(LedgerEvent, "finding_id"),  # shown on the entry
    argument="findingId",
    row_key="entry_id",
    row_version="ledger_version",
)
