"""双峰县's round as offices live it, for the walkthrough: the 2026年第三轮巡察 over three of its
units went in, wrote 问题底稿 confirmed with the units (one disputed, revised and agreed), and
gave each unit its 反馈意见 65 days ago. Since then 财政局's 整改方案 was approved and its
整改情况报告 is in; the second unit's plan was returned; the third has sent no report and is late
— the rounds dashboard shows it. And 湖南's 省委巡视 over two of 双峰县's units (a round the
province leads, kept in 双峰县): fed back 100 days ago, both plans approved by the province, the
first unit accepted and its problem closed (验收销号), the second still rectifying."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import exists, select

from backend.acceptance.service import AcceptanceService, check_acceptance
from backend.demo.inspections import acting, office_place
from backend.demo.offices import LIAISON_UNIT_CODE
from backend.drafts import workflow as drafts_flow
from backend.drafts.service import DraftService, check_draft
from backend.feedback.service import FeedbackService, check_feedback
from backend.findings.models import Finding
from backend.followup.models import FollowUpOutcome
from backend.followup.service import FollowUpService
from backend.ledger.models import LedgerEntry
from backend.plans import workflow as plans_flow
from backend.plans.service import PlanService, Task, check_tasks
from backend.reports.service import Item, ReportService, check_report
from backend.reports.workflow import SUBMIT as SUBMIT_REPORT
from backend.rounds.models import InspectionRound, RoundStage, RoundUnit
from backend.rounds.service import RoundService, check_round
from backend.rounds.workflow import ROUNDS
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from problem_bank.rectification import LedgerState
from tenants.access import Grant, Principal, Role
from tenants.scoping import tenant_engine

COUNTY = "431321"
PROVINCE = "430000"
ROUND_NAME = "七届县委第三轮巡察（机构编制专项）"
PROVINCIAL_ROUND_NAME = "省委第三巡视组对双峰县开展巡视（机构编制专项检查）"
PROBLEMS = (  # (taxonomy code, facts, basis, requirement), per unit
    (
        ("C03.K01.M01", "实有人数超过核定编制 2 名，属超编进人", "《机构编制工作条例》第二十八条", "逐年消化超编人员，只出不进"),
        ("C03.K10.M02", "借调下级单位人员 3 名超过一年", "《关于严格控制借调工作人员的规定》", "借调人员全部返回原单位"),
    ),
    (("C03.K04.M01", "擅自设立议事协调机构 1 个", "《机构编制工作条例》第二十条", "撤销擅自设立的机构"),),
    (("C03.K01.M01", "超职数配备副职领导 1 名", "《机构编制工作条例》第二十九条", "按职数配备，逐步消化"),),
)


async def load_rounds(runtime: Runtime) -> None:
    """Once: a restarted demo finds the rounds and stops."""
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        if (await connection.execute(select(exists().where(InspectionRound.name == ROUND_NAME)))).scalar():
            return
    await load_county_round(runtime)
    await load_provincial_round(runtime)
    await load_follow_up(runtime)


async def load_follow_up(runtime: Runtime) -> None:
    """A 回头看 of 双峰县's earlier round: of its closed problems, one found 巩固 and one 反弹 (reopened)."""
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        earlier = (
            await connection.execute(
                select(InspectionRound.id, InspectionRound.starts_on)
                .where(InspectionRound.kind != "回头看", InspectionRound.led_by.is_(None), InspectionRound.name != ROUND_NAME)
                .order_by(InspectionRound.id)
                .limit(1)
            )
        ).one()
        closed = list(
            (
                await connection.execute(
                    select(Finding.id)
                    .join(LedgerEntry, LedgerEntry.finding_id == Finding.id)
                    .where(Finding.round_id == earlier.id, LedgerEntry.state == LedgerState.CLOSED.value)
                    .order_by(Finding.id)
                    .limit(2)
                )
            ).scalars()
        )
        units = list((await connection.execute(select(RoundUnit.unit_id).where(RoundUnit.round_id == earlier.id))).scalars())
    office = acting(await office_place(runtime.engine, COUNTY), Role.ADMIN, Role.INSPECTOR)
    today = runtime.clock.today()
    data = check_round(
        kind="回头看",
        name="七届县委第一轮巡察整改“回头看”",
        starts_on=today - timedelta(days=10),
        ends_on=None,
        methods=["调阅资料", "实地查验"],
        unit_ids=units,
        team=[("周志强", "组长")],
        stage=RoundStage.INVESTIGATING,
        follows_round_id=earlier.id,
    )
    follow_up = (await RoundService(runtime.engine).create(office, COUNTY, data, None)).row.id
    checks = FollowUpService(runtime.engine, runtime.settings.reopen_window_days)
    outcomes = (
        (FollowUpOutcome.CONSOLIDATED, "实地查验，整改成果巩固"),
        (FollowUpOutcome.REBOUNDED, "实地查验发现超编人员又有增加，重新整改"),
    )
    for finding_id, (outcome, note) in zip(closed, outcomes, strict=False):
        await checks.record(office, COUNTY, follow_up, finding_id, outcome, note, None, now=runtime.clock.now())


async def _units(runtime: Runtime) -> list[int]:
    """Three of 双峰县's units, the demo liaison's 财政局 first."""
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        query = select(InspectedUnit.id).order_by((InspectedUnit.credit_code == LIAISON_UNIT_CODE).desc(), InspectedUnit.id).limit(3)
        return list((await connection.execute(query)).scalars())


async def load_provincial_round(runtime: Runtime) -> None:
    units = (await _units(runtime))[:2]
    province = await office_place(runtime.engine, PROVINCE)
    team, reviewer = acting(province, Role.INSPECTOR), acting(province, Role.REVIEWER)
    today = runtime.clock.today()
    given_on = today - timedelta(days=100)
    data = check_round(
        kind="巡视",
        name=PROVINCIAL_ROUND_NAME,
        starts_on=given_on - timedelta(days=45),
        ends_on=given_on - timedelta(days=15),
        methods=["常规检查", "数据比对"],
        unit_ids=units,
        team=[("刘建国", "组长"), ("王芳", "组员")],
        stage=RoundStage.INVESTIGATING,
    )
    rounds = RoundService(runtime.engine)
    round_id = (await rounds.create(team, COUNTY, data, None, led_by=PROVINCE)).row.id
    drafts, taxonomy = DraftService(runtime.engine), await runtime.taxonomy()
    for unit_id, (code, facts, basis, requirement) in zip(units, (PROBLEMS[2][0], PROBLEMS[1][0]), strict=True):
        content = check_draft(
            code=None,
            taxonomy_code=code,
            description=facts,
            basis=basis,
            requirement=requirement,
            evidence_sources=["实名制数据"],
            severity="较重",
            rectification_class="限期整改",
            found_on=data.starts_on + timedelta(days=5),
            deadline=None,
            responsible_person=None,
            today=today,
            taxonomy=taxonomy,
            tenant_code=COUNTY,
        )
        draft = await drafts.create(team, COUNTY, round_id, unit_id, content, None)
        await drafts.move(team, COUNTY, draft.id, 1, drafts_flow.SETTLE, "被检查单位书面确认", None, now=runtime.clock.now())
    await rounds.move(team, COUNTY, round_id, 1, ROUNDS.transition("report"), "巡视报告已报省委", None)
    order = check_feedback(round_id=round_id, unit_id=None, addressee="单位主要负责人", given_on=given_on, today=today)
    await FeedbackService(runtime.engine).feed_back(team, COUNTY, order, None)
    findings = await _findings(runtime, round_id, units)
    plans = PlanService(runtime.engine)
    for unit_id in units:
        liaison = _liaison(acting(await office_place(runtime.engine, COUNTY), Role.ADMIN), unit_id)
        tasks = check_tasks(
            [Task(f, "对照巡视反馈意见整改", "县委副书记", "县委编办", given_on + timedelta(days=60)) for f in findings[unit_id]]
        )
        plan = (await plans.save(liaison, COUNTY, round_id, unit_id, None, tasks, None)).row.id
        await plans.move(liaison, COUNTY, plan, 1, plans_flow.SUBMIT, None, None)
        await plans.move(reviewer, COUNTY, plan, 2, plans_flow.APPROVE, None, None)
    await rounds.move(team, COUNTY, round_id, 3, ROUNDS.transition("rectify"), None, None)
    accepted = check_acceptance(
        round_id=round_id,
        unit_id=units[0],
        accepted_on=today - timedelta(days=5),
        conclusion="超职数配备的副职领导已调整到位，整改完成",
        score=None,
        close=findings[units[0]],
        today=today,
    )
    await AcceptanceService(runtime.engine).record(reviewer, COUNTY, accepted, None, now=runtime.clock.now())


async def _findings(runtime: Runtime, round_id: int, units: list[int]) -> dict[int, list[int]]:
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        rows = (
            await connection.execute(select(Finding.unit_id, Finding.id).where(Finding.round_id == round_id).order_by(Finding.id))
        ).all()
    return {unit_id: [row.id for row in rows if row.unit_id == unit_id] for unit_id in units}


async def load_county_round(runtime: Runtime) -> None:
    units = await _units(runtime)
    place = await office_place(runtime.engine, COUNTY)
    office = acting(place, Role.ADMIN, Role.INSPECTOR)
    reviewer = acting(place, Role.REVIEWER)
    today = runtime.clock.today()
    given_on = today - timedelta(days=65)
    data = check_round(
        kind="巡察",
        name=ROUND_NAME,
        starts_on=given_on - timedelta(days=40),
        ends_on=given_on - timedelta(days=10),
        methods=["常规检查", "实名制筛查", "单位自查"],
        unit_ids=units,
        team=[("周志强", "组长"), ("陈静", "组员")],
        stage=RoundStage.INVESTIGATING,
    )
    round_id = (await RoundService(runtime.engine).create(office, COUNTY, data, None)).row.id
    await _drafts(runtime, office, round_id, units, found_on=data.starts_on + timedelta(days=7))
    await RoundService(runtime.engine).move(office, COUNTY, round_id, 1, ROUNDS.transition("report"), "检查情况报告已报巡察办", None)
    order = check_feedback(round_id=round_id, unit_id=None, addressee="单位主要负责人", given_on=given_on, today=today)
    await FeedbackService(runtime.engine).feed_back(office, COUNTY, order, None)
    await _answers(runtime, office, reviewer, round_id, units, given_on)


def _liaison(place_principal: Principal, unit_id: int) -> Principal:
    place = place_principal.grants[0].place
    return Principal(user_id=0, username=place_principal.username, is_superuser=False, grants=(Grant(place, Role.LIAISON, unit_id),))


async def _drafts(runtime: Runtime, office: Principal, round_id: int, units: list[int], *, found_on: date) -> None:
    """Each unit's drafts: the first unit's sent for 事实确认 (one disputed, revised, agreed); the others settled on paper."""
    drafts = DraftService(runtime.engine)
    taxonomy = await runtime.taxonomy()
    now = runtime.clock.now()
    for unit_id, problems in zip(units, PROBLEMS, strict=True):
        for index, (code, facts, basis, requirement) in enumerate(problems):
            content = check_draft(
                code=None,
                taxonomy_code=code,
                description=facts,
                basis=basis,
                requirement=requirement,
                evidence_sources=["实名制数据", "任免文件"],
                severity="较重" if index == 0 else "一般",
                rectification_class="长期整改" if code == "C03.K01.M01" else "限期整改",
                found_on=found_on,
                deadline=None,
                responsible_person=None,
                today=runtime.clock.today(),
                taxonomy=taxonomy,
                tenant_code=COUNTY,
            )
            draft = await drafts.create(office, COUNTY, round_id, unit_id, content, None)
            if unit_id != units[0]:
                await drafts.move(office, COUNTY, draft.id, 1, drafts_flow.SETTLE, "单位已在事实确认书上签字", None, now=now)
                continue
            liaison = _liaison(office, unit_id)
            await drafts.move(office, COUNTY, draft.id, 1, drafts_flow.SEND, None, None, now=now)
            if index == 0:
                await drafts.move(liaison, COUNTY, draft.id, 2, drafts_flow.AGREE, None, None, now=now)
                continue
            await drafts.move(liaison, COUNTY, draft.id, 2, drafts_flow.DISPUTE, "其中 1 名系组织部门批准的挂职干部", None, now=now)
            await drafts.revise(
                office,
                COUNTY,
                draft.id,
                3,
                replace(content, description="借调下级单位人员 2 名超过一年"),
                "核实挂职批文后修改为借调 2 名",
                None,
            )
            await drafts.move(office, COUNTY, draft.id, 4, drafts_flow.SEND, None, None, now=now)
            await drafts.move(liaison, COUNTY, draft.id, 5, drafts_flow.AGREE, None, None, now=now)


async def _answers(runtime: Runtime, office: Principal, reviewer: Principal, round_id: int, units: list[int], given_on: date) -> None:
    """The first unit's plan approved and report in; the second's plan returned; the third's plan
    approved and its report late."""
    findings = await _findings(runtime, round_id, units)
    plans, reports = PlanService(runtime.engine), ReportService(runtime.engine)
    now = runtime.clock.now()
    for position, unit_id in enumerate(units):
        liaison = _liaison(office, unit_id)
        tasks = check_tasks(
            [Task(f, "制定整改措施并逐项落实", "分管副局长", "办公室", given_on + timedelta(days=180)) for f in findings[unit_id]]
        )
        plan = (await plans.save(liaison, COUNTY, round_id, unit_id, None, tasks, None)).row.id
        await plans.move(liaison, COUNTY, plan, 1, plans_flow.SUBMIT, None, None)
        if position == 1:
            await plans.move(reviewer, COUNTY, plan, 2, plans_flow.RETURN, "整改时限过长，超编问题须明确年度消化计划", None)
            continue
        await plans.move(reviewer, COUNTY, plan, 2, plans_flow.APPROVE, None, None)
        if position == 0:
            report = check_report(
                "对照反馈意见逐项整改，已完成 1 项，正在推进 1 项。",
                "本人作为第一责任人，召开党组会专题研究部署整改工作，逐项督促落实。",
                [
                    Item(findings[unit_id][0], "正在推进", "已制定三年消化计划，本年度消化 1 名"),
                    Item(findings[unit_id][1], "已完成", "借调人员已全部返回原单位"),
                ],
            )
            saved = (await reports.save(liaison, COUNTY, round_id, unit_id, None, report, None)).row.id
            await reports.move(liaison, COUNTY, saved, 1, SUBMIT_REPORT, None, None, now=now)
