"""双峰县's round as offices live it, for the walkthrough: the 十四届县委第三轮巡察 over three of its
units went in, wrote 问题底稿 confirmed with the units (one disputed, revised and agreed), and
gave each unit its 反馈意见 65 days ago. Since then 财政局's 整改方案 was approved and its
整改情况报告 is in; the second unit's plan was returned; the third has sent no report and is late
— the rounds dashboard shows it. Its drafts state their facts in the
units' own figures, each with the legal basis of its taxonomy node. And 湖南's 省委巡视 over two of 双峰县's units (a round the
province leads, kept in 双峰县): fed back 100 days ago, both plans approved by the province, the
first unit accepted and its problem closed (验收销号), the second still rectifying."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import exists, select

from backend.acceptance.service import AcceptanceService, check_acceptance
from backend.demo.facts import ABSORBING_YEARS, OVER_STAFFING, absorbed_by, methods_for
from backend.demo.inspections import TERMS, acting, office_place, round_name, template_of
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
from backend.reviews.models import Leader
from backend.rounds.models import InspectionMethod, InspectionRound, RoundStage, RoundUnit
from backend.rounds.service import RoundService, check_round
from backend.rounds.workflow import ROUNDS
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from problem_bank.rectification import LedgerState
from problem_bank.taxonomy import Taxonomy
from tenants.access import Grant, Principal, Role
from tenants.scoping import tenant_engine

COUNTY = "431321"
PROVINCE = "430000"
ROUND_NAME = round_name("双峰县", TERMS[COUNTY], 3) + "（机构编制专项）"
PROVINCIAL_ROUND_NAME = round_name("湖南省", TERMS[PROVINCE], 3, "巡视") + "（双峰县）"


@dataclass(frozen=True)
class Problem:
    """A 问题底稿 the walkthrough writes; its 依据 is its taxonomy node's legal basis."""

    code: str
    facts: str
    evidence: tuple[str, ...]
    requirement: str


@dataclass(frozen=True)
class UnitRecord:
    """What the walkthrough's drafts quote of a unit: its record and its head in office."""

    id: int
    document_prefix: str  # 双财发
    mandate: str  # “三定”规定（双办发〔2024〕11号）
    approved: int
    actual: int
    deputies: tuple[str, int, int]  # rank, approved, actual
    head: str


def county_problems(units: list[UnitRecord], year: int) -> list[list[Problem]]:
    """The county round's drafts, per unit: the 财政局's 超编 (in its own figures) and 借调, the
    second unit's 议事协调机构, the third's 实名制 records."""
    first, second, third = units
    over = first.actual - first.approved
    return [
        [
            Problem(
                OVER_STAFFING,
                f"实有在编人员 {first.actual} 名，超过{first.mandate}核定的 {first.approved} 名，超编 {over} 名，"
                f"系{year - 2}年以来以{first.document_prefix}〔{year - 2}〕6号等文件陆续调入",
                ("实名制数据",),
                f"制定{ABSORBING_YEARS}年消化计划，逐年消化超编人员，消化完毕前只出不进",
            ),
            Problem(
                "C03.K10.M02",
                f"{year - 1}年以来从乡镇财政所借调工作人员 3 名在局机关工作，未履行审批手续（{first.document_prefix}〔{year - 1}〕12号）",
                ("实名制数据", "任免文件"),
                "借调人员全部返回原单位，确需借调的按规定报批",
            ),
        ],
        [
            Problem(
                "C03.K04.M01",
                f"{year - 1}年以{second.document_prefix}〔{year - 1}〕5号自行设立“重点项目建设工作领导小组”等议事协调机构 1 个，未报县委编委审批",
                ("工作报告", "任免文件"),
                "撤销自行设立的议事协调机构，确需设立的按程序报批",
            ),
        ],
        [
            Problem(
                "C03.K11.M01",
                f"实名制系统中 3 名人员的职务和所在内设机构与任职文件（{third.document_prefix}〔{year - 1}〕9号）不符，{year - 1}年以来未核对更新",
                ("实名制数据", "任免文件"),
                "逐人核对实名制信息，按任职文件更新",
            ),
        ],
    ]


def provincial_problems(units: list[UnitRecord], year: int) -> list[Problem]:
    """The 巡视's drafts: the 财政局's extra deputy (its own figures), the second unit's 编外 staff."""
    first, second = units[:2]
    rank, approved, actual = first.deputies
    return [
        Problem(
            "C03.K02.M01",
            f"实配{rank}领导 {actual} 名，超过{first.mandate}核定的职数 {approved} 名，超职数 {actual - approved} 名，系{year - 1}年以双政任〔{year - 1}〕3号任命",
            ("任免文件",),
            "按核定职数配备，超配职数通过职务调整消化",
        ),
        Problem(
            "C03.K08.M01",
            f"{year - 1}年以来编外人员 2 名在办公室顶岗履行职能，其中 1 名担任办公室负责人（劳务合同{second.document_prefix}〔{year - 1}〕2号）",
            ("现场情况", "钉钉数据"),
            "编外人员退出行政岗位，不得占用领导岗位",
        ),
    ]


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
                select(InspectionRound.id, InspectionRound.name)
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
        name=f"{earlier.name}整改“回头看”",
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
        (FollowUpOutcome.REBOUNDED, "实地查验发现问题反弹，重新整改"),
    )
    for finding_id, (outcome, note) in zip(closed, outcomes, strict=False):
        await checks.record(office, COUNTY, follow_up, finding_id, outcome, note, None, now=runtime.clock.now())


async def _units(runtime: Runtime) -> list[UnitRecord]:
    """Three of 双峰县's units, the demo liaison's 财政局 first, with their heads in office."""
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        query = select(InspectedUnit).order_by((InspectedUnit.credit_code == LIAISON_UNIT_CODE).desc(), InspectedUnit.id).limit(3)
        units = (await connection.execute(query)).all()
        heads = dict(
            (
                await connection.execute(
                    select(Leader.unit_id, Leader.name).where(Leader.unit_id.in_([u.id for u in units]), Leader.left_on.is_(None))
                )
            ).all()
        )
    records = []
    for unit in units:
        category, approved = next(iter(unit.approved_staffing.items()))
        rank, deputies = list(unit.leadership_posts.items())[1]
        records.append(
            UnitRecord(
                id=unit.id,
                document_prefix=f"双{template_of(unit.name).abbreviation}发",
                mandate=f"“三定”规定（{unit.mandate_number}）",
                approved=approved,
                actual=unit.actual_staffing[category],
                deputies=(rank, deputies, unit.actual_posts[rank]),
                head=heads[unit.id],
            )
        )
    return records


def _content(runtime: Runtime, taxonomy: Taxonomy, problem: Problem, unit: UnitRecord, found_on: date, severity: str):
    """A draft of `problem`: 依据 from its taxonomy node, the unit's head responsible; an 超编
    problem absorbed over years (长期整改), the rest by the 整改情况报告's date."""
    over = problem.code == OVER_STAFFING
    return check_draft(
        code=None,
        taxonomy_code=problem.code,
        description=problem.facts,
        basis=taxonomy.nodes[problem.code].legal_basis,
        requirement=problem.requirement,
        evidence_sources=problem.evidence,
        severity=severity,
        rectification_class="长期整改" if over else "限期整改",
        found_on=found_on,
        deadline=absorbed_by(found_on) if over else None,
        responsible_person=unit.head,
        today=runtime.clock.today(),
        taxonomy=taxonomy,
        tenant_code=COUNTY,
    )


async def load_provincial_round(runtime: Runtime) -> None:
    units = (await _units(runtime))[:2]
    province = await office_place(runtime.engine, PROVINCE)
    team, reviewer = acting(province, Role.INSPECTOR), acting(province, Role.REVIEWER)
    today = runtime.clock.today()
    given_on = today - timedelta(days=100)
    problems = provincial_problems(units, today.year)
    data = check_round(
        kind="巡视",
        name=PROVINCIAL_ROUND_NAME,
        starts_on=given_on - timedelta(days=45),
        ends_on=given_on - timedelta(days=15),
        methods=methods_for([e for problem in problems for e in problem.evidence]),
        unit_ids=[unit.id for unit in units],
        team=[("刘建国", "组长"), ("王芳", "组员")],
        stage=RoundStage.INVESTIGATING,
    )
    rounds = RoundService(runtime.engine)
    round_id = (await rounds.create(team, COUNTY, data, None, led_by=PROVINCE)).row.id
    drafts, taxonomy = DraftService(runtime.engine), await runtime.taxonomy()
    for unit, problem in zip(units, problems, strict=True):
        content = _content(runtime, taxonomy, problem, unit, data.starts_on + timedelta(days=5), "较重")
        draft = await drafts.create(team, COUNTY, round_id, unit.id, content, None)
        await drafts.move(team, COUNTY, draft.id, 1, drafts_flow.SETTLE, "被检查单位书面确认", None, now=runtime.clock.now())
    await rounds.move(team, COUNTY, round_id, 1, ROUNDS.transition("report"), "巡视报告已报省委", None)
    order = check_feedback(round_id=round_id, unit_id=None, addressee="单位主要负责人", given_on=given_on, today=today)
    await FeedbackService(runtime.engine).feed_back(team, COUNTY, order, None)
    findings = await _findings(runtime, round_id, [unit.id for unit in units])
    plans = PlanService(runtime.engine)
    for unit, problem in zip(units, problems, strict=True):
        liaison = _liaison(acting(await office_place(runtime.engine, COUNTY), Role.ADMIN), unit.id)
        tasks = check_tasks([Task(f, problem.requirement, unit.head, "办公室", given_on + timedelta(days=60)) for f in findings[unit.id]])
        plan = (await plans.save(liaison, COUNTY, round_id, unit.id, None, tasks, None)).row.id
        await plans.move(liaison, COUNTY, plan, 1, plans_flow.SUBMIT, None, None)
        await plans.move(reviewer, COUNTY, plan, 2, plans_flow.APPROVE, None, None)
    await rounds.move(team, COUNTY, round_id, 3, ROUNDS.transition("rectify"), None, None)
    accepted = check_acceptance(
        round_id=round_id,
        unit_id=units[0].id,
        accepted_on=today - timedelta(days=5),
        conclusion="超职数配备的副职领导已调整到位，整改完成",
        score=None,
        close=findings[units[0].id],
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
    problems = county_problems(units, today.year)
    data = check_round(
        kind="巡察",
        name=ROUND_NAME,
        starts_on=given_on - timedelta(days=40),
        ends_on=given_on - timedelta(days=10),
        methods=methods_for([e for per_unit in problems for p in per_unit for e in p.evidence], InspectionMethod.SELF_CHECK),
        unit_ids=[unit.id for unit in units],
        team=[("周志强", "组长"), ("陈静", "组员")],
        stage=RoundStage.INVESTIGATING,
    )
    round_id = (await RoundService(runtime.engine).create(office, COUNTY, data, None)).row.id
    await _drafts(runtime, office, round_id, units, problems, found_on=data.starts_on + timedelta(days=7))
    await RoundService(runtime.engine).move(office, COUNTY, round_id, 1, ROUNDS.transition("report"), "检查情况报告已报巡察办", None)
    order = check_feedback(round_id=round_id, unit_id=None, addressee="单位主要负责人", given_on=given_on, today=today)
    await FeedbackService(runtime.engine).feed_back(office, COUNTY, order, None)
    await _answers(runtime, office, reviewer, round_id, units, problems, given_on)


def _liaison(place_principal: Principal, unit_id: int) -> Principal:
    place = place_principal.grants[0].place
    return Principal(user_id=0, username=place_principal.username, is_superuser=False, grants=(Grant(place, Role.LIAISON, unit_id),))


async def _drafts(
    runtime: Runtime, office: Principal, round_id: int, units: list[UnitRecord], problems: list[list[Problem]], *, found_on: date
) -> None:
    """Each unit's drafts: the first unit's sent for 事实确认 (one disputed, revised, agreed); the others settled on paper."""
    drafts = DraftService(runtime.engine)
    taxonomy = await runtime.taxonomy()
    now = runtime.clock.now()
    for unit, per_unit in zip(units, problems, strict=True):
        for index, problem in enumerate(per_unit):
            content = _content(runtime, taxonomy, problem, unit, found_on, "较重" if index == 0 else "一般")
            draft = await drafts.create(office, COUNTY, round_id, unit.id, content, None)
            if unit is not units[0]:
                await drafts.move(office, COUNTY, draft.id, 1, drafts_flow.SETTLE, "单位已在事实确认书上签字", None, now=now)
                continue
            liaison = _liaison(office, unit.id)
            await drafts.move(office, COUNTY, draft.id, 1, drafts_flow.SEND, None, None, now=now)
            if index == 0:
                await drafts.move(liaison, COUNTY, draft.id, 2, drafts_flow.AGREE, None, None, now=now)
                continue
            await drafts.move(liaison, COUNTY, draft.id, 2, drafts_flow.DISPUTE, "其中 1 名系组织部门批准的挂职干部", None, now=now)
            revised = replace(content, description=content.description.replace("工作人员 3 名", "工作人员 2 名"))
            await drafts.revise(office, COUNTY, draft.id, 3, revised, "核实挂职批文后修改为借调 2 名", None)
            await drafts.move(office, COUNTY, draft.id, 4, drafts_flow.SEND, None, None, now=now)
            await drafts.move(liaison, COUNTY, draft.id, 5, drafts_flow.AGREE, None, None, now=now)


async def _answers(
    runtime: Runtime,
    office: Principal,
    reviewer: Principal,
    round_id: int,
    units: list[UnitRecord],
    problems: list[list[Problem]],
    given_on: date,
) -> None:
    """The first unit's plan approved and report in; the second's plan returned; the third's plan
    approved and its report late. Each task is its problem's requirement, the unit's head answering
    for it; the 超编 one by its 消化 plan's end."""
    findings = await _findings(runtime, round_id, [unit.id for unit in units])
    deadlines = await _deadlines(runtime, round_id)
    plans, reports = PlanService(runtime.engine), ReportService(runtime.engine)
    now = runtime.clock.now()
    for position, (unit, per_unit) in enumerate(zip(units, problems, strict=True)):
        liaison = _liaison(office, unit.id)
        tasks = check_tasks(
            [
                Task(f, problem.requirement, unit.head, "办公室", max(deadlines[f], given_on + timedelta(days=180)))
                for f, problem in zip(findings[unit.id], per_unit, strict=True)
            ]
        )
        plan = (await plans.save(liaison, COUNTY, round_id, unit.id, None, tasks, None)).row.id
        await plans.move(liaison, COUNTY, plan, 1, plans_flow.SUBMIT, None, None)
        if position == 1:
            await plans.move(reviewer, COUNTY, plan, 2, plans_flow.RETURN, "整改措施不具体，撤销议事协调机构须明确完成时限和撤销文件", None)
            continue
        await plans.move(reviewer, COUNTY, plan, 2, plans_flow.APPROVE, None, None)
        if position == 0:
            over = unit.actual - unit.approved
            report = check_report(
                "对照反馈意见逐项整改，已完成 1 项，正在推进 1 项。",
                "本人作为第一责任人，召开党组会专题研究部署整改工作，逐项督促落实。",
                [
                    Item(
                        findings[unit.id][0],
                        "正在推进",
                        f"已制定{ABSORBING_YEARS}年消化计划，超编 {over} 名通过自然减员逐年消化，消化完毕前只出不进",
                    ),
                    Item(findings[unit.id][1], "已完成", "借调人员已全部返回原单位"),
                ],
            )
            saved = (await reports.save(liaison, COUNTY, round_id, unit.id, None, report, None)).row.id
            await reports.move(liaison, COUNTY, saved, 1, SUBMIT_REPORT, None, None, now=now)


async def _deadlines(runtime: Runtime, round_id: int) -> dict[int, date]:
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        query = select(LedgerEntry.finding_id, LedgerEntry.deadline).join(Finding, Finding.id == LedgerEntry.finding_id)
        return dict((await connection.execute(query.where(Finding.round_id == round_id))).all())
