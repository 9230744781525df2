"""GraphQL for 整改方案: the unit fills in and submits its plan, a reviewer approves or returns it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.feedback.answers import AnswerView
from backend.ids import parse_id
from backend.ledger.workflow import RECTIFIERS, REVIEWERS
from backend.permissions import mutation, query, read, write
from backend.plans.models import PlanState
from backend.plans.service import PlanService, Task, check_tasks, planned
from backend.plans.workflow import DECISIONS, PLANS, SUBMIT
from backend.quantities.types import FindingQuantity, QuantityInput, quantities_in, quantities_of
from backend.rounds.leading import BY_PLAN
from tenants.labelled import Labelled

graphql_enum(PlanState, "整改方案的状态")
PlanDecision = graphql_enum(PLANS.actions("PlanDecision", DECISIONS), "对报送的整改方案的审核决定")


@strawberry.type(description="整改方案中一个问题的整改任务")
class RectificationTask:
    finding_id: strawberry.ID
    measure: str = strawberry.field(description="整改措施")
    responsible_leader: str = strawberry.field(description="责任领导")
    responsible_department: str = strawberry.field(description="责任部门")
    deadline: date = strawberry.field(description="整改时限")
    quantities: list[FindingQuantity] = strawberry.field(description="整改量化指标的计划数")


@strawberry.type(description="被检查单位针对反馈意见制定的整改方案（任务清单、责任清单、时限）")
class RectificationPlan:
    id: strawberry.ID
    round_id: strawberry.ID
    unit_id: strawberry.ID
    state: PlanState
    version: int
    tasks: list[RectificationTask]
    created_by: str
    created_at: datetime

    @classmethod
    def from_view(cls, view: AnswerView) -> RectificationPlan:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            state=PlanState(row.state),
            version=row.version,
            tasks=[
                RectificationTask(
                    finding_id=strawberry.ID(str(task.finding_id)),
                    measure=task.measure,
                    responsible_leader=task.responsible_leader,
                    responsible_department=task.responsible_department,
                    deadline=task.deadline,
                    quantities=quantities_of(task.quantities),
                )
                for task in view.lines
            ],
            created_by=row.created_by,
            created_at=row.created_at,
        )


@strawberry.input(description="一个问题的整改任务")
class RectificationTaskInput:
    finding_id: strawberry.ID
    measure: str = strawberry.field(description="整改措施")
    responsible_leader: str = strawberry.field(description="责任领导")
    responsible_department: str = strawberry.field(description="责任部门")
    deadline: date = strawberry.field(description="整改时限")
    quantities: list[QuantityInput] | None = strawberry.field(
        default=None, description="整改量化指标的计划数（只填 planned）；批准后写入台账"
    )


def plans(info: Info[Context, None]) -> PlanService:
    return PlanService(info.context.runtime.engine)


@strawberry.type
class PlanQuery:
    @query("某轮次各单位的整改方案及任务，按单位；联络员只看到本单位的", read())
    async def rectification_plans(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> list[RectificationPlan]:
        principal = await info.context.principal()
        views = await plans(info).of_round(principal, tenant_code, parse_id(round_id, "roundId"))
        return [RectificationPlan.from_view(view) for view in views]


@strawberry.type
class PlanMutation:
    @mutation(
        "填报（或修改）本单位在某轮次的整改方案：反馈的每个问题一条任务；首次填报不传 version，此后须为读到的版本（联络员限本单位）",
        write(RECTIFIERS),
    )
    async def save_rectification_plan(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        unit_id: strawberry.ID,
        tasks: list[RectificationTaskInput],
        version: int | None = None,
    ) -> RectificationPlan:
        principal = await info.context.principal()
        checked = check_tasks(
            [
                Task(
                    finding_id=parse_id(task.finding_id, "tasks.findingId"),
                    measure=task.measure,
                    responsible_leader=task.responsible_leader,
                    responsible_department=task.responsible_department,
                    deadline=task.deadline,
                    quantities=planned(quantities_in(task.quantities)),
                )
                for task in tasks
            ]
        )
        view = await plans(info).save(
            principal, tenant_code, parse_id(round_id, "roundId"), parse_id(unit_id, "unitId"), version, checked, info.context.request_id
        )
        return RectificationPlan.from_view(view)

    @mutation("报送整改方案（反馈的每个问题都须有任务）；version 须为读到的版本（联络员限本单位）", write(RECTIFIERS))
    async def submit_rectification_plan(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int
    ) -> RectificationPlan:
        principal = await info.context.principal()
        view = await plans(info).move(principal, tenant_code, parse_id(id, "id"), version, SUBMIT, None, info.context.request_id)
        return RectificationPlan.from_view(view)

    @mutation("审核报送的整改方案：批准（各问题的台账随之写入措施、责任人和时限）或退回（须写明理由）", write(REVIEWERS, locate=BY_PLAN))
    async def decide_rectification_plan(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        decision: Annotated[Labelled, strawberry.argument(graphql_type=PlanDecision)],
        note: str | None = None,
    ) -> RectificationPlan:
        principal = await info.context.principal()
        transition = PLANS.transition(decision.name.lower())
        view = await plans(info).move(principal, tenant_code, parse_id(id, "id"), version, transition, note, info.context.request_id)
        return RectificationPlan.from_view(view)
