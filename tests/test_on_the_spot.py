"""立行立改 (issue 20 item 3): after the 初步反馈 the unit reports its fix with files, another
inspector than the one who found it confirms it (no self-sign-off), and the 统一反馈 registers
the problem as rectified on the spot."""

from __future__ import annotations

from backend.rounds.models import RoundStage
from tests.factories import add_round, add_unit
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

CREATE = """mutation($c: RectificationClass!) { createDraftFinding(tenantCode: "431321", roundId: "1", unitId: "1", input: {
    taxonomyCode: "C03.K01.M01", description: "办公室门口未按规定悬挂机构牌子", severity: ORDINARY, foundOn: "2026-09-10",
    rectificationClass: $c}) { id version } }"""
SEND = """mutation($d: ID!, $v: Int!) { moveDraftFinding(tenantCode: "431321", id: $d, version: $v, action: SEND) { version } }"""
FIX = """mutation($d: ID!, $v: Int!, $f: [String!]) { reportOnSpotFix(tenantCode: "431321", id: $d, version: $v,
    note: "当日已按规定重新悬挂", evidence: $f) { version fixNote fixEvidence } }"""
CONFIRM = """mutation($d: ID!, $v: Int!) { confirmOnSpotFix(tenantCode: "431321", id: $d, version: $v) { version fixConfirmedBy } }"""
AGREE = """mutation($d: ID!, $v: Int!) { answerDraftFinding(tenantCode: "431321", id: $d, version: $v, answer: AGREE) { state version } }"""
MOVE_ROUND = """mutation($v: Int!, $a: RoundAction!) { moveRound(tenantCode: "431321", id: "1", version: $v, action: $a) { version } }"""
FEED_BACK = """mutation { feedBackRound(tenantCode: "431321", roundId: "1", addressee: "局长", givenOn: "2026-10-20") { findings } }"""
FINDINGS = """{ findings(tenantCode: "431321") { items { fixedOnSpot rectificationClass ledger { state closeNote } } } }"""


async def test_a_fix_on_the_spot_is_confirmed_by_another_inspector_and_registered_rectified(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    await add_round(runtime, "431321", [await add_unit(runtime, "431321", "双峰县财政局", "UNIT431321")], stage=RoundStage.STATIONED)
    people = {"finder": ("inspector", None), "colleague": ("inspector", None), "liaison": ("liaison", 1)}
    tokens = {
        who: await token_for(runtime, await add_user(runtime, f"s.{who}", ("431321", role, unit))) for who, (role, unit) in people.items()
    }
    async with Api(runtime) as api:
        draft = (await api.call(CREATE, tokens["finder"], c="AT_ONCE"))["data"]["createDraftFinding"]["id"]
        by_deadline = (await api.call(CREATE, tokens["finder"], c="BY_DEADLINE"))["data"]["createDraftFinding"]["id"]
        unsent = error_code(await api.call(FIX, tokens["liaison"], d=draft, v=1))  # the unit sees it once sent (初步反馈)
        await api.call(SEND, tokens["finder"], d=draft, v=1)
        await api.call(SEND, tokens["finder"], d=by_deadline, v=1)
        upload = await api.client.post(
            "/evidence/431321",
            params={"name": "牌子照片.jpg"},
            content=b"\xff\xd8\xff\xe0photo",
            headers={"Authorization": f"Bearer {tokens['liaison']}"},
        )
        sha = upload.json()["sha256"]
        not_at_once = error_code(await api.call(FIX, tokens["liaison"], d=by_deadline, v=2))
        nothing_reported = error_code(await api.call(CONFIRM, tokens["colleague"], d=draft, v=2))
        fixed = (await api.call(FIX, tokens["liaison"], d=draft, v=2, f=[sha]))["data"]["reportOnSpotFix"]
        self_sign_off = error_code(await api.call(CONFIRM, tokens["finder"], d=draft, v=3))
        unit_confirms = error_code(await api.call(CONFIRM, tokens["liaison"], d=draft, v=3))
        confirmed = (await api.call(CONFIRM, tokens["colleague"], d=draft, v=3))["data"]["confirmOnSpotFix"]
        await api.call(AGREE, tokens["liaison"], d=draft, v=4)
        await api.call(AGREE, tokens["liaison"], d=by_deadline, v=2)
        for version, action in enumerate(("INVESTIGATE", "REPORT"), start=1):
            await api.call(MOVE_ROUND, tokens["finder"], v=version, a=action)
        fed_back = (await api.call(FEED_BACK, tokens["finder"]))["data"]["feedBackRound"]
        findings = (await api.call(FINDINGS, tokens["finder"]))["data"]["findings"]["items"]
    assert (unsent, not_at_once, nothing_reported) == ("NOT_FOUND", "NOT_AT_ONCE", "NO_FIX_REPORTED")
    assert fixed == {"version": 3, "fixNote": "当日已按规定重新悬挂", "fixEvidence": [sha]}
    assert (self_sign_off, unit_confirms) == ("NO_SELF_SIGN_OFF", "FORBIDDEN")
    assert confirmed == {"version": 4, "fixConfirmedBy": "s.colleague"}
    assert fed_back == [{"findings": 2}]
    by_class = {f["rectificationClass"]: f for f in findings}
    assert by_class["AT_ONCE"]["fixedOnSpot"] and by_class["AT_ONCE"]["ledger"] == {
        "state": "CLOSED",
        "closeNote": "立行立改：当日已按规定重新悬挂（s.colleague确认）",
    }
    assert by_class["BY_DEADLINE"]["ledger"]["state"] == "REGISTERED"
