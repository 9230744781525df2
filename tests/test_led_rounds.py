"""A round an upper office leads over a county's unit (上级巡视): the province's team writes the
drafts, gives the 统一反馈, decides the plan and closes the problem at the 验收; the county sees
and works the problem like its own but cannot close it; a sibling county sees nothing."""

from __future__ import annotations

from tests.factories import add_unit
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

LEAD = """mutation($l: String!, $c: String!) { createLedRound(leaderCode: $l, tenantCode: $c, input: {kind: INSPECTION_TOUR,
    name: "省委第三巡视组巡视双峰县", startsOn: "2026-09-01", unitIds: ["1"], stage: STATIONED}) { id ledBy stage version } }"""
MOVE_ROUND = """mutation($r: ID!, $v: Int!, $a: RoundAction!) { moveRound(tenantCode: "431321", id: $r, version: $v, action: $a) {
    stage version } }"""
DRAFT = """mutation($r: ID!) { createDraftFinding(tenantCode: "431321", roundId: $r, unitId: "1", input: {taxonomyCode: "C03.K01.M01",
    description: "县委未经集体研究决定机构编制事项", severity: SERIOUS, foundOn: "2026-09-10"}) { id } }"""
DRAFTS = """query($r: ID!) { draftFindings(tenantCode: "431321", roundId: $r) { items { id } } }"""
SETTLE = """mutation($d: ID!) { moveDraftFinding(tenantCode: "431321", id: $d, version: 1, action: SETTLE, note: "书面确认") { state } }"""
LED = """query($l: String!) { ledRounds(leaderCode: $l) { tenantCode officeName round { roundId name stage units } } }"""
SEND = """mutation($d: ID!) { moveDraftFinding(tenantCode: "431321", id: $d, version: 1, action: SEND) { state } }"""
AGREE = """mutation($d: ID!) { answerDraftFinding(tenantCode: "431321", id: $d, version: 2, answer: AGREE) { state } }"""
FEED_BACK = """mutation($r: ID!) { feedBackRound(tenantCode: "431321", roundId: $r, addressee: "县委书记", givenOn: "2026-10-20") { documentNumber
    findings } }"""
FINDINGS = """{ findings(tenantCode: "431321") { items { id round { ledBy } ledger { state version } } } }"""
PROGRESS = """mutation($f: ID!, $v: Int!) { reportProgress(tenantCode: "431321", findingId: $f, version: $v, note: "已提请县委常委会研究") {
    ledger { version } } }"""
REQUEST = """mutation($f: ID!, $v: Int!) { requestCloseOut(tenantCode: "431321", findingId: $f, version: $v, note: "已整改") {
    ledger { version } } }"""
CLOSE = """mutation($f: ID!, $v: Int!) { closeOut(tenantCode: "431321", findingId: $f, version: $v) { ledger { state } } }"""
PLAN = """mutation($r: ID!, $f: ID!) { saveRectificationPlan(tenantCode: "431321", roundId: $r, unitId: "1", tasks: [{findingId: $f,
    measure: "建立机构编制事项集体研究制度", responsibleLeader: "县委副书记", responsibleDepartment: "县委编办", deadline: "2026-12-31"}]) {
    id } }"""
SUBMIT_PLAN = """mutation($p: ID!) { submitRectificationPlan(tenantCode: "431321", id: $p, version: 1) { state } }"""
APPROVE = """mutation($p: ID!) { decideRectificationPlan(tenantCode: "431321", id: $p, version: 2, decision: APPROVE) { state } }"""
ACCEPT = """mutation($r: ID!, $f: ID!) { recordAcceptance(tenantCode: "431321", roundId: $r, unitId: "1", acceptedOn: "2026-12-01",
    conclusion: "已建立集体研究制度", close: [$f]) { closed } }"""


async def test_an_upper_office_leads_a_round_over_a_countys_unit_and_closes_what_it_found(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    await add_unit(runtime, "431321", "中共双峰县委", "UNIT431321C")  # a region's leading body, inspected as a unit
    people = {
        "province": ("430000", "inspector", None),
        "province_reviewer": ("430000", "reviewer", None),
        "county": ("431321", "inspector", None),
        "county_reviewer": ("431321", "reviewer", None),
        "liaison": ("431321", "liaison", 1),
        "sibling": ("431322", "reviewer", None),
        "sibling_inspector": ("431322", "inspector", None),
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, f"led.{who}", grant)) for who, grant in people.items()}
    async with Api(runtime) as api:
        leading = [
            error_code(await api.call(LEAD, tokens["county"], l="430000", c="431321")),  # the county cannot act for the province
            error_code(await api.call(LEAD, tokens["sibling_inspector"], l="431322", c="431321")),
            error_code(await api.call(LEAD, tokens["province"], l="430000", c="430000")),  # not a lower office
        ]
        led = (await api.call(LEAD, tokens["province"], l="430000", c="431321"))["data"]["createLedRound"]
        r = led["id"]
        listed = (await api.call(LED, tokens["province"], l="430000"))["data"]["ledRounds"]
        listed_refused = [
            error_code(await api.call(LED, tokens["county"], l="430000")),
            error_code(await api.call(LED, tokens["liaison"], l="431321")),
        ]
        leads_nothing = (await api.call(LED, tokens["county"], l="431321"))["data"]["ledRounds"]
        draft = (await api.call(DRAFT, tokens["province"], r=r))["data"]["createDraftFinding"]["id"]
        county_on_drafts = [
            error_code(await api.call(DRAFT, tokens["county"], r=r)),
            error_code(await api.call(DRAFTS, tokens["county"], r=r)),
            error_code(await api.call(SETTLE, tokens["county"], d=draft)),
            error_code(await api.call(DRAFTS, tokens["sibling"], r=r)),
        ]
        # 事实确认: the county's liaison sees only what the leading office's team sent its unit, and answers it
        before_sending = (await api.call(DRAFTS, tokens["liaison"], r=r))["data"]["draftFindings"]["items"]
        await api.call(SEND, tokens["province"], d=draft)
        sent = (await api.call(DRAFTS, tokens["liaison"], r=r))["data"]["draftFindings"]["items"]
        agreed = (await api.call(AGREE, tokens["liaison"], d=draft))["data"]["answerDraftFinding"]
        for version, action in enumerate(("INVESTIGATE", "REPORT"), start=1):
            await api.call(MOVE_ROUND, tokens["province"], r=r, v=version, a=action)
        county_feeds_back = error_code(await api.call(FEED_BACK, tokens["county"], r=r))
        assert (await api.call(FEED_BACK, tokens["province"], r=r))["data"]["feedBackRound"] == [
            {"documentNumber": "湘编办反馈〔2026〕1号", "findings": 1}
        ]  # the leader's series

        [finding] = (await api.call(FINDINGS, tokens["county"]))["data"]["findings"]["items"]
        f = finding["id"]
        await api.call(PROGRESS, tokens["liaison"], f=f, v=1)
        await api.call(REQUEST, tokens["liaison"], f=f, v=2)
        county_closes = error_code(await api.call(CLOSE, tokens["county_reviewer"], f=f, v=3))
        plan = (await api.call(PLAN, tokens["liaison"], r=r, f=f))["data"]["saveRectificationPlan"]["id"]
        await api.call(SUBMIT_PLAN, tokens["liaison"], p=plan)
        county_approves = error_code(await api.call(APPROVE, tokens["county_reviewer"], p=plan))
        approved = (await api.call(APPROVE, tokens["province_reviewer"], p=plan))["data"]["decideRectificationPlan"]["state"]
        await api.call(MOVE_ROUND, tokens["province"], r=r, v=4, a="RECTIFY")
        county_accepts = error_code(await api.call(ACCEPT, tokens["county_reviewer"], r=r, f=f))
        accepted = (await api.call(ACCEPT, tokens["province_reviewer"], r=r, f=f))["data"]["recordAcceptance"]
        after = (await api.call(FINDINGS, tokens["county"]))["data"]["findings"]["items"]
        sibling = error_code(await api.call(FINDINGS, tokens["sibling"]))

    assert leading == ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]
    assert (led["ledBy"], led["stage"]) == ("430000", "STATIONED")
    assert listed == [
        {
            "tenantCode": "431321",
            "officeName": "双峰县",
            "round": {"roundId": r, "name": "省委第三巡视组巡视双峰县", "stage": "STATIONED", "units": 1},
        }
    ]
    assert listed_refused == ["NOT_FOUND", "FORBIDDEN"] and leads_nothing == []
    assert county_on_drafts == ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND"]
    assert (before_sending, sent, agreed) == ([], [{"id": draft}], {"state": "CONFIRMED"})
    assert county_feeds_back == "FORBIDDEN"
    assert finding["round"] == {"ledBy": "430000"}  # the county's own entry, marked with the leading office
    assert county_closes == "CLOSED_BY_LEADING_OFFICE"
    assert (county_approves, approved) == ("FORBIDDEN", "APPROVED")
    assert (county_accepts, accepted) == ("FORBIDDEN", {"closed": 1})
    assert [entry["ledger"]["state"] for entry in after] == ["CLOSED"]
    assert sibling == "NOT_FOUND"
