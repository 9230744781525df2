"""A round from 计划 to 归档 and its 回头看, through GraphQL alone: drafts, 事实确认, the 统一反馈, the
unit's 整改方案 and 整改情况报告, the 验收, the archive, and a later 回头看 that finds one problem
巩固 and the other 反弹 (reopened)."""

from __future__ import annotations

from sqlalchemy import text

from tests.identity import Api, error_code

CREATE_ROUND = """mutation($i: RoundInput!) { createRound(tenantCode: "431321", input: $i) { id version } }"""
MOVE_ROUND = """mutation($r: ID!, $v: Int!, $a: RoundAction!) { moveRound(tenantCode: "431321", id: $r, version: $v, action: $a) {
    stage version } }"""
DRAFT = """mutation($r: ID!, $d: String!) { createDraftFinding(tenantCode: "431321", roundId: $r, unitId: "1", input: {
    taxonomyCode: "C03.K01.M01", description: $d, severity: ORDINARY, foundOn: "2026-09-10"}) { id } }"""
SEND = """mutation($d: ID!) { moveDraftFinding(tenantCode: "431321", id: $d, version: 1, action: SEND) { state } }"""
AGREE = """mutation($d: ID!) { answerDraftFinding(tenantCode: "431321", id: $d, version: 2, answer: AGREE) { state } }"""
FEED_BACK = """mutation($r: ID!) { feedBackRound(tenantCode: "431321", roundId: $r, addressee: "张建华", givenOn: "2026-10-20") {
    findings } }"""
FINDINGS = """query($r: ID!) { findings(tenantCode: "431321", filter: {roundId: $r}) { items { id ledger { state } } } }"""
PLAN = """mutation($r: ID!, $t: [RectificationTaskInput!]!) { saveRectificationPlan(tenantCode: "431321", roundId: $r, unitId: "1",
    tasks: $t) { id } }"""
SUBMIT_PLAN = """mutation($p: ID!) { submitRectificationPlan(tenantCode: "431321", id: $p, version: 1) { state } }"""
APPROVE_PLAN = """mutation($p: ID!) { decideRectificationPlan(tenantCode: "431321", id: $p, version: 2, decision: APPROVE) { state } }"""
REPORT = """mutation($r: ID!, $i: [ReportItemInput!]!) { saveRectificationReport(tenantCode: "431321", roundId: $r, unitId: "1",
    summary: "已全部整改", leaderReport: "本人亲自督促", items: $i) { id } }"""
SUBMIT_REPORT = """mutation($p: ID!) { submitRectificationReport(tenantCode: "431321", id: $p, version: 1) { state } }"""
REVIEW_REPORT = """mutation($p: ID!, $j: [VerdictInput!]!) { reviewRectificationReport(tenantCode: "431321", id: $p, version: 2,
    verdicts: $j) { state } }"""
ACCEPT = """mutation($r: ID!, $c: [ID!]!) { recordAcceptance(tenantCode: "431321", roundId: $r, unitId: "1", acceptedOn: "2026-12-01",
    conclusion: "整改到位", close: $c) { closed leftOpen } }"""
CHECKLIST = """query($r: ID!) { followUpChecklist(tenantCode: "431321", roundId: $r) { followsRoundId consolidated rebounded unchecked
    items { findingId ledgerState outcome note } } }"""
CHECK = """mutation($r: ID!, $f: ID!, $o: FollowUpOutcome!, $n: String! = "走访核实") { recordFollowUp(tenantCode: "431321", roundId: $r,
    findingId: $f, outcome: $o, note: $n) { rebounded } }"""


def round_input(**change) -> dict:
    return {"kind": "PATROL_INSPECTION", "name": "2026年第二轮巡察", "startsOn": "2026-09-01", "unitIds": ["1"], **change}


async def checks_state(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(c ORDER BY id)::text FROM t431321.follow_up_check c),"
                        " (SELECT json_agg(l ORDER BY id)::text FROM t431321.ledger_entry l),"
                        " (SELECT count(*) FROM t431321.inspection_round), (SELECT count(*) FROM t431321.audit_event)"
                    )
                )
            ).one()
        )


async def test_a_round_runs_from_plan_to_archive_and_its_follow_up_reopens_what_came_back(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    team, reviewer, liaison = tokens["inspector"], tokens["reviewer"], tokens["liaison"]
    async with Api(runtime) as api:

        async def move(round_id: str, *actions: str, version: int) -> int:
            for action in actions:
                moved = await api.call(MOVE_ROUND, team, r=round_id, v=version, a=action)
                assert "errors" not in moved, moved
                version += 1
            return version

        r = (await api.call(CREATE_ROUND, team, i=round_input()))["data"]["createRound"]["id"]
        version = await move(r, "PREPARE", "STATION", version=1)
        drafts = [(await api.call(DRAFT, team, r=r, d=d))["data"]["createDraftFinding"]["id"] for d in ("超编 2 名", "借调 1 名超期")]
        for draft in drafts:
            await api.call(SEND, team, d=draft)
            await api.call(AGREE, liaison, d=draft)
        version = await move(r, "INVESTIGATE", "REPORT", version=version)
        assert (await api.call(FEED_BACK, team, r=r))["data"]["feedBackRound"] == [{"findings": 2}]
        version += 1  # the 统一反馈 moved the round to 反馈
        first, second = sorted((f["id"] for f in (await api.call(FINDINGS, team, r=r))["data"]["findings"]["items"]), key=int)
        task = {"measure": "逐项整改", "responsibleLeader": "李副局长", "responsibleDepartment": "人事科", "deadline": "2026-11-30"}
        plan = (await api.call(PLAN, liaison, r=r, t=[{"findingId": f, **task} for f in (first, second)]))["data"]["saveRectificationPlan"]
        await api.call(SUBMIT_PLAN, liaison, p=plan["id"])
        assert (await api.call(APPROVE_PLAN, reviewer, p=plan["id"]))["data"]["decideRectificationPlan"]["state"] == "APPROVED"
        items = [{"findingId": f, "progress": "DONE", "account": "已整改"} for f in (first, second)]
        report = (await api.call(REPORT, liaison, r=r, i=items))["data"]["saveRectificationReport"]
        await api.call(SUBMIT_REPORT, liaison, p=report["id"])
        verdicts = [{"findingId": f, "verdict": "ACCEPTED"} for f in (first, second)]
        assert (await api.call(REVIEW_REPORT, reviewer, p=report["id"], j=verdicts))["data"]["reviewRectificationReport"][
            "state"
        ] == "REVIEWED"
        version = await move(r, "RECTIFY", version=version)
        assert (await api.call(ACCEPT, reviewer, r=r, c=[first, second]))["data"]["recordAcceptance"] == {"closed": 2, "leftOpen": 0}
        version = await move(r, "ARCHIVE", version=version + 1)

        refusals = [
            error_code(await api.call(CREATE_ROUND, team, i=round_input(kind="FOLLOW_UP"))),  # follows nothing
            error_code(await api.call(CREATE_ROUND, team, i=round_input(followsRoundId=r))),  # only a 回头看 follows
            error_code(await api.call(CREATE_ROUND, team, i=round_input(kind="FOLLOW_UP", followsRoundId="999"))),
        ]
        planned = (await api.call(CREATE_ROUND, team, i=round_input(name="未开始的轮次")))["data"]["createRound"]["id"]
        refusals.append(error_code(await api.call(CREATE_ROUND, team, i=round_input(kind="FOLLOW_UP", followsRoundId=planned))))
        follow_up = (await api.call(CREATE_ROUND, team, i=round_input(kind="FOLLOW_UP", followsRoundId=r, name="回头看")))["data"][
            "createRound"
        ]["id"]
        too_early = error_code(await api.call(CHECK, reviewer, r=follow_up, f=first, o="CONSOLIDATED"))
        await move(follow_up, "PREPARE", "STATION", version=1)
        before_checks = (await api.call(CHECKLIST, team, r=follow_up))["data"]["followUpChecklist"]
        await api.call(CHECK, reviewer, r=follow_up, f=first, o="CONSOLIDATED")
        rebounded = (await api.call(CHECK, team, r=follow_up, f=second, o="REBOUNDED", n="借调人员又回到本单位"))["data"]["recordFollowUp"]
        before = await checks_state(runtime)
        check_refusals = [
            error_code(await api.call(CHECK, reviewer, r=follow_up, f=first, o="REBOUNDED")),  # checked already
            error_code(await api.call(CHECK, liaison, r=follow_up, f=first, o="CONSOLIDATED")),
            error_code(await api.call(CHECK, reviewer, r=r, f=first, o="CONSOLIDATED")),  # not a 回头看
            error_code(await api.call(CHECK, reviewer, r=follow_up, f="999", o="CONSOLIDATED")),
            error_code(await api.call(CHECK, reviewer, r=follow_up, f=first, o="CONSOLIDATED", n=" ")),
            error_code(await api.call(CHECK, reviewer, r=follow_up, f=first, o="CONSOLIDATED", n="注" * 301)),
        ]
        assert await checks_state(runtime) == before
        after_checks = (await api.call(CHECKLIST, liaison, r=follow_up))["data"]["followUpChecklist"]
        ledger = {f["id"]: f["ledger"]["state"] for f in (await api.call(FINDINGS, team, r=r))["data"]["findings"]["items"]}

    assert version == 9  # 计划 … 归档: eight moves, two of them (反馈, 验收) by the acts themselves
    assert refusals == ["INVALID_FOLLOW_UP", "INVALID_FOLLOW_UP", "NOT_FOUND", "ROUND_STAGE"]
    assert too_early == "ROUND_STAGE"
    assert (before_checks["followsRoundId"], before_checks["unchecked"], len(before_checks["items"])) == (r, 2, 2)
    assert rebounded == {"rebounded": 1}
    assert check_refusals == ["ALREADY_CHECKED", "FORBIDDEN", "NOT_FOUND", "NOT_FOUND", "INVALID_TEXT", "INVALID_TEXT"]
    assert (after_checks["consolidated"], after_checks["rebounded"], after_checks["unchecked"]) == (1, 1, 0)
    assert [(i["findingId"], i["ledgerState"], i["outcome"]) for i in after_checks["items"]] == [
        (first, "CLOSED", "CONSOLIDATED"),
        (second, "IN_PROGRESS", "REBOUNDED"),
    ]
    assert ledger == {first: "CLOSED", second: "IN_PROGRESS"}
