"""The 整改情况报告's state machine:

    填报中 ─报送→ 已报送 ─审核 (a verdict on every item)→ 已审核
    已报送 ─退回 (with the reasons)→ 已退回 ─报送→ 已报送

The unit (its liaison, or the office writing for it) reports on every problem it was given; a
reviewer of the office judges each item (认可, or 不认可 with the reason) or returns the whole
report. Problems are closed at the 验收, not here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.feedback.service import problems_left_out
from backend.ledger.workflow import RECTIFIERS, REVIEWERS
from backend.reports.models import RectificationReport, ReportEvent, ReportItem, ReportState
from backend.workflow import Guard, Move, Transition, Workflow, history_table
from tenants.errors import DomainError

DRAFTING, SUBMITTED, RETURNED, REVIEWED = ReportState


async def _an_item_for_every_problem(move: Move[Any]) -> None:
    report = move.row
    items = select(ReportItem.finding_id).where(ReportItem.report_id == report.id)
    if missing := await problems_left_out(move.connection, report.round_id, report.unit_id, items):
        raise DomainError("REPORT_INCOMPLETE", f"尚有 {missing} 个反馈的问题没有报告整改情况，请补全后报送", field="id")


SAVE = Transition("save", "填报整改情况报告", frozenset({DRAFTING, RETURNED}), None, RECTIFIERS, note="none")
SUBMIT = Transition(
    "submit",
    "报送",
    frozenset({DRAFTING, RETURNED}),
    SUBMITTED,
    RECTIFIERS,
    guard=Guard("每个反馈的问题都报告了整改情况", _an_item_for_every_problem),
)
REVIEW = Transition("review", "逐项审核", frozenset({SUBMITTED}), REVIEWED, REVIEWERS)
RETURN = Transition("return", "退回", frozenset({SUBMITTED}), RETURNED, REVIEWERS, note="required")

REPORTS = Workflow(
    name="report",
    title="整改情况报告",
    noun="整改情况报告",
    states=ReportState,
    initial=DRAFTING,
    transitions=(SAVE, SUBMIT, REVIEW, RETURN),
    model=RectificationReport,
    entity="rectification_report",
    history=history_table(ReportEvent, "report_id"),
)
