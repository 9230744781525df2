"""GraphQL for 督办: escalations and what upper offices did about them; the working-day calendar."""

from __future__ import annotations

import enum
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.ids import optional_id, parse_id
from backend.pagination import page_size
from backend.supervision.service import SupervisionService
from backend.text import clean_text
from tenants.naming import check_code


@strawberry.type(description="督办采取的措施")
class EscalationAction:
    kind: str = strawberry.field(description="电话提醒或约谈建议")
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


@strawberry.enum(description="PHONE_REMINDER 电话提醒；INTERVIEW_PROPOSED 约谈建议")
class EscalationActionKind(enum.Enum):
    PHONE_REMINDER = "电话提醒"
    INTERVIEW_PROPOSED = "约谈建议"


@strawberry.type(description="某年的工作日例外：法定节假日与调休上班日（其余按周一至周五）")
class WorkingCalendar:
    year: int
    holidays: list[date]
    make_up_workdays: list[date]


def service(info: Info[Context, None]) -> SupervisionService:
    return SupervisionService(info.context.runtime.engine)


async def calendar_of(info: Info[Context, None], year: int) -> WorkingCalendar:
    days = (await service(info).calendar(year)).exceptions
    return WorkingCalendar(
        year=year,
        holidays=sorted(d for d, work in days.items() if not work),
        make_up_workdays=sorted(d for d, work in days.items() if work),
    )


@strawberry.type
class SupervisionQuery:
    @strawberry.field(description="地区内（本级及下级）机构的督办记录，新的在前；联络员无权查看；before 为上一页最后一条的 id")
    async def escalations(
        self,
        info: Info[Context, None],
        region_code: str,
        open_only: bool = True,
        first: int = 50,
        before: strawberry.ID | None = None,
    ) -> list[Escalation]:
        principal = await info.context.principal()
        rows = await service(info).escalations(
            principal,
            check_code(region_code, field="regionCode"),
            open_only=open_only,
            first=page_size(info, first),
            before=optional_id(before, "before"),
        )
        actions = await service(info).actions([row.id for row in rows])
        return [
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
            for row in rows
        ]

    @strawberry.field(description="某年的工作日历（提醒按工作日计算）")
    async def working_calendar(self, info: Info[Context, None], year: int) -> WorkingCalendar:
        await info.context.principal()
        return await calendar_of(info, year)


@strawberry.type
class SupervisionMutation:
    @strawberry.mutation(description="记录督办措施：电话提醒或约谈建议（被提请督办的上级机构的管理员、检查员）")
    async def record_escalation_action(
        self, info: Info[Context, None], escalation_id: strawberry.ID, kind: EscalationActionKind, note: str
    ) -> bool:
        principal = await info.context.writer()
        await service(info).record_action(
            principal,
            parse_id(escalation_id, "escalationId"),
            kind.value,
            clean_text(note, "note", required=True),
            info.context.request_id,
        )
        return True

    @strawberry.mutation(description="设定某年的法定节假日和调休上班日（平台管理员；按国务院办公厅当年通知录入）")
    async def set_working_calendar(
        self, info: Info[Context, None], year: int, holidays: list[date], make_up_workdays: list[date]
    ) -> WorkingCalendar:
        await service(info).set_calendar(await info.context.writer(), year, holidays, make_up_workdays)
        return await calendar_of(info, year)
