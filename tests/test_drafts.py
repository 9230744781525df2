"""问题底稿 and the 统一反馈, through GraphQL alone: drafts written during 进驻, confirmed with the
unit (agreed, disputed and revised, kept, settled, withdrawn), seen by nobody outside the team
but the unit they were sent to, and turned into ledger entries at the 统一反馈, which numbers
the 反馈意见, starts the clocks and tells the unit."""

from __future__ import annotations

from sqlalchemy import text

from tests.helpers import INBOX, LOG_FINDING, configured, drain, finding_input
from tests.identity import Api, error_code

CREATE_ROUND = """mutation { createRound(tenantCode: "431321", input: {kind: PATROL_INSPECTION, name: "2026年第二轮巡察",
    startsOn: "2026-09-01", unitIds: ["1", "2"]}) { id version } }"""
MOVE_ROUND = """mutation($r: ID!, $v: Int!, $a: RoundAction!) { moveRound(tenantCode: "431321", id: $r, version: $v, action: $a) {
    stage version } }"""
ROUND = """query($r: ID!) { round(tenantCode: "431321", id: $r) { stage version } }"""
DRAFT_FIELDS = "id unitId state version description sentAt findingId"
CREATE = f"""mutation($r: ID!, $u: ID!, $i: DraftContentInput!) {{ createDraftFinding(tenantCode: "431321", roundId: $r, unitId: $u,
    input: $i) {{ {DRAFT_FIELDS} }} }}"""
REVISE = f"""mutation($d: ID!, $v: Int!, $i: DraftContentInput!, $n: String) {{ reviseDraftFinding(tenantCode: "431321", id: $d,
    version: $v, input: $i, note: $n) {{ {DRAFT_FIELDS} }} }}"""
MOVE = f"""mutation($d: ID!, $v: Int!, $a: DraftAction!, $n: String) {{ moveDraftFinding(tenantCode: "431321", id: $d, version: $v,
    action: $a, note: $n) {{ {DRAFT_FIELDS} }} }}"""
ANSWER = f"""mutation($d: ID!, $v: Int!, $a: DraftAnswer!, $n: String) {{ answerDraftFinding(tenantCode: "431321", id: $d,
    version: $v, answer: $a, note: $n) {{ {DRAFT_FIELDS} }} }}"""
DRAFTS = f"""query($r: ID!, $u: ID) {{ draftFindings(tenantCode: "431321", roundId: $r, unitId: $u) {{ items {{ {DRAFT_FIELDS} }} }} }}"""
HISTORY = """query($d: ID!) { draftFindingHistory(tenantCode: "431321", id: $d) { action fromState toState note actor } }"""
FEED_BACK = """mutation($r: ID!, $u: ID, $on: Date) { feedBackRound(tenantCode: "431321", roundId: $r, unitId: $u,
    addressee: "张建华", givenOn: $on) { unitId documentNumber addressee givenOn findings planDue reportDue } }"""
FINDINGS = """{ findings(tenantCode: "431321") { items { code unitId description rectificationClass ledger { state deadline } } } }"""
BANK = """{ bankStatistics(regionCode: "431321", by: CATEGORY) { total } }"""


def content(description: str, **change) -> dict:
    return {
        "taxonomyCode": "C03.K01.M01",
        "description": description,
        "severity": "SERIOUS",
        "foundOn": "2026-09-10",
        "basis": "《机构编制工作条例》第二十八条",
        "requirement": "逐年消化超编人员，只出不进",
        **change,
    }


async def drafts_state(runtime) -> tuple:
    """Everything a refused call must leave as it was."""
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(d ORDER BY id)::text FROM t431321.finding_draft d),"
                        " (SELECT count(*) FROM t431321.finding_draft_event), (SELECT count(*) FROM t431321.round_feedback),"
                        " (SELECT count(*) FROM t431321.finding), (SELECT count(*) FROM t431321.audit_event),"
                        " (SELECT json_agg(r ORDER BY id)::text FROM t431321.inspection_round r),"
                        " (SELECT count(*) FROM notify.outbox)"
                    )
                )
            ).one()
        )


async def bank_rows(runtime) -> int:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM problem_bank.problem WHERE tenant_code = '431321'"))).scalar_one()


async def test_drafts_are_confirmed_with_the_unit_and_become_the_ledger_only_at_the_feedback(ledger_office):
    runtime = configured(ledger_office.runtime)
    tokens = ledger_office.tokens
    team, liaison, other_liaison = tokens["inspector"], tokens["liaison"], tokens["other_liaison"]
    async with Api(runtime) as api:
        created = (await api.call(CREATE_ROUND, team))["data"]["createRound"]
        r = created["id"]
        too_early = error_code(await api.call(CREATE, team, r=r, u="1", i=content("超编 2 名")))
        for version, action in enumerate(("PREPARE", "STATION"), start=1):
            await api.call(MOVE_ROUND, team, r=r, v=version, a=action)

        async def draft(unit: str, description: str, **change) -> dict:
            return (await api.call(CREATE, team, r=r, u=unit, i=content(description, **change)))["data"]["createDraftFinding"]

        agreed = await draft("1", "实有人数超过核定编制 2 名")
        disputed = await draft("1", "超职数配备副局长 1 名")
        settled = await draft("1", "擅自设立内设机构 1 个", rectificationClass="AT_ONCE")
        withdrawn = await draft("1", "借调下级单位人员 1 名")
        other_unit = await draft("2", "编外人员 5 名未经审批")
        logged_directly = error_code(await api.call(LOG_FINDING, team, i=finding_input(roundId=r)))
        unsent_seen_by_liaison = (await api.call(DRAFTS, liaison, r=r))["data"]["draftFindings"]["items"]

        for sent in (agreed, disputed):
            await api.call(MOVE, team, d=sent["id"], v=1, a="SEND")
        seen_by_liaison = (await api.call(DRAFTS, liaison, r=r))["data"]["draftFindings"]["items"]
        seen_by_other_liaison = (await api.call(DRAFTS, other_liaison, r=r))["data"]["draftFindings"]["items"]
        before = await drafts_state(runtime)
        refusals = [
            error_code(await api.call(ANSWER, liaison, d=disputed["id"], v=2, a="DISPUTE")),  # no reason
            error_code(await api.call(ANSWER, liaison, d=disputed["id"], v=1, a="AGREE")),  # stale
            error_code(await api.call(ANSWER, liaison, d=settled["id"], v=1, a="AGREE")),  # never sent to the unit
            error_code(await api.call(ANSWER, other_liaison, d=agreed["id"], v=2, a="AGREE")),  # another unit's
            error_code(await api.call(ANSWER, team, d=agreed["id"], v=2, a="AGREE")),  # the team cannot confirm for the unit
            error_code(await api.call(MOVE, liaison, d=agreed["id"], v=2, a="WITHDRAW", n="x")),
            error_code(await api.call(MOVE, team, d=agreed["id"], v=2, a="SEND")),  # sent already
            error_code(await api.call(MOVE, team, d=settled["id"], v=1, a="SETTLE")),  # no note
            error_code(await api.call(CREATE, team, r=r, u="3", i=content("x"))),  # not covered
            error_code(await api.call(CREATE, team, r=r, u="1", i=content("x", foundOn="2099-01-01"))),
            error_code(await api.call(CREATE, team, r=r, u="1", i=content("x", deadline="2026-01-01"))),
            error_code(await api.call(CREATE, team, r=r, u="1", i=content("x", taxonomyCode="C99"))),
            error_code(await api.call(HISTORY, other_liaison, d=agreed["id"])),
            error_code(await api.call(DRAFTS, tokens["city_reviewer"], r=r)),
            error_code(await api.call(DRAFTS, tokens["auditor"], r=r)),
        ]
        assert await drafts_state(runtime) == before

        await api.call(ANSWER, liaison, d=agreed["id"], v=2, a="AGREE")
        await api.call(ANSWER, liaison, d=disputed["id"], v=2, a="DISPUTE", n="该副局长系按干部任免文件配备，附任免文件")
        revised = (
            await api.call(REVISE, team, d=disputed["id"], v=3, i=content("超职数配备副局长 1 名（挂职干部除外）"), n="核实任免文件后修改")
        )["data"]["reviseDraftFinding"]
        await api.call(MOVE, team, d=disputed["id"], v=4, a="SEND")
        await api.call(ANSWER, liaison, d=disputed["id"], v=5, a="AGREE")
        await api.call(MOVE, team, d=settled["id"], v=1, a="SETTLE", n="单位已在事实确认书上签字")
        await api.call(MOVE, team, d=withdrawn["id"], v=1, a="WITHDRAW", n="经核实系正常借调")
        history = (await api.call(HISTORY, liaison, d=disputed["id"]))["data"]["draftFindingHistory"]

        for version, action in enumerate(("INVESTIGATE", "REPORT"), start=3):
            await api.call(MOVE_ROUND, team, r=r, v=version, a=action)
        before_feedback = (
            (await api.call(FINDINGS, team))["data"]["findings"]["items"],
            await bank_rows(runtime),
            (await api.call(INBOX, liaison))["data"]["notifications"]["items"],
        )
        blocked = await drafts_state(runtime)
        unsettled = error_code(await api.call(FEED_BACK, team, r=r))  # unit 2's draft is still 底稿
        assert await drafts_state(runtime) == blocked
        given = (await api.call(FEED_BACK, team, r=r, u="1", on="2026-10-20"))["data"]["feedBackRound"]
        at_feedback = (await api.call(ROUND, team, r=r))["data"]["round"]  # the first 统一反馈 moved the round on
        rectify_early = error_code(await api.call(MOVE_ROUND, team, r=r, v=6, a="RECTIFY"))
        again = error_code(await api.call(FEED_BACK, team, r=r, u="1"))
        created_late = error_code(await api.call(CREATE, team, r=r, u="1", i=content("x")))
        findings = (await api.call(FINDINGS, team))["data"]["findings"]["items"]
        projected = await bank_rows(runtime)
        await drain(runtime)
        inbox = (await api.call(INBOX, liaison))["data"]["notifications"]["items"]
        drafts_after = {d["id"]: d for d in (await api.call(DRAFTS, team, r=r))["data"]["draftFindings"]["items"]}

        await api.call(MOVE, team, d=other_unit["id"], v=1, a="SETTLE", n="单位书面确认")
        second = (await api.call(FEED_BACK, team, r=r))["data"]["feedBackRound"]  # every unit not fed back yet
        rectified = (await api.call(MOVE_ROUND, team, r=r, v=6, a="RECTIFY"))["data"]["moveRound"]

    assert too_early == "ROUND_STAGE" and logged_directly == "ROUND_NOT_FED_BACK"
    assert unsent_seen_by_liaison == [] and seen_by_other_liaison == []
    assert [d["id"] for d in seen_by_liaison] == [agreed["id"], disputed["id"]]
    assert refusals == [
        "INVALID_TEXT",
        "STALE_VERSION",
        "NOT_FOUND",
        "NOT_FOUND",
        "FORBIDDEN",
        "FORBIDDEN",
        "INVALID_TRANSITION",
        "INVALID_TEXT",
        "NOT_FOUND",
        "INVALID_DATE",
        "INVALID_DEADLINE",
        "UNKNOWN_TAXONOMY_CODE",
        "NOT_FOUND",
        "FORBIDDEN",
        "FORBIDDEN",
    ]
    assert revised["state"] == "DRAFT"
    assert [(h["action"], h["fromState"], h["toState"], h["note"]) for h in history] == [
        ("SEND", "DRAFT", "SENT", None),
        ("DISPUTE", "SENT", "DISPUTED", "该副局长系按干部任免文件配备，附任免文件"),
        ("REVISE", "DISPUTED", "DRAFT", "核实任免文件后修改"),
        ("SEND", "DRAFT", "SENT", None),
        ("AGREE", "SENT", "CONFIRMED", None),
    ]
    assert before_feedback == ([], 0, [])  # no finding, no bank row, no notification before the 统一反馈
    assert unsettled == "DRAFTS_UNSETTLED" and rectify_early == "UNITS_NOT_FED_BACK"
    assert at_feedback == {"stage": "FEEDBACK", "version": 6}
    assert given == [
        {
            "unitId": "1",
            "documentNumber": "双编办反馈〔2026〕1号",
            "addressee": "张建华",
            "givenOn": "2026-10-20",
            "findings": 3,
            "planDue": "2026-11-04",
            "reportDue": "2026-12-20",
        }
    ]
    assert (again, created_late) == ("ALREADY_FED_BACK", "ALREADY_FED_BACK")
    assert sorted((f["description"], f["rectificationClass"], f["ledger"]["state"], f["ledger"]["deadline"]) for f in findings) == [
        ("实有人数超过核定编制 2 名", "BY_DEADLINE", "REGISTERED", "2026-12-20"),
        ("擅自设立内设机构 1 个", "AT_ONCE", "REGISTERED", "2026-12-20"),
        ("超职数配备副局长 1 名（挂职干部除外）", "BY_DEADLINE", "REGISTERED", "2026-12-20"),
    ]
    assert projected == 3
    assert [(n["eventType"], n["title"]) for n in inbox] == [("FEEDBACK_GIVEN", "收到反馈意见：双编办反馈〔2026〕1号")]
    assert "报送整改方案" in inbox[0]["body"] and "超编" not in inbox[0]["body"]  # the problems' text stays in the system
    assert {d["id"]: (d["state"], d["findingId"] is not None) for d in drafts_after.values()} == {
        agreed["id"]: ("FED_BACK", True),
        disputed["id"]: ("FED_BACK", True),
        settled["id"]: ("FED_BACK", True),
        withdrawn["id"]: ("WITHDRAWN", False),
        other_unit["id"]: ("DRAFT", False),
    }
    assert [(g["unitId"], g["documentNumber"], g["findings"]) for g in second] == [("2", "双编办反馈〔2026〕2号", 1)]
    assert rectified["stage"] == "RECTIFYING"
