"""The states of a clue and who moves it:

    已登记 ─移交 (the registering organ)→ 已移交 ─进展 (the receiving organ: 初步核实, 立案)→ 办理中
    已移交 / 办理中 ─办结 (the receiving organ: 处分, 组织处理, 了结, 不予立案)→ 已办结

Each move is kept in the clue's history with the organ that made it, the result reported and
its note; the audit trail of the region (read by the 编办's admins and auditors) gets the move
without the note, which may name people."""

from __future__ import annotations

from sqlalchemy import insert

from backend.clues.models import Clue, ClueEvent, ClueState
from backend.workflow import Move, Transition, Workflow
from tenants.access import Role

REGISTERED, HANDED_OVER, HANDLING, CONCLUDED = ClueState
HANDLERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER})  # in the organ that acts

HAND_OVER = Transition("hand_over", "移交", frozenset({REGISTERED}), HANDED_OVER, HANDLERS)
PROGRESS = Transition("progress", "报告进展", frozenset({HANDED_OVER, HANDLING}), HANDLING, HANDLERS, event="clue.result")
CONCLUDE = Transition("conclude", "办结", frozenset({HANDED_OVER, HANDLING}), CONCLUDED, HANDLERS, event="clue.result")

_HISTORY = insert(ClueEvent).returning(ClueEvent.id)


async def _history(move: Move) -> int:
    parameters = {
        "clue_id": move.row.id,
        "action": move.transition.label,
        "from_state": move.row.state,
        "to_state": move.state_after,
        "result": move.context.get("result"),
        "organ_id": move.context["organ_id"],
        "note": move.context.get("note"),
        "actor": move.actor,
    }
    return int((await move.connection.execute(_HISTORY, parameters)).scalar_one())


CLUES = Workflow(
    name="clue",
    title="问题线索",
    noun="线索",
    states=ClueState,
    initial=REGISTERED,
    transitions=(HAND_OVER, PROGRESS, CONCLUDE),
    model=Clue,
    entity="clue",
    history=_history,
)
