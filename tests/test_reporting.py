"""Periodic rectification reports up the hierarchy (issue 23 item 2): a county writes its
quarter's report, its admin signs it off (freezing the bank's figures), the city sees who has
reported and who is late, returns one with a reason and confirms the corrected one."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import text

from backend.supervision.engine import run_supervision
from tests.factories import add_round, add_unit
from tests.helpers import INBOX, configured, create_all, drain
from tests.identity import Api, add_user, error_code, token_for

VIEW = """{ own { state version figures note submittedBy } children { tenantCode officeName late report { state version } } }"""
WRITE = "mutation($c: String!, $p: String!, $n: String!) { writeReportUp(tenantCode: $c, period: $p, narrative: $n) " + VIEW + " }"
SUBMIT = "mutation($c: String!, $p: String!, $v: Int!) { submitReportUp(tenantCode: $c, period: $p, version: $v) " + VIEW + " }"
DECIDE = (
    """mutation($u: String!, $c: String!, $p: String!, $v: Int!, $a: Boolean!, $r: String) {
    decideReportUp(parentCode: $u, tenantCode: $c, period: $p, version: $v, accept: $a, reason: $r) """
    + VIEW
    + " }"
)
READ = "query($c: String!, $p: String!) { reportsUp(tenantCode: $c, period: $p) " + VIEW + " }"
LOG = """mutation { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: "C03.K01.M01",
    description: "超编 2 名", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}) { id } }"""


async def report_rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text("SELECT tenant_code, state, version, note FROM supervision.report_up"))]


async def test_a_county_reports_its_quarter_to_its_city_which_returns_then_confirms_it(runtime):
    runtime = configured(runtime)
    await create_all(runtime, "430000", "431300", "431321", "431322")
    await add_round(runtime, "431321", [await add_unit(runtime, "431321", "双峰县财政局", "UNIT431321")])
    people = {
        "sf_admin": ("431321", "admin", None),
        "sf_inspector": ("431321", "inspector", None),
        "ld_admin": ("431300", "admin", None),
        "ld_reviewer": ("431300", "reviewer", None),
        "xh_admin": ("431322", "admin", None),
        "hn_admin": ("430000", "admin", None),
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, who, grant)) for who, grant in people.items()}
    async with Api(runtime) as api:
        await api.call(LOG, tokens["sf_inspector"])
        drafted = (await api.call(WRITE, tokens["sf_inspector"], c="431321", p="2026Q3", n="本季度共发现问题 1 个，正在整改。"))["data"]
        before = await report_rows(runtime)
        refused = [
            error_code(await api.call(SUBMIT, tokens["sf_inspector"], c="431321", p="2026Q3", v=1)),  # the admin signs off
            error_code(await api.call(WRITE, tokens["hn_admin"], c="430000", p="2026Q3", n="省级")),
            error_code(await api.call(WRITE, tokens["sf_inspector"], c="431321", p="2026Q5", n="x")),
            error_code(
                await api.call(DECIDE, tokens["ld_admin"], c="431321", p="2026Q3", v=1, a=True, u="431300")
            ),  # nothing submitted yet
            error_code(await api.call(READ, tokens["sf_admin"], c="431300", p="2026Q3")),  # a child reading up
        ]
        unchanged = await report_rows(runtime) == before
        submitted = (await api.call(SUBMIT, tokens["sf_admin"], c="431321", p="2026Q3", v=1))["data"]["submitReportUp"]
        await api.call(LOG.replace("超编 2 名", "超编 3 名"), tokens["sf_inspector"])  # after the sign-off: not in what was reported
        await drain(runtime)
        city_inbox = (await api.call(INBOX, tokens["ld_reviewer"]))["data"]["notifications"]["items"]
        seen_by_city = (await api.call(READ, tokens["ld_reviewer"], c="431300", p="2026Q3"))["data"]["reportsUp"]
        decisions_refused = [
            error_code(
                await api.call(DECIDE, tokens["ld_reviewer"], c="431321", p="2026Q3", v=2, a=False, u="431300")
            ),  # a reason is required
            error_code(await api.call(DECIDE, tokens["xh_admin"], c="431321", p="2026Q3", v=2, a=True, u="431300")),  # a sibling
            error_code(await api.call(DECIDE, tokens["xh_admin"], c="431321", p="2026Q3", v=2, a=True, u="431322")),  # … as a parent
            error_code(await api.call(DECIDE, tokens["sf_admin"], c="431321", p="2026Q3", v=2, a=True, u="431300")),  # the county itself
        ]
        returned = (
            await api.call(DECIDE, tokens["ld_reviewer"], c="431321", p="2026Q3", v=2, a=False, r="请补充超编问题的消化计划", u="431300")
        )["data"]
        await drain(runtime)
        county_inbox = (await api.call(INBOX, tokens["sf_admin"]))["data"]["notifications"]["items"]
        rewritten = (await api.call(WRITE, tokens["sf_inspector"], c="431321", p="2026Q3", n="已补充消化计划：两年内消化。"))["data"]
        again = (await api.call(SUBMIT, tokens["sf_admin"], c="431321", p="2026Q3", v=4))["data"]["submitReportUp"]
        confirmed = (await api.call(DECIDE, tokens["ld_admin"], c="431321", p="2026Q3", v=5, a=True, u="431300"))["data"]["decideReportUp"]
    assert drafted["writeReportUp"]["own"]["state"] == "DRAFT"
    assert refused == ["FORBIDDEN", "NO_PARENT", "INVALID_PERIOD", "INVALID_TRANSITION", "NOT_FOUND"] and unchanged
    own = submitted["own"]
    assert (own["state"], own["submittedBy"]) == ("SUBMITTED", "sf_admin")
    assert json.loads(own["figures"])["total"] == 1  # frozen at the sign-off
    assert [(i["eventType"], i["title"]) for i in city_inbox if i["eventType"] == "REPORT_UP_SUBMITTED"] == [
        ("REPORT_UP_SUBMITTED", "双峰县报送了2026年第三季度整改情况报告")
    ]
    assert seen_by_city["own"] is None  # the city has not written its own yet
    assert [(c["tenantCode"], c["late"], c["report"] and c["report"]["state"]) for c in seen_by_city["children"]] == [
        ("431321", False, "SUBMITTED"),
        ("431322", True, None),  # the quarter's report was due 2026-10-10
    ]
    assert decisions_refused == ["INVALID_TEXT", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]
    assert returned["decideReportUp"]["children"][0]["report"]["state"] == "RETURNED"
    assert [i["body"] for i in county_inbox if i["eventType"] == "REPORT_UP_RETURNED"] == ["请补充超编问题的消化计划"]
    assert rewritten["writeReportUp"]["own"]["state"] == "RETURNED"  # rewritten, still to be signed off again
    assert json.loads(again["own"]["figures"])["total"] == 2  # the second sign-off freezes the figures anew
    assert confirmed["children"][0]["report"]["state"] == "ACKNOWLEDGED"


async def test_a_late_report_is_reminded_once_to_the_office_and_its_parent(runtime):
    """Issue 23 item 2: an office that has not submitted the last period due hears it once, with
    its parent; an office opened after the period ended owes nothing for it."""
    runtime = configured(runtime)
    await create_all(runtime, "430000", "431300", "431321", "431322", "431381")
    async with runtime.engine.begin() as connection:  # opened long before the third quarter, except 431381
        await connection.execute(text("UPDATE tenancy.tenant SET created_at = '2026-01-05' WHERE code <> '431381'"))
    await add_round(runtime, "431321", [await add_unit(runtime, "431321", "双峰县财政局", "UNIT431321")])
    tokens = {
        who: await token_for(runtime, await add_user(runtime, who, grant))
        for who, grant in {
            "sf_admin": ("431321", "admin", None),
            "ld_admin": ("431300", "admin", None),
            "xh_admin": ("431322", "admin", None),
        }.items()
    }
    async with Api(runtime) as api:
        await api.call(WRITE, tokens["xh_admin"], c="431322", p="2026Q3", n="已整改。")
        await api.call(SUBMIT, tokens["xh_admin"], c="431322", p="2026Q3", v=1)  # 新化县 reported in time
        before_due = await run_supervision(runtime, date(2026, 10, 9))  # Q2's were due 07-10; Q3's not yet
        late = await run_supervision(runtime, date(2026, 10, 12))
        again = await run_supervision(runtime, date(2026, 10, 13))
        await drain(runtime)
        inboxes = {
            who: [
                n["title"]
                for n in (await api.call(INBOX, token))["data"]["notifications"]["items"]
                if n["eventType"] == "REPORT_UP_OVERDUE"
            ]
            for who, token in tokens.items()
        }
    assert (late.late_reports, again.late_reports) == (2, 0)  # 双峰县 and 娄底市 for Q3
    assert before_due.late_reports == 3  # Q2: 双峰县, 新化县, 娄底市
    assert inboxes["sf_admin"] == ["双峰县2026年第三季度整改情况报告逾期未报送", "双峰县2026年第二季度整改情况报告逾期未报送"]
    assert sorted(inboxes["ld_admin"]) == sorted(
        [
            "双峰县2026年第三季度整改情况报告逾期未报送",
            "娄底市2026年第三季度整改情况报告逾期未报送",
            "双峰县2026年第二季度整改情况报告逾期未报送",
            "新化县2026年第二季度整改情况报告逾期未报送",
            "娄底市2026年第二季度整改情况报告逾期未报送",
        ]
    )


CALENDAR = """mutation($c: String!, $k: Cadence!, $d: Int!) { setReportCalendar(tenantCode: $c, cadence: $k, dueDays: $d) {
    cadence dueDays setByProvince currentPeriod } }"""
READ_CALENDAR = "query($c: String!) { reportCalendar(tenantCode: $c) { cadence dueDays setByProvince currentPeriod } }"
DUE = "query($c: String!, $p: String!) { reportsUp(tenantCode: $c, period: $p) { own { dueOn } } }"


async def test_a_province_reports_half_yearly_and_its_counties_follow_its_calendar(runtime):
    await create_all(runtime, "430000", "431300", "431321", "440000", "441300", "441302")
    async with runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE tenancy.tenant SET created_at = '2026-01-05'"))
    runtime.clock.set(date(2026, 11, 20))
    tokens = {
        who: await token_for(runtime, await add_user(runtime, who, grant))
        for who, grant in {
            "hn_admin": ("430000", "admin", None),
            "sf_admin": ("431321", "admin", None),
            "hz_admin": ("441302", "admin", None),
        }.items()
    }
    async with Api(runtime) as api:
        default = (await api.call(READ_CALENDAR, tokens["sf_admin"], c="431321"))["data"]["reportCalendar"]
        refused = [
            error_code(await api.call(CALENDAR, tokens["hn_admin"], c="430000", k="HALF_YEARLY", d=0)),
            error_code(await api.call(CALENDAR, tokens["sf_admin"], c="431321", k="HALF_YEARLY", d=15)),  # not a province
        ]
        set_ = (await api.call(CALENDAR, tokens["hn_admin"], c="430000", k="HALF_YEARLY", d=15))["data"]["setReportCalendar"]
        quarter_refused = error_code(await api.call(WRITE, tokens["sf_admin"], c="431321", p="2026Q3", n="已整改。"))
        await api.call(WRITE, tokens["sf_admin"], c="431321", p="2026H2", n="下半年整改情况。")
        due = (await api.call(DUE, tokens["sf_admin"], c="431321", p="2026H2"))["data"]["reportsUp"]["own"]["dueOn"]
        await api.call(WRITE, tokens["hz_admin"], c="441302", p="2026Q3", n="广东仍按季度。")  # another province keeps the default
        # 2026H1 was due 07-15 (湖南); 2026Q3 10-10 (广东): each office is reminded of its own calendar's period
        late = await run_supervision(runtime, date(2026, 11, 20))
        await drain(runtime)
        titles = {
            who: [
                n["title"]
                for n in (await api.call(INBOX, tokens[who]))["data"]["notifications"]["items"]
                if n["eventType"] == "REPORT_UP_OVERDUE"
            ]
            for who in ("sf_admin", "hz_admin")
        }
    assert default == {"cadence": "QUARTERLY", "dueDays": 10, "setByProvince": False, "currentPeriod": "2026Q4"}
    assert refused == ["INVALID_TERMS", "FORBIDDEN"]
    assert set_ == {"cadence": "HALF_YEARLY", "dueDays": 15, "setByProvince": True, "currentPeriod": "2026H2"}
    assert quarter_refused == "INVALID_PERIOD" and due == "2027-01-15"
    assert late.late_reports == 4  # 双峰县, 娄底市 (2026H1); 惠城区, 惠州市 (2026Q3)
    assert titles == {"sf_admin": ["双峰县2026年上半年整改情况报告逾期未报送"], "hz_admin": ["惠城区2026年第三季度整改情况报告逾期未报送"]}
