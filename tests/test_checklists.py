"""A round's 调阅材料清单 and 自查表 (issue 20 item 2): the team lists what it asks of a unit, the
unit's liaison answers item by item with files, the team marks each received or asks for more,
and a 不符合 answer becomes a 自查发现 draft. Other units and offices see nothing; every refusal
changes nothing."""

from __future__ import annotations

from sqlalchemy import text

from backend.rounds.models import RoundStage
from tests.factories import add_round, add_unit
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

LIST = """query($k: ChecklistKind!, $u: ID) { roundChecklist(tenantCode: "431321", roundId: "1", kind: $k, unitId: $u) {
    answered accepted total items { id prompt answer explanation evidence review reviewNote draftId version } } }"""
SET = """mutation($k: ChecklistKind!) { setRoundChecklist(tenantCode: "431321", roundId: "1", unitId: "1", kind: $k) { total } }"""
ANSWER = """mutation($i: ID!, $v: Int!, $a: ItemAnswer!, $e: String, $f: [String!]) {
    answerChecklistItem(tenantCode: "431321", id: $i, version: $v, answer: $a, explanation: $e, evidence: $f) { answer version } }"""
REVIEW = """mutation($i: ID!, $v: Int!, $r: ItemReview!, $n: String) {
    reviewChecklistItem(tenantCode: "431321", id: $i, version: $v, review: $r, note: $n) { review version } }"""
TAKE_UP = """mutation($i: ID!, $v: Int!) { takeUpSelfCheckFinding(tenantCode: "431321", id: $i, version: $v, taxonomyCode: "C03.K01.M01",
    severity: ORDINARY) { id selfFound state description } }"""


async def items_state(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        return [
            tuple(r)
            for r in await connection.execute(text("SELECT id, answer, review, version, draft_id FROM t431321.checklist_item ORDER BY id"))
        ]


async def test_a_unit_answers_its_materials_and_self_check_and_a_shortfall_becomes_a_self_found_draft(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    units = [await add_unit(runtime, "431321", name, f"UNIT431321{n}") for n, name in enumerate(("双峰县财政局", "双峰县教育局"))]
    await add_round(runtime, "431321", units, stage=RoundStage.STATIONED)
    people = {
        "inspector": ("431321", "inspector", None),
        "liaison": ("431321", "liaison", units[0]),
        "other_liaison": ("431321", "liaison", units[1]),
        "sibling": ("431322", "inspector", None),
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, f"c.{who}", grant)) for who, grant in people.items()}
    async with Api(runtime) as api:
        assert (await api.call(SET, tokens["inspector"], k="MATERIALS"))["data"]["setRoundChecklist"]["total"] == 5  # the default list
        assert (await api.call(SET, tokens["inspector"], k="SELF_CHECK"))["data"]["setRoundChecklist"]["total"] == 7
        materials = (await api.call(LIST, tokens["liaison"], k="MATERIALS", u="1"))["data"]["roundChecklist"]["items"]
        upload = await api.client.post(
            "/evidence/431321",
            params={"name": "三定规定.pdf"},
            content=b"%PDF-1.4 sanding",
            headers={"Authorization": f"Bearer {tokens['liaison']}"},
        )
        sha = upload.json()["sha256"]
        first, second = materials[0], materials[1]
        before = await items_state(runtime)
        refused = [
            error_code(await api.call(ANSWER, tokens["liaison"], i=second["id"], v=1, a="UNAVAILABLE")),  # no reason given
            error_code(await api.call(ANSWER, tokens["liaison"], i=first["id"], v=1, a="COMPLIES")),  # not an answer to a material
            error_code(await api.call(ANSWER, tokens["other_liaison"], i=first["id"], v=1, a="PROVIDED")),  # another unit's
            error_code(await api.call(ANSWER, tokens["sibling"], i=first["id"], v=1, a="PROVIDED")),
            error_code(await api.call(ANSWER, tokens["liaison"], i=first["id"], v=1, a="PROVIDED", f=["0" * 64])),  # a file not uploaded
            error_code(await api.call(REVIEW, tokens["inspector"], i=first["id"], v=1, r="ACCEPTED")),  # nothing answered yet
            error_code(await api.call(REVIEW, tokens["liaison"], i=first["id"], v=1, r="ACCEPTED")),  # the team reviews
        ]
        assert await items_state(runtime) == before
        await api.call(ANSWER, tokens["liaison"], i=first["id"], v=1, a="PROVIDED", f=[sha])
        await api.call(ANSWER, tokens["liaison"], i=second["id"], v=1, a="UNAVAILABLE", e="该会议纪要已移交档案馆")
        accepted = (await api.call(REVIEW, tokens["inspector"], i=first["id"], v=2, r="ACCEPTED"))["data"]["reviewChecklistItem"]
        no_note = error_code(await api.call(REVIEW, tokens["inspector"], i=second["id"], v=2, r="MORE_NEEDED"))
        more = (await api.call(REVIEW, tokens["inspector"], i=second["id"], v=2, r="MORE_NEEDED", n="请向档案馆调取复印件"))["data"]
        relisted = error_code(await api.call(SET, tokens["inspector"], k="MATERIALS"))  # answered: no longer re-listed

        questions = (await api.call(LIST, tokens["liaison"], k="SELF_CHECK", u="1"))["data"]["roundChecklist"]["items"]
        staffing = questions[2]  # 是否在编制限额内进人
        await api.call(ANSWER, tokens["liaison"], i=staffing["id"], v=1, a="FALLS_SHORT", e="超编 2 名，系 2025 年调入")
        await api.call(ANSWER, tokens["liaison"], i=questions[0]["id"], v=1, a="COMPLIES")
        draft = (await api.call(TAKE_UP, tokens["inspector"], i=staffing["id"], v=2))["data"]["takeUpSelfCheckFinding"]
        again = error_code(await api.call(TAKE_UP, tokens["inspector"], i=staffing["id"], v=3))
        complies = error_code(await api.call(TAKE_UP, tokens["inspector"], i=questions[0]["id"], v=2))
        seen_by_unit = (await api.call(LIST, tokens["liaison"], k="MATERIALS", u=None))["data"]["roundChecklist"]
        seen_by_other = (await api.call(LIST, tokens["other_liaison"], k="MATERIALS", u=None))["data"]["roundChecklist"]
        sibling_reads = error_code(await api.call(LIST, tokens["sibling"], k="MATERIALS", u=None))
        ledger = (await api.call('{ findings(tenantCode: "431321") { items { id } } }', tokens["inspector"]))["data"]["findings"]["items"]
    assert refused == ["INVALID_TEXT", "INVALID_ANSWER", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_ANSWERED", "FORBIDDEN"]
    assert (
        accepted == {"review": "ACCEPTED", "version": 3}
        and no_note == "INVALID_TEXT"
        and more["reviewChecklistItem"]["review"] == "MORE_NEEDED"
    )
    assert relisted == "ITEMS_ANSWERED"
    assert (draft["selfFound"], draft["state"]) == (True, "DRAFT") and "超编 2 名" in draft["description"]
    assert (again, complies) == ("NOT_A_FINDING", "NOT_A_FINDING")
    assert (seen_by_unit["answered"], seen_by_unit["accepted"], seen_by_unit["total"]) == (2, 1, 5)
    assert seen_by_unit["items"][0]["evidence"] == [sha] and seen_by_unit["items"][1]["reviewNote"] == "请向档案馆调取复印件"
    assert seen_by_other["total"] == 0 and sibling_reads == "NOT_FOUND"
    assert ledger == []  # a 自查发现 is a draft: nothing reaches the ledger before the 统一反馈
