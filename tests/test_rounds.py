"""Inspection rounds and self-checks through GraphQL."""

from datetime import date

import pytest
from sqlalchemy import text

from backend.rounds.models import RoundStage
from tests.factories import add_round, add_unit
from tests.helpers import LOG_FINDING, counting_statements, create_all, finding_input
from tests.identity import Api, add_user, error_code, token_for

CREATE = """mutation($c: String!, $i: RoundInput!) { createRound(tenantCode: $c, input: $i) {
    id kind name startsOn endsOn methods unitIds team { name duty } version } }"""
ROUNDS = """query($c: String!, $f: Int!, $a: String) { rounds(tenantCode: $c, first: $f, after: $a) {
    items { id name unitIds team { name } } pageInfo { hasNextPage endCursor } } }"""
SUBMIT = """mutation($r: ID!, $u: ID!, $t: String!) { submitSelfCheck(tenantCode: "431321", roundId: $r, unitId: $u, content: $t) {
    unitId content submittedBy } }"""


def round_input(unit_ids, **change):
    return {
        "kind": "PATROL_INSPECTION",
        "name": "七届县委第十二轮巡察",
        "startsOn": "2026-09-01",
        "endsOn": "2026-10-31",
        "methods": ["ROUTINE", "REAL_NAME_SCREENING"],
        "unitIds": unit_ids,
        "team": [{"name": "李组长", "duty": "LEADER"}, {"name": "王组员", "duty": "MEMBER"}],
        **change,
    }


@pytest.fixture
async def county(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    for n, name in enumerate(["县财政局", "县教育局", "县卫健局"], start=1):
        await add_unit(runtime, "431321", name, f"UNIT0000{n}")
    return await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))


async def test_a_round_with_its_units_team_and_methods(runtime, county):
    async with Api(runtime) as api:
        created = (await api.call(CREATE, county, c="431321", i=round_input(["2", "1"])))["data"]["createRound"]
    assert created["unitIds"] == ["1", "2"] and created["methods"] == ["ROUTINE", "REAL_NAME_SCREENING"]
    assert created["kind"] == "PATROL_INSPECTION"
    assert created["team"] == [{"name": "李组长", "duty": "LEADER"}, {"name": "王组员", "duty": "MEMBER"}]
    async with runtime.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT kind, methods FROM t431321.inspection_round"))).one()
        audit = (
            await connection.execute(
                text("SELECT action, after->'unit_ids', after->'team' FROM t431321.audit_event WHERE actor <> 'test.factory' ORDER BY seq")
            )
        ).all()
    assert tuple(stored) == ("巡察", ["常规检查", "实名制筛查"])  # stored as offices write them
    assert [tuple(row) for row in audit] == [("round.created", [2, 1], [["李组长", "组长", None], ["王组员", "组员", None]])]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"kind": "审计"}, "INVALID_INPUT", "kind"),
        ({"kind": "巡察"}, "INVALID_INPUT", "kind"),  # the enum's name, not its label
        ({"endsOn": "2026-08-01"}, "INVALID_PERIOD", "endsOn"),
        ({"methods": ["走访"]}, "INVALID_INPUT", "methods"),
        ({"methods": ["ROUTINE", "ROUTINE"]}, "INVALID_METHOD", "methods"),
        ({"unitIds": []}, "INVALID_UNITS", "unitIds"),
        ({"unitIds": ["1", "1"]}, "INVALID_UNITS", "unitIds"),
        ({"unitIds": ["1", "99"]}, "NOT_FOUND", "unitIds"),
        ({"team": [{"name": "张三", "duty": "顾问"}]}, "INVALID_INPUT", "duty"),
        ({"name": ""}, "INVALID_NAME", "name"),
    ],
)
async def test_bad_rounds_get_a_field_error_and_change_nothing(runtime, county, change, code, field):
    async with Api(runtime) as api:
        result = await api.call(CREATE, county, c="431321", i=round_input(["1"], **change))
    assert result["errors"][0]["extensions"] == {"code": code, "field": field}
    async with runtime.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t431321.inspection_round"))).scalar_one() == 0


async def test_listing_rounds_costs_the_same_statements_for_any_page(runtime, county):
    async with Api(runtime) as api:
        for n in range(6):
            await api.call(CREATE, county, c="431321", i=round_input(["1", "2", "3"], name=f"第{n}轮"))
        with counting_statements(runtime.engine) as small:
            first = (await api.call(ROUNDS, county, c="431321", f=1))["data"]["rounds"]
        with counting_statements(runtime.engine) as large:
            page = (await api.call(ROUNDS, county, c="431321", f=6))["data"]["rounds"]
        rest = (await api.call(ROUNDS, county, c="431321", f=6, a=first["pageInfo"]["endCursor"]))["data"]["rounds"]
        bad_cursor = await api.call(ROUNDS, county, c="431321", f=6, a="eyJ4Ijox")
    assert [r["name"] for r in page["items"]] == [f"第{n}轮" for n in range(5, -1, -1)]  # the newest first
    assert all(r["unitIds"] == ["1", "2", "3"] and len(r["team"]) == 2 for r in page["items"]) and not page["pageInfo"]["hasNextPage"]
    assert first["pageInfo"]["hasNextPage"] and first["items"] + rest["items"] == page["items"]
    assert bad_cursor["errors"][0]["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}
    assert len(small) == len(large)


YEAR_PLAN = """query($y: Int!) { rounds(tenantCode: "431321", year: $y) { items { name startsOn } } }"""


async def test_the_years_plan_lists_the_rounds_starting_in_that_year(runtime, county):
    async with Api(runtime) as api:
        for name, starts in (
            ("十四届县委第一轮巡察", "2026-03-01"),
            ("十四届县委第二轮巡察", "2026-12-31"),
            ("2027年第一轮", "2027-01-01"),
        ):
            await api.call(CREATE, county, c="431321", i=round_input(["1"], name=name, startsOn=starts, endsOn=None))
        plans = {year: (await api.call(YEAR_PLAN, county, y=year))["data"]["rounds"]["items"] for year in (2025, 2026, 2027)}
        refused = await api.call(YEAR_PLAN, county, y=26)
    assert plans[2025] == [] and [r["name"] for r in plans[2027]] == ["2027年第一轮"]
    assert [r["startsOn"] for r in plans[2026]] == ["2026-12-31", "2026-03-01"]
    assert refused["errors"][0]["extensions"] == {"code": "INVALID_DATE", "field": "year"}


async def test_a_liaison_sees_and_reports_only_for_its_unit(runtime, county):
    liaison = await token_for(runtime, await add_user(runtime, "sf.liaison", ("431321", "liaison", 2)))
    async with Api(runtime) as api:
        covering = (await api.call(CREATE, county, c="431321", i=round_input(["1", "2"])))["data"]["createRound"]["id"]
        other = (await api.call(CREATE, county, c="431321", i=round_input(["3"], name="专项检查一")))["data"]["createRound"]["id"]
        seen = (await api.call(ROUNDS, liaison, c="431321", f=50))["data"]["rounds"]["items"]
        assert [(r["id"], r["unitIds"]) for r in seen] == [(covering, ["2"])]
        assert error_code(await api.call('query($i: ID!) { round(tenantCode: "431321", id: $i) { id } }', liaison, i=other)) == "NOT_FOUND"

        first = await api.call(SUBMIT, liaison, r=covering, u="2", t="已自查，发现借调人员 1 名，正在清理。")
        assert first["data"]["submitSelfCheck"]["submittedBy"] == "sf.liaison"
        replaced = await api.call(SUBMIT, liaison, r=covering, u="2", t="补充：借调人员已于 9 月底返岗。")
        assert replaced["data"]["submitSelfCheck"]["content"] == "补充：借调人员已于 9 月底返岗。"
        assert error_code(await api.call(SUBMIT, liaison, r=covering, u="1", t="替别人交")) == "NOT_FOUND"
        assert error_code(await api.call(SUBMIT, county, r=other, u="1", t="未覆盖的单位")) == "NOT_FOUND"
        assert error_code(await api.call(SUBMIT, liaison, r=covering, u="2", t="  ")) == "INVALID_CONTENT"
        checks = await api.call('query($r: ID!) { selfChecks(tenantCode: "431321", roundId: $r) { items { unitId } } }', county, r=covering)
        assert checks["data"]["selfChecks"]["items"] == [{"unitId": "2"}]
    async with runtime.engine.connect() as connection:
        actions = (
            (await connection.execute(text("SELECT action FROM t431321.audit_event WHERE actor <> 'test.factory' ORDER BY seq")))
            .scalars()
            .all()
        )
    assert actions == ["round.created", "round.created", "self_check.submitted", "self_check.replaced"]


MOVE = """mutation($r: ID!, $v: Int!, $a: RoundAction!, $n: String) { moveRound(tenantCode: "431321", id: $r, version: $v, action: $a, note: $n) {
    stage version } }"""
FEED_BACK = (
    """mutation($r: ID!) { feedBackRound(tenantCode: "431321", roundId: $r, addressee: "张建华", givenOn: "2026-11-20") { findings } }"""
)
ACCEPT = """mutation($r: ID!) { recordAcceptance(tenantCode: "431321", roundId: $r, unitId: "1", acceptedOn: "2026-12-01",
    conclusion: "未发现问题", close: []) { closed } }"""
HISTORY = """query($r: ID!) { roundStageHistory(tenantCode: "431321", roundId: $r) { action fromStage toStage note actor } }"""
STEPS = ["PREPARE", "STATION", "INVESTIGATE", "REPORT", "FEED_BACK", "RECTIFY", "ACCEPT", "ARCHIVE"]
STAGES = ["PLANNED", "PREPARING", "STATIONED", "INVESTIGATING", "REPORTING", "FEEDBACK", "RECTIFYING", "ACCEPTANCE", "ARCHIVED"]


async def round_state(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(r ORDER BY id)::text FROM t431321.inspection_round r),"
                        " (SELECT count(*) FROM t431321.round_stage_event), (SELECT count(*) FROM t431321.audit_event)"
                    )
                )
            ).one()
        )


async def test_a_round_moves_through_its_stages_one_at_a_time_and_keeps_their_history(runtime, county):
    liaison = await token_for(runtime, await add_user(runtime, "sf.liaison", ("431321", "liaison", 1)))
    auditor = await token_for(runtime, await add_user(runtime, "sf.auditor", ("431321", "auditor", None)))
    reviewer = await token_for(runtime, await add_user(runtime, "sf.reviewer", ("431321", "reviewer", None)))
    async with Api(runtime) as api:
        created = (await api.call(CREATE, county, c="431321", i=round_input(["1"])))["data"]["createRound"]
        round_id = created["id"]
        before = await round_state(runtime)
        refusals = [
            error_code(await api.call(MOVE, county, r=round_id, v=2, a="PREPARE")),  # stale
            error_code(await api.call(MOVE, county, r=round_id, v=1, a="STATION")),  # skips 准备
            error_code(await api.call(MOVE, county, r=round_id, v=1, a="PREPARE", n="\x07")),
            error_code(await api.call(MOVE, county, r=round_id, v=1, a="PREPARE", n="注" * 301)),  # the history's bound
            error_code(await api.call(MOVE, liaison, r=round_id, v=1, a="PREPARE")),
            error_code(await api.call(MOVE, auditor, r=round_id, v=1, a="PREPARE")),
            error_code(await api.call(MOVE, county, r="999", v=1, a="PREPARE")),
        ]
        unchanged = await round_state(runtime)
        moved = []
        for version, action in enumerate(STEPS, start=1):
            if action == "RECTIFY":  # once the unit has had its 统一反馈
                not_fed_back = error_code(await api.call(MOVE, county, r=round_id, v=version, a=action))
                await api.call(FEED_BACK, county, r=round_id)
            if action == "ARCHIVE":  # once the unit has had its 验收
                not_accepted = error_code(await api.call(MOVE, county, r=round_id, v=version, a=action))
                await api.call(ACCEPT, reviewer, r=round_id)
            moved.append((await api.call(MOVE, county, r=round_id, v=version, a=action, n=f"第{version}步"))["data"]["moveRound"])
        archived = error_code(await api.call(MOVE, county, r=round_id, v=9, a="PREPARE"))
        history = (await api.call(HISTORY, liaison, r=round_id))["data"]["roundStageHistory"]  # the unit's liaison reads it
    assert created["version"] == 1 and before == unchanged and (not_fed_back, not_accepted) == ("UNITS_NOT_FED_BACK", "UNITS_NOT_ACCEPTED")
    assert refusals == ["STALE_VERSION", "INVALID_TRANSITION", "INVALID_TEXT", "INVALID_TEXT", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND"]
    assert moved == [{"stage": stage, "version": version} for version, stage in enumerate(STAGES[1:], start=2)]
    assert archived == "INVALID_TRANSITION"
    assert [(h["action"], h["fromStage"], h["toStage"], h["note"], h["actor"]) for h in history] == [
        (action, STAGES[n], STAGES[n + 1], f"第{n + 1}步", "sf.inspector") for n, action in enumerate(STEPS)
    ]


INSPECTIONS = """query($u: ID!) { unitInspectionHistory(tenantCode: "431321", unitId: $u) { name startsOn stage findings } }"""


async def test_a_units_inspection_history_lists_the_rounds_that_covered_it_with_what_they_found(runtime, county):
    earlier = await add_round(runtime, "431321", [1, 2], name="第一轮巡察", starts_on=date(2025, 3, 1))
    await add_round(runtime, "431321", [1], name="第二轮巡察", starts_on=date(2026, 9, 1))
    liaison = await token_for(runtime, await add_user(runtime, "sf.liaison2", ("431321", "liaison", 2)))
    async with Api(runtime) as api:
        for unit in ("1", "1", "2"):
            logged = await api.call(LOG_FINDING, county, i=finding_input(roundId=str(earlier), unitId=unit, foundOn="2025-03-10"))
            assert "errors" not in logged, logged
        history = {unit: await api.call(INSPECTIONS, county, u=unit) for unit in ("1", "2", "3")}
        missing = error_code(await api.call(INSPECTIONS, county, u="999"))
        own = (await api.call(INSPECTIONS, liaison, u="2"))["data"]["unitInspectionHistory"]
        other = error_code(await api.call(INSPECTIONS, liaison, u="1"))
    assert history["1"]["data"]["unitInspectionHistory"] == [
        {"name": "第二轮巡察", "startsOn": "2026-09-01", "stage": "RECTIFYING", "findings": 0},
        {"name": "第一轮巡察", "startsOn": "2025-03-01", "stage": "RECTIFYING", "findings": 2},
    ]
    assert [h["findings"] for h in history["2"]["data"]["unitInspectionHistory"]] == [1]
    assert history["3"]["data"]["unitInspectionHistory"] == []
    assert (missing, other) == ("NOT_FOUND", "NOT_FOUND")
    assert own == history["2"]["data"]["unitInspectionHistory"]


COVERAGE = """query($s: Date! = "2024-01-01", $e: Date! = "2028-12-31") { inspectionCoverage(tenantCode: "431321", termStart: $s,
    termEnd: $e) { units covered planned notCovered { unitId planned lastInspectedOn } } }"""


async def test_coverage_over_a_term_lists_the_units_left_out_the_never_inspected_first(runtime, county):
    fourth = await add_unit(runtime, "431321", "县文旅局", "UNIT00004")
    await add_round(runtime, "431321", [1], name="本届巡察", starts_on=date(2026, 9, 1))
    await add_round(runtime, "431321", [2], name="下一轮巡察", starts_on=date(2027, 3, 1), stage=RoundStage.PLANNED)
    await add_round(runtime, "431321", [3], name="上届巡察", starts_on=date(2023, 5, 1), stage=RoundStage.ARCHIVED)
    liaison = await token_for(runtime, await add_user(runtime, "sf.liaison3", ("431321", "liaison", 1)))
    async with Api(runtime) as api:
        coverage = (await api.call(COVERAGE, county))["data"]["inspectionCoverage"]
        whole_history = (await api.call(COVERAGE, county, s="2020-01-01"))["data"]["inspectionCoverage"]
        refusals = [error_code(await api.call(COVERAGE, liaison)), error_code(await api.call(COVERAGE, county, s="2029-01-01"))]
    assert (coverage["units"], coverage["covered"], coverage["planned"]) == (4, 1, 1)
    assert coverage["notCovered"] == [
        {"unitId": "2", "planned": True, "lastInspectedOn": None},
        {"unitId": str(fourth), "planned": False, "lastInspectedOn": None},
        {"unitId": "3", "planned": False, "lastInspectedOn": "2023-05-01"},
    ]
    assert whole_history["covered"] == 2
    assert refusals == ["FORBIDDEN", "INVALID_PERIOD"]


PLAN = """mutation($r: ID!, $v: Int!, $i: InspectionPlanInput!) { setInspectionPlan(tenantCode: "431321", id: $r, version: $v, input: $i) {
    version scope keyPoints methods divisionOfWork } }"""
ANNOUNCE = """mutation($r: ID!, $v: Int!, $i: StationingInput!) { announceStationing(tenantCode: "431321", id: $r, version: $v, input: $i) {
    version announcement { phone mailbox address receivingFrom receivingTo } } }"""
ROUND = """query($r: ID!) { round(tenantCode: "431321", id: $r) { announcement { phone receivingTo } } }"""


def plan_input(**change) -> dict:
    return {
        "scope": "县直部门机构编制执行情况",
        "keyPoints": ["C03", "C03.K04"],
        "methods": ["HEARING_REPORTS", "INTERVIEWS", "DOCUMENT_REVIEW", "DATA_COMPARISON"],
        "divisionOfWork": "第一组：财政局、教育局；第二组：卫健局",
        **change,
    }


def stationing(**change) -> dict:
    return {
        "phone": "0738-6822123",
        "mailbox": "双峰县邮政信箱 12 号",
        "receivingFrom": "2026-09-01",
        "receivingTo": "2026-09-30",
        **change,
    }


async def test_the_plan_is_set_while_preparing_and_the_announcement_once_in(runtime, county):
    liaison = await token_for(runtime, await add_user(runtime, "sf.liaison4", ("431321", "liaison", 1)))
    async with Api(runtime) as api:
        r = (await api.call(CREATE, county, c="431321", i=round_input(["1", "2"])))["data"]["createRound"]["id"]
        planned = (await api.call(PLAN, county, r=r, v=1, i=plan_input()))["data"]["setInspectionPlan"]
        refusals = [
            error_code(await api.call(PLAN, county, r=r, v=2, i=plan_input(keyPoints=["C99"]))),
            error_code(await api.call(PLAN, county, r=r, v=2, i=plan_input(methods=["VISITS", "VISITS"]))),
            error_code(await api.call(PLAN, county, r=r, v=2, i=plan_input(scope=" "))),
            error_code(await api.call(ANNOUNCE, county, r=r, v=2, i=stationing())),  # not in yet
            error_code(await api.call(PLAN, liaison, r=r, v=2, i=plan_input())),
        ]
        for version, action in enumerate(("PREPARE", "STATION"), start=2):
            await api.call(MOVE, county, r=r, v=version, a=action)
        late_plan = error_code(await api.call(PLAN, county, r=r, v=4, i=plan_input()))
        bad_period = error_code(await api.call(ANNOUNCE, county, r=r, v=4, i=stationing(receivingTo="2026-08-01")))
        announced = (await api.call(ANNOUNCE, county, r=r, v=4, i=stationing()))["data"]["announceStationing"]
        seen = (await api.call(ROUND, liaison, r=r))["data"]["round"]
        history = [h["action"] for h in (await api.call(HISTORY, county, r=r))["data"]["roundStageHistory"]]
    assert planned == {
        "version": 2,
        "scope": "县直部门机构编制执行情况",
        "keyPoints": ["C03", "C03.K04"],
        "methods": ["HEARING_REPORTS", "INTERVIEWS", "DOCUMENT_REVIEW", "DATA_COMPARISON"],
        "divisionOfWork": "第一组：财政局、教育局；第二组：卫健局",
    }
    assert refusals == ["UNKNOWN_TAXONOMY_CODE", "INVALID_METHOD", "INVALID_TEXT", "INVALID_TRANSITION", "FORBIDDEN"]
    assert (late_plan, bad_period) == ("INVALID_TRANSITION", "INVALID_PERIOD")
    assert announced["version"] == 5 and announced["announcement"]["address"] is None
    assert seen == {"announcement": {"phone": "0738-6822123", "receivingTo": "2026-09-30"}}  # the unit reads how to reach the team
    assert history == ["SET_PLAN", "PREPARE", "STATION", "ANNOUNCE"]
