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

from backend.demo.offices import LIAISON_UNIT_CODE
from backend.findings.models import EvidenceSource
from backend.findings.service import FindingService, check_finding
from backend.ledger import workflow
from backend.ledger.service import LedgerService
from backend.reviews.models import LeaderLevel, LeavingReason
from backend.reviews.service import ReviewService, check_leader
from backend.rounds.models import InspectionRound, RoundStage
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

# (name suffix, unit type, approved 行政编制 or 事业编制, internal bodies) of a county's or city's organs.
UNIT_CATALOGUE = (
    ("财政局", "政府机关", 28, ("办公室", "预算股", "国库股", "综合股")),
    ("教育局", "政府机关", 35, ("办公室", "基础教育股", "人事股", "计划财务股")),
    ("卫生健康局", "政府机关", 30, ("办公室", "医政医管股", "疾病预防控制股")),
    ("自然资源局", "政府机关", 32, ("办公室", "国土空间规划股", "耕地保护股")),
    ("住房和城乡建设局", "政府机关", 26, ("办公室", "建筑管理股", "村镇建设股")),
    ("人民医院", "事业单位", 420, ("院办", "医务科", "护理部", "财务科", "信息科")),
    ("融媒体中心", "事业单位", 60, ("办公室", "新闻部", "技术部")),
)
UNITS_PER_OFFICE = 5
DESCRIPTION_DETAILS = (
    "经核查实名制系统和工资发放名册，情况属实",
    "对照“三定”规定逐项比对后发现",
    "查阅近三年党组会议纪要和人员调配文件后确认",
    "经个别谈话和实地查验核实",
    "与编制部门备案数据比对不一致",
)
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


class OfficeFiller:
    def __init__(self, runtime: Runtime, taxonomy: Taxonomy, today: date, rng: random.Random) -> None:
        self.units = UnitService(runtime.engine)
        self.rounds = RoundService(runtime.engine)
        self.findings = FindingService(runtime.engine)
        self.ledger = LedgerService(runtime.engine, runtime.settings.reopen_window_days)
        self.clock = runtime.clock
        self.reviews = ReviewService(runtime.engine)
        self.taxonomy = taxonomy
        self.manifestations = [
            node.code for node in taxonomy.nodes.values() if node.level == "manifestation" and node.province_code is None
        ]
        self.today = today
        self.rng = rng

    async def fill(self, code: str, name: str) -> None:
        place = await office_place(self.units.engine, code)
        people = OfficeActors(acting(place, Role.INSPECTOR), acting(place, Role.REVIEWER))
        unit_ids = await self._units(people.inspector, code, name)
        await self._leaders(people.inspector, code, place.level, unit_ids)
        starts_on = self.today - timedelta(days=self.rng.randint(120, 300))
        round_kind = "巡察" if place.level is Level.COUNTY else "专项检查"
        view = await self.rounds.create(
            people.inspector,
            code,
            check_round(
                kind=round_kind,
                name=f"{starts_on.year}年第{self.rng.randint(1, 3)}轮{round_kind}",
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=45),
                methods=["常规检查", "实名制筛查"],
                unit_ids=unit_ids,
                team=[("王建国", "组长"), ("李红梅", "副组长"), ("赵磊", "组员")],
                stage=RoundStage.RECTIFYING,
            ),
            None,
        )
        for index in range(self.rng.randint(4, 8)):  # every unit has one before any has two
            await self._finding(people, code, view.row.id, starts_on, unit_ids[index % len(unit_ids)])

    async def _units(self, inspector: Principal, code: str, prefix: str) -> list[int]:
        """Units over or within their staffing; their 三定 data (_mandate) raises a few of 盐城's
        warnings of its own."""
        chosen = self.rng.sample(UNIT_CATALOGUE, UNITS_PER_OFFICE)
        if code == "431321":  # the demo liaison's 财政局 is always among 双峰县's units
            chosen = [UNIT_CATALOGUE[0], *[unit for unit in chosen if unit is not UNIT_CATALOGUE[0]]][:UNITS_PER_OFFICE]
        unit_ids = []
        for index, (suffix, unit_type, approved, bodies) in enumerate(chosen, start=1):
            category = "事业编制" if unit_type == "事业单位" else "行政编制"
            credit_code = LIAISON_UNIT_CODE if (code, suffix) == ("431321", "财政局") else f"11{code}MB{index:07d}X"
            # one unit in five is over its staffing (超编); always the liaison's, for the walkthrough
            over = self.rng.random() < 0.2 or credit_code == LIAISON_UNIT_CODE
            actual = approved + self.rng.randint(1, 4) if over else approved - self.rng.randint(0, 3)
            row = await self.units.create(
                inspector,
                code,
                check_unit(
                    credit_code=credit_code,
                    name=prefix + suffix,
                    unit_type=unit_type,
                    approved_staffing=[(category, approved)],
                    leadership_posts=[("正科级", 1), ("副科级", 3)],
                    internal_bodies=list(bodies),
                    actual_staffing=[(category, actual)],
                    actual_posts=[("正科级", 1), ("副科级", 3 + (self.rng.random() < 0.15))],
                    actual_as_of=self.today - timedelta(days=self.rng.randint(10, 400)),
                    today=self.today,
                    **_mandate(prefix, index, bodies, self.today),
                ),
                None,
            )
            unit_ids.append(row.id)
        return unit_ids

    async def _leaders(self, inspector: Principal, code: str, level: Level, unit_ids: list[int]) -> None:
        """Each unit's head, appointed one to eight years ago; one in eight left this year."""
        post_level = LeaderLevel.COUNTY if level is Level.COUNTY else LeaderLevel.MUNICIPAL_DEPARTMENT
        for unit_id in unit_ids:
            appointed_on = self.today - timedelta(days=self.rng.randint(365, 8 * 365))
            leader = await self.reviews.add_leader(
                inspector,
                code,
                check_leader(
                    unit_id=unit_id,
                    name=self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES),
                    post="局长",
                    level=post_level,
                    appointed_on=appointed_on,
                    today=self.today,
                ),
                None,
            )
            if self.rng.random() < 0.125:
                left_on = max(appointed_on, date(self.today.year, 1, 1)) + timedelta(days=self.rng.randint(0, 20))
                await self.reviews.record_leaving(
                    inspector,
                    code,
                    leader.id,
                    leader.version,
                    min(left_on, self.today),
                    self.rng.choice(list(LeavingReason)),
                    self.today,
                    None,
                )

    async def _finding(self, people: OfficeActors, code: str, round_id: int, starts_on: date, unit_id: int) -> None:
        manifestation = self.rng.choice(self.manifestations)
        found_on = starts_on + timedelta(days=self.rng.randint(3, 40))
        fixed_on_spot = self.rng.random() < 0.08
        data = check_finding(
            round_id=round_id,
            unit_id=unit_id,
            taxonomy_code=manifestation,
            description=f"{self.taxonomy.name(manifestation)}：{self.rng.choice(DESCRIPTION_DETAILS)}。",
            evidence_sources=self.rng.sample([source.value for source in EvidenceSource], self.rng.randint(1, 2)),
            severity=self.rng.choices(("一般", "较重", "严重"), weights=(6, 3, 1))[0],
            fixed_on_spot=fixed_on_spot,
            found_on=found_on,
            deadline=found_on + timedelta(days=self.rng.choice((30, 60, 90, 180))),
            responsible_person=self.rng.choice(("张伟", "刘洋", "陈静", "杨帆")),
            measures=None,
            close_note="现场已责令改正" if fixed_on_spot else None,
            today=self.today,
            taxonomy=self.taxonomy,
            tenant_code=code,
        )
        finding_id = (await self.findings.log(people.inspector, code, data, None)).rows[0].id
        if fixed_on_spot:
            return
        path = self.rng.choices([p for p, _ in LEDGER_PATHS], weights=[w for _, w in LEDGER_PATHS])[0]
        for version, action in enumerate(path, start=1):
            actor = people.reviewer if action.roles == workflow.REVIEWERS or action is workflow.REOPEN else people.inspector
            await self.ledger.act(actor, code, finding_id, version, action, note=NOTES[action], request_id=None, now=self.clock.now())


def _mandate(prefix: str, index: int, bodies: tuple[str, ...], today: date) -> dict:
    """A unit's 三定 as the 2024 reform left it (2019's for the fourth unit: 调整滞后), one 股长
    post per body; the second unit set up a body more than approved, the third's first body has
    two heads. Drawn from the index, not the generator, so the rest of the demo is unchanged."""
    year = 2019 if index == 4 else min(2024, today.year)
    return {
        "approved_internal_bodies": len(bodies) - (index == 2),
        "body_leader_posts": [(body, 1) for body in bodies],
        "body_leaders": [(body, 1 + (index == 3 and body == bodies[0])) for body in bodies],
        "mandate_number": f"{prefix[0]}办发〔{year}〕{10 + index}号",
        "mandate_issued_on": min(date(year, 3, 28), today),
    }
