"""问题线索 (issue 21 item 3): the 巡察办 registers a clue about a person, hands it to the 纪委监委 by a
移交 (six months to handle it), the 纪委监委 reports 初步核实, 立案 and 处分, and the 巡察办 reads
those results. Only those two organs see the clue; the problem bank and the audit trail hold
nothing of its subject or facts; refusals change nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from tests.helpers import INBOX, create_all, drain
from tests.identity import Api, add_user, error_code, token_for
from tests.test_correspondence import READ, region_with_organs

VIEW = """{ id state result handlingOrganId handoverId dueOn late subjectName
    events { action result organId note } }"""
REGISTER = "mutation($i: ClueInput!) { registerClue(input: $i) " + VIEW + " }"
HAND_OVER = "mutation($id: ID!, $to: ID!, $n: String) { handOverClue(id: $id, toOrganId: $to, note: $n) " + VIEW + " }"
REPORT = (
    "mutation($id: ID!, $o: ID!, $r: ClueResult!, $n: String) { reportClueResult(id: $id, organId: $o, result: $r, note: $n) " + VIEW + " }"
)
ONE = "query($id: ID!) { clue(id: $id) " + VIEW + " }"
LIST = "query($o: ID!) { clues(organId: $o) { id state } }"
WORK = """query($o: ID!) { organWork(organId: $o) { sent { kind state count late } received { kind state count late }
    clues { source state result count late } } }"""
PERSON = "王某某（县财政局副局长）"


async def clue_rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, state, result, handling_organ_id, version FROM clues.clue ORDER BY id"))
        return [tuple(row) for row in rows]


async def test_a_clue_handed_to_the_discipline_organ_comes_back_with_its_results(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    runtime.clock.set(date(2026, 12, 7))
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        sibling = await token_for(runtime, await add_user(runtime, "xh_admin", ("431322", "admin", None)))
        clue_input = {
            "organId": organs["INSPECTION_OFFICE"],
            "source": "INSPECTION",
            "subjectKind": "PERSON",
            "subjectName": PERSON,
            "facts": "违规安排编外人员从事行政执法，并在年度实名制统计中瞒报。",
        }
        registered = (await api.call(REGISTER, tokens["INSPECTION_OFFICE"], i=clue_input))["data"]["registerClue"]
        clue = registered["id"]
        handed = (await api.call(HAND_OVER, tokens["INSPECTION_OFFICE"], id=clue, to=organs["DISCIPLINE"], n="请依规处置"))["data"][
            "handOverClue"
        ]
        seen = {who: error_code(await api.call(ONE, token, id=clue)) for who, token in {**tokens, "SIBLING": sibling}.items()}
        handover_seen = {
            who: error_code(await api.call(READ, tokens[who], d=handed["handoverId"])) for who in ("DISCIPLINE", "ORGANIZATION", "OFFICE")
        }
        before = await clue_rows(runtime)
        refused = [
            error_code(await api.call(HAND_OVER, tokens["INSPECTION_OFFICE"], id=clue, to=organs["ORGANIZATION"])),  # once
            error_code(await api.call(REPORT, tokens["INSPECTION_OFFICE"], id=clue, o=organs["INSPECTION_OFFICE"], r="CLOSED")),
            error_code(await api.call(REPORT, tokens["ORGANIZATION"], id=clue, o=organs["ORGANIZATION"], r="CLOSED")),
            error_code(await api.call(REPORT, tokens["DISCIPLINE"], id=clue, o=organs["INSPECTION_OFFICE"], r="CLOSED")),
            error_code(await api.call(REGISTER, tokens["INSPECTION_OFFICE"], i={**clue_input, "unitId": "999"})),
            error_code(await api.call(REGISTER, tokens["ORGANIZATION"], i=clue_input)),  # another organ's name
        ]
        unchanged = await clue_rows(runtime) == before
        for result, note in (("PRELIMINARY", "已初步核实"), ("CASE_OPENED", None), ("SANCTION", "给予政务警告处分")):
            await api.call(REPORT, tokens["DISCIPLINE"], id=clue, o=organs["DISCIPLINE"], r=result, n=note)
        after_conclusion = error_code(await api.call(REPORT, tokens["DISCIPLINE"], id=clue, o=organs["DISCIPLINE"], r="CLOSED"))
        back = (await api.call(ONE, tokens["INSPECTION_OFFICE"], id=clue))["data"]["clue"]
        await drain(runtime)
        told = [n["title"] for n in (await api.call(INBOX, tokens["INSPECTION_OFFICE"]))["data"]["notifications"]["items"]]
        listed = (await api.call(LIST, tokens["DISCIPLINE"], o=organs["DISCIPLINE"]))["data"]["clues"]
        not_listed = error_code(await api.call(LIST, tokens["DISCIPLINE"], o=organs["INSPECTION_OFFICE"]))
        figures = {
            kind: (await api.call(WORK, tokens[kind], o=organs[kind]))["data"]["organWork"] for kind in ("INSPECTION_OFFICE", "DISCIPLINE")
        }
        figures_refused = error_code(await api.call(WORK, tokens["ORGANIZATION"], o=organs["DISCIPLINE"]))
    async with runtime.engine.connect() as connection:
        banked = (await connection.execute(text("SELECT count(*) FROM problem_bank.problem"))).scalar_one()
        audited = (
            await connection.execute(text("SELECT string_agg(coalesce(after::text, ''), ' ') FROM t431321.audit_event"))
        ).scalar_one()
    assert (registered["state"], handed["state"], handed["handlingOrganId"]) == ("REGISTERED", "HANDED_OVER", organs["DISCIPLINE"])
    assert handed["dueOn"] == "2027-06-07"  # six months
    assert seen == {
        "INSPECTION_OFFICE": None,
        "DISCIPLINE": None,
        "ORGANIZATION": "NOT_FOUND",
        "OFFICE": "NOT_FOUND",
        "CITY": "NOT_FOUND",
        "SIBLING": "NOT_FOUND",
    }
    assert handover_seen == {"DISCIPLINE": None, "ORGANIZATION": "NOT_FOUND", "OFFICE": "NOT_FOUND"}
    assert refused == ["INVALID_TRANSITION", "NOT_HANDLING", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]
    assert unchanged
    assert after_conclusion == "INVALID_TRANSITION"
    assert (back["state"], back["result"], back["late"]) == ("CONCLUDED", "SANCTION", False)
    assert [(e["action"], e["result"]) for e in back["events"]] == [
        ("移交", None),
        ("报告进展", "PRELIMINARY"),
        ("报告进展", "CASE_OPENED"),
        ("办结", "SANCTION"),
    ]
    assert listed == [{"id": clue, "state": "CONCLUDED"}] and not_listed == "NOT_FOUND"
    assert figures["INSPECTION_OFFICE"] == {
        "sent": [{"kind": "HANDOVER", "state": None, "count": 1, "late": 0}],
        "received": [],
        "clues": [{"source": "INSPECTION", "state": "CONCLUDED", "result": "SANCTION", "count": 1, "late": 0}],
    }
    assert figures["DISCIPLINE"]["received"] == [{"kind": "HANDOVER", "state": "SENT", "count": 1, "late": 0}]
    assert figures_refused == "NOT_FOUND"
    assert told == [f"移交的问题线索（第 {clue} 号）办理情况：{result}" for result in ("处分", "立案", "初步核实")]
    assert banked == 0
    assert PERSON not in audited and "瞒报" not in audited and "政务警告" not in audited
    assert [e["note"] for e in back["events"]] == ["请依规处置", "已初步核实", None, "给予政务警告处分"]
