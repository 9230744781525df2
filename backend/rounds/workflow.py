"""The stages of an inspection round and who moves it on: 计划 → 准备 (the 检查方案) → 进驻 →
了解情况 → 报告 → 反馈 (统一反馈) → 整改 → 验收 → 归档, one step at a time, by the office's admins
and inspectors, each move recorded with its date, who made it and a note."""

from __future__ import annotations

from backend.rounds.models import InspectionRound, RoundStage, RoundStageEvent
from backend.workflow import Transition, Workflow, history_table
from tenants.access import Role

ROUND_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
PLANNED, PREPARING, STATIONED, INVESTIGATING, REPORTING, FEEDBACK, RECTIFYING, ACCEPTANCE, ARCHIVED = RoundStage


def _step(action: str, label: str, source: RoundStage, target: RoundStage) -> Transition[RoundStage]:
    return Transition(action, label, frozenset({source}), target, ROUND_WRITERS, note="optional")


ROUNDS = Workflow(
    name="round",
    title="检查轮次",
    noun="轮次",
    states=RoundStage,
    initial=PLANNED,
    transitions=(
        _step("prepare", "制定检查方案", PLANNED, PREPARING),
        _step("station", "进驻", PREPARING, STATIONED),
        _step("investigate", "了解情况", STATIONED, INVESTIGATING),
        _step("report", "报告检查情况", INVESTIGATING, REPORTING),
        _step("feed_back", "统一反馈", REPORTING, FEEDBACK),
        _step("rectify", "进入整改", FEEDBACK, RECTIFYING),
        _step("accept", "组织验收", RECTIFYING, ACCEPTANCE),
        _step("archive", "归档", ACCEPTANCE, ARCHIVED),
    ),
    model=InspectionRound,
    entity="round",
    history=history_table(RoundStageEvent, "round_id"),  # shown on the round
)
