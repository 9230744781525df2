"""The ledger's state machine and who may drive it: this table is the policy for every
ledger action (the resolvers and the service only look things up here).

    挂号 (registered) ─进展→ 整改中 (in progress) ─申请销号→ 申请销号 (close-out requested)
    申请销号 ─销号→ 已销号 (closed)          申请销号 ─退回 (sent back, with a reason)→ 整改中
    已销号 ─回头看 (reopened on a follow-up check, within the reopen window)→ 整改中

The unit's liaison (and the office's inspectors and admins) report progress and ask for the
close-out; only a reviewer closes an entry or sends it back, so nobody signs off their own
work. Inspectors set the deadline while the entry is still 挂号; once rectification has
started a deadline moves only through an extension request (延期申请) a reviewer approves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tenants.access import Role

REGISTERED, IN_PROGRESS, CLOSE_REQUESTED, CLOSED = "挂号", "整改中", "申请销号", "已销号"
OPEN_STATES = frozenset({REGISTERED, IN_PROGRESS, CLOSE_REQUESTED})

RECTIFIERS = frozenset({Role.LIAISON, Role.INSPECTOR, Role.ADMIN})
DEADLINE_SETTERS = frozenset({Role.INSPECTOR, Role.ADMIN})
REVIEWERS = frozenset({Role.REVIEWER})


@dataclass(frozen=True)
class Action:
    name: str  # as recorded in the ledger's history
    roles: frozenset[Role]
    from_states: frozenset[str]
    to_state: str | None  # None: the state stays
    note_required: bool


REPORT_PROGRESS = Action("进展", RECTIFIERS, frozenset({REGISTERED, IN_PROGRESS}), IN_PROGRESS, note_required=True)
REQUEST_CLOSE_OUT = Action("申请销号", RECTIFIERS, frozenset({IN_PROGRESS}), CLOSE_REQUESTED, note_required=True)
CLOSE_OUT = Action("销号", REVIEWERS, frozenset({CLOSE_REQUESTED}), CLOSED, note_required=False)
SEND_BACK = Action("退回", REVIEWERS, frozenset({CLOSE_REQUESTED}), IN_PROGRESS, note_required=True)
REOPEN = Action("回头看", REVIEWERS | {Role.INSPECTOR}, frozenset({CLOSED}), IN_PROGRESS, note_required=True)
UPDATE_PLAN = Action("调整整改措施", RECTIFIERS, frozenset({REGISTERED, IN_PROGRESS}), None, note_required=False)
SET_DEADLINE = Action("调整期限", DEADLINE_SETTERS, frozenset({REGISTERED}), None, note_required=False)
REQUEST_EXTENSION = Action("延期申请", RECTIFIERS, frozenset({REGISTERED, IN_PROGRESS}), None, note_required=True)
APPROVE_EXTENSION = Action("延期批准", REVIEWERS, OPEN_STATES, None, note_required=False)
REJECT_EXTENSION = Action("延期驳回", REVIEWERS, OPEN_STATES | {CLOSED}, None, note_required=True)

LEDGER_STATES = (REGISTERED, IN_PROGRESS, CLOSE_REQUESTED, CLOSED)


def is_overdue(state: str, deadline: date, today: date) -> bool:
    """逾期: still open past its deadline. Derived whenever shown, never stored."""
    return state != CLOSED and deadline < today
