"""GraphQL for 督办: escalations and what upper offices did about them; the working-day calendar."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.cursors import after_id, by_id, window
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Reach, mutation, query, read, special, write
from backend.supervision.models import EscalationActionKind
from backend.supervision.service import ESCALATION_ACTORS, SupervisionService
from backend.text import clean_text

graphql_enum(EscalationActionKind, "督办措施")


@strawberry.type(description="督办采取的措施")
class EscalationAction:
    kind: EscalationActionKind
    note: str
    actor: str
    created_at: datetime


@strawberry.type(description="督办：某机构逾期问题超过阈值，提请上级（rung 1 上一级，rung 2 省级）督办")
class Escalation:
    id: strawberry.ID
    tenant_code: str
    office_name: str
    rung: int
    escalated_to: str
    overdue_at_opening: int
    opened_at: datetime
    closed_at: datetime | None
    close_note: str | None
    actions: list[EscalationAction]


@strawberry.type(description="某年的工作日例外：法定节假日与调休上班日（其余按周一至周五）")
class WorkingCalendar:
    year: int
    holidays: list[date]
    make_up_workdays: list[date]


def service(info: Info[Context, None]) -> SupervisionService:
    return SupervisionService(info.context.runtime.engine)


async def escalated_to(context: Context, arguments: Mapping[str, Any]) -> str | None:
    """The office an escalation went to, which acts on it."""
    return await SupervisionService(context.runtime.engine).escalated_to(parse_id(arguments["escalation_id"], "escalationId"))


async def calendar_of(info: Info[Context, None], year: int) -> WorkingCalendar:
    days = (await service(info).calendar(year)).exceptions
    return WorkingCalendar(
        year=year,
        holidays=sorted(d for d, work in days.items() if not work),
        make_up_workdays=sorted(d for d, work in days.items() if work),
    )


@strawberry.type
class SupervisionQuery:
    @query("地区内（本级及下级）机构的督办记录，新的在前", read(Reach.SUBTREE, tenant="region_code"))
    async def escalations(
        self,
        info: Info[Context, None],
        region_code: str,
        open_only: bool = True,
        first: int = 50,
        after: str | None = None,
    ) -> Page[Escalation]:
        first = page_size(info, first)
        found = await service(info).escalations(
            await info.context.principal(), region_code, open_only=open_only, first=first, after=after_id(after)
        )
        page = window(found, first, by_id)
        actions = await service(info).actions([row.id for row in page.rows])
        items = [
            Escalation(
                id=strawberry.ID(str(row.id)),
                tenant_code=row.tenant_code,
                office_name=row.office_name,
                rung=row.rung,
                escalated_to=row.escalated_to,
                overdue_at_opening=row.overdue_at_opening,
                opened_at=row.opened_at,
                closed_at=row.closed_at,
                close_note=row.close_note,
                actions=[
                    EscalationAction(kind=a.kind, note=a.note, actor=a.actor, created_at=a.created_at) for a in actions.get(row.id, [])
                ],
            )
            for row in page.rows
        ]
        return Page(items=items, page_info=PageInfo.of(page))

    @query("某年的工作日历（提醒按工作日计算）", special("任一登录用户"))
    async def working_calendar(self, info: Info[Context, None], year: int) -> WorkingCalendar:
        return await calendar_of(info, year)


@strawberry.type
class SupervisionMutation:
    @mutation("记录督办措施：电话提醒或约谈建议（由被提请督办的上级机构记录）", write(ESCALATION_ACTORS, locate=escalated_to))
    async def record_escalation_action(
        self, info: Info[Context, None], escalation_id: strawberry.ID, kind: EscalationActionKind, note: str
    ) -> bool:
        await service(info).record_action(
            await info.context.principal(),
            parse_id(escalation_id, "escalationId"),
            kind,
            clean_text(note, "note", required=True),
            info.context.request_id,
        )
        return True

    @mutation("设定某年的法定节假日和调休上班日（按国务院办公厅当年通知录入）", special("平台管理员", writes=True))
    async def set_working_calendar(
        self, info: Info[Context, None], year: int, holidays: list[date], make_up_workdays: list[date]
    ) -> WorkingCalendar:
        await service(info).set_calendar(await info.context.principal(), year, holidays, make_up_workdays)
        return await calendar_of(info, year)
