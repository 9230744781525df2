"""Leader responsibility reviews (三责联审): the planning rules at their boundaries, the year's
plan through GraphQL, a review through its stages to findings in the ledger and the problem
bank, its printable report, and who may do what."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as DocxFile
from sqlalchemy import text

from backend.reviews.models import STAGES, LeavingReason
from backend.reviews.planning import LeaderFacts, Selection, full_years, select
from tests.factories import add_round
from tests.helpers import counting_statements, create_all
from tests.identity import Api, add_user, error_code, token_for

YEAR = 2026
TERM = "任中审核"


def county(appointed_on: date, level: str = "县级", **leaving) -> LeaderFacts:
    return LeaderFacts(level, appointed_on, leaving.get("left_on"), leaving.get("reason"), leaving.get("reviewed"))


# -- the rules, at their boundaries ---------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "required", "reason"),
    [
        # exactly 3 full years on 31 December of the plan year, and a day short of them
        (county(date(2023, 12, 31)), True, "县（市、区）党政正职任现职满 3 年（满 3 年必审），应进行任中审核"),
        (county(date(2024, 1, 1)), False, "县（市、区）党政正职任现职满 2 年，未满 3 年，可进行任中审核"),
        (county(date(2023, 12, 31), "乡镇"), True, "乡镇（街道）党政正职任现职满 3 年（满 3 年必审），应进行任中审核"),
        (county(date(2024, 1, 1), "乡镇"), False, "乡镇（街道）党政正职任现职满 2 年，未满 3 年，可进行任中审核"),
        # a municipal department needs 5: 4 years is enough at county level, not there
        (county(date(2022, 6, 1)), True, "县（市、区）党政正职任现职满 4 年（满 3 年必审），应进行任中审核"),
        (county(date(2022, 6, 1), "市直部门"), False, "市直部门正职任现职满 4 年，未满 5 年，可进行任中审核"),
        (county(date(2021, 12, 31), "市直部门"), True, "市直部门正职任现职满 5 年（满 5 年必审），应进行任中审核"),
        (county(date(2022, 1, 1), "市直部门"), False, "市直部门正职任现职满 4 年，未满 5 年，可进行任中审核"),
        # no tenure rule for other levels
        (county(date(2010, 1, 1), "县直部门"), True, "县直部门正职任现职满 16 年（满 5 年必审），应进行任中审核"),
        (county(date(2010, 1, 1), "其他"), False, "其他领导干部无任职年限必审要求，任现职满 16 年，可进行任中审核"),
        # appointed on the reference date itself: on the plan, optional
        (county(date(2026, 12, 31)), False, "县（市、区）党政正职任现职满 0 年，未满 3 年，可进行任中审核"),
        # leaving in a later year: still in office on this year's plan, by tenure
        (
            county(date(2023, 12, 31), left_on=date(2027, 3, 1), reason="提拔"),
            True,
            "县（市、区）党政正职任现职满 3 年（满 3 年必审），应进行任中审核",
        ),
        # an in-term review in 2024 restarts the count: 2 years at the end of 2026
        (county(date(2015, 1, 1), reviewed=2024), False, "县（市、区）党政正职自2024年任中审核后满 2 年，未满 3 年，可进行任中审核"),
        (county(date(2015, 1, 1), reviewed=2023), True, "县（市、区）党政正职自2023年任中审核后满 3 年（满 3 年必审），应进行任中审核"),
        # ... but not one from before the appointment (the count starts at the appointment)
        (county(date(2023, 6, 1), reviewed=2020), True, "县（市、区）党政正职任现职满 3 年（满 3 年必审），应进行任中审核"),
    ],
)
def test_tenure_rules_at_their_boundaries(facts, required, reason):
    assert select(facts, YEAR) == Selection(required, TERM, reason)


@pytest.mark.parametrize("reason", LeavingReason)
def test_every_leaving_reason_in_the_plan_year_requires_a_leaving_review(reason):
    for level in ("县级", "市直部门", "其他"):
        selection = select(county(date(2025, 3, 1), level, left_on=date(2026, 1, 1), reason=reason), YEAR)
        assert selection == Selection(True, "离任审核", f"2026-01-01离任（{reason.label}），应进行离任审核")


def test_who_is_not_on_the_plan_at_all():
    assert select(county(date(2015, 1, 1), left_on=date(2025, 12, 31), reason="退休"), YEAR) is None  # left the year before
    assert select(county(date(2027, 1, 1)), YEAR) is None  # appointed after it
    assert select(county(date(2015, 1, 1), left_on=date(2026, 12, 31), reason="退休"), YEAR).kind == "离任审核"


def test_full_years_count_calendar_anniversaries():
    assert full_years(date(2023, 12, 31), date(2026, 12, 30)) == 2
    assert full_years(date(2023, 12, 31), date(2026, 12, 31)) == 3
    assert full_years(date(2024, 2, 29), date(2027, 2, 28)) == 2
    assert full_years(date(2024, 2, 29), date(2027, 3, 1)) == 3


# -- through GraphQL ------------------------------------------------------------------------

LEADER = """mutation($i: LeaderInput!) { addLeader(tenantCode: "431321", input: $i) { id name level version unit { name } } }"""
UPDATE = """mutation($id: ID!, $v: Int!, $i: LeaderInput!) { updateLeader(tenantCode: "431321", id: $id, version: $v, input: $i) {
    version post } }"""
LEAVE = """mutation($id: ID!, $v: Int!, $d: Date!, $r: LeavingReason!) { recordLeaderLeaving(tenantCode: "431321", id: $id, version: $v,
    leftOn: $d, reason: $r) { version leftOn leavingReason } }"""
PLAN = """query($y: Int!, $r: Boolean! = false) { reviewPlan(tenantCode: "431321", year: $y, requiredOnly: $r) {
    leader { name } required kind reason reviewId reviewState } }"""
OPEN = """mutation($l: ID!, $r: ID! = "2", $y: Int! = 2026, $k: ReviewKind! = IN_TERM) { openLeaderReview(tenantCode: "431321",
    input: {leaderId: $l, roundId: $r, year: $y, kind: $k}) { id kind year state nextStage version leader { name } } }"""
STAGE = """mutation($id: ID!, $v: Int!, $s: ReviewStageName!, $d: Date!, $n: String) { recordReviewStage(tenantCode: "431321", id: $id,
    version: $v, stage: $s, heldOn: $d, notes: $n) { version nextStage stages { stage heldOn notes } } }"""
PROBLEM = """mutation($id: ID!, $t: String! = "C03.K01.M01") { recordReviewProblem(tenantCode: "431321", id: $id, input: {taxonomyCode: $t,
    description: "超职数配备副局长 1 名", severity: SERIOUS, foundOn: "2026-10-12", deadline: "2026-12-31"}) {
    id code unitId roundId ledger { state } } }"""
CLOSE = """mutation($id: ID!, $v: Int!, $c: String! = "履职总体较好，发现问题 1 个，已督促整改。") { closeLeaderReview(tenantCode: "431321",
    id: $id, version: $v, conclusion: $c, grade: FAIRLY_GOOD) { state version nextStage conclusion grade closedAt problems { code state } } }"""
STAGE_NAMES = (
    "PRE_NOTICE",
    "MOBILIZATION",
    "SELF_REPORT",
    "DEMOCRATIC_APPRAISAL",
    "INTERVIEWS",
    "ON_SITE_CHECK",
    "SUMMARY",
    "FEEDBACK",
    "RECTIFICATION",
    "FOLLOW_UP",
    "ACCEPTANCE",
)


def leader(name: str, level: str, appointed_on: str, unit: str = "1", post: str = "局长") -> dict:
    return {"unitId": unit, "name": name, "post": post, "level": level, "appointedOn": appointed_on}


async def count(runtime, table: str) -> int:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text(f"SELECT count(*) FROM t431321.{table}"))).scalar_one()


@pytest.fixture
async def reviews(county_office):
    """The county office with a 三责联审 round (2) covering unit 1, and a sibling county's admin."""
    runtime, tokens = county_office
    await add_round(runtime, "431321", [1], name="2026年三责联审", kind="三责联审")
    await create_all(runtime, "431322")
    tokens["sibling"] = await token_for(runtime, await add_user(runtime, "xinhua.admin", ("431322", "admin", None)))
    tokens["auditor"] = await token_for(runtime, await add_user(runtime, "sf.auditor", ("431321", "auditor", None)))
    return runtime, tokens


async def test_the_years_plan_lists_whom_the_rules_select_and_why(reviews):
    runtime, tokens = reviews
    async with Api(runtime) as api:
        ids = {}
        for name, level, appointed in [
            ("甲", "COUNTY", "2023-12-31"),
            ("乙", "COUNTY", "2024-01-01"),
            ("丙", "MUNICIPAL_DEPARTMENT", "2022-01-01"),
            ("丁", "MUNICIPAL_DEPARTMENT", "2021-12-31"),
            ("戊", "TOWN", "2020-05-01"),
            ("己", "COUNTY", "2025-02-01"),
            ("庚", "COUNTY", "2010-01-01"),
            ("辛", "COUNTY_DEPARTMENT", "2021-12-31"),  # heads of county departments: 5 years, as at city level
            ("壬", "COUNTY_DEPARTMENT", "2022-01-01"),
            ("癸", "DIRECT_INSTITUTION", "2016-03-01"),
        ]:
            ids[name] = (await api.call(LEADER, tokens["inspector"], i=leader(name, level, appointed)))["data"]["addLeader"]["id"]
        left = (await api.call(LEAVE, tokens["admin"], id=ids["己"], v=1, d="2026-06-30", r="PROMOTED"))["data"]["recordLeaderLeaving"]
        await api.call(LEAVE, tokens["admin"], id=ids["庚"], v=1, d="2025-12-31", r="RETIRED")  # left the year before
        plan = (await api.call(PLAN, tokens["city_admin"], y=2026))["data"]["reviewPlan"]
        required = (await api.call(PLAN, tokens["auditor"], y=2026, r=True))["data"]["reviewPlan"]
        earlier = (await api.call(PLAN, tokens["inspector"], y=2025, r=True))["data"]["reviewPlan"]
        bad_year = error_code(await api.call(PLAN, tokens["inspector"], y=1999))
    assert left == {"version": 2, "leftOn": "2026-06-30", "leavingReason": "PROMOTED"}
    assert [(e["leader"]["name"], e["required"], e["kind"], e["reason"]) for e in plan] == [
        ("甲", True, "IN_TERM", "县（市、区）党政正职任现职满 3 年（满 3 年必审），应进行任中审核"),
        ("丁", True, "IN_TERM", "市直部门正职任现职满 5 年（满 5 年必审），应进行任中审核"),
        ("戊", True, "IN_TERM", "乡镇（街道）党政正职任现职满 6 年（满 3 年必审），应进行任中审核"),
        ("己", True, "LEAVING", "2026-06-30离任（提拔），应进行离任审核"),
        ("辛", True, "IN_TERM", "县直部门正职任现职满 5 年（满 5 年必审），应进行任中审核"),
        ("乙", False, "IN_TERM", "县（市、区）党政正职任现职满 2 年，未满 3 年，可进行任中审核"),
        ("丙", False, "IN_TERM", "市直部门正职任现职满 4 年，未满 5 年，可进行任中审核"),
        ("壬", False, "IN_TERM", "县直部门正职任现职满 4 年，未满 5 年，可进行任中审核"),
        ("癸", False, "IN_TERM", "直属事业单位、人民团体主要负责人无任职年限必审要求，任现职满 10 年，可进行任中审核"),
    ]
    assert [e["leader"]["name"] for e in required] == ["甲", "丁", "戊", "己", "辛"]
    assert all(e["reviewId"] is None for e in plan)
    # 2025: 庚 left that year; 甲 had 2 years, 丁 4; 戊 5 at town level (3 needed)
    assert [(e["leader"]["name"], e["kind"]) for e in earlier] == [("戊", "IN_TERM"), ("庚", "LEAVING")]
    assert bad_year == "INVALID_YEAR"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"unitId": "99"}, "NOT_FOUND", "unitId"),
        ({"unitId": "x"}, "NOT_FOUND", "unitId"),
        ({"appointedOn": "2099-01-01"}, "INVALID_DATE", "appointedOn"),
        ({"name": "  "}, "INVALID_NAME", "name"),
        ({"post": "长" * 65}, "INVALID_NAME", "post"),
    ],
)
async def test_bad_leaders_get_a_field_error_and_change_nothing(reviews, change, code, field):
    runtime, tokens = reviews
    async with Api(runtime) as api:
        result = await api.call(LEADER, tokens["admin"], i={**leader("甲", "COUNTY", "2023-01-01"), **change})
    assert result["errors"][0]["extensions"] == {"code": code, "field": field}
    assert await count(runtime, "leader") == 0


async def test_leader_changes_are_versioned_checked_and_audited(reviews):
    runtime, tokens = reviews
    async with Api(runtime) as api:
        bad_level = await api.call(LEADER, tokens["admin"], i=leader("甲", "PROVINCE", "2023-01-01"))
        made = (await api.call(LEADER, tokens["admin"], i=leader("甲", "COUNTY", "2023-01-01")))["data"]["addLeader"]
        updated = await api.call(UPDATE, tokens["inspector"], id=made["id"], v=1, i=leader("甲", "COUNTY", "2023-01-01", post="党组书记"))
        stale = error_code(await api.call(UPDATE, tokens["inspector"], id=made["id"], v=1, i=leader("甲", "COUNTY", "2023-01-01")))
        early = error_code(await api.call(LEAVE, tokens["admin"], id=made["id"], v=2, d="2022-12-31", r="RETIRED"))
        future = error_code(await api.call(LEAVE, tokens["admin"], id=made["id"], v=2, d="2099-01-01", r="RETIRED"))
        bad_reason = await api.call(LEAVE, tokens["admin"], id=made["id"], v=2, d="2026-01-01", r="FIRED")
        await api.call(LEAVE, tokens["admin"], id=made["id"], v=2, d="2026-01-01", r="RESIGNED")
        twice = error_code(await api.call(LEAVE, tokens["admin"], id=made["id"], v=3, d="2026-02-01", r="RETIRED"))
        after_leaving = error_code(await api.call(UPDATE, tokens["inspector"], id=made["id"], v=3, i=leader("甲", "COUNTY", "2026-03-01")))
        missing = error_code(await api.call(UPDATE, tokens["inspector"], id="999", v=1, i=leader("甲", "COUNTY", "2023-01-01")))
    assert bad_level["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "level"}
    assert error_code(bad_reason) == "INVALID_INPUT"
    assert made["unit"] == {"name": "财政局"} and updated["data"]["updateLeader"] == {"version": 2, "post": "党组书记"}
    assert [stale, early, future, twice, after_leaving, missing] == [
        "STALE_VERSION",
        "INVALID_DATE",
        "INVALID_DATE",
        "ALREADY_LEFT",
        "INVALID_DATE",
        "NOT_FOUND",
    ]
    async with runtime.engine.connect() as connection:
        audit = (await connection.execute(text("SELECT action, actor FROM t431321.audit_event WHERE entity = 'leader' ORDER BY seq"))).all()
        kept = (await connection.execute(text("SELECT post, left_on, leaving_reason, version FROM t431321.leader"))).one()
    assert [tuple(a) for a in audit] == [("leader.added", "sf.admin"), ("leader.updated", "sf.inspector"), ("leader.left", "sf.admin")]
    assert tuple(kept) == ("党组书记", date(2026, 1, 1), "辞职", 3)


async def test_a_review_goes_through_its_stages_raises_findings_and_closes(reviews):
    runtime, tokens = reviews
    writer = tokens["inspector"]
    async with Api(runtime) as api:
        person = (await api.call(LEADER, writer, i=leader("张三", "COUNTY", "2023-03-01")))["data"]["addLeader"]["id"]
        refused_open = [
            error_code(await api.call(OPEN, writer, l=person, r="1")),  # a 巡察 round, not 三责联审
            error_code(await api.call(OPEN, writer, l=person, k="LEAVING")),  # still in office
            error_code(await api.call(OPEN, writer, l=person, y=2022)),  # not yet appointed
            error_code(await api.call(OPEN, writer, l="999")),
            error_code(await api.call(OPEN, writer, l=person, y=1990)),
        ]
        review = (await api.call(OPEN, writer, l=person))["data"]["openLeaderReview"]
        duplicate = error_code(await api.call(OPEN, writer, l=person))
        moved = error_code(await api.call(UPDATE, writer, id=person, v=1, i=leader("张三", "COUNTY", "2023-03-01", unit="2")))
        rid = review["id"]
        refused_stage = [
            error_code(await api.call(STAGE, writer, id=rid, v=1, s="MOBILIZATION", d="2026-09-02")),  # 审前告知 comes first
            error_code(await api.call(STAGE, writer, id=rid, v=1, s="PRE_NOTICE", d="2099-09-02")),
            error_code(await api.call(STAGE, writer, id=rid, v=1, s="PRE_NOTICE", d="2026-09-02", n="长" * 301)),  # notes: 300 at most
            error_code(await api.call(STAGE, writer, id=rid, v=7, s="PRE_NOTICE", d="2026-09-02")),
            error_code(await api.call(STAGE, tokens["reviewer"], id=rid, v=1, s="PRE_NOTICE", d="2026-09-02")),
        ]
        bad_enum = await api.call(STAGE, writer, id=rid, v=1, s="LUNCH", d="2026-09-02")
        first = (await api.call(STAGE, writer, id=rid, v=1, s="PRE_NOTICE", d="2026-09-02", n="书面通知被审核人及单位"))["data"][
            "recordReviewStage"
        ]
        backwards = error_code(await api.call(STAGE, writer, id=rid, v=2, s="MOBILIZATION", d="2026-09-01"))
        problem = (await api.call(PROBLEM, writer, id=rid))["data"]["recordReviewProblem"]
        bad_problem = error_code(await api.call(PROBLEM, writer, id=rid, t="C99"))
        incomplete = error_code(await api.call(CLOSE, writer, id=rid, v=2))
        version = 2
        for n, name in enumerate(STAGE_NAMES[1:], start=2):
            result = await api.call(STAGE, writer, id=rid, v=version, s=name, d=f"2026-10-{n:02d}")
            version = result["data"]["recordReviewStage"]["version"]
        last = result["data"]["recordReviewStage"]
        past_the_end = error_code(await api.call(STAGE, writer, id=rid, v=version, s="ACCEPTANCE", d="2026-10-30"))
        empty_conclusion = error_code(await api.call(CLOSE, writer, id=rid, v=version, c=" "))
        closed = (await api.call(CLOSE, writer, id=rid, v=version))["data"]["closeLeaderReview"]
        after_close = [
            error_code(await api.call(STAGE, writer, id=rid, v=version + 1, s="ACCEPTANCE", d="2026-10-30")),
            error_code(await api.call(PROBLEM, writer, id=rid)),
            error_code(await api.call(CLOSE, writer, id=rid, v=version + 1)),
        ]
        ledger = (
            await api.call(
                '{ findings(tenantCode: "431321", filter: {roundId: "2"}) { items { code round { kind } ledger { state } } } }',
                tokens["liaison"],
            )
        )["data"]["findings"]["items"]
        plan = (await api.call(PLAN, writer, y=2026))["data"]["reviewPlan"]
    assert refused_open == ["INVALID_ROUND", "INVALID_KIND", "INVALID_YEAR", "NOT_FOUND", "INVALID_YEAR"]
    assert review == {
        "id": rid,
        "kind": "IN_TERM",
        "year": 2026,
        "state": "OPEN",
        "nextStage": "PRE_NOTICE",
        "version": 1,
        "leader": {"name": "张三"},
    }
    assert duplicate == "DUPLICATE" and moved == "LEADER_UNDER_REVIEW"
    assert refused_stage == ["STAGE_OUT_OF_ORDER", "INVALID_DATE", "INVALID_TEXT", "STALE_VERSION", "FORBIDDEN"]
    assert error_code(bad_enum) == "INVALID_INPUT"
    assert first == {
        "version": 2,
        "nextStage": "MOBILIZATION",
        "stages": [{"stage": "PRE_NOTICE", "heldOn": "2026-09-02", "notes": "书面通知被审核人及单位"}],
    }
    assert backwards == "INVALID_DATE"
    assert (problem["unitId"], problem["roundId"], problem["ledger"]) == ("1", "2", {"state": "REGISTERED"})
    assert bad_problem == "UNKNOWN_TAXONOMY_CODE" and incomplete == "STAGES_INCOMPLETE"
    assert [s["stage"] for s in last["stages"]] == [stage.name for stage in STAGES] and last["nextStage"] is None and version == 12
    assert past_the_end == "STAGE_OUT_OF_ORDER" and empty_conclusion == "INVALID_TEXT"
    assert (closed["state"], closed["version"], closed["conclusion"], closed["problems"]) == (
        "CLOSED",
        13,
        "履职总体较好，发现问题 1 个，已督促整改。",
        [{"code": problem["code"], "state": "REGISTERED"}],
    )
    assert closed["closedAt"] is not None
    assert after_close == ["INVALID_TRANSITION"] * 3
    # the unit's liaison sees the finding in its ledger (not the review); the bank has its row, with no name in it
    assert ledger == [{"code": problem["code"], "round": {"kind": "LEADER_REVIEW"}, "ledger": {"state": "REGISTERED"}}]
    async with runtime.engine.connect() as connection:
        bank = (await connection.execute(text("SELECT finding_code, round_kind, description FROM problem_bank.problem"))).all()
        audit = (
            (await connection.execute(text("SELECT action FROM t431321.audit_event WHERE entity = 'leader_review' ORDER BY seq")))
            .scalars()
            .all()
        )
    assert [tuple(b) for b in bank] == [(problem["code"], "三责联审", "超职数配备副局长 1 名")]
    assert audit == ["review.opened", "review.record_stage", "review.record_problem", *["review.record_stage"] * 10, "review.close"]
    assert [(e["leader"]["name"], e["reviewId"], e["reviewState"]) for e in plan] == [("张三", rid, "CLOSED")]
    assert await count(runtime, "review_stage") == len(STAGES) and await count(runtime, "finding") == 1


async def test_a_leaving_review_and_the_next_years_plan_after_an_in_term_review(reviews):
    runtime, tokens = reviews
    writer = tokens["admin"]
    async with Api(runtime) as api:
        reviewed = (await api.call(LEADER, writer, i=leader("李四", "TOWN", "2018-01-01")))["data"]["addLeader"]["id"]
        leaving = (await api.call(LEADER, writer, i=leader("王五", "OTHER", "2025-01-01")))["data"]["addLeader"]["id"]
        await api.call(LEAVE, writer, id=leaving, v=1, d="2026-08-01", r="ROTATED")
        await api.call(OPEN, writer, l=reviewed, y=2025)
        opened = (await api.call(OPEN, writer, l=leaving, k="LEAVING"))["data"]["openLeaderReview"]
        plan = (await api.call(PLAN, writer, y=2026))["data"]["reviewPlan"]
        listed = (await api.call('{ leaderReviews(tenantCode: "431321", year: 2026) { items { kind leader { name } } } }', writer))["data"]
    assert opened["kind"] == "LEAVING"
    assert [(e["leader"]["name"], e["required"], e["reason"]) for e in plan] == [
        ("王五", True, "2026-08-01离任（轮岗），应进行离任审核"),
        ("李四", False, "乡镇（街道）党政正职自2025年任中审核后满 1 年，未满 3 年，可进行任中审核"),
    ]
    assert listed == {"leaderReviews": {"items": [{"kind": "LEAVING", "leader": {"name": "王五"}}]}}


async def test_the_report_prints_the_review_for_its_readers_only(reviews):
    runtime, tokens = reviews
    writer = tokens["inspector"]
    async with Api(runtime) as api:
        person = (await api.call(LEADER, writer, i=leader("<b>赵六</b>", "COUNTY", "2023-03-01")))["data"]["addLeader"]["id"]
        rid = (await api.call(OPEN, writer, l=person))["data"]["openLeaderReview"]["id"]
        await api.call(STAGE, writer, id=rid, v=1, s="PRE_NOTICE", d="2026-09-02", n="已书面告知\n第二行")
        problem = (await api.call(PROBLEM, writer, id=rid))["data"]["recordReviewProblem"]

        async def page(who: str | None, review_id: str = rid):
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
            return await api.client.get(f"/reviews/431321/{review_id}/report", headers=headers)

        printed, city = await page("inspector"), await page("city_admin")
        refused = [(await page(who)).status_code for who in ("liaison", "sibling", None)] + [(await page("inspector", "999")).status_code]
    assert printed.status_code == city.status_code == 200 and printed.headers["content-type"].startswith("text/html")
    body = printed.text
    assert "双峰县领导干部任中审核报告" in body and "&lt;b&gt;赵六&lt;/b&gt;" in body and "<b>赵六" not in body
    assert "<td>1</td><td>审前告知</td><td>2026-09-02</td><td>已书面告知<br>第二行</td>" in body
    assert "<td>2</td><td>动员部署</td><td>未开展</td>" in body
    assert f"<td>{problem['code']}</td><td>超职数配备副局长 1 名</td><td>较重</td><td>2026-12-31</td><td>已挂号（待整改）</td>" in body
    assert "<td>任中审核（2026 年度）</td>" in body and '<td colspan="3">进行中</td>' in body
    assert "发现的问题（1 个）" in body and "（审核尚未结束）" in body
    assert refused == [403, 404, 401, 404]


async def test_who_may_read_and_write_reviews(reviews):
    runtime, tokens = reviews
    async with Api(runtime) as api:
        person = (await api.call(LEADER, tokens["admin"], i=leader("甲", "COUNTY", "2020-01-01")))["data"]["addLeader"]["id"]
        writes = {
            who: error_code(await api.call(LEADER, tokens[who], i=leader("乙", "COUNTY", "2020-01-01")))
            for who in ("reviewer", "liaison", "auditor", "city_admin", "sibling")
        }
        reads = {who: error_code(await api.call(PLAN, tokens[who], y=2026)) for who in ("liaison", "auditor", "city_admin", "sibling")}
        leaders = {
            who: error_code(await api.call('{ leaders(tenantCode: "431321") { items { id } } }', tokens[who]))
            for who in ("liaison", "reviewer")
        }
        opened = {who: error_code(await api.call(OPEN, tokens[who], l=person)) for who in ("city_admin", "reviewer")}
    assert writes == {
        "reviewer": "FORBIDDEN",
        "liaison": "FORBIDDEN",
        "auditor": "FORBIDDEN",
        "city_admin": "FORBIDDEN",
        "sibling": "NOT_FOUND",
    }
    assert reads == {"liaison": "FORBIDDEN", "auditor": None, "city_admin": None, "sibling": "NOT_FOUND"}
    assert leaders == {"liaison": "FORBIDDEN", "reviewer": None}
    assert opened == {"city_admin": "FORBIDDEN", "reviewer": "FORBIDDEN"}
    assert await count(runtime, "leader") == 1 and await count(runtime, "leader_review") == 0


async def test_listing_leaders_and_reviews_costs_the_same_statements_for_any_page(reviews):
    runtime, tokens = reviews
    writer = tokens["admin"]
    leaders = '{ leaders(tenantCode: "431321", first: %d) { items { name unit { name } } } }'
    listed = '{ leaderReviews(tenantCode: "431321", first: %d) { items { kind leader { name unit { name } } stages { stage } problems { code } } } }'
    async with Api(runtime) as api:
        for n in range(3):
            person = (await api.call(LEADER, writer, i=leader(f"人{n}", "COUNTY", "2020-01-01")))["data"]["addLeader"]["id"]
            rid = (await api.call(OPEN, writer, l=person))["data"]["openLeaderReview"]["id"]
            await api.call(STAGE, writer, id=rid, v=1, s="PRE_NOTICE", d="2026-09-02")
            await api.call(PROBLEM, writer, id=rid)
        counts = []
        for query in (leaders % 1, leaders % 3, listed % 1, listed % 3):
            with counting_statements(runtime.engine) as statements:
                result = await api.call(query, writer)
            assert "errors" not in result, result
            counts.append(len(statements))
        page = result["data"]["leaderReviews"]["items"]
    assert len(page) == 3 and all(len(r["stages"]) == 1 and len(r["problems"]) == 1 and r["leader"]["unit"] for r in page)
    assert counts[0] == counts[1] and counts[2] == counts[3]


async def test_leaders_and_reviews_come_in_pages(reviews):
    runtime, tokens = reviews
    writer = tokens["admin"]
    leaders = """query($n: Int!, $a: String) { leaders(tenantCode: "431321", first: $n, after: $a) {
        items { name } pageInfo { hasNextPage endCursor } } }"""
    listed = """query($n: Int!, $a: String) { leaderReviews(tenantCode: "431321", first: $n, after: $a) {
        items { leader { name } } pageInfo { hasNextPage endCursor } } }"""
    async with Api(runtime) as api:
        for name in ("甲", "乙", "丙"):
            person = (await api.call(LEADER, writer, i=leader(name, "COUNTY", "2020-01-01")))["data"]["addLeader"]["id"]
            await api.call(OPEN, writer, l=person)
        first = (await api.call(leaders, writer, n=2))["data"]["leaders"]
        rest = (await api.call(leaders, writer, n=2, a=first["pageInfo"]["endCursor"]))["data"]["leaders"]
        newest = (await api.call(listed, writer, n=2))["data"]["leaderReviews"]
        oldest = (await api.call(listed, writer, n=2, a=newest["pageInfo"]["endCursor"]))["data"]["leaderReviews"]
        refused = [(await api.call(query, writer, n=2, a="不是游标"))["errors"][0]["extensions"] for query in (leaders, listed)]
        too_many = error_code(await api.call(leaders, writer, n=101))
    # leaders in the order they were registered, reviews newest first
    assert [e["name"] for e in first["items"]] == ["甲", "乙"] and first["pageInfo"]["hasNextPage"] is True
    assert [e["name"] for e in rest["items"]] == ["丙"] and rest["pageInfo"]["hasNextPage"] is False
    assert [r["leader"]["name"] for r in newest["items"]] == ["丙", "乙"] and newest["pageInfo"]["hasNextPage"] is True
    assert [r["leader"]["name"] for r in oldest["items"]] == ["甲"] and oldest["pageInfo"]["hasNextPage"] is False
    assert refused == [{"code": "INVALID_CURSOR", "field": "after"}] * 2 and too_many == "INVALID_PAGE_SIZE"


PROGRESS = """query($c: String!) { reviewPlanProgress(tenantCode: $c, year: 2026) { code name required optional opened closed } }"""


async def test_a_city_sees_its_own_and_its_counties_plans_and_a_county_its_yearly_summary(reviews):
    runtime, tokens = reviews
    async with Api(runtime) as api:
        for name, level, appointed in [
            ("甲", "COUNTY", "2023-12-31"),
            ("乙", "COUNTY", "2024-01-01"),
            ("辛", "COUNTY_DEPARTMENT", "2020-01-01"),
        ]:
            await api.call(LEADER, tokens["inspector"], i=leader(name, level, appointed))
        city = (await api.call(PROGRESS, tokens["city_admin"], c="431300"))["data"]["reviewPlanProgress"]
        county_reads_up = error_code(await api.call(PROGRESS, tokens["admin"], c="431300"))
        sibling = error_code(await api.call(PROGRESS, tokens["sibling"], c="431321"))
        summary = await api.client.get("/reviews/431321/summary.docx?year=2026", headers={"Authorization": f"Bearer {tokens['admin']}"})
        no_year = await api.client.get("/reviews/431321/summary.docx", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert [(o["code"], o["required"], o["optional"], o["opened"]) for o in city] == [
        ("431300", 0, 0, 0),
        ("431321", 2, 1, 0),  # 甲 (3 years) and 辛 (5 years at a county department) must; 乙 may
        ("431322", 0, 0, 0),
    ]
    assert (county_reads_up, sibling) == ("NOT_FOUND", "NOT_FOUND")
    written = "\n".join(p.text for p in DocxFile(io.BytesIO(summary.content)).paragraphs)
    assert "双峰县2026年度三责联审综合情况报告" in written and "必审 2 人、可审 1 人" in written
    assert no_year.json()["errors"][0]["extensions"]["code"] == "INVALID_YEAR"


ISSUE_LETTER = """mutation { issueDisciplineLetter(tenantCode: "431321", input: {kind: APPOINTMENT, unitId: "1", recipientName: "甲",
    recipientPost: "局长", subject: "任初函告", body: "请严格执行机构编制纪律。"}) { documentNumber } }"""
LETTERS = '{ leaders(tenantCode: "431321") { items { name appointmentLetter } } }'


async def test_a_new_leader_shows_whether_the_appointment_letter_has_gone_out(reviews):
    """Adding a leader prompts the 任初函告: the leader shows none until one is issued to them."""
    runtime, tokens = reviews
    async with Api(runtime) as api:
        for name in ("甲", "乙"):
            await api.call(LEADER, tokens["inspector"], i=leader(name, "COUNTY_DEPARTMENT", "2026-03-01"))
        before = (await api.call(LETTERS, tokens["inspector"]))["data"]["leaders"]["items"]
        issued = (await api.call(ISSUE_LETTER, tokens["admin"]))["data"]["issueDisciplineLetter"]["documentNumber"]
        with counting_statements(runtime.engine) as statements:
            after = (await api.call(LETTERS, tokens["inspector"]))["data"]["leaders"]["items"]
    assert before == [{"name": "甲", "appointmentLetter": None}, {"name": "乙", "appointmentLetter": None}]
    assert after == [{"name": "甲", "appointmentLetter": issued}, {"name": "乙", "appointmentLetter": None}]
    assert len([s for s in statements if "discipline_letter" in s]) == 1  # one statement for the page


TALK = """mutation($id: ID!, $v: Int!, $i: DisciplineTalkInput!) { recordDisciplineTalk(tenantCode: "431321", id: $id, version: $v,
    input: $i) { version disciplineTalk { heldOn conductedBy notes } } }"""
TALKS = """{ leaders(tenantCode: "431321") { items { name disciplineTalk { heldOn } } } }"""


async def test_a_new_leaders_discipline_talk_is_recorded_once_after_the_appointment(reviews):
    """湖南: a 纪律谈话 with every newly appointed leader; the leader shows none until it is recorded."""
    runtime, tokens = reviews
    talk = {"heldOn": "2026-03-10", "conductedBy": "县委编办主任 李某", "notes": "讲明机构编制纪律和用编用职程序"}
    async with Api(runtime) as api:
        leader_id = (await api.call(LEADER, tokens["inspector"], i=leader("甲", "COUNTY_DEPARTMENT", "2026-03-01")))["data"]["addLeader"][
            "id"
        ]
        before = (await api.call(TALKS, tokens["inspector"]))["data"]["leaders"]["items"]
        refusals = [
            error_code(await api.call(TALK, tokens["inspector"], id=leader_id, v=1, i={**talk, "heldOn": "2026-02-28"})),
            error_code(await api.call(TALK, tokens["inspector"], id=leader_id, v=1, i={**talk, "heldOn": "2099-01-01"})),
            error_code(await api.call(TALK, tokens["inspector"], id=leader_id, v=1, i={**talk, "conductedBy": " "})),
            error_code(await api.call(TALK, tokens["inspector"], id=leader_id, v=1, i={**talk, "notes": "谈" * 201})),
            error_code(await api.call(TALK, tokens["inspector"], id=leader_id, v=2, i=talk)),
            error_code(await api.call(TALK, tokens["liaison"], id=leader_id, v=1, i=talk)),
            error_code(await api.call(TALK, tokens["sibling"], id=leader_id, v=1, i=talk)),
        ]
        unchanged = await count(runtime, "audit_event")
        recorded = (await api.call(TALK, tokens["inspector"], id=leader_id, v=1, i=talk))["data"]["recordDisciplineTalk"]
        again = error_code(await api.call(TALK, tokens["inspector"], id=leader_id, v=2, i=talk))
        after = (await api.call(TALKS, tokens["inspector"]))["data"]["leaders"]["items"]
    assert before == [{"name": "甲", "disciplineTalk": None}]
    assert refusals == ["INVALID_DATE", "INVALID_DATE", "INVALID_NAME", "INVALID_TEXT", "STALE_VERSION", "FORBIDDEN", "NOT_FOUND"]
    assert recorded == {
        "version": 2,
        "disciplineTalk": {"heldOn": "2026-03-10", "conductedBy": "县委编办主任 李某", "notes": talk["notes"]},
    }
    assert again == "ALREADY_RECORDED" and after == [{"name": "甲", "disciplineTalk": {"heldOn": "2026-03-10"}}]
    assert await count(runtime, "audit_event") == unchanged + 1
