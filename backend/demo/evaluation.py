"""The 年度部门三评合一评估 of 双峰县 (three departments, the demo liaison's first) and of 娄底市 (two)
on the example indicator system: each with a few 自评 lines, the 评估组's scores with the reasons of each
deduction, the 满意度 survey, and the results fed back."""

from __future__ import annotations

from sqlalchemy import exists, select

from backend.demo.inspections import acting, office_place
from backend.demo.offices import LIAISON_UNIT_CODE
from backend.evaluation.indicators import indicators_of, system_in_force
from backend.evaluation.models import Evaluation, EvaluationKind, IndicatorLevel
from backend.evaluation.service import Evaluations, ScoreText, SelfText
from backend.evaluation.workflow import ASSESS, FEED_BACK, START_SELF
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from tenants.access import Role
from tenants.scoping import tenant_engine

COUNTY, CITY = "431321", "431300"
SELF_ASSESSMENT = {
    "I2.1.1.1": "对照“三定”规定逐项梳理主要职责 12 项，均已履行，附年度工作总结。",
    "I3.1.1.1": "实名制信息每月核对，人员变动 5 个工作日内更新。",
}
# per department: (要点, score, reason) deductions; the rest full marks; then its 满意度
DEDUCTIONS = (
    ([("I1.2.1.2", 3, "超核定职数配备副局长 1 名"), ("I2.2.1.1", 4, "权责清单未随 2025 年职责调整更新")], 92),
    ([("I3.1.2.1", 2, "政府购买服务用工 6 人未按规定报备"), ("I5.1.1.2", 4, "35 岁以下人员仅占 8%，年龄结构老化")], 85),
    ([("I1.2.2.1", 0, "超编进人 2 名"), ("I2.1.1.1", 5, "行政执法职责履行不到位"), ("I2.3.1.1", 2, "年度重点任务完成一半")], 78),
)


async def load_evaluations(runtime: Runtime) -> None:
    """双峰县's evaluation of three of its departments and 娄底市's of two of its own."""
    await load_evaluation(runtime, COUNTY, 3)
    await load_evaluation(runtime, CITY, 2)


async def load_evaluation(runtime: Runtime, code: str, departments: int) -> None:
    """Once: a restarted demo finds the evaluation and stops."""
    async with tenant_engine(runtime.engine, code).connect() as connection:
        if (await connection.execute(select(exists().where(Evaluation.kind == EvaluationKind.COMBINED.value)))).scalar():
            return
        units = list(
            (
                await connection.execute(
                    select(InspectedUnit.id).order_by((InspectedUnit.credit_code != LIAISON_UNIT_CODE), InspectedUnit.id).limit(departments)
                )
            ).scalars()
        )
        indicators = await indicators_of(connection, (await system_in_force(connection, await office_place(runtime.engine, code))).id)
    place = await office_place(runtime.engine, code)
    office, reviewer = acting(place, Role.ADMIN, Role.INSPECTOR), acting(place, Role.REVIEWER)
    service = Evaluations(runtime.engine)
    year = runtime.clock.today().year
    evaluation = await service.create(office, code, EvaluationKind.COMBINED, f"{year}年度部门三评合一评估", year, units, None)
    await service.move(office, code, evaluation, 1, START_SELF, None, None)
    for unit in units:
        texts = [SelfText(code, text, ()) for code, text in SELF_ASSESSMENT.items()]
        await service.self_assess(office, code, evaluation, unit, texts, None)
    await service.move(office, code, evaluation, 2, ASSESS, None, None)
    points = [i for i in indicators if i.level == IndicatorLevel.POINT.value and not i.satisfaction]
    for unit, (deductions, satisfaction) in zip(units, DEDUCTIONS[:departments], strict=True):
        deducted = {code: (score, reason) for code, score, reason in deductions}
        scores = [ScoreText(p.code, *deducted.get(p.code, (None if p.personal else float(p.max_score), None))) for p in points]
        await service.score(office, code, evaluation, unit, scores, None)
        await service.record_satisfaction(office, code, evaluation, [(unit, satisfaction)], None)
    await service.move(reviewer, code, evaluation, 3, FEED_BACK, "请各部门对照扣分情况整改，整改情况报县委编办。", None)
