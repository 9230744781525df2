"""Accountability as an 编办 runs it (issue 22 item 4): 受理 → 核查 → 认定 → 处理 or 提出问责建议/移送
→ 落实 → 办结. A county refers its case to its 纪委监委 through a 移交, which answers with its
decision (诫勉) recorded under its own name; the 编办 never records a personal measure as its
own; every transition refuses the states it does not start from and changes nothing; a province's
statistics count its subtree's cases in statements that do not grow with the subtree; the
migration maps old cases to the new states and back."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from backend.identity.models import Membership
from problem_bank.projection import project_unit
from tenants.organs import Organ
from tenants.schema_ops import enter_schema, run_script
from tests.factories import seed_round
from tests.helpers import configured, counting_statements, create_all, tenant_sql
from tests.identity import Api, add_user, error_code, token_for

CASE_FIELDS = """id state version determination decision conclusion
    measures { kind decidedOn decidedBy content organId documentId personal recordedBy }"""
OPEN = f"""mutation($c: String! = "431321", $input: CaseInput!) {{ openAccountabilityCase(tenantCode: $c, input: $input) {{ {CASE_FIELDS} }} }}"""
REFER = f"""mutation($c: String! = "431321", $i: ID!, $v: Int!, $k: ReferralKind! = HANDOVER, $o: ID!, $n: String! = "建议追究局长刘洋的责任") {{
    referAccountabilityCase(tenantCode: $c, id: $i, version: $v, kind: $k, organId: $o, note: $n) {{ {CASE_FIELDS} }} }}"""
ANSWER = f"""mutation($d: ID!, $o: ID!, $input: ReferralAnswerInput!) {{
    answerAccountabilityReferral(documentId: $d, organId: $o, input: $input) {{ {CASE_FIELDS} }} }}"""
SIGN = "mutation($d: ID!, $o: ID!) { handleDocument(documentId: $d, organId: $o, action: SIGN) { id } }"
RETURN = "mutation($d: ID!, $o: ID!, $n: String!) { handleDocument(documentId: $d, organId: $o, action: RETURN, note: $n) { id } }"
DOCUMENT = """query($d: ID!) { correspondenceDocument(id: $d) { kind subject concerns sender { kind }
    recipients { organ { id } state answerId } } }"""
BOX = "query($o: ID!, $s: Boolean!) { correspondence(organId: $o, sent: $s) { id kind repliesToId body } }"
MEASURE = f"""mutation($c: String! = "431321", $i: ID!, $v: Int!, $m: MeasureInput!) {{
    recordAccountabilityMeasure(tenantCode: $c, caseId: $i, version: $v, input: $m) {{ {CASE_FIELDS} }} }}"""
ADMONITION = {"kind": "ADMONITION", "decidedOn": "2026-11-20", "content": "给予双峰县财政局局长刘洋诫勉"}
DRAFT = {
    "title": "双峰县财政局违规超编进人问责",
    "facts": "该局 2025 年以来超编进人 3 名，逾期未整改。",
    "subject": {"tenantCode": "431321", "unitId": "1", "leaderName": "刘洋", "leaderPost": "局长"},
}
# Each act on a case, the states it starts from (workflow.py), and the note it needs.
ACTS = {
    "verifyAccountabilityCase": ({"受理"}, None),
    "determineAccountabilityCase": ({"核查"}, "超编属实"),
    "sendBackAccountabilityCase": ({"认定"}, "补充核查"),
    "decideAccountabilityCase": ({"认定"}, "责令纠正"),
    "carryOutAccountabilityCase": ({"处理"}, None),
    "closeAccountabilityCase": ({"落实"}, "办结"),
    "dismissAccountabilityCase": ({"受理", "核查"}, "不属于机构编制违规"),
    "withdrawAccountabilityCase": ({"受理", "核查", "认定"}, "重复登记"),
    "takeBackAccountabilityCase": ({"移送"}, None),
}
STATES = ("受理", "核查", "认定", "处理", "移送", "落实", "办结", "不予立案", "撤销")


def act(name: str, note: str | None) -> str:
    argument = ", note: $n" if note else ""
    declared = ", $n: String!" if note else ""
    return f"""mutation($c: String! = "431321", $i: ID!, $v: Int!{declared}) {{
        {name}(tenantCode: $c, id: $i, version: $v{argument}) {{ state }} }}"""


async def add_organ(runtime, code: str, kind: str, name: str) -> int:
    async with runtime.engine.begin() as connection:
        return (
            await connection.execute(
                insert(Organ)
                .values(tenant_code=code, kind=kind, name=name, short_name=name, document_code=name[:2], signature_name=name)
                .returning(Organ.id)
            )
        ).scalar_one()


async def organ_member(runtime, username: str, code: str, organ: int, role: str) -> str:
    user = await add_user(runtime, username)
    async with runtime.engine.begin() as connection:
        await connection.execute(insert(Membership).values(user_id=user, tenant_code=code, organ_id=organ, role=role))
    return await token_for(runtime, user)


@pytest.fixture
async def county(runtime):
    runtime = configured(runtime)
    await create_all(runtime, "430000", "431300", "431321", "431322")
    await seed_round(runtime, "430000", "431321", "431322")
    async with runtime.engine.begin() as connection:
        for code in ("430000", "431321", "431322"):
            await project_unit(connection, code, 1)
    organs = {
        "discipline": await add_organ(runtime, "431321", "纪委监委", "双峰县纪委监委"),
        "organization": await add_organ(runtime, "431321", "组织部", "双峰县委组织部"),
        "audit": await add_organ(runtime, "431321", "审计", "双峰县审计局"),
        "city_discipline": await add_organ(runtime, "431300", "纪委监委", "娄底市纪委监委"),
    }
    tokens = {
        who: await token_for(runtime, await add_user(runtime, who, (code, role, None)))
        for who, (code, role) in {
            "admin": ("431321", "admin"),
            "publisher": ("431321", "publisher"),
            "inspector": ("431321", "inspector"),
            "province": ("430000", "admin"),
            "city": ("431300", "admin"),
            "sibling": ("431322", "admin"),
        }.items()
    }
    tokens["discipline"] = await organ_member(runtime, "jiwei", "431321", organs["discipline"], "inspector")
    tokens["discipline_auditor"] = await organ_member(runtime, "jiwei_ro", "431321", organs["discipline"], "auditor")
    tokens["organization"] = await organ_member(runtime, "zuzhibu", "431321", organs["organization"], "admin")
    tokens["city_discipline"] = await organ_member(runtime, "shi_jiwei", "431300", organs["city_discipline"], "admin")
    return runtime, tokens, organs


async def call(api, document: str, token: str, **variables) -> tuple[str | None, dict | None]:
    result = await api.call(document, token, **variables)
    data = result.get("data") or {}
    return error_code(result), next(iter(data.values()), None) if data else None


async def snapshot(runtime) -> list[tuple]:
    """What a refusal must leave as it was: the county's cases and measures, the documents and
    their handling, the trails and the outbox."""
    async with runtime.engine.connect() as connection:
        return [
            tuple(r)
            for r in await connection.execute(
                text(
                    "SELECT (SELECT json_agg(c ORDER BY id)::text FROM t431321.accountability_case c),"
                    " (SELECT json_agg(m ORDER BY id)::text FROM t431321.case_measure m),"
                    " (SELECT count(*) FROM correspondence.document),"
                    " (SELECT json_agg(r ORDER BY id)::text FROM correspondence.recipient r),"
                    " (SELECT count(*) FROM t431321.audit_event), (SELECT count(*) FROM notify.outbox)"
                )
            )
        ]


async def determined(api, tokens) -> dict:
    """A case of the county, verified and determined."""
    _, opened = await call(api, OPEN, tokens["inspector"], input=DRAFT)
    _, case = await call(api, act("verifyAccountabilityCase", None), tokens["inspector"], i=opened["id"], v=1)
    _, case = await call(api, act("determineAccountabilityCase", "x"), tokens["inspector"], i=opened["id"], v=2, n="超编进人 3 名属实")
    assert case["state"] == "DETERMINED"
    return {"id": opened["id"], "version": 3}


async def test_a_county_refers_its_case_to_its_discipline_organ_which_answers_with_its_decision(county):
    runtime, tokens, organs = county
    discipline = str(organs["discipline"])
    async with Api(runtime) as api:
        case = await determined(api, tokens)
        before = await snapshot(runtime)
        refusals = {
            "an inspector": await call(api, REFER, tokens["inspector"], i=case["id"], v=3, o=discipline),
            "the province": await call(api, REFER, tokens["province"], i=case["id"], v=3, o=discipline),
            "a stale version": await call(api, REFER, tokens["admin"], i=case["id"], v=2, o=discipline),
            "no note": await call(api, REFER, tokens["admin"], i=case["id"], v=3, o=discipline, n=" "),
            "the audit office": await call(api, REFER, tokens["admin"], i=case["id"], v=3, o=str(organs["audit"])),
            "the city's discipline organ": await call(api, REFER, tokens["admin"], i=case["id"], v=3, o=str(organs["city_discipline"])),
            "an unknown organ": await call(api, REFER, tokens["admin"], i=case["id"], v=3, o="99999"),
            "an unknown kind": await call(api, REFER, tokens["admin"], i=case["id"], v=3, o=discipline, k="FREEZE"),
        }
        assert {k: v[0] for k, v in refusals.items()} == {
            "an inspector": "FORBIDDEN",
            "the province": "FORBIDDEN",
            "a stale version": "STALE_VERSION",
            "no note": "INVALID_TEXT",
            "the audit office": "INVALID_ORGAN",
            "the city's discipline organ": "INVALID_ORGAN",
            "an unknown organ": "INVALID_ORGAN",
            "an unknown kind": "INVALID_INPUT",
        }
        assert await snapshot(runtime) == before

        # A publisher (who signs the office's decisions) refers it: a 移交 from the 编办, and the case waits.
        error, case = await call(api, REFER, tokens["publisher"], i=case["id"], v=3, o=discipline)
        assert (error, case["state"], case["version"]) == (None, "REFERRED", 4)
        [referral] = case["measures"]
        assert (referral["kind"], referral["organId"], referral["personal"], referral["content"]) == (
            "HANDOVER",
            discipline,
            False,
            "建议追究局长刘洋的责任",
        )
        document = referral["documentId"]
        _, sent = await call(api, DOCUMENT, tokens["discipline"], d=document)
        assert (sent["kind"], sent["sender"]["kind"], sent["concerns"], sent["recipients"][0]["state"]) == (
            "HANDOVER",
            "OFFICE",
            f"case:431321:{case['id']}",
            "SENT",
        )
        assert "局长刘洋" in sent["subject"]
        # Nothing more happens to the case while it waits, but the organ's answer (or its return).
        for name, (sources, note) in ACTS.items():
            expected = "REFERRAL_PENDING" if "移送" in sources else "INVALID_TRANSITION"
            assert (await call(api, act(name, note), tokens["admin"], i=case["id"], v=4, n=note))[0] == expected, name
        assert (await call(api, REFER, tokens["admin"], i=case["id"], v=4, o=discipline))[0] == "INVALID_TRANSITION"

        answer = {"note": "经研究，决定给予刘洋诫勉", "measures": [ADMONITION]}
        before = await snapshot(runtime)
        unsigned = {
            "before signing": await call(api, ANSWER, tokens["discipline"], d=document, o=discipline, input=answer),
            "the 编办": await call(api, ANSWER, tokens["admin"], d=document, o=discipline, input=answer),
            "a read-only member": await call(api, ANSWER, tokens["discipline_auditor"], d=document, o=discipline, input=answer),
            "another organ": await call(api, ANSWER, tokens["organization"], d=document, o=str(organs["organization"]), input=answer),
            "the city's organ": await call(
                api, ANSWER, tokens["city_discipline"], d=document, o=str(organs["city_discipline"]), input=answer
            ),
        }
        assert await snapshot(runtime) == before
        await call(api, SIGN, tokens["discipline"], d=document, o=discipline)
        signed = await snapshot(runtime)
        future = {**ADMONITION, "decidedOn": "2099-01-01"}
        answers = unsigned | {
            "no note": await call(api, ANSWER, tokens["discipline"], d=document, o=discipline, input={**answer, "note": " "}),
            "a decision to come": await call(
                api, ANSWER, tokens["discipline"], d=document, o=discipline, input={**answer, "measures": [future]}
            ),
            "too many measures": await call(
                api, ANSWER, tokens["discipline"], d=document, o=discipline, input={**answer, "measures": [ADMONITION] * 11}
            ),
            "the office's measure": await call(
                api,
                ANSWER,
                tokens["discipline"],
                d=document,
                o=discipline,
                input={**answer, "measures": [{**ADMONITION, "kind": "INTERVIEW"}]},
            ),
            "no content": await call(
                api, ANSWER, tokens["discipline"], d=document, o=discipline, input={**answer, "measures": [{**ADMONITION, "content": ""}]}
            ),
        }
        assert {k: v[0] for k, v in answers.items()} == {
            "before signing": "INVALID_TRANSITION",
            "the 编办": "NOT_FOUND",
            "a read-only member": "FORBIDDEN",
            "another organ": "NOT_A_REFERRAL",
            "the city's organ": "NOT_A_REFERRAL",
            "no note": "INVALID_TEXT",
            "a decision to come": "INVALID_DATE",
            "too many measures": "INVALID_MEASURE",
            "the office's measure": "INVALID_INPUT",
            "no content": "INVALID_TEXT",
        }
        assert await snapshot(runtime) == signed

        # The 纪委监委 answers: its 诫勉, under its own name, and a 复函 that finishes its handling.
        error, case = await call(api, ANSWER, tokens["discipline"], d=document, o=discipline, input=answer)
        assert (error, case["state"], case["version"]) == (None, "IMPLEMENTING", 5)
        referral, admonition = case["measures"]
        assert (admonition["kind"], admonition["personal"], admonition["decidedBy"], admonition["organId"], admonition["recordedBy"]) == (
            "ADMONITION",
            True,
            "双峰县纪委监委",
            discipline,
            "jiwei",
        )
        _, handled = await call(api, DOCUMENT, tokens["admin"], d=document)
        assert (handled["recipients"][0]["state"], handled["recipients"][0]["answerId"]) == ("FINISHED", admonition["documentId"])
        _, received = await call(api, BOX, tokens["admin"], o=str(await office_organ(runtime)), s=False)
        [reply] = [d for d in received if d["kind"] == "REPLY"]
        assert reply["repliesToId"] == document and "给予双峰县财政局局长刘洋诫勉" in reply["body"]
        assert (await call(api, ANSWER, tokens["discipline"], d=document, o=discipline, input=answer))[0] == "INVALID_TRANSITION"

        # The 编办 follows it through and closes it.
        error, case = await call(api, act("closeAccountabilityCase", "x"), tokens["admin"], i=case["id"], v=5, n="诫勉已落实")
        assert (error, case["state"]) == (None, "CLOSED")
    async with runtime.engine.connect() as connection:
        trail = (
            await connection.execute(
                text("SELECT action, actor FROM t431321.audit_event WHERE entity = 'accountability_case' ORDER BY seq")
            )
        ).all()
    assert [tuple(row) for row in trail] == [
        ("case.opened", "inspector"),
        ("case.verify", "inspector"),
        ("case.determine", "inspector"),
        ("case.refer", "publisher"),
        ("case.answer", "jiwei"),
        ("case.close", "admin"),
    ]


async def office_organ(runtime) -> int:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text("SELECT id FROM tenancy.organ WHERE tenant_code = '431321' AND kind = '编办'"))).scalar_one()


async def test_the_office_records_its_own_measures_but_never_a_personal_one(county):
    runtime, tokens, organs = county
    async with Api(runtime) as api:
        case = await determined(api, tokens)
        _, decided = await call(api, act("decideAccountabilityCase", "x"), tokens["admin"], i=case["id"], v=3, n="责令纠正并函询")
        assert decided["state"] == "HANDLING"
        measure = {"decidedOn": "2026-11-20", "decidedBy": "县委编办主任办公会", "content": "措施"}
        before = await snapshot(runtime)
        refused = {
            kind: (await call(api, MEASURE, tokens["admin"], i=case["id"], v=4, m={**measure, "kind": kind}))[0]
            for kind in ("ADMONITION", "ORGANIZATIONAL", "DISCIPLINARY", "HANDOVER", "ACCOUNTABILITY_PROPOSAL")
        }
        refused["落实 without a measure"] = (await call(api, act("carryOutAccountabilityCase", None), tokens["admin"], i=case["id"], v=4))[
            0
        ]
        assert refused == {
            "ADMONITION": "PERSONAL_MEASURE",
            "ORGANIZATIONAL": "PERSONAL_MEASURE",
            "DISCIPLINARY": "PERSONAL_MEASURE",
            "HANDOVER": "INVALID_MEASURE",
            "ACCOUNTABILITY_PROPOSAL": "INVALID_MEASURE",
            "落实 without a measure": "NO_MEASURES",
        }
        assert await snapshot(runtime) == before
        version = 4
        own = ("ORDER_CORRECTION", "PHONE_REMINDER", "INQUIRY", "CIRCULATION", "STAFFING_REDUCTION", "APPROVAL_SUSPENSION")
        for kind in own:
            error, case_now = await call(api, MEASURE, tokens["inspector"], i=case["id"], v=version, m={**measure, "kind": kind})
            assert error is None
            version += 1
        assert [(m["kind"], m["personal"], m["organId"]) for m in case_now["measures"]] == [(kind, False, None) for kind in own]
        # Having handled it itself, the office may still propose accountability for the head to the 组织部.
        error, case_now = await call(
            api, REFER, tokens["admin"], i=case["id"], v=version, o=str(organs["organization"]), k="ACCOUNTABILITY_PROPOSAL"
        )
        assert (error, case_now["state"], case_now["measures"][-1]["kind"]) == (None, "REFERRED", "ACCOUNTABILITY_PROPOSAL")

        # The 组织部 returns it (not its business): the office takes the case back, and refers it where it belongs.
        take_back = act("takeBackAccountabilityCase", None)
        version += 1
        assert (await call(api, take_back, tokens["admin"], i=case["id"], v=version))[0] == "REFERRAL_PENDING"
        document, organization = case_now["measures"][-1]["documentId"], str(organs["organization"])
        returned = await api.call(RETURN, tokens["organization"], d=document, o=organization, n="领导干部诫勉由纪委监委办理")
        assert "errors" not in returned
        assert (await call(api, take_back, tokens["inspector"], i=case["id"], v=version))[0] == "FORBIDDEN"
        error, taken = await call(api, take_back, tokens["publisher"], i=case["id"], v=version)
        assert (error, taken["state"]) == (None, "DETERMINED")
        error, case_now = await call(api, REFER, tokens["admin"], i=case["id"], v=version + 1, o=str(organs["discipline"]))
        assert (error, case_now["state"], [m["kind"] for m in case_now["measures"]][-2:]) == (
            None,
            "REFERRED",
            ["ACCOUNTABILITY_PROPOSAL", "HANDOVER"],
        )


async def cases_in_every_state(runtime) -> dict[str, int]:
    async with runtime.engine.begin() as connection:
        return {
            state: (
                await connection.execute(
                    text(
                        "INSERT INTO t431321.accountability_case (title, facts, subject_tenant_code, subject_unit_id, subject_unit_name,"
                        " subject_credit_code, state, opened_by) VALUES ('超编问责', '超编', '431321', 1, '财政局', 'UNIT00000001', :s, 't')"
                        " RETURNING id"
                    ),
                    {"s": state},
                )
            ).scalar_one()
            for state in STATES
        }


async def test_every_transition_refuses_the_states_it_does_not_start_from_and_the_roles_it_is_not_for(county):
    runtime, tokens, organs = county
    cases = await cases_in_every_state(runtime)
    async with Api(runtime) as api:
        before = await snapshot(runtime)
        wrong = {
            (name, state): (await call(api, act(name, note), tokens["admin"], i=str(cases[state]), v=1, n=note))[0]
            for name, (sources, note) in ACTS.items()
            for state in STATES
            if state not in sources
        }
        wrong |= {
            ("referAccountabilityCase", state): (
                await call(api, REFER, tokens["admin"], i=str(cases[state]), v=1, o=str(organs["discipline"]))
            )[0]
            for state in STATES
            if state not in {"认定", "处理"}
        }
        assert await snapshot(runtime) == before
        by_inspector = {
            name: (await call(api, act(name, note), tokens["inspector"], i=str(cases[next(iter(sources))]), v=1, n=note))[0]
            for name, (sources, note) in ACTS.items()
        }
    assert set(wrong.values()) == {"INVALID_TRANSITION"}, {k: v for k, v in wrong.items() if v != "INVALID_TRANSITION"}
    assert len(wrong) == (len(ACTS) + 1) * len(STATES) - sum(len(sources) for sources, _ in ACTS.values()) - 2
    assert by_inspector == {  # inspectors verify and determine; deciding and ending a case is for those who sign
        "verifyAccountabilityCase": None,
        "determineAccountabilityCase": None,
        "sendBackAccountabilityCase": "FORBIDDEN",
        "decideAccountabilityCase": "FORBIDDEN",
        "carryOutAccountabilityCase": "NO_MEASURES",
        "closeAccountabilityCase": "FORBIDDEN",
        "dismissAccountabilityCase": "FORBIDDEN",
        "withdrawAccountabilityCase": "FORBIDDEN",
        "takeBackAccountabilityCase": "FORBIDDEN",
    }


async def test_statistics_count_the_subtree_in_the_same_statements_whatever_its_size(county):
    runtime, tokens, _ = county
    statistics = "query($c: String!, $by: CaseBreakdown!) { accountabilityStatistics(tenantCode: $c, by: $by) { key count } }"
    async with Api(runtime) as api:
        await determined(api, tokens)
        for code, who in (("430000", "province"), ("431322", "sibling")):
            subject = {"tenantCode": code, "unitId": "1"}
            error, _ = await call(api, OPEN, tokens[who], c=code, input={**DRAFT, "subject": subject})
            assert error is None
        tallies = {}
        statements = {}
        for code, who in (("430000", "province"), ("431300", "city"), ("431321", "admin"), ("431322", "sibling")):
            for by in ("STATE", "REGION"):
                with counting_statements(runtime.engine) as counted:
                    result = await api.call(statistics, tokens[who], c=code, by=by)
                tallies[(code, by)] = {t["key"]: t["count"] for t in result["data"]["accountabilityStatistics"]}
                statements[(code, by)] = len(counted)
        refused = error_code(await api.call(statistics, tokens["admin"], c="431300", by="STATE"))
    assert tallies[("430000", "STATE")] == {"REGISTERED": 2, "DETERMINED": 1}
    assert tallies[("430000", "REGION")] == {"430000": 1, "431321": 1, "431322": 1}
    assert tallies[("431300", "STATE")] == {"REGISTERED": 1, "DETERMINED": 1}  # its counties', none of the province's
    assert tallies[("431321", "STATE")] == {"DETERMINED": 1}
    assert tallies[("431322", "REGION")] == {"431322": 1}
    assert refused == "NOT_FOUND"  # a county does not read its city
    assert statements[("430000", "STATE")] == statements[("431321", "STATE")]  # four offices cost what one does
    assert statements[("430000", "REGION")] == statements[("431321", "REGION")]


async def test_the_migration_maps_old_cases_to_the_new_flow_and_back(county):
    runtime, _, _ = county
    old = ("立案", "调查核实", "拟处理", "决定", "执行", "结案", "撤销")
    kinds = ("约谈", "电话提醒", "通报批评", "函告", "移交纪检监察机关", "冻结机构编制调整事项", "锁定实名制账户", "责令整改", "组织处理")
    async with runtime.engine.connect() as connection:
        await connection.begin()
        await enter_schema(connection, "t431321", "5s")
        await run_script(connection, tenant_sql(runtime.streams, "downgrade", "t0026:t0025"))
        for state in old:
            case = (
                await connection.execute(
                    text(
                        "INSERT INTO accountability_case (title, facts, subject_tenant_code, subject_unit_id, subject_unit_name,"
                        " subject_credit_code, state, proposal, opened_by) VALUES (:s, '超编', '431321', 1, '财政局', 'U', :s, :p, 't')"
                        " RETURNING id"
                    ),
                    {"s": state, "p": f"{state}时的拟处理意见"},
                )
            ).scalar_one()
        for kind in kinds:
            await connection.execute(
                text(
                    "INSERT INTO case_measure (case_id, kind, decided_on, decided_by, content, recorded_by)"
                    " VALUES (:c, :k, '2026-11-20', '县委组织部', :content, 't')"
                ),
                {"c": case, "k": kind, "content": kind},
            )
        await run_script(connection, tenant_sql(runtime.streams, "upgrade", "t0025:t0026"))
        cases = (await connection.execute(text("SELECT title, state, determination FROM accountability_case ORDER BY id"))).all()
        measures = (await connection.execute(text("SELECT content, kind, decided_by, organ_id FROM case_measure ORDER BY id"))).all()
        await run_script(connection, tenant_sql(runtime.streams, "downgrade", "t0026:t0025"))
        back = [
            *(await connection.execute(text("SELECT state FROM accountability_case ORDER BY id"))).scalars(),
            *(await connection.execute(text("SELECT kind FROM case_measure ORDER BY id"))).scalars(),
        ]
        await connection.rollback()
    assert [(title, state) for title, state, _ in cases] == list(
        zip(old, ("受理", "核查", "认定", "处理", "落实", "办结", "撤销"), strict=True)
    )
    assert all(determination == f"{title}时的拟处理意见" for title, _, determination in cases)
    assert [(content, kind) for content, kind, _, _ in measures] == list(
        zip(
            kinds,
            ("约谈", "电话提醒", "通报", "函询", "移送", "冻结机构编制调整事项", "锁定实名制账户", "责令纠正", "组织调整或组织处理"),
            strict=True,
        )
    )
    assert {(decided_by, organ) for _, _, decided_by, organ in measures} == {("县委组织部", None)}
    assert back == [*old, *kinds]
