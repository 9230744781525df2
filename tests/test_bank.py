"""The problem bank's projection: written in the same transaction as the finding or ledger
change, gone with it when that rolls back, and checked against the ledgers by `bank verify`."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from backend.findings.service import check_finding, insert_finding
from problem_bank.projection import verify
from tenants.scoping import tenant_engine
from tests.helpers import LOG_FINDING, SCENARIO_DAY, counting_statements, finding_input
from tests.identity import Api, error_code, renewed

PROGRESS = """mutation($f: ID!, $v: Int!) { reportProgress(tenantCode: "431321", findingId: $f, version: $v, note: "已整改") { id } }"""


async def bank_rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        return [
            tuple(row)
            for row in await connection.execute(
                text(
                    "SELECT tenant_code, finding_id, province_code, city_code, unit_name, round_kind, taxonomy_code, state, deadline"
                    " FROM problem_bank.problem ORDER BY tenant_code, finding_id"
                )
            )
        ]


async def drift(runtime, code: str = "431321"):
    async with runtime.engine.connect() as connection:
        return await verify(connection, code)


async def test_findings_and_ledger_changes_are_projected_in_the_same_transaction(county):
    runtime, token = county
    async with Api(runtime) as api:
        logged = (await api.call(LOG_FINDING, token, i=finding_input(code="SF-1")))["data"]["logFinding"]
        rows = await bank_rows(runtime)
        assert [r[:8] for r in rows] == [("431321", int(logged["id"]), "430000", "431300", "财政局", "巡察", "C03.K01.M01", "挂号")]
        await api.call(PROGRESS, token, f=logged["id"], v=logged["ledger"]["version"])
        assert [r[7] for r in await bank_rows(runtime)] == ["整改中"]
        assert error_code(await api.call(LOG_FINDING, token, i=finding_input(code="SF-1"))) == "DUPLICATE"
        await api.call(
            'mutation { updateUnit(tenantCode: "431321", id: "1", version: 1, input: {creditCode: "UNIT00000001", '
            'name: "县财政局", unitType: GOVERNMENT}) { version } }',
            token,
        )
    assert [r[4] for r in await bank_rows(runtime)] == ["县财政局"]
    assert (await drift(runtime)).in_step


async def test_a_rolled_back_finding_leaves_no_bank_row(county):
    runtime, _ = county
    taxonomy = await runtime.taxonomy()
    data = check_finding(
        round_id=1,
        unit_id=1,
        taxonomy_code="C03.K01.M01",
        description="超编",
        evidence_sources=[],
        severity="一般",
        fixed_on_spot=False,
        found_on=date(2026, 9, 10),
        deadline=date(2026, 12, 31),
        responsible_person=None,
        measures=None,
        close_note=None,
        today=date(2026, 11, 1),
        taxonomy=taxonomy,
        tenant_code="431321",
    )
    with pytest.raises(RuntimeError):
        async with tenant_engine(runtime.engine, "431321").begin() as connection:
            await insert_finding(connection, "431321", data, "sf.inspector", None)
            assert len(await bank_rows_in(connection)) == 1  # projected inside the transaction
            raise RuntimeError("the rest of the change failed")
    assert await bank_rows(runtime) == []
    assert (await drift(runtime)).in_step


async def bank_rows_in(connection) -> list:
    return (await connection.execute(text("SELECT finding_id FROM problem_bank.problem"))).all()


async def test_bank_verify_reports_missing_stale_and_orphaned_rows(county):
    runtime, token = county
    async with Api(runtime) as api:
        ids = [int((await api.call(LOG_FINDING, token, i=finding_input()))["data"]["logFinding"]["id"]) for _ in range(3)]
    async with runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE problem_bank.problem SET state = '已销号' WHERE finding_id = :f"), {"f": ids[0]})
        await connection.execute(text("DELETE FROM problem_bank.problem WHERE finding_id = :f"), {"f": ids[1]})
        await connection.execute(
            text(
                "INSERT INTO problem_bank.problem SELECT tenant_code, 999, province_code, city_code, tenant_level, 'X', unit_id, unit_name,"
                " unit_type, round_id, round_kind, taxonomy_code, taxonomy_version, severity, fixed_on_spot, state, deadline, closed_at,"
                " found_on, description FROM problem_bank.problem WHERE finding_id = :f"
            ),
            {"f": ids[2]},
        )
    report = await drift(runtime)
    assert (report.findings, report.missing_or_stale, report.orphaned) == (3, ids[:2], [999])
    assert (await drift(runtime, "431322")).in_step


async def test_the_bank_verify_command_exits_non_zero_on_drift(county):
    from tests.helpers import xuncha

    runtime, token = county
    async with Api(runtime) as api:
        await api.call(LOG_FINDING, token, i=finding_input())
    clean = await xuncha(runtime, "bank", "verify")
    assert clean.returncode == 0 and "问题库与台账一致" in clean.stdout, clean.stderr
    async with runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE problem_bank.problem SET deadline = deadline + 1"))
    drifting = await xuncha(runtime, "bank", "verify", "--tenant", "431321")
    assert drifting.returncode == 1 and "[431321] 缺失或过时的问题：1" in drifting.stderr


PROBLEMS = """query($r: String!, $t: String, $f: ProblemFilterInput, $n: Int! = 50, $a: String) {
    problems(regionCode: $r, text: $t, filter: $f, first: $n, after: $a) { pageInfo { hasNextPage endCursor } items {
    tenantCode officeName findingCode unitName taxonomyName state overdue highlight } } }"""


async def test_a_region_sees_its_subtree_and_nobody_reads_sideways_or_up(province):
    runtime, tokens = province
    async with Api(runtime) as api:

        async def seen(who: str, region: str):
            result = await api.call(PROBLEMS, tokens[who], r=region)
            return error_code(result) or sorted(item["findingCode"] for item in result["data"]["problems"]["items"])

        outcomes = {
            (who, region): await seen(who, region)
            for who, region in (
                ("province", "430000"),
                ("city", "431300"),
                ("county", "431321"),
                ("county", "431322"),
                ("county", "431300"),
                ("sibling", "431322"),
                ("other", "430000"),
                ("liaison", "431321"),
            )
        }
    assert outcomes == {
        ("province", "430000"): ["LY-1", "SF-1", "SF-2", "SF-3"],
        ("city", "431300"): ["LY-1", "SF-1", "SF-2", "SF-3"],
        ("county", "431321"): ["SF-1", "SF-2", "SF-3"],
        ("county", "431322"): "NOT_FOUND",
        ("county", "431300"): "NOT_FOUND",
        ("sibling", "431322"): ["LY-1"],
        ("other", "430000"): "NOT_FOUND",
        ("liaison", "431321"): "FORBIDDEN",
    }


async def test_two_character_terms_filters_and_cursors(province):
    runtime, tokens = province
    token = tokens["province"]
    async with Api(runtime) as api:

        async def codes(**variables):
            result = await api.call(PROBLEMS, token, r="430000", **variables)
            return error_code(result) or [item["findingCode"] for item in result["data"]["problems"]["items"]]

        overstaffed = (await api.call(PROBLEMS, token, r="430000", t="超编"))["data"]["problems"]["items"]
        assert [(i["findingCode"], i["highlight"]) for i in overstaffed] == [
            ("LY-1", "混编混岗，【超编】使用事业编制"),
            ("SF-1", "实有人数超过核定编制 2 名，属【超编】进人"),
        ]
        assert overstaffed[1]["officeName"] == "双峰县" and overstaffed[1]["taxonomyName"] == "实有人数超过核定编制数"
        assert await codes(t="借调") == ["SF-2"]
        assert await codes(t="100%") == []
        assert await codes(f={"taxonomyCode": "C03.K01"}) == ["LY-1", "SF-1"]
        assert await codes(f={"taxonomyCode": "C03.K01", "overdue": True}) == ["SF-1"]
        assert await codes(f={"foundFrom": "2026-02-01", "foundTo": "2026-03-01"}) == ["SF-3", "SF-2"]
        assert await codes(f={"states": ["REGISTERED"], "taxonomyCode": "C03"}) == ["LY-1", "SF-2", "SF-1"]
        assert await codes(f={"states": ["CLOSED"]}) == []
        first = (await api.call(PROBLEMS, token, r="430000", n=2))["data"]["problems"]
        rest = (await api.call(PROBLEMS, token, r="430000", n=2, a=first["pageInfo"]["endCursor"]))["data"]["problems"]
        assert [i["findingCode"] for i in first["items"] + rest["items"]] == ["LY-1", "SF-3", "SF-2", "SF-1"]
        assert [i["state"] for i in rest["items"]] == ["REGISTERED", "REGISTERED"]
        assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
        refusals = [
            await codes(t=""),
            await codes(t="超" * 51),
            await codes(f={"taxonomyCode": "C99"}),
            await codes(a="garbage"),
            await codes(f={"foundFrom": "2026-12-01", "foundTo": "2026-01-01"}),
            await codes(f={"states": ["挂号"]}),
        ]
        with counting_statements(runtime.engine) as one:
            await api.call(PROBLEMS, token, r="430000", n=1)
        with counting_statements(runtime.engine) as all_of_them:
            await api.call(PROBLEMS, token, r="430000", n=50)
    assert refusals == ["INVALID_TEXT", "INVALID_TEXT", "UNKNOWN_TAXONOMY_CODE", "INVALID_CURSOR", "INVALID_PERIOD", "INVALID_INPUT"]
    assert len(one) == len(all_of_them)


STATISTICS = """query($r: String!, $by: BankBreakdown!, $f: ProblemFilterInput) { bankStatistics(regionCode: $r, by: $by, filter: $f) {
    key label total awaitingCloseOut closed overdue averageDaysOverdue completionRate } }"""
RANKING = """query($r: String!, $n: Int! = 20, $a: String) { overdueRanking(regionCode: $r, first: $n, after: $a) {
    pageInfo { hasNextPage endCursor } items { key label overdue averageDaysOverdue } } }"""


async def test_statistics_drill_down_and_the_overdue_ranking(province):
    runtime, tokens = province
    days_overdue = float((SCENARIO_DAY - date(2026, 1, 31)).days)
    async with Api(runtime) as api:
        sf2 = (await api.call(PROBLEMS, tokens["county"], r="431321", t="借调"))["data"]["problems"]["items"]
        assert [i["findingCode"] for i in sf2] == ["SF-2"]
        finding_id = (
            await api.call('{ findings(tenantCode: "431321", filter: {taxonomyCode: "C03.K10"}) { items { id } } }', tokens["county"])
        )["data"]["findings"]["items"][0]["id"]
        await api.call(PROGRESS, tokens["county"], f=finding_id, v=1)
        await api.call(
            'mutation($f: ID!) { requestCloseOut(tenantCode: "431321", findingId: $f, version: 2, note: "已返岗") { id } }',
            tokens["county"],
            f=finding_id,
        )

        async def tally(region: str, by: str, who: str = "province", **filter_):
            result = await api.call(STATISTICS, tokens[who], r=region, by=by, f=filter_ or None)
            return error_code(result) or [
                (t["key"], t["label"], t["total"], t["awaitingCloseOut"], t["overdue"]) for t in result["data"]["bankStatistics"]
            ]

        province_level = (await api.call(STATISTICS, tokens["province"], r="430000", by="REGION"))["data"]["bankStatistics"]
        assert province_level == [
            {
                "key": "431300",
                "label": "娄底市",
                "total": 4,
                "awaitingCloseOut": 1,  # asked for, not decided: shown apart, not counted as done
                "closed": 0,
                "overdue": 1,
                "averageDaysOverdue": days_overdue,
                "completionRate": 0.0,  # 整改完成率 = 已销号 ÷ 总数
            }
        ]
        assert await tally("431300", "REGION") == [("431321", "双峰县", 3, 1, 1), ("431322", "新化县", 1, 0, 0)]
        assert await tally("430000", "CATEGORY") == [
            ("C03", "规范机构编制管理", 3, 1, 1),
            ("C04", "严格执行“三定”规定", 1, 0, 0),
        ]
        assert await tally("430000", "KIND", taxonomyCode="C03") == [("C03.K01", "超编进人", 2, 0, 1), ("C03.K10", "长期借调抽调", 1, 1, 0)]
        assert [row[0] for row in await tally("431321", "MONTH", who="county")] == ["2026-01", "2026-02", "2026-03"]
        ranking = (await api.call(RANKING, tokens["city"], r="431300"))["data"]["overdueRanking"]["items"]
        refusals = [
            await tally("431321", "REGION", who="liaison"),
            await tally("431321", "REGION", who="sibling"),
            await tally("431300", "UNIT_TYPE", who="county"),
            error_code(await api.call(RANKING, tokens["other"], r="430000")),
        ]
    assert ranking == [{"key": "431321", "label": "双峰县", "overdue": 1, "averageDaysOverdue": days_overdue}]
    assert refusals == ["FORBIDDEN", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]


OVERDUE = """query($r: String!) {
    problems(regionCode: $r, filter: {overdue: true}) { items { findingCode overdue } }
    bankStatistics(regionCode: $r, by: REGION) { key overdue averageDaysOverdue }
    overdueRanking(regionCode: $r) { items { key overdue } } }"""
COUNTY_OVERDUE = '{ findings(tenantCode: "431321", filter: {overdue: true}) { items { code ledger { overdue } } } }'


@pytest.mark.parametrize(
    ("day", "overdue_codes", "by_county", "ranked"),
    [
        (SCENARIO_DAY, ["SF-1"], [("431321", 1, 293.0), ("431322", 0, None)], [("431321", 1)]),
        (date(2027, 6, 1), ["LY-1", "SF-1"], [("431321", 1, 486.0), ("431322", 1, 152.0)], [("431321", 1), ("431322", 1)]),
    ],
)
async def test_overdue_answers_follow_the_clock(province, day, overdue_codes, by_county, ranked):
    """逾期 is derived from the runtime's clock, not the machine's date: LY-1 (deadline 2026-12-31)
    is not overdue in November 2026 and is by June 2027, in the bank, its counts and the ledger."""
    runtime, tokens = province
    runtime.clock.set(day)
    async with Api(runtime) as api:
        city = (await api.call(OVERDUE, renewed(runtime, tokens["city"]), r="431300"))["data"]
        county = (await api.call(COUNTY_OVERDUE, renewed(runtime, tokens["county"])))["data"]["findings"]["items"]
    assert sorted(i["findingCode"] for i in city["problems"]["items"]) == overdue_codes
    assert all(i["overdue"] for i in city["problems"]["items"])
    assert [(t["key"], t["overdue"], t["averageDaysOverdue"]) for t in city["bankStatistics"]] == by_county
    assert sorted((r["key"], r["overdue"]) for r in city["overdueRanking"]["items"]) == ranked
    assert [(f["code"], f["ledger"]["overdue"]) for f in county] == [("SF-1", True)]


async def test_the_ranking_is_paged_in_its_order_and_a_cursor_of_another_list_is_refused(province):
    runtime, tokens = province
    runtime.clock.set(date(2027, 6, 1))  # SF-1 and LY-1 overdue: one each in 双峰县 and 新化县
    token = renewed(runtime, tokens["city"])
    async with Api(runtime) as api:
        first = (await api.call(RANKING, token, r="431300", n=1))["data"]["overdueRanking"]
        rest = (await api.call(RANKING, token, r="431300", n=1, a=first["pageInfo"]["endCursor"]))["data"]["overdueRanking"]
        refusals = [
            error_code(await api.call(PROBLEMS, token, r="431300", a=first["pageInfo"]["endCursor"])),
            error_code(await api.call(RANKING, token, r="431300", a="garbage")),
        ]
    assert [(i["key"], i["overdue"]) for i in first["items"] + rest["items"]] == [("431321", 1), ("431322", 1)]
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert refusals == ["INVALID_CURSOR", "INVALID_CURSOR"]
