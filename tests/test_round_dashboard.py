"""The rounds dashboard: each round not yet archived with its stage and what is late, in one
statement whatever the number of rounds."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from backend.supervision.engine import run_supervision
from tests.factories import add_round, fed_back_round
from tests.helpers import statements_for
from tests.identity import Api

DASHBOARD = """{ roundDashboard(tenantCode: "431321") { roundId name stage units fedBack accepted unsettledDrafts
    latePlanUnitIds lateReportUnitIds overdueFindings } }"""
SAVE_PLAN = """mutation($r: ID!, $f: ID!) { saveRectificationPlan(tenantCode: "431321", roundId: $r, unitId: "1", tasks: [{findingId: $f,
    measure: "逐年消化", responsibleLeader: "李副局长", responsibleDepartment: "人事科", deadline: "2027-06-30"}]) { id } }"""
SUBMIT_PLAN = """mutation($p: ID!) { submitRectificationPlan(tenantCode: "431321", id: $p, version: 1) { state } }"""
FINDINGS = """{ findings(tenantCode: "431321") { items { id round { id } } } }"""


async def test_the_dashboard_shows_each_rounds_stage_and_what_is_late_in_one_statement(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    reviewer = tokens["reviewer"]
    # 反馈 on 2026-09-20: the plan (due 10-05) and the report (due 11-20) are late by the time the suite runs
    late = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 2 名"], given_on=date(2026, 9, 20)))
    async with Api(runtime) as api:
        one_round = await statements_for(runtime, api, DASHBOARD, reviewer)
        before = {r["roundId"]: r for r in (await api.call(DASHBOARD, reviewer))["data"]["roundDashboard"]}
        finding = next(f["id"] for f in (await api.call(FINDINGS, reviewer))["data"]["findings"]["items"] if f["round"]["id"] == late)
        plan = (await api.call(SAVE_PLAN, tokens["liaison"], r=late, f=finding))["data"]["saveRectificationPlan"]["id"]
        await api.call(SUBMIT_PLAN, tokens["liaison"], p=plan)
        for n in range(3):
            await add_round(runtime, "431321", [1, 2], name=f"专项检查{n}")
        more_rounds = await statements_for(runtime, api, DASHBOARD, reviewer)
        after = (await api.call(DASHBOARD, reviewer))["data"]["roundDashboard"]
        liaison_view = (await api.call(DASHBOARD, tokens["other_liaison"]))["data"]["roundDashboard"]

    assert before[late] == {
        "roundId": late,
        "name": "2026年第二轮巡察",
        "stage": "FEEDBACK",
        "units": 1,
        "fedBack": 1,
        "accepted": 0,
        "unsettledDrafts": 0,
        "latePlanUnitIds": ["1"],
        "lateReportUnitIds": ["1"],
        "overdueFindings": 1,  # its deadline is the report's due date
    }
    assert after[0]["roundId"] == late  # the most that is late first
    assert (after[0]["latePlanUnitIds"], after[0]["lateReportUnitIds"]) == ([], ["1"])  # the plan is in now
    assert len(after) == len(before) + 3 and more_rounds == one_round
    assert late not in {r["roundId"] for r in liaison_view}  # unit 2's liaison: the round covers only unit 1
    assert {r["units"] for r in liaison_view} == {1}  # counted for its own unit


async def test_a_late_plan_or_report_is_reminded_once_to_the_unit_and_the_office(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    late = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 2 名"]))  # plan due 11-04, report due 12-20
    plan_late = await run_supervision(runtime, date(2026, 11, 10))
    async with Api(runtime) as api:
        finding = next(
            f["id"] for f in (await api.call(FINDINGS, tokens["reviewer"]))["data"]["findings"]["items"] if f["round"]["id"] == late
        )
        plan = (await api.call(SAVE_PLAN, tokens["liaison"], r=late, f=finding))["data"]["saveRectificationPlan"]["id"]
        await api.call(SUBMIT_PLAN, tokens["liaison"], p=plan)
    report_late = await run_supervision(runtime, date(2026, 12, 22))
    again = await run_supervision(runtime, date(2026, 12, 23))
    async with runtime.engine.connect() as connection:
        events = (
            (await connection.execute(text("SELECT payload FROM notify.outbox WHERE event_type = 'answer.overdue' ORDER BY id")))
            .scalars()
            .all()
        )
    assert (plan_late.late_answers, report_late.late_answers, again.late_answers) == (1, 1, 0)
    assert [(e["document"], e["due_on"], e["unit_id"]) for e in events] == [
        ("整改方案", "2026-11-04", 1),
        ("整改情况报告", "2026-12-20", 1),
    ]
