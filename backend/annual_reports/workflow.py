"""A unit's annual 机构编制报告:

    未报送 ─报送→ 已报送 ─审核通过→ 已审核
    已报送 ─退回 (with the reason)→ 已退回 ─报送→ 已报送

The unit's liaison (or the office for it) fills it in and submits it once complete; a reviewer
or admin of the office accepts it or returns it."""

from __future__ import annotations

from backend.annual_reports.models import AnnualReport, AnnualReportState
from backend.workflow import Transition, Workflow
from tenants.access import Role

PENDING, SUBMITTED, RETURNED, ACCEPTED = AnnualReportState
WRITERS = frozenset({Role.LIAISON, Role.ADMIN, Role.INSPECTOR})
REVIEWERS = frozenset({Role.ADMIN, Role.REVIEWER})
OPENERS = frozenset({Role.ADMIN, Role.INSPECTOR})
ONWARD = frozenset({Role.ADMIN})

SAVE = Transition("save", "填报", frozenset({PENDING, RETURNED}), None, WRITERS, note="none")
SUBMIT = Transition("submit", "报送", frozenset({PENDING, RETURNED}), SUBMITTED, WRITERS, note="none")
ACCEPT = Transition("accept", "审核通过", frozenset({SUBMITTED}), ACCEPTED, REVIEWERS, note="none")
RETURN = Transition("return", "退回", frozenset({SUBMITTED}), RETURNED, REVIEWERS, note="required")

ANNUAL_REPORTS = Workflow(
    name="annual_report",
    title="年度机构编制报告",
    noun="年度报告",
    states=AnnualReportState,
    initial=PENDING,
    transitions=(SAVE, SUBMIT, ACCEPT, RETURN),
    model=AnnualReport,
    entity="annual_report",
)
