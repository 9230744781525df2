"""Rounds an upper office leads over a lower office's units (上级巡视/巡察, with the 编办 joining):
the round, its drafts, 反馈意见, plans, reports and 验收 live in the unit's own office, which
works the problems like its own; the round's team work — drafts, the 统一反馈, deciding plans
and reports, the 验收 and 销号 — is the leading office's. These locators name the office whose
roles an operation on such a round needs: the leading office for a led round, the office itself
otherwise (docs/permissions.md: 牵头检查的上级机构)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from backend.checklists.models import ChecklistItem
from backend.drafts.models import FindingDraft
from backend.ids import parse_id
from backend.permissions import Locator, camel
from backend.plans.models import RectificationPlan
from backend.reports.models import RectificationReport
from backend.rounds.models import InspectionRound
from tenants.access import Role, forbidden
from tenants.errors import DomainError
from tenants.naming import check_code
from tenants.registry import readable_place
from tenants.scoping import tenant_reader

if TYPE_CHECKING:
    from backend.context import Context


ROUND_BY_ID = select(InspectionRound.led_by)
DRAFT_ROUND = select(InspectionRound.led_by).join(FindingDraft, FindingDraft.round_id == InspectionRound.id)
PLAN_ROUND = select(InspectionRound.led_by).join(RectificationPlan, RectificationPlan.round_id == InspectionRound.id)
REPORT_ROUND = select(InspectionRound.led_by).join(RectificationReport, RectificationReport.round_id == InspectionRound.id)
ITEM_ROUND = select(InspectionRound.led_by).join(ChecklistItem, ChecklistItem.round_id == InspectionRound.id)


def acting_office(argument: str, leader: Select, key: Any, name: str, *, own_roles: frozenset[Role] = frozenset()) -> Locator:
    """The office acting on the object `argument` names (its row's `key` column): the leading
    office of its round, if an upper office leads it, else the office named by `tenant_code`.
    A caller holding one of `own_roles` in the office itself acts there even on a led round
    (the unit's liaison reads what the leading office's team sent it for 事实确认)."""

    async def locate(context: Context, arguments: Mapping[str, Any]) -> str | None:
        code = check_code(arguments.get("tenant_code"), field="tenantCode")
        principal = await context.principal()
        await readable_place(context.runtime.engine, principal, code)  # NOT_FOUND beyond the caller's reach
        object_id = parse_id(arguments[argument], camel(argument))
        async with tenant_reader(context.runtime.engine, code).connect() as connection:
            led_by = (await connection.execute(leader.where(key == object_id))).scalar_one_or_none()
        if led_by is None or any(grant.place.code == code and grant.role in own_roles for grant in principal.grants):
            return code
        try:
            await readable_place(context.runtime.engine, principal, led_by)
        except DomainError:  # the office works the round's problems, and sees it, but the round's team work is the leader's
            raise forbidden("该轮次由上级机构牵头检查，此项工作由牵头机构办理") from None
        return led_by

    locate.__name__ = name  # as docs/permissions.md names it
    return locate


BY_ROUND_ID = acting_office("id", ROUND_BY_ID, InspectionRound.id, "office_leading_the_round")
BY_ROUND = acting_office("round_id", ROUND_BY_ID, InspectionRound.id, "office_leading_the_round")
BY_DRAFT = acting_office("id", DRAFT_ROUND, FindingDraft.id, "office_leading_the_drafts_round")
BY_PLAN = acting_office("id", PLAN_ROUND, RectificationPlan.id, "office_leading_the_plans_round")
BY_REPORT = acting_office("id", REPORT_ROUND, RectificationReport.id, "office_leading_the_reports_round")
BY_ITEM = acting_office("id", ITEM_ROUND, ChecklistItem.id, "office_leading_the_items_round")
# Drafts are read by the leading office's team and reviewers, and by the unit's liaison in its own office.
LIAISONS = frozenset({Role.LIAISON})
BY_ROUND_FOR_READERS = acting_office(
    "round_id", ROUND_BY_ID, InspectionRound.id, "office_leading_the_round_or_the_liaisons_own", own_roles=LIAISONS
)
BY_DRAFT_FOR_READERS = acting_office(
    "id", DRAFT_ROUND, FindingDraft.id, "office_leading_the_drafts_round_or_the_liaisons_own", own_roles=LIAISONS
)
