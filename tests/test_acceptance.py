"""验收: after rectification the office closes, one by one, the problems it finds rectified
(对号结账), records the unit's 验收, and only then may the round be archived."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from tests.factories import fed_back_round
from tests.identity import Api, add_user, error_code, token_for

MOVE_ROUND = """mutation($r: ID!, $v: Int!, $a: RoundAction!) { moveRound(tenantCode: "431321", id: $r, version: $v, action: $a) {
    stage version } }"""
ACCEPT = """mutation($r: ID!, $on: Date! = "2026-12-01", $c: [ID!]!, $s: Decimal) { recordAcceptance(tenantCode: "431321", roundId: $r,
    unitId: "1", acceptedOn: $on, conclusion: "超编问题已整改到位，超职数问题继续整改", close: $c, score: $s) {
    acceptedOn score closed leftOpen } }"""
ACCEPTANCES = """query($r: ID!) { acceptances(tenantCode: "431321", roundId: $r) { unitId closed leftOpen } }"""
FINDINGS = """{ findings(tenantCode: "431321") { items { id round { id } ledger { state closeNote } } } }"""


async def state_of(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(l ORDER BY id)::text FROM t431321.ledger_entry l),"
                        " (SELECT count(*) FROM t431321.acceptance), (SELECT count(*) FROM t431321.audit_event),"
                        " (SELECT json_agg(r ORDER BY id)::text FROM t431321.inspection_round r)"
                    )
                )
            ).one()
        )


async def bank_states(runtime) -> list[str]:
    async with runtime.engine.connect() as connection:
        return list(
            (
                await connection.execute(text("SELECT state FROM problem_bank.problem WHERE tenant_code = '431321' ORDER BY finding_id"))
            ).scalars()
        )


async def test_the_office_closes_what_it_finds_rectified_at_the_acceptance_and_then_archives_the_round(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    team, reviewer = tokens["inspector"], tokens["reviewer"]
    round_id = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 2 名", "超职数配备副局长 1 名"]))
    async with Api(runtime) as api:
        findings = [f for f in (await api.call(FINDINGS, reviewer))["data"]["findings"]["items"] if f["round"]["id"] == round_id]
        first, second = sorted((f["id"] for f in findings), key=int)
        too_early = error_code(await api.call(ACCEPT, reviewer, r=round_id, c=[first]))  # the round stands at 反馈
        await api.call(MOVE_ROUND, team, r=round_id, v=2, a="RECTIFY")
        before = await state_of(runtime)
        refusals = [
            error_code(await api.call(ACCEPT, team, r=round_id, c=[first])),  # a reviewer accepts
            error_code(await api.call(ACCEPT, reviewer, r=round_id, c=[first], s="100.5")),
            error_code(await api.call(ACCEPT, reviewer, r=round_id, c=["999"])),
            error_code(await api.call(ACCEPT, reviewer, r=round_id, c=[first], on="2026-10-01")),  # before the feedback
            error_code(await api.call(ACCEPT, reviewer, r=round_id, c=[first, first])),
        ]
        assert await state_of(runtime) == before
        await api.call(MOVE_ROUND, team, r=round_id, v=3, a="ACCEPT")  # the 验收 begins before the first unit's is recorded
        before = await state_of(runtime)
        archive_early = error_code(await api.call(MOVE_ROUND, team, r=round_id, v=4, a="ARCHIVE"))
        assert archive_early == "UNITS_NOT_ACCEPTED" and await state_of(runtime) == before
        accepted = (await api.call(ACCEPT, reviewer, r=round_id, c=[first], s="92.5"))["data"]["recordAcceptance"]
        again = error_code(await api.call(ACCEPT, reviewer, r=round_id, c=[second]))
        ledger = {
            f["id"]: f["ledger"] for f in (await api.call(FINDINGS, reviewer))["data"]["findings"]["items"] if f["round"]["id"] == round_id
        }
        archived = (await api.call(MOVE_ROUND, team, r=round_id, v=4, a="ARCHIVE"))["data"]["moveRound"]
        seen = (await api.call(ACCEPTANCES, tokens["liaison"], r=round_id))["data"]["acceptances"]
        hidden = (await api.call(ACCEPTANCES, tokens["other_liaison"], r=round_id))["data"]["acceptances"]

    assert too_early == "ROUND_STAGE"
    assert refusals == ["FORBIDDEN", "INVALID_SCORE", "NOT_FOUND", "INVALID_DATE", "INVALID_INPUT"]
    assert accepted == {"acceptedOn": "2026-12-01", "score": "92.50", "closed": 1, "leftOpen": 1}
    assert again == "ALREADY_ACCEPTED"
    assert ledger[first] == {"state": "CLOSED", "closeNote": "超编问题已整改到位，超职数问题继续整改"}
    assert ledger[second]["state"] == "REGISTERED"
    assert await bank_states(runtime) == ["已销号", "挂号"]
    assert archived == {"stage": "ARCHIVED", "version": 5}
    assert seen == [{"unitId": "1", "closed": 1, "leftOpen": 1}] and hidden == []


TERMS = """mutation($c: String!, $p: Int!, $m: Int!, $s: Boolean!) { setRoundTerms(tenantCode: $c, planDays: $p, reportMonths: $m,
    acceptanceScored: $s) { planDays reportMonths acceptanceScored setByProvince } }"""
READ_TERMS = """query($c: String!) { roundTerms(tenantCode: $c) { planDays reportMonths acceptanceScored setByProvince } }"""
FEEDBACK = """query($r: ID!) { roundFeedbacks(tenantCode: "431321", roundId: $r) { givenOn planDue reportDue } }"""


async def test_a_province_sets_its_terms_and_its_counties_follow_them(ledger_office):
    """The 整改方案 and 整改情况报告 terms and a scored 验收 are the province's to set (issue 20, items 5 and 9)."""
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    province = await token_for(runtime, await add_user(runtime, "hunan.admin", ("430000", "admin", None)))
    async with Api(runtime) as api:
        defaults = (await api.call(READ_TERMS, tokens["inspector"], c="431321"))["data"]["roundTerms"]
        async with runtime.engine.connect() as connection:
            trail = (await connection.execute(text("SELECT count(*) FROM t430000.audit_event"))).scalar_one()
        refused = [
            error_code(await api.call(TERMS, province, c="430000", p=0, m=2, s=True)),
            error_code(await api.call(TERMS, province, c="430000", p=15, m=13, s=True)),
            error_code(await api.call(TERMS, tokens["admin"], c="431321", p=20, m=3, s=True)),  # a county's admin: not a province
            error_code(await api.call(TERMS, tokens["admin"], c="430000", p=20, m=3, s=True)),  # nor reaching up
        ]
        async with runtime.engine.connect() as connection:
            unchanged = (await connection.execute(text("SELECT count(*) FROM t430000.audit_event"))).scalar_one() == trail
        set_ = (await api.call(TERMS, province, c="430000", p=20, m=3, s=True))["data"]["setRoundTerms"]
        in_county = (await api.call(READ_TERMS, tokens["inspector"], c="431321"))["data"]["roundTerms"]
        round_id = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 2 名"], given_on=date(2026, 10, 31)))
        given = (await api.call(FEEDBACK, tokens["inspector"], r=round_id))["data"]["roundFeedbacks"]
        [finding] = [
            f["id"] for f in (await api.call(FINDINGS, tokens["reviewer"]))["data"]["findings"]["items"] if f["round"]["id"] == round_id
        ]
        await api.call(MOVE_ROUND, tokens["inspector"], r=round_id, v=2, a="RECTIFY")
        unscored = error_code(await api.call(ACCEPT, tokens["reviewer"], r=round_id, c=[finding]))
        scored = (await api.call(ACCEPT, tokens["reviewer"], r=round_id, c=[finding], s="88"))["data"]["recordAcceptance"]
    assert defaults == {"planDays": 15, "reportMonths": 2, "acceptanceScored": False, "setByProvince": False}
    assert refused == ["INVALID_TERMS", "INVALID_TERMS", "FORBIDDEN", "NOT_FOUND"] and unchanged
    assert set_ == in_county == {"planDays": 20, "reportMonths": 3, "acceptanceScored": True, "setByProvince": True}
    assert given == [{"givenOn": "2026-10-31", "planDue": "2026-11-20", "reportDue": "2027-01-31"}]
    assert unscored == "SCORE_REQUIRED" and scored["score"] == "88.00"
