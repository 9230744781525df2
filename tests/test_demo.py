"""`xuncha demo`'s data set: the whole 湖南省, its logins, and a year of inspection work with
ledgers in every state, generated through the domain services (so the bank matches)."""

from __future__ import annotations

import json
import time

from rich.progress import Progress
from sqlalchemy import text

from backend.demo import load_demo
from backend.demo.offices import DEMO_LOGINS, DEMO_PASSWORD, load_demo_users
from problem_bank.deidentify import office_forms
from problem_bank.projection import verify_snapshot
from problem_bank.rectification import LedgerState
from tests.identity import Api

ORGANS = 'query { organs(tenantCode: "431321") { id kind } }'
REPORTS_12310 = '{ reports12310(tenantCode: "431321") { items { state reportedUnit } } }'
CITY_EVALUATIONS = '{ evaluations(tenantCode: "431300") { state departments assessed } }'
CALENDAR = '{ reportCalendar(tenantCode: "431300") { currentPeriod } }'
ANNUAL = 'query($y: Int!) { annualReports(tenantCode: "431321", year: $y) { units submitted accepted } }'
EVALUATIONS = '{ evaluations(tenantCode: "431321") { id name state assessed } }'
EVALUATION = 'query($e: ID!) { evaluation(tenantCode: "431321", id: $e) { departments { total grade } } }'
BOX = """query($o: ID!, $s: Boolean!) { correspondence(organId: $o, sent: $s) {
    kind documentNumber recipients { state } items { answer } jointIssuers { kind } } }"""
CLUES = "query($o: ID!) { clues(organId: $o) { state result roundId } }"
FINDINGS_OF_COUNTY = 'query { findings(tenantCode: "431321") { totalCount } }'
COUNTY_VIEW = """query($y: Int!) {
    staffingWarnings(tenantCode: "431321") { items { ruleName findingId } }
    reviewPlan(tenantCode: "431321", year: $y, requiredOnly: true) { leader { name } reason }
    roundDashboard(tenantCode: "431321") { name stage units fedBack accepted latePlanUnitIds lateReportUnitIds }
    daily: findings(tenantCode: "431321", filter: {sources: [REPORT_12310, AUDIT_REFERRAL]}) { items { source round { id } ledger { quantities { kind planned achieved } } } } }"""
PROVINCE_VIEW = """{
    accountabilityCases(tenantCode: "430000") { items { state measures { kind attendees } } }
    countyCases: accountabilityCases(tenantCode: "431321") { items { state measures { kind } } }
    accountabilityStatistics(tenantCode: "430000", by: MEASURE) { key count }
    unitStatus(creditCode: "11431321MB1234567X") { staffingFrozen }
    bulletins(tenantCode: "430000", direction: ISSUED) { items { state issue } } }"""
RECEIVED = '{ bulletins(tenantCode: "431321", direction: RECEIVED) { items { issue title preface cases { unit title facts handling } } } }'


async def test_demo_loads_a_province_with_work_in_every_state_and_loads_nothing_twice(runtime):
    await runtime.upgrade_all()
    started = time.perf_counter()
    await load_demo(runtime, Progress(disable=True))
    elapsed = time.perf_counter() - started
    logins = await load_demo_users(runtime)
    print(f"demo loaded in {elapsed:.1f} s")

    async with runtime.engine.connect() as connection:
        levels = dict((await connection.execute(text("SELECT level, count(*) FROM tenancy.tenant GROUP BY level"))).all())
        states = dict((await connection.execute(text("SELECT state, count(*) FROM problem_bank.problem GROUP BY state"))).all())
        overdue = (
            await connection.execute(
                text("SELECT count(*) FROM problem_bank.problem WHERE state <> '已销号' AND deadline < :today"),
                {"today": runtime.clock.today()},
            )
        ).scalar_one()
        kinds = (await connection.execute(text("SELECT count(DISTINCT left(taxonomy_code, 7)) FROM problem_bank.problem"))).scalar_one()
        findings = sum(states.values())
        display_names = (await connection.execute(text("SELECT display_name FROM identity.user_account"))).scalars().all()
        liaison_findings = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM t431321.finding f JOIN t431321.inspected_unit u ON u.id = f.unit_id"
                    " WHERE u.credit_code = '11431321MB1234567X'"
                )
            )
        ).scalar_one()
    drifts = [await verify_snapshot(runtime.engine, code) for code in ("431321", "431300", "433127")]

    await load_demo(runtime, Progress(disable=True))  # a restarted demo adds nothing
    async with runtime.engine.connect() as connection:
        again = (await connection.execute(text("SELECT count(*) FROM problem_bank.problem"))).scalar_one()

    async with Api(runtime) as api:
        tokens = {
            login.username: (
                await api.call(
                    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
                    None,
                    u=login.username,
                    p=DEMO_PASSWORD,
                )
            )["data"]["login"]["accessToken"]
            for login in logins
        }
        county = (await api.call(COUNTY_VIEW, tokens["shuangfeng.inspector"], y=runtime.clock.today().year))["data"]
        province = (await api.call(PROVINCE_VIEW, tokens["hunan.publisher"]))["data"]
        received = (await api.call(RECEIVED, tokens["shuangfeng.admin"]))["data"]["bulletins"]["items"]
        organs = {o["kind"]: o["id"] for o in (await api.call(ORGANS, tokens["shuangfeng.jiwei"]))["data"]["organs"]}
        sent = (await api.call(BOX, tokens["shuangfeng.xunchaban"], o=organs["INSPECTION_OFFICE"], s=True))["data"]["correspondence"]
        handed = (await api.call(BOX, tokens["shuangfeng.jiwei"], o=organs["DISCIPLINE"], s=False))["data"]["correspondence"]
        clues = (await api.call(CLUES, tokens["shuangfeng.jiwei"], o=organs["DISCIPLINE"]))["data"]["clues"]
        notices = (await api.call(BOX, tokens["shuangfeng.zuzhibu"], o=organs["ORGANIZATION"], s=False))["data"]["correspondence"]
        discipline_reads_findings = (await api.call(FINDINGS_OF_COUNTY, tokens["shuangfeng.jiwei"]))["errors"][0]["extensions"]["code"]
        [evaluation] = (await api.call(EVALUATIONS, tokens["shuangfeng.inspector"]))["data"]["evaluations"]
        results = (await api.call(EVALUATION, tokens["shuangfeng.inspector"], e=evaluation["id"]))["data"]["evaluation"]["departments"]
        triage = (await api.call(REPORTS_12310, tokens["shuangfeng.admin"]))["data"]["reports12310"]["items"]
        city_evaluation = (await api.call(CITY_EVALUATIONS, tokens["loudi.admin"]))["data"]["evaluations"]
        calendar = (await api.call(CALENDAR, tokens["loudi.admin"]))["data"]["reportCalendar"]["currentPeriod"]
        annual = (await api.call(ANNUAL, tokens["shuangfeng.inspector"], y=runtime.clock.today().year))["data"]["annualReports"]

    assert levels == {"province": 1, "city": 14, "county": 122}
    assert set(states) == set(LedgerState) and min(states.values()) >= 40
    assert overdue > 20 and kinds == 27  # some overdue; the whole taxonomy (edition 2027.1) in use
    assert 136 * 4 <= findings <= 136 * 8 and again == findings
    assert liaison_findings >= 1 and all(drift.in_step for drift in drifts)
    walkthrough = next(r for r in county["roundDashboard"] if r["name"] == "七届县委第三轮巡察（机构编制专项）")
    assert (walkthrough["stage"], walkthrough["units"], walkthrough["fedBack"]) == ("FEEDBACK", 3, 3)
    assert len(walkthrough["latePlanUnitIds"]) == 1 and len(walkthrough["lateReportUnitIds"]) == 2  # a plan returned; two reports late
    provincial = next(r for r in county["roundDashboard"] if r["name"].startswith("省委第三巡视组"))
    assert (provincial["stage"], provincial["units"], provincial["accepted"]) == ("ACCEPTANCE", 2, 1)
    assert any(r["name"].endswith("回头看”") and r["stage"] == "INVESTIGATING" for r in county["roundDashboard"])
    assert states[LedgerState.IN_PROGRESS] >= 1  # the 回头看 reopened one
    assert len(logins) == len(DEMO_LOGINS) and all(tokens.values())
    assert not [name for name in display_names if any("a" <= ch.lower() <= "z" for ch in name)]  # 双峰县监督检查人员, no English
    # 双峰县's organs: the 巡察办's 函请 answered item by item and finished by the 编办's 复函; the
    # 纪委监委 handles what the 编办 handed over, and reads nothing else of the 编办's
    assert set(organs) == {"OFFICE", "INSPECTION_OFFICE", "INSPECTION_TEAM", "ORGANIZATION", "DISCIPLINE"}
    # 双峰县's last quarter's report confirmed by 娄底市, this quarter's due; the annual report half collected
    assert annual["units"] >= 2 and annual["submitted"] == annual["accepted"] == annual["units"] // 2
    async with runtime.engine.connect() as connection:
        reported = (await connection.execute(text("SELECT period, state FROM supervision.report_up WHERE tenant_code = '431321'"))).all()
    assert len(reported) == 1 and reported[0][1] == "已确认" and reported[0][0] != calendar
    assert triage == [{"state": "RECEIVED", "reportedUnit": "双峰县农业农村局"}]  # a 12310 report in triage
    assert city_evaluation == [{"state": "FED_BACK", "departments": 2, "assessed": 2}]  # 娄底市's own
    # 双峰县's departments evaluated (三评合一) and the results fed back
    assert (evaluation["name"], evaluation["state"], evaluation["assessed"]) == (
        f"{runtime.clock.today().year}年度部门三评合一评估",
        "FED_BACK",
        3,
    )
    assert [(d["total"], d["grade"]) for d in results] == [("95.63", "EXCELLENT"), ("91.41", "EXCELLENT"), ("86.70", "GOOD")]
    assert [(d["documentNumber"], [r["state"] for r in d["recipients"]], all(i["answer"] for i in d["items"])) for d in sent] == [
        (f"双巡办函〔{runtime.clock.today().year}〕1号", ["FINISHED", "SENT"], True)
    ]
    assert [(d["kind"], d["recipients"][0]["state"]) for d in handed] == [("HANDOVER", "HANDLING")]
    assert [(c["state"], c["result"], c["roundId"] is not None) for c in clues] == [("HANDLING", "PRELIMINARY", True)]
    assert [(d["kind"], [o["kind"] for o in d["jointIssuers"]]) for d in notices] == [("NOTICE", ["DISCIPLINE"]), ("REQUEST", [])]  # 抄送
    assert discipline_reads_findings == "NOT_FOUND"
    # the warning run raised 超编 warnings, one of which became a finding; the review plan selects leaders
    assert any(w["ruleName"] == "超编" for w in county["staffingWarnings"]["items"])
    assert {"超限额设置内设机构", "内设机构超职数配备干部", "“三定”规定调整滞后"} <= {
        w["ruleName"] for w in county["staffingWarnings"]["items"]
    }
    assert sum(w["findingId"] is not None for w in county["staffingWarnings"]["items"]) == 1
    assert sorted(f["source"] for f in county["daily"]["items"]) == ["AUDIT_REFERRAL", "REPORT_12310"]  # 日常监督, no round
    assert all(f["round"] is None for f in county["daily"]["items"])
    assert {"kind": "消化超编", "planned": 2, "achieved": 1} in [q for f in county["daily"]["items"] for q in f["ledger"]["quantities"]]
    assert county["reviewPlan"] and all(entry["reason"] for entry in county["reviewPlan"])
    # the province interviewed the county's leaders (it does not freeze a county bureau); the county's
    # own case froze the bureau, which approval systems see; the province's statistics count both;
    # its bulletin went out as 第1期
    [case] = province["accountabilityCases"]["items"]
    assert (case["state"], [m["kind"] for m in case["measures"]]) == ("IMPLEMENTING", ["INTERVIEW"])
    assert "双峰县委编办主任" in case["measures"][0]["attendees"]
    [county_case] = province["countyCases"]["items"]
    assert (county_case["state"], [m["kind"] for m in county_case["measures"]]) == ("IMPLEMENTING", ["FREEZE"])
    assert {t["key"]: t["count"] for t in province["accountabilityStatistics"]} == {"INTERVIEW": 1, "FREEZE": 1}
    assert [s["staffingFrozen"] for s in province["unitStatus"]] == [True]
    assert [(b["state"], b["issue"]) for b in province["bulletins"]["items"]] == [("PUBLISHED", f"{runtime.clock.today().year}年第1期")]
    assert [b["issue"] for b in received] == [f"{runtime.clock.today().year}年第1期"]
    # and its recipients read no name of an office or unit below the province (the 涟源市 of issue 19 included)
    async with runtime.engine.connect() as connection:
        offices = (await connection.execute(text("SELECT name FROM tenancy.tenant WHERE code <> '430000'"))).scalars().all()
        units = (await connection.execute(text("SELECT name FROM problem_bank.unit"))).scalars().all()
    names = {form for office in offices for form in office_forms(office)} | set(units)
    as_read = json.dumps(received, ensure_ascii=False)
    assert "涟源" not in as_read and not [name for name in names if name in as_read]
