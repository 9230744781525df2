"""The states of a periodic rectification report and who may move it:

    草稿 ─签发报送 (the office's admin)→ 已报送 ─确认 (the parent's admin or reviewer)→ 已确认
    已报送 ─退回 (the parent, with a reason)→ 已退回 ─修改→ … ─签发报送→ 已报送

The office's admins and inspectors write it; the figures are frozen when it is signed off."""

from __future__ import annotations

from backend.reporting.models import ReportUp, ReportUpState
from backend.workflow import Transition, Workflow
from tenants.access import Role

DRAFT, SUBMITTED, ACKNOWLEDGED, RETURNED = ReportUpState
WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
SIGNERS = frozenset({Role.ADMIN})
RECEIVERS = frozenset({Role.ADMIN, Role.REVIEWER})  # in the parent office

EDIT = Transition("edit", "修改", frozenset({DRAFT, RETURNED}), None, WRITERS, note="none")
SUBMIT = Transition("submit", "签发报送", frozenset({DRAFT, RETURNED}), SUBMITTED, SIGNERS, note="none", event="report_up.submitted")
ACKNOWLEDGE = Transition("acknowledge", "确认", frozenset({SUBMITTED}), ACKNOWLEDGED, RECEIVERS, note="none")
RETURN = Transition("return", "退回", frozenset({SUBMITTED}), RETURNED, RECEIVERS, note="required", event="report_up.returned")

REPORTS_UP = Workflow(
    name="report_up",
    title="整改情况定期报告",
    noun="报告",
    states=ReportUpState,
    initial=DRAFT,
    transitions=(EDIT, SUBMIT, ACKNOWLEDGE, RETURN),
    model=ReportUp,
    entity="report_up",
)
