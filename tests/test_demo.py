"""`xuncha demo`'s data set: the whole 湖南省, its logins, and a year of inspection work with
ledgers in every state, generated through the domain services (so the bank matches)."""

from __future__ import annotations

import json
import re
import time

from rich.progress import Progress
from sqlalchemy import text

from backend.demo import load_demo
from backend.demo.offices import DEMO_LOGINS, DEMO_PASSWORD, load_demo_users
from problem_bank.deidentify import office_forms
from problem_bank.projection import verify_snapshot
from problem_bank.rectification import LedgerState
from tests.identity import Api

# What makes the demo believable to an office (issue 22, item 8), read back from the database.
TERM_ROUND = re.compile(r"(十[一二三四五六七八九]?|[一二三四五六七八九])届(省委|市委|州委|县委|区委)第[一二三四五六七八九十]+轮(巡视|巡察)")
HEAD_TITLES = {"局": "局长", "医院": "院长", "中心": "主任"}  # a unit's head is titled by the unit
# a finding states how many, since when and which document
COUNT = re.compile(r"\d+ ?(名|个|项|次|块|份|个月)")
SINCE = re.compile(r"20\d\d年")
DOCUMENT = re.compile(r"《[^》]+》|〔20\d\d〕\d+号")
# … and the facts of its taxonomy kind (edition 2027.1)
KIND_WORDS = {
    "C01.K01": "集体研究|报批|论证",
    "C01.K02": "请示报告",
    "C01.K03": "学习|宣传教育",
    "C02.K01": "转隶|划转|撤销",
    "C02.K02": "标牌",
    "C03.K01": "超编|混编混岗|编制类别",
    "C03.K02": "职数",
    "C03.K03": "规格",
    "C03.K04": "议事协调机构|临时机构",
    "C03.K05": "更名",
    "C03.K06": "挂牌机构",
    "C03.K07": "进人",
    "C03.K08": "编外人员|购买服务",
    "C03.K09": "不在岗",
    "C03.K10": "借调",
    "C03.K11": "实名制",
    "C03.K12": "报告",
    "C04.K01": "职责",
    "C04.K02": "内设机构",
    "C04.K03": "扩大解释|内部文件",
    "C04.K04": "职责",
    "C05.K01": "对应机构",
    "C05.K02": "自行批准|自行审批",
    "C05.K03": "规范性文件",
    "C05.K04": "上报|申报",
    "C05.K05": "调阅",
    "C05.K06": "整改|反弹",
}
# the methods that yield each evidence source
YIELDED_BY = {
    "实名制数据": {"实名制筛查", "数据比对"},
    "任免文件": {"调阅资料"},
    "官方网站": {"数据比对"},
    "工作报告": {"听取汇报", "调阅资料"},
    "现场情况": {"实地查验", "走访"},
    "钉钉数据": {"数据比对"},
}


async def every_office(connection, query: str) -> list:
    """`query` (over `{s}`, a tenant schema, and `{code}`) in every office below and at the province."""
    codes = (await connection.execute(text("SELECT code FROM tenancy.tenant ORDER BY code"))).scalars().all()
    union = " UNION ALL ".join(query.format(s=f"t{code}", code=code) for code in codes)
    return (await connection.execute(text(union))).all()


def latin(name: str) -> bool:
    return any("a" <= ch.lower() <= "z" for ch in name)


async def assert_rounds_named_by_term(connection) -> None:
    names = await every_office(connection, "SELECT '{code}' AS code, name FROM {s}.inspection_round")
    assert len(names) > 136 and not [(code, name) for code, name in names if not TERM_ROUND.match(name)]


async def assert_names_in_chinese(connection) -> None:
    """Units, their heads, rounds and their teams are named in Chinese only."""
    names = await every_office(
        connection,
        "SELECT name FROM {s}.inspected_unit UNION ALL SELECT name FROM {s}.leader UNION ALL SELECT name FROM {s}.inspection_round"
        " UNION ALL SELECT name FROM {s}.round_member",
    )
    assert len(names) > 136 * 10 and not [name for (name,) in names if latin(name)]


async def assert_units_and_heads_fit_their_level(connection) -> None:
    """局 with 股 and 科级 posts in a county, with 科 and 处级 in a city; 事业单位 with no 三定 limit on
    their internal bodies; one head in office each, titled by the unit, at the unit's leader level."""
    units = await every_office(
        connection,
        "SELECT '{code}' AS code, u.id, u.name, u.unit_type, u.internal_bodies, u.leadership_posts, u.approved_internal_bodies,"
        " array_agg(l.post) AS posts, array_agg(l.level) AS levels"
        " FROM {s}.inspected_unit u JOIN {s}.leader l ON l.unit_id = u.id AND l.left_on IS NULL GROUP BY u.id",
    )
    assert len(units) == 136 * 5
    for code, _, name, unit_type, bodies, posts, approved_bodies, heads, levels in units:
        county = code[4:] != "00"
        [title] = [title for suffix, title in HEAD_TITLES.items() if name.endswith(suffix)]
        assert heads == [title], (name, heads)
        assert set(posts) == ({"正科级", "副科级"} if county else {"正处级", "副处级"}), (name, posts)
        if unit_type == "事业单位":
            assert (levels, approved_bodies) == (["直属单位"], None), name
        else:
            assert levels == ["县直部门" if county else "市直部门"], (name, levels)
            assert approved_bodies is not None and all(b == "办公室" or b.endswith("股" if county else "科") for b in bodies), name


async def assert_findings_state_facts(connection) -> None:
    """Every finding the demo wrote (not those a warning turned into one) says how many, since
    when and which document, in the words of its taxonomy kind; its evidence came from a method
    of its round; the person responsible heads its unit in the leader register."""
    findings = await every_office(
        connection,
        "SELECT '{code}' AS code, f.taxonomy_code, f.description, f.evidence_sources, r.methods, e.responsible_person,"
        " EXISTS (SELECT FROM {s}.leader l WHERE l.unit_id = f.unit_id AND l.name = e.responsible_person) AS registered"
        " FROM {s}.finding f JOIN {s}.ledger_entry e ON e.finding_id = f.id LEFT JOIN {s}.inspection_round r ON r.id = f.round_id"
        " WHERE NOT EXISTS (SELECT FROM {s}.staffing_warning w WHERE w.finding_id = f.id)",
    )
    assert len(findings) >= 136 * 4
    for code, taxonomy_code, description, evidence, methods, responsible, registered in findings:
        facts = (COUNT.search(description), SINCE.search(description), DOCUMENT.search(description))
        assert all(facts), (code, description)
        assert re.search(KIND_WORDS[taxonomy_code[:7]], description), (taxonomy_code, description)
        assert evidence and (methods is None or all(YIELDED_BY[source] & set(methods) for source in evidence)), (description, methods)
        assert responsible and registered, (code, description, responsible)


async def assert_over_staffing_absorbed_over_years(connection) -> None:
    """超编 is absorbed over years (逐年消化, 只出不进): no 超编 finding is due within a year, and
    nothing in a finding or its ledger speaks of 清退."""
    over = await every_office(
        connection,
        "SELECT f.description, e.deadline - f.found_on AS days, f.rectification_class FROM {s}.finding f"
        " JOIN {s}.ledger_entry e ON e.finding_id = f.id WHERE f.taxonomy_code = 'C03.K01.M01'",
    )
    assert len(over) >= 3 and all(days >= 365 for _, days, _ in over), [row for row in over if row[1] < 365]
    words = await every_office(
        connection,
        "SELECT f.description || coalesce(e.measures, '') FROM {s}.finding f JOIN {s}.ledger_entry e ON e.finding_id = f.id"
        " UNION ALL SELECT coalesce(note, '') FROM {s}.ledger_event",
    )
    assert not [said for (said,) in words if "清退" in said]


async def assert_drafts_cite_their_nodes_basis(connection) -> None:
    drafts = (
        await connection.execute(
            text(
                "SELECT d.basis, n.legal_basis FROM t431321.finding_draft d JOIN problem_bank.taxonomy_node n"
                " ON n.version = d.taxonomy_version AND n.code = d.taxonomy_code"
            )
        )
    ).all()
    assert len(drafts) == 6 and all(basis == legal_basis for basis, legal_basis in drafts), drafts


async def assert_bulletin_cases_titled_as_their_sources(connection) -> None:
    """A case from an accountability case has its title; one from the bank, its unit and kind."""
    cases = (
        await connection.execute(
            text(
                "SELECT c.title, coalesce(a.title, p.unit_name || n.name) FROM problem_bank.bulletin_case c"
                " LEFT JOIN t430000.accountability_case a ON c.source_kind = 'accountability_case' AND a.id = c.source_id"
                " LEFT JOIN problem_bank.problem p ON c.source_kind = 'problem' AND p.tenant_code = c.source_tenant_code"
                " AND p.finding_id = c.source_id"
                " LEFT JOIN problem_bank.taxonomy_node n ON n.code = p.taxonomy_code AND n.version = p.taxonomy_version"
            )
        )
    ).all()
    assert len(cases) == 2 and all(title == source for title, source in cases), cases


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
    accountabilityCases(tenantCode: "430000") { items { state measures { kind } } }
    unitStatus(creditCode: "11431321MB1234567X") { staffingFrozen }
    bulletins(tenantCode: "430000", direction: ISSUED) { items { state issue documentNumber } } }"""
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
    walkthrough = next(r for r in county["roundDashboard"] if r["name"] == "十四届县委第三轮巡察（机构编制专项）")
    assert (walkthrough["stage"], walkthrough["units"], walkthrough["fedBack"]) == ("FEEDBACK", 3, 3)
    assert len(walkthrough["latePlanUnitIds"]) == 1 and len(walkthrough["lateReportUnitIds"]) == 2  # a plan returned; two reports late
    provincial = next(r for r in county["roundDashboard"] if r["name"].startswith("十二届省委第三轮巡视"))
    assert (provincial["stage"], provincial["units"], provincial["accepted"]) == ("ACCEPTANCE", 2, 1)
    assert any(r["name"].endswith("回头看”") and r["stage"] == "INVESTIGATING" for r in county["roundDashboard"])
    assert states[LedgerState.IN_PROGRESS] >= 1  # the 回头看 reopened one
    assert len(logins) == len(DEMO_LOGINS) and all(tokens.values())
    assert not [name for name in display_names if latin(name)]  # 双峰县监督检查人员, no English
    async with runtime.engine.connect() as connection:
        await assert_rounds_named_by_term(connection)
        await assert_names_in_chinese(connection)
        await assert_units_and_heads_fit_their_level(connection)
        await assert_findings_state_facts(connection)
        await assert_over_staffing_absorbed_over_years(connection)
        await assert_drafts_cite_their_nodes_basis(connection)
        await assert_bulletin_cases_titled_as_their_sources(connection)
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
    [absorbing] = [q for f in county["daily"]["items"] for q in f["ledger"]["quantities"] if q["kind"] == "消化超编"]
    assert absorbing["planned"] >= absorbing["achieved"] == 1
    assert county["reviewPlan"] and all(entry["reason"] for entry in county["reviewPlan"])
    # the province's case holds a freeze that approval systems see; its bulletin went out as 第1期
    [case] = province["accountabilityCases"]["items"]
    assert (case["state"], [m["kind"] for m in case["measures"]]) == ("CARRIED_OUT", ["INTERVIEW", "FREEZE"])
    assert [s["staffingFrozen"] for s in province["unitStatus"]] == [True]
    year = runtime.clock.today().year
    assert [(b["state"], b["issue"], b["documentNumber"]) for b in province["bulletins"]["items"]] == [
        ("PUBLISHED", f"{year}年第1期", f"湘编办通〔{year}〕1号")  # its 文号
    ]
    assert [b["issue"] for b in received] == [f"{runtime.clock.today().year}年第1期"]
    # and its recipients read no name of an office or unit below the province (the 涟源市 of issue 19 included)
    async with runtime.engine.connect() as connection:
        offices = (await connection.execute(text("SELECT name FROM tenancy.tenant WHERE code <> '430000'"))).scalars().all()
        units = (await connection.execute(text("SELECT name FROM problem_bank.unit"))).scalars().all()
    names = {form for office in offices for form in office_forms(office)} | set(units)
    as_read = json.dumps(received, ensure_ascii=False)
    assert "涟源" not in as_read and not [name for name in names if name in as_read]
