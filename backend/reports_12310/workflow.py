"""The 12310 report's state machine:

    待受理 ─受理→ 已受理 ─核查 (the 核查结论)→ 已核查 ─办结 (the 答复意见)→ 已办结
    待受理 ─不予受理 (the reason, which the reporter reads)→ 不予受理
    待受理 / 已受理 ─转办本地区机关→ (unchanged: another organ of the region handles it)
    待受理 / 已受理 ─转办其他地区→ 已转办 (a copy at 待受理 in the parent's or a child's office)

Every act is the handling organ's (the region's 编办 until it refers the report on): its
admins, 监督检查人员 and reviewers; the answer the reporter reads is signed off by an admin or a
reviewer. The time limits follow the 12310 rules offices publish: a handling opinion within 10
working days of receipt, 办结 within 60 working days of 受理 (docs/decisions.md).
"""

from __future__ import annotations

from backend.reports_12310.models import Report12310, Report12310Event, ReportState
from backend.workflow import HistoryTable, Transition, Workflow
from tenants.access import Role

RECEIVED, ACCEPTED, REJECTED, VERIFIED, ANSWERED, TRANSFERRED = ReportState
HANDLERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER})  # in the handling organ
SIGNERS = frozenset({Role.ADMIN, Role.REVIEWER})
OPEN = frozenset({RECEIVED, ACCEPTED})

ACCEPT = Transition("accept", "受理", frozenset({RECEIVED}), ACCEPTED, HANDLERS)
REJECT = Transition("reject", "不予受理", frozenset({RECEIVED}), REJECTED, HANDLERS, note="required")
REFER = Transition("refer", "转办本地区机关", OPEN, None, HANDLERS)
TRANSFER = Transition("transfer", "转办其他地区", OPEN, TRANSFERRED, HANDLERS)
VERIFY = Transition("verify", "核查", frozenset({ACCEPTED}), VERIFIED, HANDLERS, note="required")
ANSWER = Transition("answer", "办结", frozenset({VERIFIED}), ANSWERED, SIGNERS, note="required")

REPORTS_12310 = Workflow(
    name="report_12310",
    title="12310 举报",
    noun="举报",
    states=ReportState,
    initial=RECEIVED,
    transitions=(ACCEPT, REJECT, REFER, TRANSFER, VERIFY, ANSWER),
    model=Report12310,
    entity="report_12310",
    history=HistoryTable(Report12310Event, "report_id"),
)
STEPS = (ACCEPT, REJECT, VERIFY, ANSWER)  # the acts `moveReport12310` takes; referring and transferring name a recipient
CLOSED = frozenset({REJECTED, ANSWERED, TRANSFERRED})
