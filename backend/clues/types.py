"""GraphQL for clues (问题线索)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import strawberry
from sqlalchemy import Row
from strawberry.types import Info

from backend.clues.models import ClueResult, ClueSource, ClueState, ClueSubject
from backend.clues.service import Clues, NewClue
from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import optional_id, parse_id
from backend.permissions import mutation, query, special
from backend.sensitivity import Sensitivity
from tenants.scoping import reading

graphql_enum(ClueSource, "线索来源")
graphql_enum(ClueSubject, "线索反映的对象：单位或个人")
graphql_enum(ClueState, "线索的办理状态")
graphql_enum(ClueResult, "承办机关报告的办理结果：初步核实、立案为进展，处分、组织处理、了结、不予立案为办结")

READERS = special("登记线索的机关和受移交的机关的成员；联络员除外")
HANDLERS = special("该机关的管理员、监督检查人员（经办）和审核人员", writes=True)


@strawberry.type(description="线索办理中的一步")
class ClueEvent:
    action: str
    result: ClueResult | None
    organ_id: strawberry.ID
    note: str | None
    actor: str
    occurred_at: datetime


@strawberry.type(description="问题线索：只有登记机关和受移交的机关可见，不进入问题库、共性问题和通报")
class Clue:
    id: strawberry.ID
    tenant_code: str
    registered_by_organ_id: strawberry.ID
    source: ClueSource
    subject_kind: ClueSubject
    subject_name: str
    unit_id: strawberry.ID | None
    round_id: strawberry.ID | None
    facts: str
    sensitivity: Sensitivity
    state: ClueState
    handling_organ_id: strawberry.ID | None = strawberry.field(description="承办机关")
    handover_id: strawberry.ID | None = strawberry.field(description="移交它的公文")
    due_on: date | None = strawberry.field(description="办理时限")
    late: bool = strawberry.field(description="过了办理时限仍未办结")
    result: ClueResult | None = strawberry.field(description="最近报告的办理结果")
    registered_by: str
    registered_at: datetime
    events: list[ClueEvent]


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


async def clue_views(info: Info[Context, None], rows: Sequence[Row]) -> list[Clue]:
    """Clues with their histories: one more statement for any number."""
    async with reading(info.context.runtime.engine).connect() as connection:
        events = await Clues(info.context.runtime.engine, info.context.clock).events(connection, [row.id for row in rows])
    by_clue: dict[int, list[ClueEvent]] = defaultdict(list)
    for event in events:
        by_clue[event.clue_id].append(
            ClueEvent(
                action=event.action,
                result=None if event.result is None else ClueResult(event.result),
                organ_id=strawberry.ID(str(event.organ_id)),
                note=event.note,
                actor=event.actor,
                occurred_at=event.occurred_at,
            )
        )
    today = info.context.clock.today()
    return [
        Clue(
            id=strawberry.ID(str(row.id)),
            tenant_code=row.tenant_code,
            registered_by_organ_id=strawberry.ID(str(row.registered_by_organ_id)),
            source=ClueSource(row.source),
            subject_kind=ClueSubject(row.subject_kind),
            subject_name=row.subject_name,
            unit_id=_id(row.unit_id),
            round_id=_id(row.round_id),
            facts=row.facts,
            sensitivity=Sensitivity(row.sensitivity),
            state=ClueState(row.state),
            handling_organ_id=_id(row.handling_organ_id),
            handover_id=_id(row.handover_id),
            due_on=row.due_on,
            late=row.due_on is not None and row.due_on < today and row.state != ClueState.CONCLUDED.value,
            result=None if row.result is None else ClueResult(row.result),
            registered_by=row.registered_by,
            registered_at=row.registered_at,
            events=by_clue[row.id],
        )
        for row in rows
    ]


def service(info: Info[Context, None]) -> Clues:
    return Clues(info.context.runtime.engine, info.context.clock)


async def _one(info: Info[Context, None], clue_id: int) -> Clue:
    return (await clue_views(info, [await service(info).readable(await info.context.principal(), clue_id)]))[0]


@strawberry.input(description="登记一条问题线索")
class ClueInput:
    organ_id: strawberry.ID = strawberry.field(description="登记线索的机关")
    source: ClueSource
    subject_kind: ClueSubject
    subject_name: str = strawberry.field(description="反映的单位，或个人的姓名和职务")
    facts: str = strawberry.field(description="主要问题和事实")
    unit_id: strawberry.ID | None = strawberry.field(default=None, description="所涉被检查单位（本地区的）")
    round_id: strawberry.ID | None = strawberry.field(default=None, description="发现它的轮次")
    sensitivity: Sensitivity = Sensitivity.SENSITIVE


@strawberry.type
class ClueQuery:
    @query("一个机关可见的问题线索（本机关登记的、移交本机关的），可按轮次筛选；新的在前", special("该机关的成员；联络员除外"))
    async def clues(self, info: Info[Context, None], organ_id: strawberry.ID, round_id: strawberry.ID | None = None) -> list[Clue]:
        rows = await service(info).of_organ(await info.context.principal(), parse_id(organ_id, "organId"), optional_id(round_id, "roundId"))
        return await clue_views(info, rows)

    @query("一条问题线索及其办理经过", READERS)
    async def clue(self, info: Info[Context, None], id: strawberry.ID) -> Clue:
        return await _one(info, parse_id(id, "id"))


@strawberry.type
class ClueMutation:
    @mutation("登记问题线索（来源、反映对象、主要事实），默认敏感", HANDLERS)
    async def register_clue(self, info: Info[Context, None], input: ClueInput) -> Clue:
        principal = await info.context.writer()
        new = NewClue(
            organ_id=parse_id(input.organ_id, "organId"),
            source=input.source,
            subject_kind=input.subject_kind,
            subject_name=input.subject_name,
            facts=input.facts,
            unit_id=optional_id(input.unit_id, "unitId"),
            round_id=optional_id(input.round_id, "roundId"),
            sensitivity=input.sensitivity,
        )
        return await _one(info, await service(info).register(principal, new, info.context.request_id))

    @mutation(
        "登记机关以移交函将线索移交纪委监委、组织部或编办，办理时限默认六个月",
        special("登记线索的机关的管理员、监督检查人员和审核人员", writes=True),
    )
    async def hand_over_clue(
        self, info: Info[Context, None], id: strawberry.ID, to_organ_id: strawberry.ID, due_on: date | None = None, note: str | None = None
    ) -> Clue:
        principal = await info.context.writer()
        clue_id = parse_id(id, "id")
        await service(info).hand_over(principal, clue_id, parse_id(to_organ_id, "toOrganId"), due_on, note, info.context.request_id)
        return await _one(info, clue_id)

    @mutation(
        "承办机关报告线索的办理情况：初步核实、立案（进展），处分、组织处理、了结、不予立案（办结）",
        special("承办机关的管理员、监督检查人员和审核人员", writes=True),
    )
    async def report_clue_result(
        self, info: Info[Context, None], id: strawberry.ID, organ_id: strawberry.ID, result: ClueResult, note: str | None = None
    ) -> Clue:
        principal = await info.context.writer()
        clue_id = parse_id(id, "id")
        await service(info).report(principal, clue_id, parse_id(organ_id, "organId"), result, note, info.context.request_id)
        return await _one(info, clue_id)
