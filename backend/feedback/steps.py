"""The steps every answer of a unit to its 反馈意见 takes (its 整改方案, its 整改情况报告): the unit
fills it in while it is its to write (填报中, or 已退回), and submits it once it answers every
problem it was given; an office reviewer returns it with the reasons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.feedback.service import problems_left_out
from backend.ledger.workflow import RECTIFIERS, REVIEWERS
from backend.workflow import Guard, Move, Transition
from tenants.errors import DomainError
from tenants.labelled import Labelled


def answer_steps(
    *,
    name: str,
    label: str,
    lines: Any,
    drafting: Labelled,
    submitted: Labelled,
    returned: Labelled,
    complete: str,
    missing: tuple[str, str],
) -> tuple[Transition, Transition, Transition]:
    """SAVE (填报 `label`), SUBMIT (报送 once `complete`; refused with `missing` = (code, what a
    problem lacks) while a problem has no line in `lines`) and RETURN (退回, with the reasons)."""
    code, lacking = missing
    key = getattr(lines, f"{name}_id")

    async def every_problem_answered(move: Move[Any]) -> None:
        document = move.row
        answered = select(lines.finding_id).where(key == document.id)
        if left := await problems_left_out(move.connection, document.round_id, document.unit_id, answered):
            raise DomainError(code, f"尚有 {left} 个反馈的问题{lacking}，请补全后报送", field="id")

    writable = frozenset({drafting, returned})
    save = Transition("save", f"填报{label}", writable, None, RECTIFIERS, note="none")
    submit = Transition("submit", "报送", writable, submitted, RECTIFIERS, guard=Guard(complete, every_problem_answered))
    back = Transition("return", "退回", frozenset({submitted}), returned, REVIEWERS, note="required")
    return save, submit, back
