"""整改方案: after its 统一反馈 a unit fills in a task for every problem, submits the plan, a
reviewer returns or approves it, and the approved plan sets the problems' ledger entries."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories import fed_back_round
from tests.identity import Api, error_code

PLAN_FIELDS = "id unitId state version tasks { findingId measure responsibleLeader responsibleDepartment deadline }"
SAVE = f"""mutation($r: ID!, $u: ID!, $t: [RectificationTaskInput!]!, $v: Int) {{ saveRectificationPlan(tenantCode: "431321",
    roundId: $r, unitId: $u, tasks: $t, version: $v) {{ {PLAN_FIELDS} }} }}"""
SUBMIT = f"""mutation($p: ID!, $v: Int!) {{ submitRectificationPlan(tenantCode: "431321", id: $p, version: $v) {{ {PLAN_FIELDS} }} }}"""
DECIDE = f"""mutation($p: ID!, $v: Int!, $d: PlanDecision!, $n: String) {{ decideRectificationPlan(tenantCode: "431321", id: $p,
    version: $v, decision: $d, note: $n) {{ {PLAN_FIELDS} }} }}"""
PLANS = f"""query($r: ID!) {{ rectificationPlans(tenantCode: "431321", roundId: $r) {{ {PLAN_FIELDS} }} }}"""
LEDGER = """{ findings(tenantCode: "431321", order: DEADLINE) { items { id ledger { state deadline measures responsiblePerson
    responsibleUnit } } } }"""


def task(finding: str, deadline: str = "2026-12-31", **change) -> dict:
    return {
        "findingId": finding,
        "measure": "制定消化超编人员计划，三年内逐年消化",
        "responsibleLeader": "李副局长",
        "responsibleDepartment": "人事科",
        "deadline": deadline,
        **change,
    }


async def plans_state(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(p ORDER BY id)::text FROM t431321.rectification_plan p),"
                        " (SELECT json_agg(t ORDER BY id)::text FROM t431321.rectification_task t),"
                        " (SELECT json_agg(l ORDER BY id)::text FROM t431321.ledger_entry l),"
                        " (SELECT count(*) FROM t431321.audit_event)"
                    )
                )
            ).one()
        )


async def test_a_units_plan_is_submitted_returned_and_approved_and_then_sets_its_ledger(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    team, reviewer, liaison = tokens["inspector"], tokens["reviewer"], tokens["liaison"]
    round_id = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 2 名", "超职数配备副局长 1 名"]))
    async with Api(runtime) as api:
        first, second = [f["id"] for f in (await api.call(LEDGER, team))["data"]["findings"]["items"]]

        saved = (await api.call(SAVE, liaison, r=round_id, u="1", t=[task(first)]))["data"]["saveRectificationPlan"]
        plan = saved["id"]
        before = await plans_state(runtime)
        refusals = [
            error_code(await api.call(SUBMIT, liaison, p=plan, v=1)),  # the second problem has no task
            error_code(await api.call(SAVE, liaison, r=round_id, u="1", t=[task(first)])),  # written already: name the version
            error_code(await api.call(SAVE, liaison, r=round_id, u="1", t=[task(first, "2026-10-01")], v=1)),  # before the feedback
            error_code(await api.call(SAVE, liaison, r=round_id, u="1", t=[task(first), task(first)], v=1)),
            error_code(await api.call(SAVE, liaison, r=round_id, u="1", t=[task("999")], v=1)),
            error_code(await api.call(SAVE, liaison, r=round_id, u="1", t=[task(first, measure=" ")], v=1)),
            error_code(await api.call(SAVE, tokens["other_liaison"], r=round_id, u="1", t=[task(first)], v=1)),
            error_code(await api.call(SAVE, team, r="1", u="1", t=[task(first)])),  # round 1 gave the unit no feedback
            error_code(await api.call(DECIDE, reviewer, p=plan, v=1, d="APPROVE")),  # not submitted
            error_code(await api.call(SUBMIT, tokens["auditor"], p=plan, v=1)),
        ]
        assert await plans_state(runtime) == before

        resaved = (await api.call(SAVE, liaison, r=round_id, u="1", t=[task(first), task(second, "2027-06-30")], v=1))["data"][
            "saveRectificationPlan"
        ]
        await api.call(SUBMIT, liaison, p=plan, v=2)
        decisions = [
            error_code(await api.call(DECIDE, liaison, p=plan, v=3, d="APPROVE")),
            error_code(await api.call(DECIDE, team, p=plan, v=3, d="APPROVE")),  # only a reviewer decides
            error_code(await api.call(DECIDE, reviewer, p=plan, v=3, d="RETURN")),  # without its reasons
        ]
        returned = (await api.call(DECIDE, reviewer, p=plan, v=3, d="RETURN", n="超编消化措施不具体，请细化到年度"))["data"][
            "decideRectificationPlan"
        ]
        ledger_while_returned = (await api.call(LEDGER, team))["data"]["findings"]["items"]
        await api.call(
            SAVE, liaison, r=round_id, u="1", t=[task(first, measure="2026年消化 1 名，2027年消化 1 名"), task(second, "2027-06-30")], v=4
        )
        await api.call(SUBMIT, liaison, p=plan, v=5)
        approved = (await api.call(DECIDE, reviewer, p=plan, v=6, d="APPROVE"))["data"]["decideRectificationPlan"]
        ledger = (await api.call(LEDGER, team))["data"]["findings"]["items"]
        seen = {who: (await api.call(PLANS, tokens[who], r=round_id))["data"]["rectificationPlans"] for who in ("liaison", "other_liaison")}
        changed_after_approval = error_code(await api.call(SAVE, liaison, r=round_id, u="1", t=[task(first)], v=7))

    assert saved["state"] == "DRAFTING" and resaved["version"] == 2
    assert refusals == [
        "PLAN_INCOMPLETE",
        "DUPLICATE",
        "INVALID_DEADLINE",
        "INVALID_TASKS",
        "NOT_FOUND",
        "INVALID_TEXT",
        "NOT_FOUND",
        "NOT_FED_BACK",
        "INVALID_TRANSITION",
        "FORBIDDEN",
    ]
    assert decisions == ["FORBIDDEN", "FORBIDDEN", "INVALID_TEXT"]
    assert returned["state"] == "RETURNED"
    assert {f["ledger"]["measures"] for f in ledger_while_returned} == {None}  # nothing reaches the ledger before approval
    assert approved["state"] == "APPROVED" and approved["version"] == 7
    assert [(f["id"], f["ledger"]["deadline"], f["ledger"]["measures"], f["ledger"]["responsibleUnit"]) for f in ledger] == [
        (first, "2026-12-31", "2026年消化 1 名，2027年消化 1 名", "人事科"),
        (second, "2027-06-30", "制定消化超编人员计划，三年内逐年消化", "人事科"),
    ]
    assert {f["ledger"]["responsiblePerson"] for f in ledger} == {"李副局长"}
    assert [p["id"] for p in seen["liaison"]] == [plan] and seen["other_liaison"] == []
    assert changed_after_approval == "INVALID_TRANSITION"
