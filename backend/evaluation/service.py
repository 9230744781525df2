"""Running an evaluation of an office's departments (issue 23 item 1): the office sets the
departments on the indicator system in force; each department writes its 自评 per 要点 with
evidence; the 评估组 scores each 要点 (a deduction gives its reason; a 个性 要点 may not apply) and
records the 满意度 survey; totals and grades follow (backend/evaluation/scoring.py); results go back
to the departments. A liaison reads its own department only, and its scores from the 反馈 on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.evaluation.indicators import indicators_of, points_of, system, system_in_force
from backend.evaluation.models import Evaluation, EvaluationKind, EvaluationState, EvaluationUnit, IndicatorLevel
from backend.evaluation.scoring import HUNDRED, result
from backend.evaluation.workflow import EVALUATIONS
from backend.evidence.attachments import require_uploaded
from backend.supervision.calendar import check_year
from backend.text import clean_text
from backend.units.models import InspectedUnit
from backend.workflow import Transition
from tenants.access import Principal, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import clean_name, readable_place
from tenants.scoping import tenant_engine, tenant_reader

MAX_UNITS = 300


@dataclass(frozen=True)
class SelfText:
    code: str
    text: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ScoreText:
    code: str
    score: float | None  # None: the 个性 要点 does not apply to this department
    reason: str | None


@dataclass(frozen=True)
class EvaluationView:
    row: Row
    system: Row
    indicators: list[Row]
    units: list[Row]  # evaluation_unit rows with the unit's name (unit_name)
    scores_shown: bool  # a liaison sees its scores from the 反馈 on


class Evaluations:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(
        self,
        principal: Principal,
        tenant_code: str,
        kind: EvaluationKind,
        name: str,
        year: int,
        unit_ids: list[int],
        request_id: str | None,
    ) -> int:
        name, year = clean_name(name, max_length=128), check_year(year)
        wanted = list(dict.fromkeys(unit_ids))
        if not 1 <= len(wanted) <= MAX_UNITS:
            raise DomainError("INVALID_UNITS", f"评估对象须为 1 到 {MAX_UNITS} 个部门", field="unitIds")
        place = await readable_place(self.engine, principal, tenant_code)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            known = set((await connection.execute(select(InspectedUnit.id).where(InspectedUnit.id.in_(wanted)))).scalars())
            if missing := [unit for unit in wanted if unit not in known]:
                raise DomainError("NOT_FOUND", f"被评估部门 {', '.join(map(str, missing))} 不存在", field="unitIds")
            in_force = await system_in_force(connection, place)
            evaluation_id = (
                await connection.execute(
                    insert(Evaluation)
                    .values(kind=kind.value, name=name, year=year, system_id=in_force.id, created_by=principal.username)
                    .returning(Evaluation.id)
                )
            ).scalar_one()
            await connection.execute(insert(EvaluationUnit), [{"evaluation_id": evaluation_id, "unit_id": unit} for unit in wanted])
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="evaluation.created",
                entity="evaluation",
                entity_id=str(evaluation_id),
                after={"kind": kind.value, "name": name, "year": year, "system_id": in_force.id, "unit_ids": wanted},
                request_id=request_id,
            )
        return evaluation_id

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        evaluation_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
    ) -> None:
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await EVALUATIONS.lock(
                transition,
                connection,
                select(Evaluation).where(Evaluation.id == evaluation_id).with_for_update(),
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=clean_text(note, "note", required=False),
                request_id=request_id,
            )
            await move.apply()

    async def self_assess(
        self, principal: Principal, tenant_code: str, evaluation_id: int, unit_id: int, texts: Sequence[SelfText], request_id: str | None
    ) -> None:
        """The department's 自评 of some 要点 (each replaces what it wrote of that 要点 before)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            evaluation, department = await _department(connection, evaluation_id, unit_id, units, EvaluationState.SELF_ASSESSING)
            scored = _points_by_code(await indicators_of(connection, evaluation.system_id))
            answers = dict(department.self_assessment)
            for text in texts:
                _require_point(scored, text.code)
                await require_uploaded(connection, text.evidence, principal.username if units is not None else None)
                answers[text.code] = {"text": clean_text(text.text, "answers", required=True), "evidence": list(text.evidence)}
            await _save(connection, principal, tenant_code, department, "evaluation.self_assessed", request_id, self_assessment=answers)

    async def score(
        self, principal: Principal, tenant_code: str, evaluation_id: int, unit_id: int, texts: Sequence[ScoreText], request_id: str | None
    ) -> None:
        """The 评估组's scores of some 要点 of a department, and its total once complete."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            evaluation, department = await _department(connection, evaluation_id, unit_id, None, EvaluationState.ASSESSING)
            indicators = await indicators_of(connection, evaluation.system_id)
            scored = _points_by_code(indicators)
            scores = dict(department.scores)
            for text in texts:
                point = _require_point(scored, text.code)
                scores[text.code] = {"score": _checked_score(point, text), "reason": text.reason, "by": principal.username}
            await _save(
                connection,
                principal,
                tenant_code,
                department,
                "evaluation.scored",
                request_id,
                **_with_result(indicators, scores, department.satisfaction),
            )

    async def record_satisfaction(
        self, principal: Principal, tenant_code: str, evaluation_id: int, results: Sequence[tuple[int, float]], request_id: str | None
    ) -> None:
        """The 满意度 survey's results (0–100) of some departments."""
        indicators: list[Row] = []
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            for unit_id, value in results:
                evaluation, department = await _department(connection, evaluation_id, unit_id, None, EvaluationState.ASSESSING)
                satisfaction = _percent(value)
                indicators = indicators or await indicators_of(connection, evaluation.system_id)
                await _save(
                    connection,
                    principal,
                    tenant_code,
                    department,
                    "evaluation.satisfaction",
                    request_id,
                    **_with_result(indicators, department.scores, satisfaction),
                )

    async def view(self, principal: Principal, tenant_code: str, evaluation_id: int) -> EvaluationView:
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            row = (await connection.execute(select(Evaluation).where(Evaluation.id == evaluation_id))).one_or_none()
            if row is None:
                raise not_found()
            query = (
                select(EvaluationUnit, InspectedUnit.name.label("unit_name"))
                .join(InspectedUnit, InspectedUnit.id == EvaluationUnit.unit_id)
                .where(EvaluationUnit.evaluation_id == evaluation_id)
                .order_by(EvaluationUnit.unit_id)
            )
            if units is not None:
                query = query.where(EvaluationUnit.unit_id.in_(units))
            departments = list((await connection.execute(query)).all())
            if units is not None and not departments:
                raise not_found()
            used = await system(connection, row.system_id)
            indicators = await indicators_of(connection, row.system_id)
        shown = units is None or row.state in (EvaluationState.FED_BACK, EvaluationState.CLOSED)
        return EvaluationView(row, used, indicators, departments, shown)

    async def of_year(self, principal: Principal, tenant_code: str, year: int | None) -> list[Row]:
        """The office's evaluations, the newest first, with how many departments each has and how
        many are assessed (a liaison: those of its departments)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        counts = (
            select(
                EvaluationUnit.evaluation_id,
                func.count().label("departments"),
                func.count(EvaluationUnit.total).label("assessed"),
            )
            .group_by(EvaluationUnit.evaluation_id)
            .subquery()
        )
        query = (
            select(Evaluation, counts.c.departments, counts.c.assessed)
            .join(counts, counts.c.evaluation_id == Evaluation.id)
            .order_by(Evaluation.id.desc())
        )
        if year is not None:
            query = query.where(Evaluation.year == check_year(year))
        if units is not None:
            query = query.where(Evaluation.id.in_(select(EvaluationUnit.evaluation_id).where(EvaluationUnit.unit_id.in_(units))))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return list((await connection.execute(query)).all())


async def _department(
    connection: AsyncConnection, evaluation_id: int, unit_id: int, units: frozenset[int] | None, stage: EvaluationState
) -> tuple[Row, Row]:
    """The evaluation and the department's row (locked), at `stage` (EVALUATION_NOT_AT_STAGE)."""
    evaluation = (await connection.execute(select(Evaluation).where(Evaluation.id == evaluation_id))).one_or_none()
    department = (
        await connection.execute(
            select(EvaluationUnit).where(EvaluationUnit.evaluation_id == evaluation_id, EvaluationUnit.unit_id == unit_id).with_for_update()
        )
    ).one_or_none()
    if evaluation is None or department is None or (units is not None and unit_id not in units):
        raise not_found()
    if evaluation.state != stage:
        raise DomainError(
            "EVALUATION_NOT_AT_STAGE", f"评估处于“{EvaluationState(evaluation.state).label}”阶段，此时不能办理", field="evaluationId"
        )
    return evaluation, department


def _points_by_code(indicators: Sequence[Row]) -> dict[str, Row]:
    return {row.code: row for row in indicators if row.level == IndicatorLevel.POINT.value}


def _require_point(points: dict[str, Row], code: str) -> Row:
    point = points.get(code)
    if point is None or point.satisfaction:
        raise DomainError("UNKNOWN_INDICATOR", f"“{code}”不是本指标体系中由评估组或部门填写的评估要点", field="code")
    return point


def _checked_score(point: Row, text: ScoreText) -> float | None:
    if text.score is None:
        if not point.personal:
            raise DomainError("INVALID_SCORE", f"{point.code} 不是个性指标，须打分", field="score")
        return None
    if not 0 <= text.score <= point.max_score:
        raise DomainError("INVALID_SCORE", f"{point.code} 的得分须在 0 到 {point.max_score} 分之间", field="score")
    if text.score < point.max_score and not (text.reason or "").strip():
        raise DomainError("INVALID_SCORE", f"{point.code} 扣分须写明理由", field="reason")
    return text.score


def _percent(value: float) -> Decimal:
    try:
        percent = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        percent = Decimal(-1)
    if not 0 <= percent <= HUNDRED:
        raise DomainError("INVALID_SCORE", "满意度须在 0 到 100 之间", field="satisfaction")
    return percent


def _with_result(indicators: Sequence[Row], scores: dict, satisfaction: Decimal | None) -> dict:
    """The values to store: the scores, the survey result and the total and grade they give."""
    outcome = result(points_of(indicators), scores, satisfaction)
    return {"scores": scores, "satisfaction": satisfaction, "total": outcome.total, "grade": outcome.grade and outcome.grade.value}


async def _save(
    connection: AsyncConnection, principal: Principal, tenant_code: str, department: Row, action: str, request_id: str | None, **values
) -> None:
    await connection.execute(
        update(EvaluationUnit)
        .where(EvaluationUnit.evaluation_id == department.evaluation_id, EvaluationUnit.unit_id == department.unit_id)
        .values(version=department.version + 1, **values)
    )
    await record_audit(
        connection,
        tenant_code,
        actor=principal.username,
        action=action,
        entity="evaluation",
        entity_id=str(department.evaluation_id),
        after={"unit_id": department.unit_id, **{key: str(value) for key, value in values.items() if key in ("total", "grade")}},
        request_id=request_id,
    )
