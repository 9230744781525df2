"""The event types that notify someone: who receives each (its audience in the event's
tenant), whether a user may mute it, and its text. An event's payload carries what the text
and the audience need (the finding's code, the unit, a note)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tenants.access import Role
from tenants.labelled import Labelled

Payload = dict[str, Any]


class EventKind(Labelled):
    """The event types, stored as their value (in the outbox, inboxes, preferences and
    webhooks) and labelled as a user sees them in the preferences."""

    FINDING_LOGGED = "finding.logged", "新登记的问题"
    LEDGER_CLOSE_OUT_REQUESTED = "ledger.close_out_requested", "申请销号待审核"
    LEDGER_SENT_BACK = "ledger.sent_back", "整改被退回"
    LEDGER_CLOSED = "ledger.closed", "已销号"
    LEDGER_REOPENED = "ledger.reopened", "回头看重新打开"
    LEDGER_EXTENSION_REQUESTED = "ledger.extension_requested", "延期申请待审批"
    LEDGER_EXTENSION_DECIDED = "ledger.extension_decided", "延期申请结果"
    LEDGER_DEADLINE_NEAR = "ledger.deadline_near", "整改期限将至"
    LEDGER_OVERDUE = "ledger.overdue", "整改逾期"
    SUPERVISION_ESCALATED = "supervision.escalated", "上级督办"
    WARNINGS_RAISED = "warnings.raised", "编制预警"
    LETTER_ISSUED = "letter.issued", "函告"
    ACCOUNTABILITY_DECIDED = "accountability.decided", "问责决定"
    ACCOUNTABILITY_RESTRICTION_IMPOSED = "accountability.restriction_imposed", "冻结或锁定"
    ACCOUNTABILITY_RESTRICTION_LIFTED = "accountability.restriction_lifted", "解除冻结或锁定"
    PROBLEM_LIST_PUSHED = "problem_list.pushed", "下发的问题清单"
    BULLETIN_PUBLISHED = "bulletin.published", "典型案例通报"
    BULLETIN_WITHDRAWN = "bulletin.withdrawn", "通报撤回"
    PROBLEM_LIST_PUSHED_TO_UNIT = "problem_list.pushed_to_unit", "下发到本单位的问题清单"
    FEEDBACK_GIVEN = "feedback.given", "反馈意见"
    ANSWER_OVERDUE = "answer.overdue", "整改方案或整改情况报告逾期"
    REPORT_UP_SUBMITTED = "report_up.submitted", "下级报送的整改情况定期报告"
    REPORT_UP_RETURNED = "report_up.returned", "整改情况定期报告被上级退回"
    REPORT_UP_OVERDUE = "report_up.overdue", "整改情况定期报告逾期未报送"
    DOCUMENT_RECEIVED = "correspondence.received", "收到的公文"
    DOCUMENT_RETURNED = "correspondence.returned", "公文被退回"
    CLUE_RESULT = "clue.result", "移交线索的办理情况"
    DOCUMENT_OVERDUE = "correspondence.overdue", "公文逾期未办结"
    CLUE_OVERDUE = "clue.overdue", "线索逾期未办结"
    ANNUAL_REPORT_OVERDUE = "annual_report.overdue", "年度机构编制报告逾期未报送"
    ANNUAL_ONWARD_OVERDUE = "annual_onward.overdue", "本机构年度机构编制报告逾期未向上级报送"


@dataclass(frozen=True)
class Audience:
    """Members with one of `roles` in the 编办 of the event's tenant (or of the payload's
    `tenant_codes`, for an event addressed to many offices), and, with `liaisons`, the liaisons
    of the payload's unit (`unit_id`). With `organs`: members with one of `roles` in the
    payload's organs (`organ_ids`), wherever they are; no office webhook gets such an event."""

    roles: frozenset[Role] = frozenset()
    liaisons: bool = False
    organs: bool = False


@dataclass(frozen=True)
class EventType:
    kind: EventKind
    audience: Audience
    title: Callable[[Payload], str]
    body: Callable[[Payload], str]
    critical: bool = False  # cannot be muted (督办, 函告)


def _note(payload: Payload) -> str:
    return payload.get("note") or ""


def _finding_codes(payload: Payload) -> str:
    codes = payload["finding_codes"]
    more = f" 等 {payload['count']} 个" if payload["count"] > len(codes) else ""
    return f"问题编号：{'、'.join(codes)}{more}"


def _problem_list_title(payload: Payload) -> str:
    return f"收到问题清单：{payload['title']}，请于 {payload['respond_by']} 前签收反馈"


def _warnings_title(payload: Payload) -> str:
    raised = f"（其中 {payload['raised']} 条升级）" if payload["raised"] else ""
    return f"新增或升级编制预警 {payload['count']} 条{raised}：红色 {payload['red']}、黄色 {payload['yellow']}、蓝色 {payload['blue']}"


def _warnings_body(payload: Payload) -> str:
    rules = "、".join(f"{name} {count} 条" for name, count in payload["rules"])
    more = f" 等 {payload['unit_count']} 个单位" if payload["unit_count"] > len(payload["unit_names"]) else ""
    return f"{rules}。涉及：{'、'.join(payload['unit_names'])}{more}"


OFFICE_STAFF = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER})

EVENT_TYPES = {
    event.kind: event
    for event in (
        EventType(
            EventKind.FINDING_LOGGED,
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 已登记，请按期整改",
            lambda p: f"整改期限：{p['deadline']}。{p['description']}",
        ),
        EventType(
            EventKind.LEDGER_CLOSE_OUT_REQUESTED,
            Audience(roles=frozenset({Role.REVIEWER})),
            lambda p: f"问题 {p['finding_code']} 申请销号，请审核",
            _note,
        ),
        EventType(
            EventKind.LEDGER_SENT_BACK,
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 的整改被退回",
            lambda p: f"退回理由：{_note(p)}",
        ),
        EventType(EventKind.LEDGER_CLOSED, Audience(liaisons=True), lambda p: f"问题 {p['finding_code']} 已销号", _note),
        EventType(
            EventKind.LEDGER_REOPENED,
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 经回头看重新打开整改",
            lambda p: f"理由：{_note(p)}",
        ),
        EventType(
            EventKind.LEDGER_EXTENSION_REQUESTED,
            Audience(roles=frozenset({Role.REVIEWER})),
            lambda p: f"问题 {p['finding_code']} 申请延期",
            _note,
        ),
        EventType(
            EventKind.LEDGER_EXTENSION_DECIDED,
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 的延期申请{p['decision']}",
            _note,
        ),
        EventType(EventKind.LEDGER_DEADLINE_NEAR, Audience(liaisons=True), lambda p: f"{p['count']} 个问题的整改期限将至", _finding_codes),
        EventType(
            EventKind.LEDGER_OVERDUE,
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['count']} 个问题已逾期未整改",
            _finding_codes,
        ),
        EventType(
            EventKind.SUPERVISION_ESCALATED,
            Audience(roles=frozenset({Role.ADMIN, Role.INSPECTOR})),
            lambda p: f"督办：{p['office_name']}逾期问题 {p['overdue']} 个",
            _finding_codes,
            critical=True,
        ),
        EventType(EventKind.WARNINGS_RAISED, Audience(roles=frozenset({Role.ADMIN, Role.INSPECTOR})), _warnings_title, _warnings_body),
        EventType(
            EventKind.LETTER_ISSUED,
            Audience(liaisons=True),
            lambda p: f"函告：{p['document_number']}",
            lambda p: p["subject"],
            critical=True,
        ),
        EventType(
            EventKind.ACCOUNTABILITY_DECIDED,
            Audience(roles=frozenset({Role.ADMIN})),
            lambda p: f"问责决定：{p['subject']}",
            lambda p: f"{p['title']}。{p['decision']}",
            critical=True,
        ),
        EventType(
            EventKind.ACCOUNTABILITY_RESTRICTION_IMPOSED,
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['unit_name']}：{p['kind']}",
            lambda p: f"{p['office_name']}决定自 {p['starts_on']} 起{p['kind']}。解除条件：{p['conditions']}",
            critical=True,
        ),
        EventType(
            EventKind.ACCOUNTABILITY_RESTRICTION_LIFTED,
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['unit_name']}：已解除{p['kind']}",
            _note,
            critical=True,
        ),
        EventType(EventKind.PROBLEM_LIST_PUSHED, Audience(roles=OFFICE_STAFF), _problem_list_title, _note),
        EventType(
            EventKind.BULLETIN_PUBLISHED,
            Audience(roles=OFFICE_STAFF | {Role.PUBLISHER}),
            lambda p: f"{p['publisher_name']}典型案例通报（{p['issue']}）",
            lambda p: f"{p['title']}。请及时阅读并组织学习。",
        ),
        EventType(
            EventKind.BULLETIN_WITHDRAWN,
            Audience(roles=OFFICE_STAFF | {Role.PUBLISHER}),
            lambda p: f"{p['publisher_name']}已撤回典型案例通报（{p['issue']}）",
            lambda p: f"{p['title']}。撤回理由：{p['reason']}",
        ),
        EventType(EventKind.PROBLEM_LIST_PUSHED_TO_UNIT, Audience(liaisons=True), _problem_list_title, _note),
        EventType(
            EventKind.FEEDBACK_GIVEN,
            Audience(liaisons=True),
            lambda p: f"收到反馈意见：{p['document_number']}",
            lambda p: f"共反馈问题 {p['count']} 个。请于 {p['plan_due']} 前报送整改方案，{p['report_due']} 前报送整改情况报告。",
            critical=True,
        ),
        EventType(
            EventKind.ANSWER_OVERDUE,
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['document']}逾期未报送",
            lambda p: f"应于 {p['due_on']} 前报送，请尽快报送。",
        ),
        EventType(
            EventKind.REPORT_UP_SUBMITTED,
            Audience(roles=frozenset({Role.ADMIN, Role.REVIEWER})),
            lambda p: f"{p['office_name']}报送了{p['period_label']}整改情况报告",
            lambda p: "请审阅后确认或退回。",
        ),
        EventType(
            EventKind.REPORT_UP_RETURNED,
            Audience(roles=frozenset({Role.ADMIN, Role.INSPECTOR})),
            lambda p: f"{p['period_label']}整改情况报告被上级退回",
            _note,
        ),
        EventType(
            EventKind.REPORT_UP_OVERDUE,
            Audience(roles=frozenset({Role.ADMIN})),
            lambda p: f"{p['office_name']}{p['period_label']}整改情况报告逾期未报送",
            lambda p: f"报送期限：{p['due_on']}。请尽快签发报送。",
            critical=True,
        ),
        EventType(
            EventKind.ANNUAL_REPORT_OVERDUE,
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['unit_name']}{p['year']}年度机构编制报告逾期未报送",
            lambda p: f"应于 {p['due_on']} 前报送，请尽快填报。",
            critical=True,
        ),
        EventType(
            EventKind.ANNUAL_ONWARD_OVERDUE,
            Audience(roles=frozenset({Role.ADMIN})),
            lambda p: f"{p['office_name']}{p['year']}年度机构编制报告逾期未向上级报送",
            lambda p: f"报送期限：{p['due_on']}。请尽快报送。",
            critical=True,
        ),
        EventType(
            EventKind.DOCUMENT_RECEIVED,
            Audience(roles=OFFICE_STAFF, organs=True),
            lambda p: f"收到{p['sender']}{p['kind']}：{p['document_number']}",
            lambda p: p["subject"] + (f"（办理时限：{p['due_on']}）" if p.get("due_on") else ""),
        ),
        EventType(
            EventKind.DOCUMENT_RETURNED,
            Audience(roles=OFFICE_STAFF, organs=True),
            lambda p: f"{p['document_number']}被{p['by']}退回",
            lambda p: f"退回理由：{_note(p)}",
        ),
        EventType(
            EventKind.DOCUMENT_OVERDUE,
            Audience(roles=OFFICE_STAFF, organs=True),
            lambda p: f"{p['document_number']}已过办理时限（{p['due_on']}）仍未办结",
            lambda p: f"承办机关：{p['recipient']}。请尽快办结并复函。",
            critical=True,
        ),
        EventType(
            EventKind.CLUE_OVERDUE,
            Audience(roles=OFFICE_STAFF, organs=True),
            lambda p: f"问题线索（第 {p['clue_id']} 号）已过办理时限（{p['due_on']}）仍未办结",
            lambda p: "请承办机关尽快办结并报告办理结果。",
            critical=True,
        ),
        EventType(
            EventKind.CLUE_RESULT,
            Audience(roles=OFFICE_STAFF, organs=True),
            lambda p: f"移交的问题线索（第 {p['clue_id']} 号）办理情况：{p['result']}",
            lambda p: f"承办机关：{p['by']}",
        ),
    )
}
