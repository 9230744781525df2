"""The stages of an inspection round and who moves it on: 计划 → 准备 (the 检查方案) → 进驻 →
了解情况 → 报告 → 反馈 (统一反馈) → 整改 → 验收 → 归档, one step at a time, by the office's admins
and inspectors, each move recorded with its date, who made it and a note."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.acceptance.models import Acceptance
from backend.feedback.models import RoundFeedback
from backend.rounds.models import InspectionRound, RoundStage, RoundStageEvent, RoundUnit
from backend.workflow import Guard, HistoryTable, Move, Transition, Workflow
from tenants.access import Role, not_found
from tenants.errors import DomainError

ROUND_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
PLANNED, PREPARING, STATIONED, INVESTIGATING, REPORTING, FEEDBACK, RECTIFYING, ACCEPTANCE, ARCHIVED = RoundStage


async def _units_without(move: Move[Any], record: Any) -> int:
    """How many units the round covers have no `record` row (a 反馈意见, a 验收) yet."""
    missing = ~exists().where(record.round_id == RoundUnit.round_id, record.unit_id == RoundUnit.unit_id)
    return (await move.connection.execute(select(func.count()).where(RoundUnit.round_id == move.row.id, missing))).scalar_one()


async def _every_unit_fed_back(move: Move[Any]) -> None:
    if waiting := await _units_without(move, RoundFeedback):
        raise DomainError("UNITS_NOT_FED_BACK", f"尚有 {waiting} 个被检查单位未统一反馈，不能进入整改", field="id")


async def _every_unit_accepted(move: Move[Any]) -> None:
    if waiting := await _units_without(move, Acceptance):
        raise DomainError("UNITS_NOT_ACCEPTED", f"尚有 {waiting} 个被检查单位未验收，不能归档", field="id")


def _step(action: str, label: str, source: RoundStage, target: RoundStage, guard: Guard | None = None) -> Transition[RoundStage]:
    return Transition(action, label, frozenset({source}), target, ROUND_WRITERS, note="optional", guard=guard)


# Amendments that leave the stage as it is: the 检查方案 while planning, the 进驻公告 once in.
SET_PLAN = Transition("set_plan", "填写检查方案", frozenset({PLANNED, PREPARING}), None, ROUND_WRITERS, note="none")
ANNOUNCE = Transition("announce", "发布进驻公告", frozenset({STATIONED, INVESTIGATING}), None, ROUND_WRITERS, note="none")

STEPS = (
    _step("prepare", "制定检查方案", PLANNED, PREPARING),
    _step("station", "进驻", PREPARING, STATIONED),
    _step("investigate", "了解情况", STATIONED, INVESTIGATING),
    _step("report", "报告检查情况", INVESTIGATING, REPORTING),
    _step("feed_back", "统一反馈", REPORTING, FEEDBACK),
    _step("rectify", "进入整改", FEEDBACK, RECTIFYING, Guard("每个被检查单位均已统一反馈", _every_unit_fed_back)),
    _step("accept", "组织验收", RECTIFYING, ACCEPTANCE),
    _step("archive", "归档", ACCEPTANCE, ARCHIVED, Guard("每个被检查单位均已验收", _every_unit_accepted)),
)  # one stage on each (moveRound)

ROUNDS = Workflow(
    name="round",
    title="检查轮次",
    noun="轮次",
    states=RoundStage,
    initial=PLANNED,
    transitions=(*STEPS, SET_PLAN, ANNOUNCE),
    model=InspectionRound,
    entity="round",
    history=HistoryTable(RoundStageEvent, "round_id"),  # shown on the round
)

# Where a round must stand for its problems to be written down:
DRAFTING = frozenset({STATIONED, INVESTIGATING, REPORTING, FEEDBACK})  # 问题底稿, from 进驻 until each unit's 统一反馈
FEEDING_BACK = frozenset({REPORTING, FEEDBACK})  # the 统一反馈 follows the report
# A finding registered straight into the ledger (one found after the 统一反馈, an imported ledger)
# needs the unit to have received its problems already: before that, problems are drafts.
REGISTERING = frozenset({FEEDBACK, RECTIFYING, ACCEPTANCE})
ACCEPTING = frozenset({RECTIFYING, ACCEPTANCE})  # a unit's 验收 follows its rectification
FOLLOWABLE = frozenset({RECTIFYING, ACCEPTANCE, ARCHIVED})  # a 回头看 re-checks a round from its rectification on
CHECKING = frozenset({STATIONED, INVESTIGATING, REPORTING})  # when a 回头看 records what it finds


async def lock_round_at(connection: AsyncConnection, round_id: int, stages: frozenset[RoundStage], act: str) -> Row:
    """The round, locked for an act (`act`, as offices call it) it must stand at one of `stages` for:
    NOT_FOUND, or ROUND_STAGE naming where it stands."""
    round_row = (await connection.execute(select(InspectionRound).where(InspectionRound.id == round_id).with_for_update())).one_or_none()
    if round_row is None:
        raise not_found()
    if round_row.state not in stages:
        allowed = "、".join(stage.label for stage in RoundStage if stage in stages)
        raise DomainError("ROUND_STAGE", f"该轮次处于“{round_row.state}”阶段：{act}须在{allowed}阶段", field="roundId")
    return round_row


async def move_round_on(
    connection: AsyncConnection, round_row: Row, action: str, *, tenant_code: str, actor: str, note: str | None, request_id: str | None
) -> None:
    """Take the locked round one stage on as part of the act that makes it so (the first 统一反馈,
    the first 验收), in the act's transaction, whatever version its caller read."""
    move = await Move.start(
        ROUNDS,
        ROUNDS.transition(action),
        connection,
        tenant_code=tenant_code,
        row=round_row,
        expected_version=None,
        actor=actor,
        note=note,
        request_id=request_id,
    )
    await move.apply()


async def require_unit_at(connection: AsyncConnection, round_id: int, unit_id: int, stages: frozenset[RoundStage], when: str) -> None:
    """The round covers the unit and stands at one of `stages` (NOT_FOUND, or ROUND_STAGE saying `when`)."""
    stage = (
        await connection.execute(
            select(InspectionRound.state)
            .join(RoundUnit, RoundUnit.round_id == InspectionRound.id)
            .where(InspectionRound.id == round_id, RoundUnit.unit_id == unit_id)
        )
    ).scalar_one_or_none()
    if stage is None:
        raise DomainError("NOT_FOUND", "该轮次不存在或未覆盖该单位", field="unitId")
    if stage not in stages:
        raise DomainError("ROUND_STAGE", f"该轮次处于“{stage}”阶段：{when}", field="roundId")
