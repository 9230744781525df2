"""The 整改情况报告's state machine:

    填报中 ─报送→ 已报送 ─审核 (a verdict on every item)→ 已审核
    已报送 ─退回 (with the reasons)→ 已退回 ─报送→ 已报送

The unit (its liaison, or the office writing for it) reports on every problem it was given; a
reviewer of the office judges each item (认可, or 不认可 with the reason) or returns the whole
report. Problems are closed at the 验收, not here.
"""

from __future__ import annotations

from backend.feedback.steps import answer_steps
from backend.ledger.workflow import REVIEWERS
from backend.reports.models import RectificationReport, ReportEvent, ReportItem, ReportState
from backend.workflow import HistoryTable, Transition, Workflow

DRAFTING, SUBMITTED, RETURNED, REVIEWED = ReportState

SAVE, SUBMIT, RETURN = answer_steps(
    name="report",
    label="整改情况报告",
    lines=ReportItem,
    drafting=DRAFTING,
    submitted=SUBMITTED,
    returned=RETURNED,
    complete="每个反馈的问题都报告了整改情况",
    missing=("REPORT_INCOMPLETE", "没有报告整改情况"),
)
REVIEW = Transition("review", "逐项审核", frozenset({SUBMITTED}), REVIEWED, REVIEWERS)

REPORTS = Workflow(
    name="report",
    title="整改情况报告",
    noun="整改情况报告",
    states=ReportState,
    initial=DRAFTING,
    transitions=(SAVE, SUBMIT, REVIEW, RETURN),
    model=RectificationReport,
    entity="rectification_report",
    history=HistoryTable(ReportEvent, "report_id"),
)
