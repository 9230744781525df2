"""The event types that notify someone: who receives each (its audience in the event's
tenant), whether a user may mute it, and its text. An event's payload carries what the text
and the audience need (the finding's code, the unit, a note)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tenants.access import Role

Payload = dict[str, Any]


@dataclass(frozen=True)
class Audience:
    """Members with one of `roles` of the event's tenant (or of the payload's `tenant_codes`,
    for an event addressed to many offices), and, with `liaisons`, the liaisons of the
    payload's unit (`unit_id`)."""

    roles: frozenset[Role] = frozenset()
    liaisons: bool = False


@dataclass(frozen=True)
class EventType:
    name: str
    label: str  # what a user sees in the preferences
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
    event.name: event
    for event in (
        EventType(
            "finding.logged",
            "新登记的问题",
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 已登记，请按期整改",
            lambda p: f"整改期限：{p['deadline']}。{p['description']}",
        ),
        EventType(
            "ledger.close_out_requested",
            "申请销号待审核",
            Audience(roles=frozenset({Role.REVIEWER})),
            lambda p: f"问题 {p['finding_code']} 申请销号，请审核",
            _note,
        ),
        EventType(
            "ledger.sent_back",
            "整改被退回",
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 的整改被退回",
            lambda p: f"退回理由：{_note(p)}",
        ),
        EventType("ledger.closed", "已销号", Audience(liaisons=True), lambda p: f"问题 {p['finding_code']} 已销号", _note),
        EventType(
            "ledger.reopened",
            "回头看重新打开",
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 经回头看重新打开整改",
            lambda p: f"理由：{_note(p)}",
        ),
        EventType(
            "ledger.extension_requested",
            "延期申请待审批",
            Audience(roles=frozenset({Role.REVIEWER})),
            lambda p: f"问题 {p['finding_code']} 申请延期",
            _note,
        ),
        EventType(
            "ledger.extension_decided",
            "延期申请结果",
            Audience(liaisons=True),
            lambda p: f"问题 {p['finding_code']} 的延期申请{p['decision']}",
            _note,
        ),
        EventType(
            "ledger.deadline_near", "整改期限将至", Audience(liaisons=True), lambda p: f"{p['count']} 个问题的整改期限将至", _finding_codes
        ),
        EventType(
            "ledger.overdue",
            "整改逾期",
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['count']} 个问题已逾期未整改",
            _finding_codes,
        ),
        EventType(
            "supervision.escalated",
            "上级督办",
            Audience(roles=frozenset({Role.ADMIN, Role.INSPECTOR})),
            lambda p: f"督办：{p['office_name']}逾期问题 {p['overdue']} 个",
            _finding_codes,
            critical=True,
        ),
        EventType("warnings.raised", "编制预警", Audience(roles=frozenset({Role.ADMIN, Role.INSPECTOR})), _warnings_title, _warnings_body),
        EventType(
            "letter.issued",
            "函告",
            Audience(liaisons=True),
            lambda p: f"函告：{p['document_number']}",
            lambda p: p["subject"],
            critical=True,
        ),
        EventType(
            "accountability.decided",
            "问责决定",
            Audience(roles=frozenset({Role.ADMIN})),
            lambda p: f"问责决定：{p['subject']}",
            lambda p: f"{p['title']}。{p['decision']}",
            critical=True,
        ),
        EventType(
            "accountability.restriction_imposed",
            "冻结或锁定",
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['unit_name']}：{p['kind']}",
            lambda p: f"{p['office_name']}决定自 {p['starts_on']} 起{p['kind']}。解除条件：{p['conditions']}",
            critical=True,
        ),
        EventType(
            "accountability.restriction_lifted",
            "解除冻结或锁定",
            Audience(roles=frozenset({Role.ADMIN}), liaisons=True),
            lambda p: f"{p['unit_name']}：已解除{p['kind']}",
            _note,
            critical=True,
        ),
        EventType("problem_list.pushed", "下发的问题清单", Audience(roles=OFFICE_STAFF), _problem_list_title, _note),
        EventType(
            "bulletin.published",
            "典型案例通报",
            Audience(roles=OFFICE_STAFF | {Role.PUBLISHER}),
            lambda p: f"{p['publisher_name']}典型案例通报（{p['issue']}）",
            lambda p: f"{p['title']}。请及时阅读并组织学习。",
        ),
        EventType(
            "bulletin.withdrawn",
            "通报撤回",
            Audience(roles=OFFICE_STAFF | {Role.PUBLISHER}),
            lambda p: f"{p['publisher_name']}已撤回典型案例通报（{p['issue']}）",
            lambda p: f"{p['title']}。撤回理由：{p['reason']}",
        ),
        EventType("problem_list.pushed_to_unit", "下发到本单位的问题清单", Audience(liaisons=True), _problem_list_title, _note),
    )
}
