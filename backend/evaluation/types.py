"""GraphQL for evaluations (三评合一): the indicator system in force and publishing a province's
or city's own, evaluations of an office's departments with their 自评, scores, 满意度, totals and
grades."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.evaluation import workflow
from backend.evaluation.indicators import IndicatorText, check_indicators, indicators_of, points_of, publish, system_in_force
from backend.evaluation.models import EvaluationKind, EvaluationState, Grade, IndicatorLevel
from backend.evaluation.scoring import result
from backend.evaluation.service import Evaluations, EvaluationView, ScoreText, SelfText
from backend.ids import parse_id
from backend.permissions import mutation, query, read, write
from backend.text import clean_text
from tenants.access import Role
from tenants.divisions import Level
from tenants.labelled import Labelled
from tenants.registry import clean_name, readable_place
from tenants.scoping import reading

graphql_enum(IndicatorLevel, "评估指标的层级")
graphql_enum(EvaluationKind, "机构编制评估的种类")
graphql_enum(EvaluationState, "评估的阶段")
graphql_enum(Grade, "评估等次（优秀 ≥ 90 分，良好 ≥ 80 分，一般 ≥ 60 分，较差 < 60 分）")
EvaluationAction = graphql_enum(
    workflow.EVALUATIONS.actions("EvaluationAction", (workflow.START_SELF, workflow.ASSESS, workflow.CLOSE)), "推进评估"
)
SYSTEM_OWNERS = frozenset({Level.PROVINCE, Level.CITY})


@strawberry.type(description="一项评估指标或评估要点")
class EvaluationIndicator:
    code: str
    parent_code: str | None
    level: IndicatorLevel
    name: str
    max_score: Decimal | None = strawberry.field(description="分值（评估要点）")
    personal: bool = strawberry.field(description="个性指标：只对适用的部门计分")
    satisfaction: bool = strawberry.field(description="按满意度测评结果计分")


@strawberry.type(description="评估指标体系（某一版本）")
class IndicatorSystem:
    id: strawberry.ID
    owner_code: str | None = strawberry.field(description="制定的省、市机构；为空即系统示例")
    version: int
    name: str
    published_at: datetime
    indicators: list[EvaluationIndicator]


@strawberry.type(description="一个评估要点在某部门的自评和评分")
class EvaluationPoint:
    code: str
    self_assessment: str | None = strawberry.field(description="部门自评")
    evidence: list[str] = strawberry.field(description="自评佐证材料（sha256）")
    score: Decimal | None = strawberry.field(description="评估组评分；个性要点不适用时为空")
    reason: str | None = strawberry.field(description="扣分理由")


@strawberry.type(description="一级指标得分")
class FirstLevelScore:
    code: str
    name: str
    earned: Decimal
    applicable: Decimal = strawberry.field(description="适用要点的分值合计")


@strawberry.type(description="一个被评估部门的自评、评分和结果；联络员在反馈后才看到评分")
class EvaluatedDepartment:
    unit_id: strawberry.ID
    unit_name: str
    satisfaction: Decimal | None = strawberry.field(description="满意度测评结果（0–100）")
    total: Decimal | None = strawberry.field(description="总分（百分制）；评完前为空")
    grade: Grade | None
    first_level: list[FirstLevelScore]
    points: list[EvaluationPoint]


@strawberry.type(description="一次机构编制评估")
class Evaluation:
    id: strawberry.ID
    kind: EvaluationKind
    name: str
    year: int
    state: EvaluationState
    version: int
    system_name: str
    system_version: int
    departments: list[EvaluatedDepartment]


@strawberry.type(description="一次机构编制评估（列表）")
class EvaluationSummary:
    id: strawberry.ID
    kind: EvaluationKind
    name: str
    year: int
    state: EvaluationState
    version: int
    departments: int = strawberry.field(description="被评估的部门数")
    assessed: int = strawberry.field(description="已评出总分的部门数")


def _system(row, indicators) -> IndicatorSystem:
    return IndicatorSystem(
        id=strawberry.ID(str(row.id)),
        owner_code=row.owner_code,
        version=row.version,
        name=row.name,
        published_at=row.published_at,
        indicators=[
            EvaluationIndicator(
                code=i.code,
                parent_code=i.parent_code,
                level=IndicatorLevel(i.level),
                name=i.name,
                max_score=i.max_score,
                personal=i.personal,
                satisfaction=i.satisfaction,
            )
            for i in indicators
        ],
    )


def _department(view: EvaluationView, row) -> EvaluatedDepartment:
    shown = view.scores_shown
    outcome = result(points_of(view.indicators), row.scores, row.satisfaction)
    names = {i.code: i.name for i in view.indicators}
    points = [i for i in view.indicators if i.level == IndicatorLevel.POINT.value]
    return EvaluatedDepartment(
        unit_id=strawberry.ID(str(row.unit_id)),
        unit_name=row.unit_name,
        satisfaction=row.satisfaction if shown else None,
        total=row.total if shown else None,
        grade=Grade(row.grade) if shown and row.grade else None,
        first_level=[
            FirstLevelScore(code=code, name=names[code], earned=outcome.earned.get(code, Decimal(0)), applicable=applicable)
            for code, applicable in outcome.applicable.items()
        ]
        if shown
        else [],
        points=[
            EvaluationPoint(
                code=p.code,
                self_assessment=row.self_assessment.get(p.code, {}).get("text"),
                evidence=row.self_assessment.get(p.code, {}).get("evidence", []),
                score=_score(row.scores.get(p.code)) if shown else None,
                reason=row.scores.get(p.code, {}).get("reason") if shown else None,
            )
            for p in points
        ],
    )


def _score(given: dict | None) -> Decimal | None:
    return None if given is None or given["score"] is None else Decimal(str(given["score"]))


def of_view(view: EvaluationView) -> Evaluation:
    row = view.row
    return Evaluation(
        id=strawberry.ID(str(row.id)),
        kind=EvaluationKind(row.kind),
        name=row.name,
        year=row.year,
        state=EvaluationState(row.state),
        version=row.version,
        system_name=view.system.name,
        system_version=view.system.version,
        departments=[_department(view, department) for department in view.units],
    )


def service(info: Info[Context, None]) -> Evaluations:
    return Evaluations(info.context.runtime.engine)


async def _now(info: Info[Context, None], tenant_code: str, evaluation_id: int) -> Evaluation:
    return of_view(await service(info).view(await info.context.principal(), tenant_code, evaluation_id))


@strawberry.input(description="评估指标体系中的一项（按层级顺序列出，上级在前）")
class IndicatorInput:
    code: str
    parent_code: str | None = None
    level: IndicatorLevel
    name: str
    max_score: float | None = strawberry.field(default=None, description="评估要点的分值；各要点合计 100 分")
    personal: bool = False
    satisfaction: bool = False


@strawberry.input(description="新建评估")
class EvaluationInput:
    kind: EvaluationKind
    name: str
    year: int
    unit_ids: list[strawberry.ID] = strawberry.field(description="被评估的部门")


@strawberry.input(description="部门对一个评估要点的自评")
class SelfAssessmentInput:
    code: str
    text: str
    evidence: list[str] = strawberry.field(default_factory=list, description="佐证材料：已上传文件的 sha256")


@strawberry.input(description="评估组对一个评估要点的评分")
class ScoreInput:
    code: str
    score: float | None = strawberry.field(description="得分；个性要点不适用时为空")
    reason: str | None = strawberry.field(default=None, description="扣分理由（得分低于分值时必填）")


@strawberry.input(description="一个部门的满意度测评结果")
class SatisfactionInput:
    unit_id: strawberry.ID
    score: float = strawberry.field(description="0–100")


@strawberry.type
class EvaluationQuery:
    @query("本机构适用的评估指标体系：所在市的，没有则所在省的，再没有则系统示例", read())
    async def indicator_system(self, info: Info[Context, None], tenant_code: str) -> IndicatorSystem:
        place = await readable_place(info.context.runtime.engine, await info.context.principal(), tenant_code)
        async with reading(info.context.runtime.engine).connect() as connection:
            row = await system_in_force(connection, place)
            return _system(row, await indicators_of(connection, row.id))

    @query("本机构的评估，新的在前；给出 year 只看该年度的；联络员只看到本部门参加的", read())
    async def evaluations(self, info: Info[Context, None], tenant_code: str, year: int | None = None) -> list[EvaluationSummary]:
        principal = await info.context.principal()
        return [
            EvaluationSummary(
                id=strawberry.ID(str(row.id)),
                kind=EvaluationKind(row.kind),
                name=row.name,
                year=row.year,
                state=EvaluationState(row.state),
                version=row.version,
                departments=row.departments,
                assessed=row.assessed,
            )
            for row in await service(info).of_year(principal, tenant_code, year)
        ]

    @query("一次评估及各部门的自评、评分和结果；联络员只看到本部门的，评分在反馈后可见", read())
    async def evaluation(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID) -> Evaluation:
        return await _now(info, tenant_code, parse_id(id, "id"))


@strawberry.type
class EvaluationMutation:
    @mutation("发布本省（市）的评估指标体系新版本；已开始的评估仍用原版本", write(frozenset({Role.ADMIN}), levels=SYSTEM_OWNERS))
    async def publish_indicator_system(
        self, info: Info[Context, None], tenant_code: str, name: str, indicators: list[IndicatorInput]
    ) -> IndicatorSystem:
        principal = await info.context.principal()
        rows = check_indicators(
            [IndicatorText(i.code, i.parent_code, i.level, i.name, i.max_score, i.personal, i.satisfaction) for i in indicators]
        )
        async with info.context.runtime.engine.begin() as connection:
            published = await publish(connection, tenant_code, clean_name(name, max_length=100), rows, principal.username)
            return _system(published, await indicators_of(connection, published.id))

    @mutation("新建评估：按本机构适用的指标体系，确定被评估的部门", write(workflow.MOVERS))
    async def create_evaluation(self, info: Info[Context, None], tenant_code: str, input: EvaluationInput) -> Evaluation:
        principal = await info.context.principal()
        units = [parse_id(unit, "unitIds") for unit in input.unit_ids]
        evaluation_id = await service(info).create(
            principal, tenant_code, input.kind, input.name, input.year, units, info.context.request_id
        )
        return await _now(info, tenant_code, evaluation_id)

    @mutation("推进评估：部署自评、开始评估、办结；version 须为读到的版本", write(workflow.MOVERS))
    async def move_evaluation(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        action: Annotated[Labelled, strawberry.argument(graphql_type=EvaluationAction)],
    ) -> Evaluation:
        principal = await info.context.principal()
        transition = workflow.EVALUATIONS.transition(action.name.lower())
        await service(info).move(principal, tenant_code, parse_id(id, "id"), version, transition, None, info.context.request_id)
        return await _now(info, tenant_code, parse_id(id, "id"))

    @mutation("反馈评估结果（每个部门都已评出总分后）；version 须为读到的版本", write(workflow.FEED_BACK.roles))
    async def feed_back_evaluation(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str | None = None
    ) -> Evaluation:
        principal = await info.context.principal()
        await service(info).move(principal, tenant_code, parse_id(id, "id"), version, workflow.FEED_BACK, note, info.context.request_id)
        return await _now(info, tenant_code, parse_id(id, "id"))

    @mutation("部门自评（自评阶段）：逐个评估要点写明情况、附佐证材料；联络员限本部门", write(workflow.SELF_ASSESSORS))
    async def save_self_assessment(
        self,
        info: Info[Context, None],
        tenant_code: str,
        evaluation_id: strawberry.ID,
        unit_id: strawberry.ID,
        answers: list[SelfAssessmentInput],
    ) -> Evaluation:
        principal = await info.context.principal()
        texts = [SelfText(a.code, a.text, tuple(a.evidence)) for a in answers]
        await service(info).self_assess(
            principal, tenant_code, parse_id(evaluation_id, "evaluationId"), parse_id(unit_id, "unitId"), texts, info.context.request_id
        )
        return await _now(info, tenant_code, parse_id(evaluation_id, "evaluationId"))

    @mutation("评估组评分（评估阶段）：逐个评估要点打分，扣分写明理由；个性要点不适用的得分为空", write(workflow.ASSESSORS))
    async def score_evaluation(
        self, info: Info[Context, None], tenant_code: str, evaluation_id: strawberry.ID, unit_id: strawberry.ID, scores: list[ScoreInput]
    ) -> Evaluation:
        principal = await info.context.principal()
        texts = [ScoreText(s.code, s.score, clean_text(s.reason, "reason", required=False)) for s in scores]
        await service(info).score(
            principal, tenant_code, parse_id(evaluation_id, "evaluationId"), parse_id(unit_id, "unitId"), texts, info.context.request_id
        )
        return await _now(info, tenant_code, parse_id(evaluation_id, "evaluationId"))

    @mutation("录入满意度测评结果（评估阶段，0–100）", write(workflow.ASSESSORS))
    async def record_satisfaction(
        self, info: Info[Context, None], tenant_code: str, evaluation_id: strawberry.ID, results: list[SatisfactionInput]
    ) -> Evaluation:
        principal = await info.context.principal()
        pairs = [(parse_id(r.unit_id, "unitId"), r.score) for r in results]
        await service(info).record_satisfaction(
            principal, tenant_code, parse_id(evaluation_id, "evaluationId"), pairs, info.context.request_id
        )
        return await _now(info, tenant_code, parse_id(evaluation_id, "evaluationId"))
