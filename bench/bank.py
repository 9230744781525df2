"""Problem-bank benchmarks (issue 5), in one run on one fresh database:

1. load: the national register's 3,218 offices in `tenancy.tenant` (real schemas only for the
   one province, city and county the logging scenario writes to: the bank reads nothing
   else), then N synthetic problem-bank rows (default 1,000,000) COPYed into
   `problem_bank.problem` in the order they were found, the table's secondary indexes
   dropped during the COPY, the indexes rebuilt from their own
   definitions, the counts (problem_bank.counts) filled from the rows, then VACUUM ANALYZE;
2. the province dashboard over HTTP: one request, as a province inspector, for every
   breakdown of `bankStatistics` (REGION, CATEGORY, KIND, UNIT_TYPE, MONTH) and
   `overdueRanking` of the province with the most rows; and the same six statistics in this
   process, from the counts and from the bank's rows in alternation (the SQL side, both ways
   in one run);
3. search over HTTP: `problems(regionCode, text, filter)`, first page of 50, over a few
   realistic terms and filters; and EXPLAIN (ANALYZE, BUFFERS) of the same statements;
4. logging a finding with the projection into the bank and without it, in the same run:
   in this process, alternating batches, the projection call in
   `backend.findings.service.insert_finding` swapped for a no-op in the "without" batches
   (benchmark only); both for the whole `logFinding` mutation (the app in-process) and for
   the transaction alone. Also `logFinding` over HTTP.

With --ddl (an index to try, say), 2–4 run again after the statements and a VACUUM ANALYZE,
so the schema as built and the candidate are compared in one run, on the same rows.

The rows: offices weighted by level (a county ~1, a city office ~0.8, a province office ~3,
each times a random activity factor; none for 台湾、香港、澳门), found over the last three
years, deadlines 30–180 days after, nine in ten of those past their deadline 已销号 (the
rest overdue), the others open or closed early; taxonomy manifestations with a skew
(超编进人 the most common), units and rounds of the types the project uses, descriptions
from templates. The logging county starts with no bank rows (its finding ids are real).

With --database NAME the loaded rows are kept in that database and reused by the next run
with the same --rows and --seed (the logging county's findings accumulate); with --only
logging, only scenario 4 runs (compare variants of the write path on the same rows).

Usage: ./dev bench bank [--rows N] [--seconds D] [--concurrency C] [--seed S] [--ddl SQL ...]
                        [--database NAME] [--only logging]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import random
import shlex
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import asyncpg
import httpx
from sqlalchemy import Row, event, func, select, text

import backend.findings.service as finding_service
import problem_bank.statistics as statistics
from backend.clock import CHINA_STANDARD_TIME
from backend.db import asyncpg_dsn
from backend.embedded import running_services
from backend.findings.service import check_finding, insert_finding
from backend.identity.models import Membership, UserAccount
from backend.rounds.models import RoundStage
from backend.settings import Settings
from bench.common import (
    DASHBOARD,
    LOGIN,
    SEARCH,
    bench_runtime,
    percentile,
    register_offices,
    server_env,
    server_version,
    serving,
    write_results,
)
from bench.identity import drive, post
from problem_bank.counts import COUNTED, recount
from problem_bank.models import Problem, TaxonomyNode
from problem_bank.projection import COLUMNS
from problem_bank.rectification import LedgerState
from problem_bank.search import ProblemFilter, search
from problem_bank.statistics import Breakdown, overdue_ranking, tallies
from tenants.models import Tenant
from tenants.registry import load_place
from tenants.scoping import tenant_engine
from tests.helpers import create_all

# The columns `generate` fills; the rest keep their defaults (a round's finding, no quantities, 内部).
GENERATED = tuple(column for column in COLUMNS if column not in ("source", "quantities", "sensitivity"))
LOGGING_TENANTS = ("430000", "431300", "431321")  # provisioned for real; 431321 logs findings
LOGGING_COUNTY = LOGGING_TENANTS[-1]
NO_OFFICES = ("71", "81", "82")  # 台湾、香港、澳门: in the register, no supervision offices there
LEVEL_WEIGHT = {"province": 3.0, "city": 0.8, "county": 1.0}
YEARS = 3

LOG = f"""mutation($i: FindingInput!) {{ logFinding(tenantCode: "{LOGGING_COUNTY}", input: $i) {{ id ledger {{ state version }} }} }}"""

# (department, unit type): what a county, city or province office inspects.
UNITS = [
    ("委办公室", "党的机关"),
    ("委组织部", "党的机关"),
    ("委宣传部", "党的机关"),
    ("委政法委员会", "党的机关"),
    ("人大常委会办公室", "人大机关"),
    ("人民政府办公室", "政府机关"),
    ("发展和改革局", "政府机关"),
    ("教育局", "政府机关"),
    ("公安局", "政府机关"),
    ("财政局", "政府机关"),
    ("人力资源和社会保障局", "政府机关"),
    ("自然资源局", "政府机关"),
    ("住房和城乡建设局", "政府机关"),
    ("交通运输局", "政府机关"),
    ("农业农村局", "政府机关"),
    ("水利局", "政府机关"),
    ("卫生健康局", "政府机关"),
    ("市场监督管理局", "政府机关"),
    ("应急管理局", "政府机关"),
    ("民政局", "政府机关"),
    ("政协办公室", "政协机关"),
    ("监察委员会", "监察机关"),
    ("人民法院", "审判机关"),
    ("人民检察院", "检察机关"),
    ("总工会", "群团机关"),
    ("妇女联合会", "群团机关"),
    ("工商业联合会", "民主党派和工商联机关"),
    ("人民医院", "事业单位"),
    ("第一中学", "事业单位"),
    ("疾病预防控制中心", "事业单位"),
    ("不动产登记中心", "事业单位"),
    ("融媒体中心", "事业单位"),
    ("农业技术推广中心", "事业单位"),
    ("公共资源交易中心", "事业单位"),
    ("城市管理综合执法大队", "事业单位"),
]
# Round ids 1..12 of every office, by kind; a province office's rounds are 巡视, not 巡察.
ROUND_KINDS = ["巡察"] * 5 + ["专项检查"] * 2 + ["选人用人专项检查"] * 2 + ["日常督查"] * 2 + ["三责联审"]
SEVERITIES = {"一般": 0.6, "较重": 0.3, "严重": 0.1}

# Relative frequency of a manifestation; the rest weigh DEFAULT_WEIGHT each.
TAXONOMY_WEIGHTS = {
    "C03.K01.M01": 0.11,
    "C03.K01.M02": 0.04,
    "C03.K02.M01": 0.06,
    "C03.K02.M02": 0.02,
    "C03.K09.M01": 0.07,
    "C03.K10.M01": 0.06,
    "C03.K10.M02": 0.03,
    "C03.K11.M01": 0.06,
    "C03.K11.M02": 0.04,
    "C04.K02.M01": 0.04,
    "C05.K04.M01": 0.03,
}
DEFAULT_WEIGHT = 0.02
TEMPLATES = {
    "C03.K01.M01": [
        "{unit}核定编制{approved}名，实有在编人员{actual}名，超编{over}名。",
        "{unit}{year}年以来违规进人{over}名，造成超编{over}名，未制定消化计划。",
        "实名制数据显示，{unit}超编{over}人，仍以聘用方式新进人员{n}名。",
    ],
    "C03.K01.M02": [
        "{unit}将{n}名事业编制人员安排在行政岗位，混编混岗。",
        "{unit}行政编制与事业编制混用，{n}名人员编制类别与岗位不符，变相超编。",
    ],
    "C03.K02.M01": [
        "{unit}核定领导职数{posts}名，实配{posts_actual}名，超职数配备{over_posts}名。",
        "{unit}超职数配备副职领导{over_posts}名，未按规定消化。",
    ],
    "C03.K02.M02": ["{unit}擅自设置“{title}”等职数外职务{over_posts}个。"],
    "C03.K09.M01": [
        "{unit}{n}名在编人员长期在编不在岗，最长达{months}个月。",
        "{unit}有{n}名在编人员被长期借调至其他单位，形成在编不在岗。",
        "钉钉数据显示，{unit}{n}名人员连续{months}个月无考勤记录，存在吃空饷风险。",
    ],
    "C03.K10.M01": [
        "{unit}借调人员{n}名，借调期限超过{months}个月仍未返岗。",
        "{unit}以跟班学习名义长期借调下属单位人员{n}名。",
    ],
    "C03.K10.M02": ["{unit}从乡镇（街道）违规借调工作人员{n}名，未履行审批手续。"],
    "C03.K11.M01": ["实名制系统中{unit}{n}名人员信息与实际不符，涉及已调离、退休人员。"],
    "C03.K11.M02": ["{unit}{n}名人员调动后超过{days}天未办理实名制上下编手续。"],
    "C04.K02.M01": ["{unit}核定内设机构{bodies}个，实际设置{bodies_actual}个，超限额{over_bodies}个。"],
    "C03.K04.M02": ["{unit}设立的临时机构已运行{years}年，未按期撤销。"],
    "C05.K04.M01": ["{unit}上报的{year}年度机构编制统计数据与实际不符，相差{n}人。"],
}
FALLBACK = "{unit}存在“{name}”问题，涉及{n}项事项，{tail}"
TAILS = ["已责令限期整改。", "经现场核查属实。", "单位自查未发现。", "系数据比对发现。"]
TITLES = ["督导员", "总工程师", "首席专家", "调研员"]
TERMS = ["超编", "借调", "在编不在岗", "实名制", "职数", "临时机构"]


def search_cases(today: date) -> list[tuple[str, dict]]:
    """(text, filter) of the search scenario, in turn."""
    year_ago = (today - timedelta(days=365)).isoformat()
    open_states = [LedgerState.REGISTERED.name, LedgerState.IN_PROGRESS.name, LedgerState.CLOSE_REQUESTED.name]  # as the API takes them
    return [
        ("超编", {}),
        ("超编", {"overdue": True}),
        ("借调", {"states": open_states}),
        ("借调", {"foundFrom": year_ago}),
        ("在编不在岗", {"states": open_states}),
        ("实名制", {"unitTypes": ["事业单位"]}),
        ("职数", {"overdue": True, "foundFrom": year_ago}),
        ("临时机构", {"taxonomyCode": "C02"}),
    ]


async def register_country(runtime) -> Sequence[Row]:
    """Every office of the national register in `tenancy.tenant`: LOGGING_TENANTS through the
    provisioner (with their schemas), the others as registry rows only. The rows, in code order."""
    await create_all(runtime, *LOGGING_TENANTS)
    return await register_offices(runtime)


async def manifestations(runtime) -> tuple[str, dict[str, str]]:
    """The taxonomy edition and its manifestations' names, by code."""
    edition = await runtime.taxonomy()
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(
            select(TaxonomyNode.code, TaxonomyNode.name)
            .where(TaxonomyNode.version == edition.version, TaxonomyNode.level == "manifestation")
            .order_by(TaxonomyNode.code)
        )
        return edition.version, dict(rows.all())


def description(rng: random.Random, taxonomy_code: str, name: str, unit: str, found_on: date) -> str:
    approved, over, posts, over_posts = rng.randint(8, 120), rng.randint(1, 9), rng.randint(3, 8), rng.randint(1, 3)
    bodies = rng.randint(4, 14)
    template = rng.choice(TEMPLATES.get(taxonomy_code, [FALLBACK]))
    return template.format(
        unit=unit,
        name=name,
        approved=approved,
        actual=approved + over,
        over=over,
        n=rng.randint(1, 12),
        posts=posts,
        posts_actual=posts + over_posts,
        over_posts=over_posts,
        title=rng.choice(TITLES),
        months=rng.randint(6, 36),
        days=rng.randint(30, 180),
        bodies=bodies,
        bodies_actual=bodies + rng.randint(1, 3),
        over_bodies=rng.randint(1, 3),
        years=rng.randint(2, 6),
        year=found_on.year - 1,
        tail=rng.choice(TAILS),
    )


def ledger_state(rng: random.Random, found_on: date, deadline: date, today: date) -> tuple[str, datetime | None]:
    """State and close-out time: nine in ten findings past their deadline are closed (the
    rest are overdue), earlier ones the more likely the nearer their deadline."""
    age, span = (today - found_on).days, (deadline - found_on).days
    if rng.random() < (0.9 if deadline < today else 0.5 * age / span):
        closed_on = found_on + timedelta(days=rng.randint(min(age, 10), min(age, span + 60)))
        return "已销号", datetime.combine(closed_on, clock_time(10), CHINA_STANDARD_TIME)
    if age < 20:
        return rng.choices(["挂号", "整改中"], [0.8, 0.2])[0], None
    return rng.choices(["挂号", "整改中", "申请销号"], [0.15, 0.6, 0.25])[0], None


def generate(tenants: Sequence[Row], taxonomy: tuple[str, dict[str, str]], count: int, today: date, seed: int) -> list[tuple]:
    """`count` bank rows (in GENERATED order), in the order they were found; each office's
    finding ids rise with it."""
    rng = random.Random(seed)
    offices = [t for t in tenants if t.code[:2] not in NO_OFFICES and t.code != LOGGING_COUNTY]
    weights = [LEVEL_WEIGHT[t.level] * rng.lognormvariate(0, 0.5) for t in offices]
    version, names = taxonomy
    taxonomy_codes = rng.choices(list(names), [TAXONOMY_WEIGHTS.get(code, DEFAULT_WEIGHT) for code in names], k=count)
    severities = rng.choices(list(SEVERITIES), list(SEVERITIES.values()), k=count)
    office_of = rng.choices(offices, weights, k=count)
    found_dates = [today - timedelta(days=rng.randrange(YEARS * 365)) for _ in range(count)]
    found = sorted(zip(found_dates, office_of, strict=True), key=lambda pair: pair[0])
    next_id: Counter[str] = Counter()
    rows = []
    for (found_on, office), taxonomy_code, severity in zip(found, taxonomy_codes, severities, strict=True):
        next_id[office.code] += 1
        finding_id = next_id[office.code]
        unit_id = rng.randrange(len(UNITS))
        department, unit_type = UNITS[unit_id]
        unit = office.name + (department.replace("局", "厅") if office.level == "province" else department)
        round_id = rng.randrange(len(ROUND_KINDS))
        round_kind = "巡视" if office.level == "province" and ROUND_KINDS[round_id] == "巡察" else ROUND_KINDS[round_id]
        fixed_on_spot = rng.random() < 0.06
        deadline = found_on if fixed_on_spot else found_on + timedelta(days=rng.randint(30, 180))
        closed_at: datetime | None
        if fixed_on_spot:
            state, closed_at = "已销号", datetime.combine(found_on, clock_time(17), CHINA_STANDARD_TIME)
        else:
            state, closed_at = ledger_state(rng, found_on, deadline, today)
        rows.append(
            (
                office.code,
                finding_id,
                office.province_code,
                office.city_code,
                office.level,
                f"WT{finding_id}",
                unit_id + 1,
                unit,
                unit_type,
                round_id + 1,
                round_kind,
                taxonomy_code,
                version,
                severity,
                fixed_on_spot,
                state,
                deadline,
                closed_at,
                found_on,
                description(rng, taxonomy_code, names[taxonomy_code], unit, found_on),
            )
        )
    return rows


async def load_bank(runtime, rows: list[tuple]) -> dict:
    """COPY the rows with the secondary indexes dropped, rebuild the indexes from their own
    definitions, count the rows (problem_bank.counts.recount, as after any COPY), VACUUM
    ANALYZE; the time of each step."""
    connection = await asyncpg.connect(asyncpg_dsn(runtime.urls.database_url))
    try:
        indexes = await connection.fetch(
            "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = 'problem_bank.problem'::regclass"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1"
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX problem_bank."{index["name"]}"')
        started = time.perf_counter()
        await connection.copy_records_to_table("problem", schema_name="problem_bank", columns=GENERATED, records=rows)
        timings: dict[str, object] = {"copy_seconds": round(time.perf_counter() - started, 1)}
        await connection.execute("SET maintenance_work_mem = '512MB'")
        for index in indexes:
            started = time.perf_counter()
            await connection.execute(index["definition"])
            timings[f"{index['name']}_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        async with runtime.engine.begin() as counting:
            await recount(counting)
        timings["count_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for table_name in ("problem", *(table.__tablename__ for table in COUNTED)):
            await connection.execute(f"VACUUM (ANALYZE) problem_bank.{table_name}")
        await connection.execute("ANALYZE tenancy.tenant")
        timings["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
        sizes = await connection.fetchrow(
            "SELECT pg_table_size('problem_bank.problem') AS heap, pg_indexes_size('problem_bank.problem') AS indexes"
        )
        timings["table_mib"] = round(sizes["heap"] / 2**20)
        timings["indexes_mib"] = round(sizes["indexes"] / 2**20)
        for table in COUNTED:
            name = table.__tablename__
            timings[name] = dict(
                await connection.fetchrow(
                    f"SELECT count(*) AS rows, pg_total_relation_size('problem_bank.{name}') / 1048576 AS mib FROM problem_bank.{name}"
                )
            )
        return timings
    finally:
        await connection.close()


async def composition(runtime, today: date) -> dict[str, float]:
    """What the rows turned out to be: the share of county offices' rows, of open and
    overdue ones, and of descriptions holding each search term."""
    terms = ", ".join(f"avg((description LIKE '%{term}%')::int) AS \"{term}\"" for term in TERMS)
    query = (
        f"SELECT avg((tenant_level = 'county')::int) AS county, avg((state <> '已销号')::int) AS open,"
        f" avg((state <> '已销号' AND deadline < :today)::int) AS overdue, {terms} FROM problem_bank.problem"
    )
    async with runtime.engine.connect() as connection:
        row = (await connection.execute(text(query), {"today": today})).one()
    return {name: round(float(share), 3) for name, share in row._mapping.items()}


async def seed_logging_county(runtime) -> None:
    """The logging county's units (UNITS) and rounds, every round covering every unit and past
    its 统一反馈 (findings go straight into the ledger)."""
    schema = f"t{LOGGING_COUNTY}"
    async with runtime.engine.begin() as connection:
        name = (await connection.execute(select(Tenant.name).where(Tenant.code == LOGGING_COUNTY))).scalar_one()
        await connection.execute(
            text(f"INSERT INTO {schema}.inspected_unit (credit_code, name, unit_type) VALUES (:code, :name, :type)"),
            [{"code": f"B{n:010d}", "name": name + department, "type": unit_type} for n, (department, unit_type) in enumerate(UNITS, 1)],
        )
        await connection.execute(
            text(f"INSERT INTO {schema}.inspection_round (kind, name, starts_on, state) VALUES (:kind, :name, :starts, :state)"),
            [
                {"kind": kind, "name": f"第{n}轮{kind}", "starts": date(2026, 1, n), "state": RoundStage.RECTIFYING.value}
                for n, kind in enumerate(ROUND_KINDS, 1)
            ],
        )
        await connection.execute(
            text(f"INSERT INTO {schema}.round_unit SELECT r.id, u.id FROM {schema}.inspection_round r, {schema}.inspected_unit u")
        )


def finding_input(n: int, today: date) -> dict:
    """The GraphQL input of the n-th finding logged (a realistic description, a covered unit)."""
    rng = random.Random(n)
    code = rng.choice(list(TEMPLATES))
    department = UNITS[n % len(UNITS)][0]
    return {
        "roundId": str(n % len(ROUND_KINDS) + 1),
        "unitId": str(n % len(UNITS) + 1),
        "taxonomyCode": code,
        "description": description(rng, code, "", "双峰县" + department, today),
        "severity": "ORDINARY",
        "foundOn": today.isoformat(),
        "deadline": (today + timedelta(days=90)).isoformat(),
    }


async def explain_search(runtime, province: str, cases: list[tuple[str, dict]], today: date) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement `problems` runs for each case: the indexes
    it used, its execution time and buffers."""
    captured: list[tuple] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    taxonomy = await runtime.taxonomy()
    summaries = []
    async with runtime.engine.connect() as connection:
        region = await load_place(connection, province)
        assert region is not None
        for term, filters in cases:
            criteria = ProblemFilter(
                text=term,
                taxonomy_code=taxonomy.checked(filters.get("taxonomyCode")),
                unit_types=frozenset(filters.get("unitTypes", ())),
                states=frozenset(LedgerState[name] for name in filters.get("states", ())),
                overdue=filters.get("overdue"),
                found_from=date.fromisoformat(filters["foundFrom"]) if "foundFrom" in filters else None,
            )
            event.listen(runtime.engine.sync_engine, "before_cursor_execute", capture)
            try:
                await search(connection, region, criteria, first=50, after=None, today=today)
            finally:
                event.remove(runtime.engine.sync_engine, "before_cursor_execute", capture)
            statement, parameters = captured.pop()
            plan = [line for (line,) in await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            summaries.append(
                {
                    "text": term,
                    "filter": filters,
                    "indexes": sorted({word for line in plan for word in line.split() if word.endswith("_idx")}),
                    "top": plan[0].strip(),
                    "execution": next(line for line in plan if line.startswith("Execution Time")),
                    "buffers": next(line.strip() for line in plan if "Buffers:" in line),
                    "plan": plan,
                }
            )
    return summaries


@contextlib.contextmanager
def projection_skipped():
    """Within: `insert_finding` writes no problem-bank row (its `project` call does nothing)."""

    async def skip(*args, **kwargs) -> None:
        return None

    original = finding_service.project
    finding_service.project = skip
    try:
        yield
    finally:
        finding_service.project = original


async def with_and_without(call, seconds: float, batch: int = 20) -> dict:
    """Call `call(n)` one at a time in batches, with and without the projection in turn (which
    goes first alternates too), about `seconds` each; latency and throughput of each and how
    much slower the projection makes them."""
    latencies: dict[str, list[float]] = {"with_projection": [], "without_projection": []}
    busy = dict.fromkeys(latencies, 0.0)
    n = 0
    deadline = time.perf_counter() + 2 * seconds
    while time.perf_counter() < deadline:
        variants = [("with_projection", False), ("without_projection", True)]
        for variant, skipped in variants if n % (4 * batch) == 0 else variants[::-1]:
            with projection_skipped() if skipped else contextlib.nullcontext():
                for _ in range(batch):
                    started = time.perf_counter()
                    await call(n)
                    latencies[variant].append((time.perf_counter() - started) * 1000)
                    busy[variant] += time.perf_counter() - started
                    n += 1
    results = {
        variant: {
            "calls": len(values),
            "per_second": round(len(values) / busy[variant], 1),
            "p50_ms": round(percentile(values, 0.5), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "p99_ms": round(percentile(values, 0.99), 2),
        }
        for variant, values in latencies.items()
    }
    results["slowdown"] = {
        "throughput": round(results["without_projection"]["per_second"] / results["with_projection"]["per_second"] - 1, 3),
        "p50": round(results["with_projection"]["p50_ms"] / results["without_projection"]["p50_ms"] - 1, 3),
    }
    return results


async def dashboard_statements(runtime, province: str, seconds: float, today: date, batch: int = 5) -> dict:
    """The dashboard's six statistics in this process, one after another, from the counts and
    from the bank's rows (`problem_bank.statistics.counts_answering` set aside), in alternating
    batches, about `seconds` each: the SQL side of the dashboard, both ways in one run."""

    async def six(connection, region) -> None:
        for breakdown in Breakdown:
            await tallies(connection, region, ProblemFilter(), breakdown, today)
        await overdue_ranking(connection, region, ProblemFilter(), today, 20)

    answering = statistics.counts_answering
    latencies: dict[str, list[float]] = {"from_counts": [], "from_rows": []}
    async with runtime.engine.connect() as connection:
        region = await load_place(connection, province)
        deadline = time.perf_counter() + 2 * seconds
        while time.perf_counter() < deadline:
            for variant in latencies:
                statistics.counts_answering = answering if variant == "from_counts" else (lambda by, criteria: None)
                forget_built_queries()  # built for the other variant: they would read its source
                try:
                    for _ in range(batch):
                        started = time.perf_counter()
                        await six(connection, region)
                        latencies[variant].append((time.perf_counter() - started) * 1000)
                finally:
                    statistics.counts_answering = answering
                    forget_built_queries()
    results: dict[str, Any] = {
        variant: {"calls": len(values), "p50_ms": round(percentile(values, 0.5), 1), "p95_ms": round(percentile(values, 0.95), 1)}
        for variant, values in latencies.items()
    }
    results["speedup_p50"] = round(results["from_rows"]["p50_ms"] / results["from_counts"]["p50_ms"], 1)
    return results


def forget_built_queries() -> None:
    """The statistics' query builders remember what they built (`lru_cache`), including which
    source answers; switching the source must clear them."""
    statistics.tally_query.cache_clear()
    statistics.ranking_query.cache_clear()


async def logging_ratio(runtime, token: str, seconds: float, today: date) -> dict:
    """Logging with and without the projection: the whole mutation (the app in this process)
    and the transaction alone (`insert_finding`, as `FindingService.log` runs it)."""
    from tests.identity import Api

    taxonomy = await runtime.taxonomy()
    engine = tenant_engine(runtime.engine, LOGGING_COUNTY)
    results = {}
    async with Api(runtime) as api:

        async def mutation(n):
            result = await api.call(LOG, token, i=finding_input(n, today))
            assert "errors" not in result, result

        async def transaction(n):
            values = finding_input(n, today)
            data = check_finding(
                round_id=int(values["roundId"]),
                unit_id=int(values["unitId"]),
                taxonomy_code=values["taxonomyCode"],
                description=values["description"],
                evidence_sources=[],
                severity="一般",
                fixed_on_spot=False,
                found_on=today,
                deadline=today + timedelta(days=90),
                responsible_person=None,
                measures=None,
                close_note=None,
                today=today,
                taxonomy=taxonomy,
                tenant_code=LOGGING_COUNTY,
            )
            async with engine.begin() as connection:
                await insert_finding(connection, LOGGING_COUNTY, data, "bench", None)

        for name, call in (("log_finding_mutation", mutation), ("insert_finding_transaction", transaction)):
            print(f"{name}, with and without the projection …", flush=True)
            await with_and_without(call, 2)  # warm-up
            results[name] = await with_and_without(call, seconds)
    return results


async def measure(runtime, args, province: str, today: date) -> dict:
    """The search plans, the scenarios over HTTP, and logging with and without the projection
    (with --only logging: that alone)."""
    from tests.identity import PASSWORD, token_for

    county_user = await user_id(runtime, "bench.county")
    if args.only == "logging":
        return {"logging": await logging_ratio(runtime, await token_for(runtime, county_user), args.seconds, today)}
    cases = search_cases(today)
    results: dict = {"explain_search": await explain_search(runtime, province, cases, today)}
    env = server_env(runtime)
    async with serving(["-m", "backend", "serve"], env) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            tokens = {}
            for user in ("bench.province", "bench.county"):
                response = await client.post("/graphql", json={"query": LOGIN, "variables": {"u": user, "p": PASSWORD}})
                tokens[user] = response.json()["data"]["login"]["accessToken"]

        async def dashboard(client, n):
            return await post(client, DASHBOARD, tokens["bench.province"], r=province)

        async def problems(client, n):
            term, filters = cases[n % len(cases)]
            return await post(client, SEARCH, tokens["bench.province"], r=province, t=term, f=filters)

        async def log_finding(client, n):
            return await post(client, LOG, tokens["bench.county"], i=finding_input(n, today))

        for name, request, clients in (
            ("dashboard_1_client", dashboard, 1),
            (f"dashboard_{args.concurrency}_clients", dashboard, args.concurrency),
            ("search_1_client", problems, 1),
            (f"search_{args.concurrency}_clients", problems, args.concurrency),
            (f"log_finding_http_{args.concurrency}_clients", log_finding, args.concurrency),
        ):
            print(f"{name} …", flush=True)
            await drive(url, 2, clients, request)  # warm-up
            results[name] = await drive(url, args.seconds, clients, request)
            print(f"  {results[name]}", flush=True)
    print("dashboard statements in process, from counts and from rows …", flush=True)
    results["dashboard_statements"] = await dashboard_statements(runtime, province, args.seconds, today)
    print(f"  {results['dashboard_statements']}", flush=True)
    results["logging"] = await logging_ratio(runtime, await token_for(runtime, county_user), args.seconds, today)
    return results


async def counted_rows(runtime, province: str) -> dict[str, int]:
    """How many pre-counted rows of each table the province's dashboard reads."""
    async with runtime.engine.connect() as connection:
        return {
            table.__tablename__: (
                await connection.execute(select(func.count()).select_from(table).where(table.province_code == province))
            ).scalar_one()
            for table in COUNTED
        }


async def user_id(runtime, username: str) -> int:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(select(UserAccount.id).where(UserAccount.username == username))).scalar_one()


async def try_ddl(runtime, statements: list[str]) -> None:
    """Statements to compare against the schema as built (an index, say), then VACUUM ANALYZE."""
    connection = await asyncpg.connect(asyncpg_dsn(runtime.urls.database_url))
    try:
        await connection.execute("SET maintenance_work_mem = '512MB'")
        for statement in statements:
            await connection.execute(statement)
        await connection.execute("VACUUM (ANALYZE) problem_bank.problem")
    finally:
        await connection.close()


def mark(args) -> str:
    """What a kept database was loaded with (its COMMENT): another value loads it anew."""
    return f"xuncha bench bank: rows={args.rows} seed={args.seed} complete"


async def kept_or_dropped(urls, args) -> bool:
    """Is the database `--database` names loaded with these rows? If not, it is dropped (it
    is created and loaded anew)."""
    admin = await asyncpg.connect(asyncpg_dsn(urls.database_url, "postgres"))
    try:
        comment = await admin.fetchval("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", args.database)
        if comment == mark(args):
            return True
        await admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        return False
    finally:
        await admin.close()


async def loaded(runtime, args, today: date) -> dict:
    """Register the country, generate and load the rows, add the two users: what was loaded."""
    from tests.identity import add_user

    print("registering the country …", flush=True)
    tenants = await register_country(runtime)
    await seed_logging_county(runtime)
    print(f"generating {args.rows} rows …", flush=True)
    started = time.perf_counter()
    rows = generate(tenants, await manifestations(runtime), args.rows, today, args.seed)
    results: dict = {"generate_seconds": round(time.perf_counter() - started, 1)}
    print("loading …", flush=True)
    results["load"] = await load_bank(runtime, rows)
    del rows
    results["offices"] = len(tenants)
    results["composition"] = await composition(runtime, today)
    print(f"load: {results['load']}", flush=True)
    await add_user(runtime, "bench.province", (await busiest_province(runtime), "inspector", None))
    await add_user(runtime, "bench.county", (LOGGING_COUNTY, "inspector", None))
    return results


async def busiest_province(runtime) -> str:
    """The province with the most bank rows as loaded (the logging county's findings come later)."""
    async with runtime.engine.connect() as connection:
        query = "SELECT province_code FROM problem_bank.problem GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        return (await connection.execute(text(query))).scalar_one()


async def dashboard_province(runtime) -> tuple[str, int]:
    """The province whose dashboard is measured (bench.province's), and its bank rows."""
    async with runtime.engine.connect() as connection:
        code = (
            await connection.execute(
                select(Membership.tenant_code)
                .join(UserAccount, UserAccount.id == Membership.user_id)
                .where(UserAccount.username == "bench.province")
            )
        ).scalar_one()
        rows = (await connection.execute(select(func.count()).select_from(Problem).where(Problem.province_code == code))).scalar_one()
    return code, rows


async def run(args, settings: Settings, urls) -> dict:
    today = settings.clock().today()
    results: dict = {"rows": args.rows, "today": today.isoformat()}
    kept = args.database is not None and await kept_or_dropped(urls, args)
    async with bench_runtime(settings, urls, keep=args.database is not None, name=args.database) as runtime:
        results["postgres"] = await server_version(runtime)
        if kept:
            print(f"reusing the rows loaded in {args.database}", flush=True)
        else:
            results.update(await loaded(runtime, args, today))
            if args.database is not None:
                async with runtime.engine.connect() as connection:
                    await connection.execute(text(f"COMMENT ON DATABASE \"{args.database}\" IS '{mark(args)}'"))
                    await connection.commit()
        province, province_rows = await dashboard_province(runtime)
        results["province"] = {"code": province, "rows": province_rows, "counted_rows": await counted_rows(runtime, province)}
        print(f"province {province} holds {province_rows} rows", flush=True)

        results["as_built"] = await measure(runtime, args, province, today)
        if args.ddl:
            print("trying the DDL …", flush=True)
            started = time.perf_counter()
            await try_ddl(runtime, args.ddl)
            results["with_ddl"] = {
                "ddl": args.ddl,
                "seconds": round(time.perf_counter() - started, 1),
                **await measure(runtime, args, province, today),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="problem-bank rows to load")
    parser.add_argument("--seconds", type=float, default=15, help="per scenario (per variant when logging)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent HTTP clients of the loaded scenarios")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--ddl",
        action="append",
        default=[],
        metavar="SQL",
        help="after measuring the schema as built, run this (repeatable; an index to compare, say) and measure again",
    )
    parser.add_argument(
        "--database", metavar="NAME", help="load the rows into this database and keep it; a later run with the same rows and seed reuses it"
    )
    parser.add_argument("--only", choices=["logging"], help="measure this scenario alone")
    args = parser.parse_args()
    settings = Settings.from_env()
    # Logging in this process goes through the app too: lift its per-user mutation limit, as the server's is.
    settings = dataclasses.replace(settings, edge=dataclasses.replace(settings.edge, mutations_per_minute=100_000_000))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per in-process request
    with running_services(settings) as urls:
        results = asyncio.run(run(args, settings, urls))
    ddl = "".join(f" --ddl {shlex.quote(statement)}" for statement in args.ddl)
    ddl += "".join(f" --{option} {value}" for option, value in (("database", args.database), ("only", args.only)) if value)
    write_results(
        "bank",
        results,
        f"./dev bench bank --rows {args.rows} --seconds {args.seconds:g} --concurrency {args.concurrency} --seed {args.seed}{ddl}",
    )


if __name__ == "__main__":
    main()
