"""The states of an accountability case (追责问责) and who may move it:

    立案 ─调查核实→ 调查核实 ─拟处理 (with the proposal)→ 拟处理
    拟处理 ─退回补充调查→ 调查核实          拟处理 ─决定 (with the decision)→ 决定
    决定 ─执行 (once a measure is recorded)→ 执行 ─结案→ 结案
    立案, 调查核实 or 拟处理 ─撤销 (withdrawn, with the reason)→ 撤销

The office's admins, inspectors and publishers open and investigate cases and record what
was done; deciding, sending a proposal back, closing and withdrawing, and freezing or locking
a unit (and lifting it) are for its admins and publishers (who sign the office's decisions).
Measures are recorded once the case is decided (决定 or 执行)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.accountability.models import AccountabilityCase, CaseMeasure, CaseState
from backend.workflow import Guard, Move, Transition, Workflow
from tenants.access import Role
from tenants.errors import DomainError

OPENED, INVESTIGATING, PROPOSED, DECIDED, CARRIED_OUT, CLOSED, WITHDRAWN = CaseState

CASE_HANDLERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.PUBLISHER})
CASE_DECIDERS = frozenset({Role.ADMIN, Role.PUBLISHER})
MEASURE_STATES = frozenset({DECIDED, CARRIED_OUT})
FINAL_STATES = frozenset({CLOSED, WITHDRAWN})


async def _has_a_measure(move: Move[Any]) -> None:
    recorded = select(CaseMeasure.id).where(CaseMeasure.case_id == move.row.id).limit(1)
    if (await move.connection.execute(recorded)).first() is None:
        raise DomainError("NO_MEASURES", "尚未记录任何问责措施，不能进入执行", field="id")


INVESTIGATE = Transition("investigate", "调查核实", frozenset({OPENED}), INVESTIGATING, CASE_HANDLERS)
PROPOSE = Transition("propose", "拟处理", frozenset({INVESTIGATING}), PROPOSED, CASE_HANDLERS, note="required")
SEND_BACK = Transition("send_back", "退回补充调查", frozenset({PROPOSED}), INVESTIGATING, CASE_DECIDERS, note="required")
DECIDE = Transition("decide", "决定", frozenset({PROPOSED}), DECIDED, CASE_DECIDERS, note="required", event="accountability.decided")
CARRY_OUT = Transition(
    "carry_out", "执行", frozenset({DECIDED}), CARRIED_OUT, CASE_HANDLERS, guard=Guard("已记录至少一项问责措施", _has_a_measure)
)
CLOSE = Transition("close", "结案", frozenset({CARRIED_OUT}), CLOSED, CASE_DECIDERS, note="required")
WITHDRAW = Transition("withdraw", "撤销", frozenset({OPENED, INVESTIGATING, PROPOSED}), WITHDRAWN, CASE_DECIDERS, note="required")
RECORD_MEASURE = Transition("record_measure", "记录问责措施", MEASURE_STATES, None, CASE_HANDLERS, note="none")
RECORD_RESTRICTION = Transition(
    "record_restriction", "记录冻结或锁定措施", MEASURE_STATES, None, CASE_DECIDERS, note="none", event="accountability.restriction_imposed"
)

# Where a transition's note is kept on the case.
NOTE_COLUMNS = {PROPOSE: "proposal", DECIDE: "decision", CLOSE: "conclusion", WITHDRAW: "conclusion"}

CASES = Workflow(
    name="case",
    title="追责问责案件",
    noun="案件",
    states=CaseState,
    initial=OPENED,
    transitions=(INVESTIGATE, PROPOSE, SEND_BACK, DECIDE, CARRY_OUT, CLOSE, WITHDRAW, RECORD_MEASURE, RECORD_RESTRICTION),
    model=AccountabilityCase,
    entity="accountability_case",
)
