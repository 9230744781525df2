"""Accountability cases (追责问责): a province registers a case from findings of two counties,
drives it through its states (受理 → 核查 → 认定 → 处理 → 落实 → 办结), records an interview and a freeze that approval systems see
through `unitStatus` and every place showing the unit, lifts it; every transition and every
refusal (stale version, wrong state, wrong role, out-of-reach office, bad input) changes
nothing; repeat offenders, statistics and the Excel ledger."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from backend.clock import CHINA_STANDARD_TIME
from problem_bank.projection import project_unit
from tests.factories import add_unit, seed_round
from tests.helpers import INBOX, configured, counting_statements, create_all, drain
from tests.identity import Api, add_user, error_code, token_for

LOG = """mutation($c: String!) { logFinding(tenantCode: $c, input: {roundId: "1", unitId: "1", taxonomyCode: "C03.K01.M01",
    description: "实有人数超过核定编制 2 名", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-10-31"}) { id } }"""
CASE_FIELDS = """id state version title determination decision conclusion closedAt
    subject { kind label tenantCode officeName unitId unitName leaderName restrictions { kind } }
    findings { tenantCode findingId officeName }
    measures { kind decidedOn decidedBy content attendees minutes restriction { id kind active liftConditions } }"""
OPEN = f"""mutation($c: String! = "430000", $input: CaseInput!) {{ openAccountabilityCase(tenantCode: $c, input: $input) {{ {CASE_FIELDS} }} }}"""
# Each act on a case is its own mutation; those that require a note take it as String!.
ACTS = {
    "VERIFY": ("verifyAccountabilityCase", "String"),
    "DETERMINE": ("determineAccountabilityCase", "String!"),
    "SEND_BACK": ("sendBackAccountabilityCase", "String!"),
    "DECIDE": ("decideAccountabilityCase", "String!"),
    "CARRY_OUT": ("carryOutAccountabilityCase", "String"),
    "CLOSE": ("closeAccountabilityCase", "String!"),
    "WITHDRAW": ("withdrawAccountabilityCase", "String!"),
    "DISMISS": ("dismissAccountabilityCase", "String!"),
}
MEASURE = f"""mutation($c: String! = "430000", $i: ID!, $v: Int!, $m: MeasureInput!) {{
    recordAccountabilityMeasure(tenantCode: $c, caseId: $i, version: $v, input: $m) {{ {CASE_FIELDS} }} }}"""
RESTRICT = f"""mutation($c: String! = "430000", $i: ID!, $v: Int!, $m: RestrictionInput!) {{
    imposeUnitRestriction(tenantCode: $c, caseId: $i, version: $v, input: $m) {{ {CASE_FIELDS} }} }}"""
LIFT = """mutation($r: ID!, $n: String! = "已整改到位，经审核解除冻结") { liftUnitRestriction(restrictionId: $r, note: $n) {
    id active liftedBy liftNote } }"""
STATUS = """query($code: String!) { unitStatus(creditCode: $code) { tenantCode officeName unitId unitName overdueFindings
    staffingFrozen accountLocked restrictions { kind } } }"""
CASE = f"""query($c: String! = "430000", $i: ID!) {{ accountabilityCase(tenantCode: $c, id: $i) {{ {CASE_FIELDS}
    earlierCases {{ id title subject state }} subjectFindings {{ tenantCode findingId }} }} }}"""
UNIT = 'query($c: String!) { unit(tenantCode: $c, id: "1") { name restrictions { kind liftConditions } } }'
INTERVIEW = {
    "kind": "INTERVIEW",
    "decidedOn": "2026-11-20",
    "decidedBy": "省委编办主任办公会",
    "content": "约谈双峰县财政局主要负责人",
    "attendees": ["李四", "王五"],
    "minutes": "指出超编问题，要求限期清退。",
}
FREEZE = {
    "kind": "FREEZE",
    "decidedOn": "2026-11-20",
    "decidedBy": "省委编办主任办公会",
    "content": "冻结机构编制调整事项",
    "liftConditions": "超编人员全部清退并经省委编办核查",
}
PEOPLE = {
    "admin": ("430000", "admin"),
    "publisher": ("430000", "publisher"),
    "inspector": ("430000", "inspector"),
    "reviewer": ("430000", "reviewer"),
    "auditor": ("430000", "auditor"),
    "city_admin": ("431300", "admin"),
    "county_admin": ("431321", "admin"),
    "county_inspector": ("431321", "inspector"),
    "sibling_admin": ("431322", "admin"),
    "other_province": ("440000", "admin"),
}


def move(act: str) -> str:
    name, note = ACTS[act]
    return f"""mutation($c: String! = "430000", $i: ID!, $v: Int!, $n: {note}) {{
        {name}(tenantCode: $c, id: $i, version: $v, note: $n) {{ {CASE_FIELDS} }} }}"""


def subject(code: str = "431321", **leader) -> dict:
    return {"tenantCode": code, "unitId": "1", **leader}


def draft(findings: list[tuple[str, str]], **changes) -> dict:
    return {
        "title": "双峰县财政局超编问题问责",
        "facts": "2026 年巡察发现该局实有人数超过核定编制 2 名，长期未整改。",
        "subject": subject(),
        "findings": [{"tenantCode": c, "findingId": f} for c, f in findings],
        **changes,
    }


@pytest.fixture
async def province(runtime):
    runtime = configured(runtime)
    await create_all(runtime, "430000", "431300", "431321", "431322", "440000")
    await seed_round(runtime, "430000", "431321", "431322", "440000")  # every unit 1 has credit code UNIT00000001
    async with runtime.engine.begin() as connection:
        for code in ("430000", "431321", "431322", "440000"):
            await project_unit(connection, code, 1)
    tokens = {}
    for who, (code, role) in PEOPLE.items():
        tokens[who] = await token_for(runtime, await add_user(runtime, who, (code, role, None)))
    tokens["liaison"] = await token_for(runtime, await add_user(runtime, "liaison", ("431321", "liaison", 1)))
    tokens["province_liaison"] = await token_for(runtime, await add_user(runtime, "province_liaison", ("430000", "liaison", 1)))
    async with Api(runtime) as api:
        findings = {}
        for code, who in (("431321", "county_admin"), ("431322", "sibling_admin"), ("440000", "other_province")):
            result = await api.call(LOG, tokens[who], c=code)
            findings[code] = result["data"]["logFinding"]["id"]
    return runtime, tokens, findings


async def call(api, document: str, token: str, **variables) -> tuple[str | None, dict | None]:
    result = await api.call(document, token, **variables)
    data = result.get("data") or {}
    return error_code(result), next(iter(data.values()), None) if data else None


async def case_state(runtime) -> list[tuple]:
    """What a refusal must leave as it was: the province's cases, measures, restrictions, audit trail."""
    async with runtime.engine.connect() as connection:
        return [
            tuple(r)
            for r in await connection.execute(
                text(
                    "SELECT (SELECT json_agg(c ORDER BY id)::text FROM t430000.accountability_case c),"
                    " (SELECT count(*) FROM t430000.case_measure), (SELECT count(*) FROM t430000.case_finding),"
                    " (SELECT json_agg(r ORDER BY id)::text FROM supervision.unit_restriction r),"
                    " (SELECT count(*) FROM t430000.audit_event), (SELECT count(*) FROM notify.outbox)"
                )
            )
        ]


async def test_a_province_opens_a_case_from_two_counties_interviews_freezes_and_lifts(province):
    runtime, tokens, findings = province
    admin = tokens["admin"]
    async with Api(runtime) as api:
        error, case = await call(api, OPEN, admin, input=draft([("431321", findings["431321"]), ("431322", findings["431322"])]))
        assert error is None
        assert (case["state"], case["version"], case["subject"]["label"], case["subject"]["officeName"]) == (
            "REGISTERED",
            1,
            "财政局",
            "双峰县",
        )
        assert case["subject"]["kind"] == "UNIT"
        assert sorted((f["tenantCode"], f["findingId"]) for f in case["findings"]) == [
            ("431321", findings["431321"]),
            ("431322", findings["431322"]),
        ]
        steps = [
            ("VERIFY", None, "VERIFYING"),
            ("DETERMINE", "拟给予约谈并冻结机构编制调整事项", "DETERMINED"),
            ("DECIDE", "约谈主要负责人，冻结机构编制调整事项至整改到位", "HANDLING"),
        ]
        for action, note, state in steps:
            error, case = await call(api, move(action), admin, i=case["id"], v=case["version"], n=note)
            assert (error, case["state"]) == (None, state)
        assert (case["determination"], case["decision"]) == (steps[1][1], steps[2][1])
        error, case = await call(api, MEASURE, admin, i=case["id"], v=case["version"], m=INTERVIEW)
        assert error is None and case["measures"][0]["attendees"] == ["李四", "王五"] and case["measures"][0]["restriction"] is None
        error, case = await call(api, RESTRICT, tokens["publisher"], i=case["id"], v=case["version"], m=FREEZE)
        assert error is None
        freeze = case["measures"][1]["restriction"]
        assert (freeze["kind"], freeze["active"], freeze["liftConditions"]) == ("FREEZE", True, FREEZE["liftConditions"])
        assert case["subject"]["restrictions"] == [{"kind": "FREEZE"}]
        assert [m["kind"] for m in case["measures"]] == ["INTERVIEW", "FREEZE"]

        # Approval systems and every view of the unit see the freeze; the same credit code in two counties.
        error, status = await call(api, STATUS, admin, code="unit00000001")
        assert error is None
        assert [(s["tenantCode"], s["officeName"], s["overdueFindings"], s["staffingFrozen"], s["accountLocked"]) for s in status] == [
            ("430000", "湖南省", 0, False, False),
            ("431321", "双峰县", 1, True, False),
            ("431322", "新化县", 1, False, False),
        ]
        county_view = [await call(api, STATUS, tokens[who], code="UNIT00000001") for who in ("county_admin", "liaison", "sibling_admin")]
        assert [[(s["tenantCode"], s["staffingFrozen"]) for s in found] for _, found in county_view] == [
            [("431321", True)],
            [("431321", True)],
            [("431322", False)],
        ]
        assert (await call(api, STATUS, tokens["other_province"], code="UNIT00000001"))[1][0]["tenantCode"] == "440000"
        assert (await call(api, STATUS, tokens["province_liaison"], code="NOSUCHUNIT"))[0] == "NOT_FOUND"
        assert (await call(api, STATUS, admin, code="短"))[0] == "INVALID_CREDIT_CODE"
        error, unit = await call(api, UNIT, tokens["liaison"], c="431321")
        assert unit["restrictions"] == [{"kind": "FREEZE", "liftConditions": FREEZE["liftConditions"]}]
        bank = '{ problems(regionCode: "431300") { items { tenantCode unitRestrictions { kind } } } }'
        assert sorted((p["tenantCode"], str(p["unitRestrictions"])) for p in (await call(api, bank, tokens["city_admin"]))[1]["items"]) == [
            ("431321", "[{'kind': 'FREEZE'}]"),
            ("431322", "[]"),
        ]
        finding = 'query($f: ID!) { finding(tenantCode: "431321", id: $f) { unit { restrictions { kind } } } }'
        assert (await call(api, finding, tokens["county_admin"], f=findings["431321"]))[1]["unit"]["restrictions"] == [{"kind": "FREEZE"}]

        # Lifting: only the office that imposed it, once.
        refused = [(await call(api, LIFT, tokens[who], r=freeze["id"]))[0] for who in ("county_admin", "city_admin", "inspector")]
        assert refused == ["NOT_FOUND", "NOT_FOUND", "FORBIDDEN"]
        error, lifted = await call(api, LIFT, admin, r=freeze["id"])
        assert (error, lifted["active"], lifted["liftedBy"]) == (None, False, "admin")
        assert (await call(api, LIFT, admin, r=freeze["id"]))[0] == "ALREADY_LIFTED"
        assert [s["staffingFrozen"] for s in (await call(api, STATUS, tokens["county_admin"], code="UNIT00000001"))[1]] == [False]
        assert (await call(api, UNIT, tokens["liaison"], c="431321"))[1]["restrictions"] == []

        for action, note, state in (("CARRY_OUT", None, "IMPLEMENTING"), ("CLOSE", "措施已全部落实", "CLOSED")):
            error, case = await call(api, move(action), admin, i=case["id"], v=case["version"], n=note)
            assert (error, case["state"]) == (None, state)
        assert case["closedAt"] is not None and case["measures"][1]["restriction"]["active"] is False

        # The unit's office heard of the decision, the freeze and its lifting; its liaison of the freeze.
        await drain(runtime)
        county_inbox = (await api.call(INBOX, tokens["county_admin"]))["data"]["notifications"]["items"]
        liaison_inbox = (await api.call(INBOX, tokens["liaison"]))["data"]["notifications"]["items"]
    assert sorted(i["eventType"] for i in county_inbox if i["eventType"].startswith("ACCOUNTABILITY_")) == [
        "ACCOUNTABILITY_DECIDED",
        "ACCOUNTABILITY_RESTRICTION_IMPOSED",
        "ACCOUNTABILITY_RESTRICTION_LIFTED",
    ]
    assert sorted(i["title"] for i in liaison_inbox if i["eventType"].startswith("ACCOUNTABILITY_")) == [
        "财政局：冻结机构编制调整事项",
        "财政局：已解除冻结机构编制调整事项",
    ]
    async with runtime.engine.connect() as connection:
        trail = list(
            (
                await connection.execute(text("SELECT action FROM t430000.audit_event WHERE entity = 'accountability_case' ORDER BY seq"))
            ).scalars()
        )
    assert trail == [
        "case.opened",
        "case.verify",
        "case.determine",
        "case.decide",
        "case.record_measure",
        "case.record_restriction",
        "case.restriction_lifted",
        "case.carry_out",
        "case.close",
    ]


async def test_every_transition_is_guarded_and_every_refusal_changes_nothing(province):
    runtime, tokens, findings = province
    admin, inspector = tokens["admin"], tokens["inspector"]
    county_finding = [("431321", findings["431321"])]
    async with Api(runtime) as api:
        _, case = await call(api, OPEN, inspector, input=draft(county_finding))
        before = await case_state(runtime)
        too_many = [("431321", str(n)) for n in range(1, 52)]
        refused_openings = {
            "reviewer": await call(api, OPEN, tokens["reviewer"], input=draft(county_finding)),
            "auditor": await call(api, OPEN, tokens["auditor"], input=draft(county_finding)),
            "liaison": await call(api, OPEN, tokens["province_liaison"], input=draft(county_finding)),
            "county into the province": await call(api, OPEN, tokens["county_admin"], input=draft(county_finding)),
            "city into the province": await call(api, OPEN, tokens["city_admin"], input=draft(county_finding)),
            "another province's unit": await call(api, OPEN, admin, input=draft([], subject=subject("440000"))),
            "another province's finding": await call(api, OPEN, admin, input=draft([("440000", findings["440000"])])),
            "a parent's unit": await call(api, OPEN, tokens["county_admin"], c="431321", input=draft([], subject=subject("430000"))),
            "a sibling's unit": await call(api, OPEN, tokens["county_admin"], c="431321", input=draft([], subject=subject("431322"))),
            "a sibling's finding": await call(api, OPEN, tokens["county_admin"], c="431321", input=draft([("431322", findings["431322"])])),
            "an unknown unit": await call(api, OPEN, admin, input=draft([], subject={"tenantCode": "431321", "unitId": "99"})),
            "an unknown finding": await call(api, OPEN, admin, input=draft([("431321", "999")])),
            "a malformed office": await call(api, OPEN, admin, input=draft([], subject=subject("4313"))),
            "too many findings": await call(api, OPEN, admin, input=draft(too_many)),
            "a finding twice": await call(api, OPEN, admin, input=draft(county_finding * 2)),
            "a title too long": await call(api, OPEN, admin, input=draft([], title="问" * 201)),
            "no facts": await call(api, OPEN, admin, input=draft([], facts="  ")),
            "facts too long": await call(api, OPEN, admin, input=draft([], facts="事" * 5001)),
            "an unknown rank": await call(
                api, OPEN, admin, input=draft([], subject=subject(leaderName="张三", leaderPost="局长", leaderRank="正部级"))
            ),
            "a leader without a post": await call(api, OPEN, admin, input=draft([], subject=subject(leaderName="张三"))),
            "a post without a leader": await call(api, OPEN, admin, input=draft([], subject=subject(leaderPost="局长"))),
        }
        version = case["version"]
        refused_moves = {
            "decide before the determination": await call(api, move("DECIDE"), admin, i=case["id"], v=version, n="约谈"),
            "carry out an open case": await call(api, move("CARRY_OUT"), admin, i=case["id"], v=version),
            "a stale version": await call(api, move("VERIFY"), admin, i=case["id"], v=version + 1),
            "a reviewer": await call(api, move("VERIFY"), tokens["reviewer"], i=case["id"], v=version),
            "the city": await call(api, move("VERIFY"), tokens["city_admin"], i=case["id"], v=version),
            "a county": await call(api, move("VERIFY"), tokens["county_admin"], i=case["id"], v=version),
            "an unknown case": await call(api, move("VERIFY"), admin, i="999", v=1),
            "a malformed id": await call(api, move("VERIFY"), admin, i="abc", v=1),
            "a withdrawal without reason": await call(api, move("WITHDRAW"), admin, i=case["id"], v=version, n=" "),
            "an inspector withdrawing": await call(api, move("WITHDRAW"), inspector, i=case["id"], v=version, n="不予追究"),
            "a measure before the decision": await call(api, MEASURE, admin, i=case["id"], v=version, m=INTERVIEW),
        }
        assert await case_state(runtime) == before
        assert {k: v[0] for k, v in refused_openings.items()} == {
            "reviewer": "FORBIDDEN",
            "auditor": "FORBIDDEN",
            "liaison": "FORBIDDEN",
            "county into the province": "NOT_FOUND",
            "city into the province": "NOT_FOUND",
            "another province's unit": "NOT_FOUND",
            "another province's finding": "NOT_FOUND",
            "a parent's unit": "NOT_FOUND",
            "a sibling's unit": "NOT_FOUND",
            "a sibling's finding": "NOT_FOUND",
            "an unknown unit": "NOT_FOUND",
            "an unknown finding": "NOT_FOUND",
            "a malformed office": "INVALID_CODE",
            "too many findings": "INVALID_FINDINGS",
            "a finding twice": "INVALID_FINDINGS",
            "a title too long": "INVALID_NAME",
            "no facts": "INVALID_TEXT",
            "facts too long": "INVALID_TEXT",
            "an unknown rank": "INVALID_SUBJECT",
            "a leader without a post": "INVALID_SUBJECT",
            "a post without a leader": "INVALID_SUBJECT",
        }
        assert {k: v[0] for k, v in refused_moves.items()} == {
            "decide before the determination": "INVALID_TRANSITION",
            "carry out an open case": "INVALID_TRANSITION",
            "a stale version": "STALE_VERSION",
            "a reviewer": "FORBIDDEN",
            "the city": "NOT_FOUND",
            "a county": "NOT_FOUND",
            "an unknown case": "NOT_FOUND",
            "a malformed id": "NOT_FOUND",
            "a withdrawal without reason": "INVALID_TEXT",
            "an inspector withdrawing": "FORBIDDEN",
            "a measure before the decision": "INVALID_TRANSITION",
        }

        # 受理 → 核查 → 认定 → 退回补充核查 → 核查 → 认定 → 处理 (inspectors verify and determine; only deciders decide)
        for who, action, note, state in (
            ("inspector", "VERIFY", None, "VERIFYING"),
            ("inspector", "DETERMINE", "拟约谈", "DETERMINED"),
            ("publisher", "SEND_BACK", "事实不清，补充调查", "VERIFYING"),
            ("inspector", "DETERMINE", "拟约谈并冻结", "DETERMINED"),
        ):
            error, case = await call(api, move(action), tokens[who], i=case["id"], v=case["version"], n=note)
            assert (error, case["state"]) == (None, state)
        assert case["determination"] == "拟约谈并冻结"
        before = await case_state(runtime)
        assert (await call(api, move("DECIDE"), inspector, i=case["id"], v=case["version"], n="约谈"))[0] == "FORBIDDEN"
        assert (await call(api, move("DETERMINE"), admin, i=case["id"], v=case["version"], n="再拟"))[0] == "INVALID_TRANSITION"
        assert (await call(api, move("DECIDE"), admin, i=case["id"], v=case["version"], n=" "))[0] == "INVALID_TEXT"
        assert await case_state(runtime) == before
        error, case = await call(api, move("DECIDE"), admin, i=case["id"], v=case["version"], n="约谈主要负责人并冻结")
        assert (error, case["state"]) == (None, "HANDLING")

        # Measures: what each kind needs, who may freeze, one freeze at a time.
        before = await case_state(runtime)
        v = case["version"]
        bad_measures = {
            "interview without minutes": {**INTERVIEW, "minutes": None},
            "interview without attendees": {**INTERVIEW, "attendees": []},
            "an attendee twice": {**INTERVIEW, "attendees": ["李四", "李四"]},
            "minutes on a phone call": {**INTERVIEW, "kind": "PHONE_REMINDER"},
            "a freeze as another measure": {**INTERVIEW, "kind": "FREEZE", "attendees": [], "minutes": None},
            "a decider name too long": {**INTERVIEW, "decidedBy": "办" * 65},
            "no content": {**INTERVIEW, "content": ""},
            "an unknown kind": {**INTERVIEW, "kind": "SUSPEND"},
        }
        bad_restrictions = {
            "freeze without conditions": {**FREEZE, "liftConditions": " "},
            "a decision in the future": {**FREEZE, "decidedOn": "2099-01-01"},
            "an interview as a restriction": {**FREEZE, "kind": "INTERVIEW"},
        }
        measure_refusals = {k: (await call(api, MEASURE, admin, i=case["id"], v=v, m=m))[0] for k, m in bad_measures.items()}
        measure_refusals |= {k: (await call(api, RESTRICT, admin, i=case["id"], v=v, m=m))[0] for k, m in bad_restrictions.items()}
        measure_refusals["an inspector freezing"] = (await call(api, RESTRICT, inspector, i=case["id"], v=v, m=FREEZE))[0]
        measure_refusals["a stale version"] = (await call(api, MEASURE, admin, i=case["id"], v=v - 1, m=INTERVIEW))[0]
        assert await case_state(runtime) == before
        assert measure_refusals == {
            "interview without minutes": "INVALID_MEASURE",
            "interview without attendees": "INVALID_MEASURE",
            "an attendee twice": "INVALID_MEASURE",
            "minutes on a phone call": "INVALID_MEASURE",
            "a freeze as another measure": "INVALID_MEASURE",
            "a decider name too long": "INVALID_NAME",
            "no content": "INVALID_TEXT",
            "an unknown kind": "INVALID_INPUT",
            "freeze without conditions": "INVALID_TEXT",
            "a decision in the future": "INVALID_DATE",
            "an interview as a restriction": "INVALID_INPUT",
            "an inspector freezing": "FORBIDDEN",
            "a stale version": "STALE_VERSION",
        }
        error, case = await call(
            api, MEASURE, inspector, i=case["id"], v=v, m={**INTERVIEW, "kind": "PHONE_REMINDER", "attendees": [], "minutes": None}
        )
        assert error is None
        lock = {**FREEZE, "kind": "LOCK", "content": "锁定实名制账户", "liftConditions": "完成人员清理"}
        for measure in (FREEZE, lock):
            error, case = await call(api, RESTRICT, admin, i=case["id"], v=case["version"], m=measure)
            assert error is None
        before = await case_state(runtime)
        assert (await call(api, RESTRICT, admin, i=case["id"], v=case["version"], m=FREEZE))[0] == "ALREADY_RESTRICTED"
        assert await case_state(runtime) == before
        error, case = await call(api, move("CARRY_OUT"), inspector, i=case["id"], v=case["version"])
        assert (error, case["state"]) == (None, "IMPLEMENTING")
        error, case = await call(api, MEASURE, admin, i=case["id"], v=case["version"], m=INTERVIEW)  # still recorded while carried out
        assert error is None and [m["kind"] for m in case["measures"]] == ["PHONE_REMINDER", "FREEZE", "LOCK", "INTERVIEW"]
        assert (await call(api, move("CLOSE"), inspector, i=case["id"], v=case["version"], n="结案"))[0] == "FORBIDDEN"
        assert (await call(api, move("WITHDRAW"), admin, i=case["id"], v=case["version"], n="撤销"))[0] == "INVALID_TRANSITION"
        error, case = await call(api, move("CLOSE"), admin, i=case["id"], v=case["version"], n="措施落实")
        assert (error, case["state"], case["conclusion"]) == (None, "CLOSED", "措施落实")
        assert (await call(api, MEASURE, admin, i=case["id"], v=case["version"], m=INTERVIEW))[0] == "INVALID_TRANSITION"
        assert (await call(api, move("VERIFY"), admin, i=case["id"], v=case["version"]))[0] == "INVALID_TRANSITION"
        # A restriction outlives the closed case until it is lifted.
        status = (await call(api, STATUS, tokens["county_admin"], code="UNIT00000001"))[1]
        assert (status[0]["staffingFrozen"], status[0]["accountLocked"]) == (True, True)

        # 撤销 from each state before the handling, and a county's own case, which its city and province read but never write.
        for path in ((), ("VERIFY",), ("VERIFY", "DETERMINE")):
            _, other = await call(api, OPEN, admin, input=draft([]))
            for action in path:
                _, other = await call(api, move(action), admin, i=other["id"], v=other["version"], n="认定属实")
            error, other = await call(api, move("WITHDRAW"), admin, i=other["id"], v=other["version"], n="经核实不予追究")
            assert (error, other["state"], other["conclusion"], other["closedAt"] is not None) == (
                None,
                "WITHDRAWN",
                "经核实不予追究",
                True,
            )
        _, own = await call(api, OPEN, tokens["county_inspector"], c="431321", input=draft(county_finding))
        reads = {
            who: (await call(api, CASE, tokens[who], c="431321", i=own["id"]))[0]
            for who in ("county_admin", "city_admin", "admin", "auditor", "sibling_admin", "other_province", "liaison")
        }
        assert reads == {
            "county_admin": None,
            "city_admin": None,
            "admin": None,
            "auditor": None,
            "sibling_admin": "NOT_FOUND",
            "other_province": "NOT_FOUND",
            "liaison": "FORBIDDEN",
        }
        assert (await call(api, move("VERIFY"), tokens["city_admin"], c="431321", i=own["id"], v=1))[0] == "FORBIDDEN"
        # A child never reads its parent's cases.
        assert (await call(api, CASE, tokens["county_admin"], i=case["id"]))[0] == "NOT_FOUND"
        listed = 'query($s: CaseState) { accountabilityCases(tenantCode: "430000", state: $s) { items { id state } } }'
        assert error_code(await api.call(listed, tokens["county_admin"])) == "NOT_FOUND"
        closed = (await api.call(listed, admin, s="CLOSED"))["data"]["accountabilityCases"]["items"]
        assert closed == [{"id": case["id"], "state": "CLOSED"}]
        assert (await api.call(listed, admin, s="已结案"))["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "s"}


async def test_repeat_offenders_statistics_and_the_ledger_in_excel(province):
    runtime, tokens, findings = province
    admin = tokens["admin"]
    leader = subject(leaderName="张三", leaderPost="局长", leaderRank="正科级")
    async with Api(runtime) as api:
        opened = []
        for title, case_subject, linked in (
            ("财政局超编问题问责", subject(), [("431321", findings["431321"])]),
            ("张三违规进人问责", leader, []),
            ("新化县财政局超编问责", subject("431322"), [("431322", findings["431322"])]),
            ("张三再次违规进人问责", leader, []),
            ("财政局屡查屡犯问责", subject(), []),
        ):
            error, case = await call(api, OPEN, admin, input=draft(linked, title=title, subject=case_subject))
            assert error is None
            opened.append(case)
        for first, measures in (
            (opened[0], [INTERVIEW, {**INTERVIEW, "kind": "PHONE_REMINDER", "attendees": [], "minutes": None}]),
            (opened[1], [INTERVIEW]),
        ):
            case = first
            for action in ("VERIFY", "DETERMINE", "DECIDE"):
                _, case = await call(api, move(action), admin, i=case["id"], v=case["version"], n="约谈")
            for measure in measures:
                _, case = await call(api, MEASURE, admin, i=case["id"], v=case["version"], m=measure)
        _, withdrawn = await call(api, move("WITHDRAW"), admin, i=opened[2]["id"], v=1, n="已由县级处理")

        racing = await asyncio.gather(*(call(api, move("VERIFY"), who, i=opened[4]["id"], v=1) for who in (admin, tokens["inspector"])))
        assert sorted(str(error) for error, _ in racing) == ["None", "STALE_VERSION"]  # optimistic locking: one of two wins
        _, again = await call(api, CASE, admin, i=opened[3]["id"])
        _, repeat = await call(api, CASE, admin, i=opened[4]["id"])
        assert (again["subject"]["kind"], again["subject"]["label"]) == ("LEADER", "财政局局长张三（正科级）")
        assert [c["title"] for c in again["earlierCases"]] == ["张三违规进人问责"]  # the same leader of the same unit
        assert [c["title"] for c in repeat["earlierCases"]] == ["张三再次违规进人问责", "张三违规进人问责", "财政局超编问题问责"]
        assert [(f["tenantCode"], f["findingId"]) for f in repeat["subjectFindings"]] == [("431321", findings["431321"])]

        statistics = 'query($by: CaseBreakdown!) { accountabilityStatistics(tenantCode: "430000", by: $by) { key label count } }'
        tallies = {
            by: [(t["key"], t["label"], t["count"]) for t in (await api.call(statistics, admin, by=by))["data"]["accountabilityStatistics"]]
            for by in ("STATE", "MEASURE", "REGION")
        }
        assert tallies == {  # states and measures in their declared order
            "STATE": [
                ("REGISTERED", "已受理（登记）", 1),
                ("VERIFYING", "核查中", 1),
                ("HANDLING", "处理中", 2),
                ("WITHDRAWN", "已撤销", 1),
            ],
            "MEASURE": [("INTERVIEW", "约谈", 2), ("PHONE_REMINDER", "电话提醒", 1)],
            "REGION": [("431321", "双峰县", 4), ("431322", "新化县", 1)],
        }
        assert error_code(await api.call(statistics, tokens["county_admin"], by="STATE")) == "NOT_FOUND"

        async def export(who: str | None, code: str = "430000"):
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
            return await api.client.get(f"/exports/{code}/accountability.xlsx", headers=headers)

        exported = await export("auditor")
        refused = [(await export(who)).status_code for who in ("province_liaison", "county_admin", None)]
        from_city = await export("city_admin", "431300")
    assert refused == [403, 404, 401] and from_city.status_code == 200
    assert exported.status_code == 200 and quote("湖南省问责台账") in exported.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "湖南省追责问责台账" and rows[1][0].endswith("共 5 件")
    assert rows[2][:6] == ("序号", "案件编号", "敏感程度", "受理日期", "案件名称", "问责对象")
    table = {row[4]: row[:2] + row[3:] for row in rows[3:]}  # the marking aside (asserted here)
    assert {row[2] for row in rows[3:]} == {"敏感"}
    assert len(table) == 5
    first = table["财政局超编问题问责"]
    assert (first[4], first[5], first[6], first[8], first[10], first[11]) == ("财政局", "双峰县", 1, "电话提醒、约谈", "处理中", None)
    closed_on = datetime.fromisoformat(withdrawn["closedAt"]).astimezone(CHINA_STANDARD_TIME).date().isoformat()
    assert table["新化县财政局超编问责"][10:] == ("已撤销", closed_on)  # the office's date, not UTC's


async def test_lists_of_cases_and_units_cost_the_same_statements_for_any_page(province):
    runtime, tokens, findings = province
    admin = tokens["admin"]
    for n in (2, 3):
        await add_unit(runtime, "431321", f"教育局{n}", f"UNIT0000000{n}")
    async with Api(runtime) as api:
        for n in (1, 2, 3):
            _, case = await call(
                api,
                OPEN,
                admin,
                input=draft(
                    [("431321", findings["431321"]), ("431322", findings["431322"])], subject={"tenantCode": "431321", "unitId": str(n)}
                ),
            )
            for action in ("VERIFY", "DETERMINE", "DECIDE"):
                _, case = await call(api, move(action), admin, i=case["id"], v=case["version"], n="冻结")
            _, case = await call(api, RESTRICT, admin, i=case["id"], v=case["version"], m=FREEZE)
        cases = f"""query($n: Int!) {{ accountabilityCases(tenantCode: "430000", first: $n) {{ items {{ {CASE_FIELDS}
            earlierCases {{ id }} subjectFindings {{ findingId }} }} }} }}"""
        units = 'query($n: Int!) { units(tenantCode: "431321", first: $n) { items { id restrictions { kind } } } }'
        counted = {}
        for name, query in (("cases", cases), ("units", units)):
            for n in (1, 3):
                with counting_statements(runtime.engine) as statements:
                    result = await api.call(query, admin, n=n)
                listed = next(iter(result["data"].values()))
                assert "errors" not in result and len(listed["items"]) == n
                counted[(name, n)] = len(statements)
        page = 'query($a: String) { accountabilityCases(tenantCode: "430000", first: 2, after: $a) { items { id } pageInfo { hasNextPage endCursor } } }'
        newest = (await api.call(page, admin))["data"]["accountabilityCases"]
        oldest = (await api.call(page, admin, a=newest["pageInfo"]["endCursor"]))["data"]["accountabilityCases"]
        refused = (await api.call(page, admin, a="不是游标"))["errors"][0]["extensions"]
    assert counted[("cases", 1)] == counted[("cases", 3)] <= 12
    assert counted[("units", 1)] == counted[("units", 3)] <= 5
    # newest first, a page at a time
    assert [c["id"] for c in newest["items"]] == ["3", "2"] and newest["pageInfo"]["hasNextPage"] is True
    assert [c["id"] for c in oldest["items"]] == ["1"] and oldest["pageInfo"]["hasNextPage"] is False
    assert refused == {"code": "INVALID_CURSOR", "field": "after"}


async def test_the_register_of_units_is_filled_from_the_units_already_there(runtime):
    from alembic import command

    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")  # a unit written behind the API's back: not in the register

    def step(sync_connection, to: str) -> None:
        cfg = runtime.streams.config("shared")
        cfg.attributes["connection"] = sync_connection
        (command.downgrade if to == "0010" else command.upgrade)(cfg, to)

    async with runtime.engine.begin() as connection:
        await connection.run_sync(step, "0010")
        await connection.run_sync(step, "head")
    async with runtime.engine.connect() as connection:
        register = [
            tuple(r) for r in await connection.execute(text("SELECT tenant_code, unit_id, credit_code, name FROM problem_bank.unit"))
        ]
    assert register == [("431321", 1, "UNIT00000001", "财政局")]
