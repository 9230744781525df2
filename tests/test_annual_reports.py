"""The annual 机构编制报告 (issue 23 item 3): 双峰县 opens 2026's collection, each unit's liaison
fills in and submits its own report (never another unit's), the office returns one and accepts
the rest, reads the analysis (超编, 三定 lagging), and reports onward to 娄底市, which sees who has
reported; late units and a late office are reminded once; refusals change nothing."""

from __future__ import annotations

from datetime import date

import orjson
from sqlalchemy import text

from backend.supervision.engine import run_supervision
from tests.factories import add_unit
from tests.helpers import INBOX, create_all, drain
from tests.identity import Api, add_user, error_code, token_for

VIEW = """{ units submitted accepted late figures onwardSubmittedAt reports { id unitId unitName state version late observations
    content { actualStaff implementation } note } }"""
OPEN = 'mutation($d: Date) { openAnnualReports(tenantCode: "431321", year: 2026, dueOn: $d) ' + VIEW + " }"
READ = '{ annualReports(tenantCode: "431321", year: 2026) ' + VIEW + " }"
SAVE = """mutation($i: ID!, $v: Int!, $c: AnnualReportInput!) { saveAnnualReport(tenantCode: "431321", id: $i, version: $v, input: $c) {
    units } }"""
SUBMIT = """mutation($i: ID!, $v: Int!) { submitAnnualReport(tenantCode: "431321", id: $i, version: $v) { submitted } }"""
REVIEW = """mutation($i: ID!, $v: Int!, $a: Boolean!, $n: String) { reviewAnnualReport(tenantCode: "431321", id: $i, version: $v, accept: $a,
    note: $n) { accepted } }"""
ONWARD = """mutation { reportAnnualOnward(tenantCode: "431321", year: 2026, narrative: "全县 3 个单位均已报送。") { onwardSubmittedAt figures } }"""
CHILDREN = """{ childAnnualReports(tenantCode: "431300", year: 2026) { tenantCode opened submittedAt late } }"""

COMPLETE = {
    "approvedStaffing": 10,
    "actualStaff": 12,
    "approvedInternalBodies": 5,
    "internalBodies": 5,
    "leadershipPosts": 3,
    "actualLeaders": 3,
    "threeDefinitionsOn": "2019-05-01",
    "implementation": "严格执行“三定”规定。",
    "discipline": "未发现违反机构编制纪律的情形。",
}


async def rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        return [
            tuple(r) for r in await connection.execute(text("SELECT id, state, content, version FROM t431321.annual_report ORDER BY id"))
        ]


async def office(runtime) -> dict[str, str]:
    await create_all(runtime, "430000", "431300", "431321", "431322")
    for n, name in enumerate(("双峰县财政局", "双峰县教育局", "双峰县卫健局"), start=1):
        await add_unit(runtime, "431321", name, f"UNIT0000{n}")
    people = {
        "inspector": ("431321", "inspector", None),
        "reviewer": ("431321", "reviewer", None),
        "admin": ("431321", "admin", None),
        "liaison1": ("431321", "liaison", 1),
        "liaison2": ("431321", "liaison", 2),
        "city": ("431300", "admin", None),
        "sibling": ("431322", "admin", None),
    }
    return {who: await token_for(runtime, await add_user(runtime, f"ar.{who}", grant)) for who, grant in people.items()}


async def test_units_report_the_office_reviews_analyses_and_reports_onward(runtime):
    tokens = await office(runtime)
    async with Api(runtime) as api:
        opened = (await api.call(OPEN, tokens["inspector"], d=None))["data"]["openAnnualReports"]
        ids = {r["unitId"]: r["id"] for r in opened["reports"]}
        await api.call(SAVE, tokens["liaison1"], i=ids["1"], v=1, c=COMPLETE)
        before = await rows(runtime)
        refused = [
            error_code(await api.call(SAVE, tokens["liaison1"], i=ids["2"], v=1, c=COMPLETE)),  # another unit's
            error_code(await api.call(SUBMIT, tokens["liaison2"], i=ids["2"], v=1)),  # nothing filled in
            error_code(await api.call(SAVE, tokens["liaison1"], i=ids["1"], v=2, c={**COMPLETE, "actualStaff": -1})),
            error_code(await api.call(SAVE, tokens["liaison1"], i=ids["1"], v=1, c=COMPLETE)),  # stale
            error_code(await api.call(REVIEW, tokens["reviewer"], i=ids["1"], v=2, a=True)),  # not yet submitted
            error_code(await api.call(OPEN, tokens["sibling"], d=None)),
            error_code(await api.call(ONWARD, tokens["admin"])),  # reports still out
        ]
        unchanged = await rows(runtime) == before
        await api.call(SUBMIT, tokens["liaison1"], i=ids["1"], v=2)
        no_reason = error_code(await api.call(REVIEW, tokens["reviewer"], i=ids["1"], v=3, a=False))
        await api.call(REVIEW, tokens["reviewer"], i=ids["1"], v=3, a=False, n="实有人数与实名制系统不一致，请核实")
        returned = (await api.call(READ, tokens["liaison1"]))["data"]["annualReports"]
        await api.call(SAVE, tokens["liaison1"], i=ids["1"], v=4, c=COMPLETE)
        await api.call(SUBMIT, tokens["liaison1"], i=ids["1"], v=5)
        await api.call(REVIEW, tokens["reviewer"], i=ids["1"], v=6, a=True)
        for unit, token in (("2", tokens["liaison2"]), ("3", tokens["inspector"])):  # the office fills in for unit 3
            await api.call(SAVE, token, i=ids[unit], v=1, c={**COMPLETE, "actualStaff": 9, "threeDefinitionsOn": "2024-03-01"})
            await api.call(SUBMIT, token, i=ids[unit], v=2)
            await api.call(REVIEW, tokens["reviewer"], i=ids[unit], v=3, a=True)
        inspector_onward = error_code(await api.call(ONWARD, tokens["inspector"]))
        onward = (await api.call(ONWARD, tokens["admin"]))["data"]["reportAnnualOnward"]
        children = (await api.call(CHILDREN, tokens["city"]))["data"]["childAnnualReports"]
        seen = (await api.call(READ, tokens["inspector"]))["data"]["annualReports"]
        reopened = (await api.call(OPEN, tokens["inspector"], d=None))["data"]["openAnnualReports"]["units"]
    assert opened["units"] == 3 and all(r["state"] == "PENDING" for r in opened["reports"])
    assert refused == [
        "NOT_FOUND",
        "REPORT_INCOMPLETE",
        "INVALID_NUMBER",
        "STALE_VERSION",
        "INVALID_TRANSITION",
        "NOT_FOUND",
        "REPORTS_PENDING",
    ]
    assert unchanged and no_reason == "INVALID_TEXT"  # a return needs its reason
    assert [(r["unitName"], r["state"], r["note"]) for r in returned["reports"]] == [
        ("双峰县财政局", "RETURNED", "实有人数与实名制系统不一致，请核实")
    ]  # a liaison sees its own unit's report only
    assert inspector_onward == "FORBIDDEN"
    assert onward["onwardSubmittedAt"] is not None
    figures = orjson.loads(onward["figures"])
    assert figures["units"] == 3 and figures["sums"]["actual_staff"] == 30
    assert figures["flagged"] == {"超编": 1, "“三定”规定滞后": 1}
    assert seen["reports"][0]["observations"] == ["实有人数超过核定编制 2 名", "“三定”规定印发于 2019-05-01，已满 5 年未调整"]
    assert (seen["accepted"], seen["late"]) == (3, 0)
    assert [(c["tenantCode"], c["opened"], c["submittedAt"] is not None) for c in children] == [
        ("431321", True, True),
        ("431322", False, False),
    ]
    assert reopened == 3  # opening again adds nothing


async def test_late_units_and_a_late_office_are_reminded_once(runtime):
    runtime.clock.set(date(2027, 3, 2))  # past both deadlines (the engine runs on the days given)
    tokens = await office(runtime)
    async with Api(runtime) as api:
        opened = (await api.call(OPEN, tokens["inspector"], d="2027-01-20"))["data"]["openAnnualReports"]
        first = opened["reports"][0]
        await api.call(SAVE, tokens["liaison1"], i=first["id"], v=1, c=COMPLETE)
        await api.call(SUBMIT, tokens["liaison1"], i=first["id"], v=2)
        for day in (date(2027, 1, 20), date(2027, 1, 21), date(2027, 1, 22), date(2027, 3, 1), date(2027, 3, 2)):
            await run_supervision(runtime, day)
        await drain(runtime)
        inboxes = {
            who: sorted(
                n["title"]
                for n in (await api.call(INBOX, tokens[who]))["data"]["notifications"]["items"]
                if "年度机构编制报告" in n["title"]
            )
            for who in ("admin", "liaison1", "liaison2", "city")
        }
        late = (await api.call(READ, tokens["inspector"]))["data"]["annualReports"]["late"]
    assert inboxes["liaison1"] == [] and inboxes["liaison2"] == ["双峰县教育局2026年度机构编制报告逾期未报送"]
    assert inboxes["admin"] == [
        "双峰县2026年度机构编制报告逾期未向上级报送",
        "双峰县卫健局2026年度机构编制报告逾期未报送",
        "双峰县教育局2026年度机构编制报告逾期未报送",
    ]
    assert inboxes["city"] == ["双峰县2026年度机构编制报告逾期未向上级报送"]
    assert late == 2
