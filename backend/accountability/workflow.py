"""The states of an accountability case (追责问责) and who may move it: this table is the
policy for every case action.

    立案 (opened) ─调查核实→ 调查核实 (investigating) ─拟处理 (with the proposal)→ 拟处理 (proposed)
    拟处理 ─退回补充调查→ 调查核实          拟处理 ─决定 (with the decision)→ 决定 (decided)
    决定 ─执行 (once a measure is recorded)→ 执行 (carried out) ─结案→ 结案 (closed)
    立案, 调查核实 or 拟处理 ─撤销 (withdrawn, with the reason)→ 撤销

The office's admins, inspectors and publishers open and investigate cases and record what
was done; deciding, sending a proposal back, closing and withdrawing, and freezing or locking
a unit (and lifting it) are for its admins and publishers (who sign the office's decisions).
Measures are recorded once the case is decided (决定 or 执行)."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.access import Role

OPENED, INVESTIGATING, PROPOSED, DECIDED, CARRIED_OUT, CLOSED, WITHDRAWN = "立案", "调查核实", "拟处理", "决定", "执行", "结案", "撤销"

CASE_HANDLERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.PUBLISHER})
CASE_DECIDERS = frozenset({Role.ADMIN, Role.PUBLISHER})
MEASURE_STATES = frozenset({DECIDED, CARRIED_OUT})


@dataclass(frozen=True)
class CaseAction:
    name: str  # as recorded in the audit trail
    roles: frozenset[Role]
    from_states: frozenset[str]
    to_state: str
    note_required: bool
    note_column: str | None  # where the note is kept on the case


INVESTIGATE = CaseAction("调查核实", CASE_HANDLERS, frozenset({OPENED}), INVESTIGATING, False, None)
PROPOSE = CaseAction("拟处理", CASE_HANDLERS, frozenset({INVESTIGATING}), PROPOSED, True, "proposal")
SEND_BACK = CaseAction("退回补充调查", CASE_DECIDERS, frozenset({PROPOSED}), INVESTIGATING, True, None)
DECIDE = CaseAction("决定", CASE_DECIDERS, frozenset({PROPOSED}), DECIDED, True, "decision")
CARRY_OUT = CaseAction("执行", CASE_HANDLERS, frozenset({DECIDED}), CARRIED_OUT, False, None)
CLOSE = CaseAction("结案", CASE_DECIDERS, frozenset({CARRIED_OUT}), CLOSED, True, "conclusion")
WITHDRAW = CaseAction("撤销", CASE_DECIDERS, frozenset({OPENED, INVESTIGATING, PROPOSED}), WITHDRAWN, True, "conclusion")

CASE_ACTIONS = (INVESTIGATE, PROPOSE, SEND_BACK, DECIDE, CARRY_OUT, CLOSE, WITHDRAW)
FINAL_STATES = frozenset({CLOSED, WITHDRAWN})
