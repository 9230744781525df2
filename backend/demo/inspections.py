"""The demo's inspection work: units with 三定 data and their heads (for the 三责联审 plan), one
round per city and county office, findings spread over the taxonomy, and ledgers driven to
every state (some overdue).

Everything goes through the domain services (audit trail, problem-bank projection, outbox),
as an office's own people would, so the demo's data obeys the same rules as real data.
A `random.Random(seed)` decides every choice: the same seed gives the same province."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.demo.facts import Stated, UnitFacts, methods_for, state
from backend.demo.offices import LIAISON_UNIT_CODE
from backend.documents.official import numeral
from backend.findings.service import FindingService, check_finding
from backend.ledger import workflow
from backend.ledger.service import LedgerService
from backend.reviews.models import LeaderLevel, LeavingReason
from backend.reviews.service import ReviewService, check_leader
from backend.rounds.models import InspectionMethod, InspectionRound, RoundStage
from backend.rounds.service import RoundService, check_round
from backend.runtime import Runtime
from backend.units.service import UnitService, check_unit
from problem_bank.taxonomy import Taxonomy
from tenants.access import Grant, Place, Principal, Role
from tenants.divisions import Level
from tenants.registry import load_place
from tenants.scoping import tenant_engine

DEMO_SEED = 20261124
DEMO_ACTOR = "demo.generator"  # the audit trail's actor for generated work


@dataclass(frozen=True)
class UnitTemplate:
    """A kind of unit an office inspects: a 局 (股 in a county, 科 in a city; 科级 or 处级 posts,
    internal bodies limited by its 三定) or a 事业单位 with its own head and no 三定 limit on them."""

    suffix: str
    unit_type: str
    approved: int  # 行政编制 or 事业编制
    abbreviation: str  # in its documents' 代字: 双财发
    head: str  # its head's title
    bodies: tuple[str, ...]  # as a county's unit names them

    @property
    def organ(self) -> bool:
        return self.unit_type != "事业单位"

    def internal_bodies(self, level: Level) -> tuple[str, ...]:
        """A city's 局 has 科 where a county's has 股."""
        if level is Level.COUNTY or not self.organ:
            return self.bodies
        return tuple(body.removesuffix("股") + "科" if body.endswith("股") else body for body in self.bodies)

    def leader_level(self, level: Level) -> LeaderLevel:
        if not self.organ:
            return LeaderLevel.DIRECT_INSTITUTION
        return LeaderLevel.COUNTY_DEPARTMENT if level is Level.COUNTY else LeaderLevel.MUNICIPAL_DEPARTMENT


UNIT_CATALOGUE = (
    UnitTemplate("财政局", "政府机关", 28, "财", "局长", ("办公室", "预算股", "国库股", "综合股")),
    UnitTemplate("教育局", "政府机关", 35, "教", "局长", ("办公室", "基础教育股", "人事股", "计划财务股")),
    UnitTemplate("卫生健康局", "政府机关", 30, "卫健", "局长", ("办公室", "医政医管股", "疾病预防控制股")),
    UnitTemplate("自然资源局", "政府机关", 32, "自然资", "局长", ("办公室", "国土空间规划股", "耕地保护股")),
    UnitTemplate("住房和城乡建设局", "政府机关", 26, "住建", "局长", ("办公室", "建筑管理股", "村镇建设股")),
    UnitTemplate("人民医院", "事业单位", 420, "人医", "院长", ("院办", "医务科", "护理部", "财务科", "信息科")),
    UnitTemplate("融媒体中心", "事业单位", 60, "融媒", "主任", ("办公室", "新闻部", "技术部")),
)


def template_of(unit_name: str) -> UnitTemplate:
    """The template a demo unit was made from, by its name."""
    return next(template for template in UNIT_CATALOGUE if unit_name.endswith(template.suffix))


# 领导职数 (正职, 副职) by the office's level
POST_RANKS = {Level.COUNTY: ("正科级", "副科级"), Level.CITY: ("正处级", "副处级")}
DEPUTIES = 3
# 届次 of the party committee whose rounds an office's work belongs to: the walkthrough's offices,
# and the range the others are drawn from
TERMS = {"431321": 14, "431300": 6, "430000": 12}
TERM_RANGE = {Level.COUNTY: (12, 15), Level.CITY: (6, 13)}
UNITS_PER_OFFICE = 5
# How far each finding's ledger is driven, with its weight: the demo shows every state.
LEDGER_PATHS = (
    ((), 20),  # 挂号
    ((workflow.REPORT_PROGRESS,), 28),  # 整改中
    ((workflow.REPORT_PROGRESS, workflow.REQUEST_CLOSE_OUT), 14),  # 申请销号
    ((workflow.REPORT_PROGRESS, workflow.REQUEST_CLOSE_OUT, workflow.SEND_BACK), 6),  # 退回 → 整改中
    ((workflow.REPORT_PROGRESS, workflow.REQUEST_CLOSE_OUT, workflow.CLOSE_OUT), 28),  # 已销号
    ((workflow.REPORT_PROGRESS, workflow.REQUEST_CLOSE_OUT, workflow.CLOSE_OUT, workflow.REOPEN), 4),  # 回头看
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = ("建国", "红梅", "志强", "海燕", "立新", "文华", "卫东", "秀英", "国庆", "丽娟", "振华", "晓明")
NOTES = {
    workflow.REPORT_PROGRESS: "已制定整改方案，明确责任人和时限，正在推进",
    workflow.REQUEST_CLOSE_OUT: "整改已完成，相关文件和名册已更新，申请销号",
    workflow.SEND_BACK: "佐证材料不充分，请补充调整后的人员名册",
    workflow.CLOSE_OUT: None,
    workflow.REOPEN: "回头看发现问题反弹，重新整改",
}


@dataclass(frozen=True)
class OfficeActors:
    """The people of one office the generator acts as: who logs and who signs off."""

    inspector: Principal
    reviewer: Principal


async def office_place(engine: AsyncEngine, code: str) -> Place:
    async with engine.connect() as connection:
        place = await load_place(connection, code)
    assert place is not None  # the demo's offices are opened first
    return place


def acting(place: Place, *roles: Role) -> Principal:
    """The generator holding `roles` in office `place` (audited as DEMO_ACTOR)."""
    return Principal(user_id=0, username=DEMO_ACTOR, is_superuser=False, grants=tuple(Grant(place, role) for role in roles))


async def load_inspections(runtime: Runtime, offices: list[tuple[str, str]], on_office: Callable[[], None], seed: int = DEMO_SEED) -> None:
    """Fill each (code, name) office below the province that has no round yet (so a restarted
    demo adds nothing twice). Offices run a few at a time; each has its own random stream."""
    taxonomy = await runtime.taxonomy()
    today = runtime.clock.today()
    gate = asyncio.Semaphore(4)

    async def fill(code: str, name: str) -> None:
        async with gate:
            if not await _has_rounds(runtime, code):
                await OfficeFiller(runtime, taxonomy, today, random.Random(f"{seed}:{code}")).fill(code, name)
        on_office()

    await asyncio.gather(*(fill(code, name) for code, name in offices))


async def _has_rounds(runtime: Runtime, code: str) -> bool:
    async with tenant_engine(runtime.engine, code).connect() as connection:
        return bool((await connection.execute(select(exists().where(InspectionRound.id.is_not(None))))).scalar())


@dataclass(frozen=True)
class Registered:
    """A unit the generator registered: what its findings may quote and the template it came from."""

    id: int
    facts: UnitFacts
    template: UnitTemplate


@dataclass(frozen=True)
class Planned:
    """A finding decided before its round is created (the round's methods follow its evidence)."""

    unit_id: int
    found_on: date
    stated: Stated


def round_name(office_name: str, term: int, number: int, kind: str = "巡察") -> str:
    """A round as the committee numbers it within its term: 十四届县委第三轮巡察."""
    return f"{numeral(term)}届{office_name[-1]}委第{numeral(number)}轮{kind}"


class OfficeFiller:
    def __init__(self, runtime: Runtime, taxonomy: Taxonomy, today: date, rng: random.Random) -> None:
        self.units = UnitService(runtime.engine)
        self.rounds = RoundService(runtime.engine)
        self.findings = FindingService(runtime.engine)
        self.ledger = LedgerService(runtime.engine, runtime.settings.reopen_window_days)
        self.clock = runtime.clock
        self.reviews = ReviewService(runtime.engine)
        self.taxonomy = taxonomy
        self.today = today
        self.rng = rng

    async def fill(self, code: str, name: str) -> None:
        place = await office_place(self.units.engine, code)
        people = OfficeActors(acting(place, Role.INSPECTOR), acting(place, Role.REVIEWER))
        units = await self._units(people.inspector, code, name, place.level)
        heads = await self._leaders(people.inspector, code, place.level, units)
        starts_on = self.today - timedelta(days=self.rng.randint(120, 300))
        planned = []
        for index in range(self.rng.randint(4, 8)):  # every unit has one before any has two
            unit = units[index % len(units)]
            found_on = starts_on + timedelta(days=self.rng.randint(3, 40))
            planned.append(Planned(unit.id, found_on, state(self.rng, unit.facts, found_on)))
        term = TERMS.get(code) or self.rng.randint(*TERM_RANGE[place.level])
        view = await self.rounds.create(
            people.inspector,
            code,
            check_round(
                kind="巡察",
                name=round_name(name, term, self.rng.randint(1, 2)),
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=45),
                methods=methods_for([e for p in planned for e in p.stated.evidence], InspectionMethod.REAL_NAME_SCREENING),
                unit_ids=[unit.id for unit in units],
                team=[("王建国", "组长"), ("李红梅", "副组长"), ("赵磊", "组员")],
                stage=RoundStage.RECTIFYING,
            ),
            None,
        )
        for finding in planned:
            await self._finding(people, code, view.row.id, heads[finding.unit_id], finding)

    async def _units(self, inspector: Principal, code: str, prefix: str, level: Level) -> list[Registered]:
        """Units over or within their staffing, 机关 before 事业单位; their 三定 data (_mandate)
        raises a few of 盐城's warnings of its own."""
        chosen = self.rng.sample(UNIT_CATALOGUE, UNITS_PER_OFFICE)
        if code == "431321":  # the demo liaison's 财政局 is always among 双峰县's units
            chosen = [UNIT_CATALOGUE[0], *[unit for unit in chosen if unit is not UNIT_CATALOGUE[0]]][:UNITS_PER_OFFICE]
        chosen.sort(key=lambda unit: not unit.organ)
        chief, deputy = POST_RANKS[level]
        units = []
        for index, template in enumerate(chosen, start=1):
            category = "行政编制" if template.organ else "事业编制"
            credit_code = LIAISON_UNIT_CODE if (code, template.suffix) == ("431321", "财政局") else f"11{code}MB{index:07d}X"
            liaison = credit_code == LIAISON_UNIT_CODE  # over its staffing and its posts, for the walkthrough
            # one unit in five is over its staffing (超编); so are 双峰县's first two (the walkthrough's and the 审计 clue's)
            over = self.rng.random() < 0.2 or (code == "431321" and index <= 2)
            actual = template.approved + self.rng.randint(1, 4) if over else template.approved - self.rng.randint(0, 3)
            deputies = DEPUTIES + (self.rng.random() < 0.15 or liaison)
            bodies = template.internal_bodies(level)
            mandate = _mandate(prefix, index, bodies, self.today, template.organ)
            data = check_unit(
                credit_code=credit_code,
                name=prefix + template.suffix,
                unit_type=template.unit_type,
                approved_staffing=[(category, template.approved)],
                leadership_posts=[(chief, 1), (deputy, DEPUTIES)],
                internal_bodies=list(bodies),
                actual_staffing=[(category, actual)],
                actual_posts=[(chief, 1), (deputy, deputies)],
                actual_as_of=self.today - timedelta(days=self.rng.randint(10, 400)),
                today=self.today,
                **mandate,
            )
            row = await self.units.create(inspector, code, data, None)
            facts = UnitFacts(
                name=data.name,
                organ=template.organ,
                county=level is Level.COUNTY,
                document_prefix=f"{prefix[0]}{template.abbreviation}发",
                office_prefix=f"{prefix[0]}编办函",
                mandate=f"“三定”规定（{mandate['mandate_number']}）",
                head_post=template.head,
                body=bodies[-1],
                approved=template.approved,
                actual=actual,
                approved_deputies=DEPUTIES,
                actual_deputies=deputies,
                approved_bodies=data.approved_internal_bodies,
                bodies=len(bodies),
            )
            units.append(Registered(row.id, facts, template))
        return units

    async def _leaders(self, inspector: Principal, code: str, level: Level, units: list[Registered]) -> dict[int, str]:
        """Each unit's head, titled by the unit (局长, 院长, 主任) at its leader level, appointed one to
        eight years ago; one in eight left this year and was succeeded. Answers who heads each now."""
        heads = {}
        for unit in units:
            appointed_on = self.today - timedelta(days=self.rng.randint(365, 8 * 365))
            head = await self._appoint(inspector, code, level, unit, appointed_on)
            heads[unit.id] = head.name
            if self.rng.random() < 0.125:
                left_on = min(max(appointed_on, date(self.today.year, 1, 1)) + timedelta(days=self.rng.randint(0, 20)), self.today)
                reason = self.rng.choice(list(LeavingReason))
                await self.reviews.record_leaving(inspector, code, head.id, head.version, left_on, reason, self.today, None)
                successor_on = min(left_on + timedelta(days=self.rng.randint(0, 30)), self.today)
                heads[unit.id] = (await self._appoint(inspector, code, level, unit, successor_on)).name
        return heads

    async def _appoint(self, inspector: Principal, code: str, level: Level, unit: Registered, appointed_on: date):
        leader = check_leader(
            unit_id=unit.id,
            name=self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES),
            post=unit.template.head,
            level=unit.template.leader_level(level),
            appointed_on=appointed_on,
            today=self.today,
        )
        return await self.reviews.add_leader(inspector, code, leader, None)

    async def _finding(self, people: OfficeActors, code: str, round_id: int, head: str, planned: Planned) -> None:
        stated, found_on = planned.stated, planned.found_on
        fixed_on_spot = stated.deadline_days is None and self.rng.random() < 0.08
        days = stated.deadline_days or self.rng.choice((30, 60, 90, 180))
        data = check_finding(
            round_id=round_id,
            unit_id=planned.unit_id,
            taxonomy_code=stated.code,
            description=stated.description,
            evidence_sources=stated.evidence,
            severity=self.rng.choices(("一般", "较重", "严重"), weights=(6, 3, 1))[0],
            fixed_on_spot=fixed_on_spot,
            found_on=found_on,
            deadline=found_on + timedelta(days=days),
            responsible_person=head,
            measures=stated.measures,
            close_note="现场已责令改正" if fixed_on_spot else None,
            today=self.today,
            taxonomy=self.taxonomy,
            tenant_code=code,
            rectification_class=stated.rectification_class,
        )
        finding_id = (await self.findings.log(people.inspector, code, data, None)).rows[0].id
        if fixed_on_spot:
            return
        path = self.rng.choices([p for p, _ in LEDGER_PATHS], weights=[w for _, w in LEDGER_PATHS])[0]
        for version, action in enumerate(path, start=1):
            actor = people.reviewer if action.roles == workflow.REVIEWERS or action is workflow.REOPEN else people.inspector
            await self.ledger.act(actor, code, finding_id, version, action, note=NOTES[action], request_id=None, now=self.clock.now())


def _mandate(prefix: str, index: int, bodies: tuple[str, ...], today: date, body_head: bool) -> dict:
    """A unit's 三定 as the 2024 reform left it (2019's for the fourth unit: 调整滞后). An organ's
    internal bodies are limited by it, one head each (`body_head`): the second unit set up a body
    more than approved, the third's first body has two heads. A 事业单位's are not limited.
    Drawn from the index, not the generator."""
    year = 2019 if index == 4 else min(2024, today.year)
    document = {"mandate_number": f"{prefix[0]}办发〔{year}〕{10 + index}号", "mandate_issued_on": min(date(year, 3, 28), today)}
    if not body_head:
        return document
    return document | {
        "approved_internal_bodies": len(bodies) - (index == 2),
        "body_leader_posts": [(body, 1) for body in bodies],
        "body_leaders": [(body, 1 + (index == 3 and body == bodies[0])) for body in bodies],
    }
