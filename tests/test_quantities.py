"""整改量化指标: a finding's planned and achieved quantities (消化超编 N 人…) set on logFinding,
by the approved 整改方案's task and by progress, of the kinds its province uses (the national
ones and its own), summed by the bank's statistics over a region. Every refusal changes nothing."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories import fed_back_round
from tests.helpers import act, create_all, finding_input
from tests.identity import Api, add_user, error_code, token_for

LOG = """mutation($c: String! = "431321", $i: FindingInput!) { logFinding(tenantCode: $c, input: $i) {
    id ledger { version quantities { kind planned achieved } } } }"""
PROGRESS = """mutation($f: ID!, $v: Int!, $a: [QuantityInput!]) { reportProgress(tenantCode: "431321", findingId: $f, version: $v,
    note: "已消化 1 名", achieved: $a) { ledger { version quantities { kind planned achieved } } } }"""
KINDS = "query($c: String!) { quantityKinds(tenantCode: $c) { name unit provinceCode } }"
ADD = """mutation($c: String!, $n: String!, $u: String!) { addQuantityKind(provinceCode: $c, name: $n, unit: $u) {
    name unit provinceCode } }"""
STATISTICS = """query($b: BankBreakdown!, $f: ProblemFilterInput) { bankStatistics(regionCode: "431300", by: $b, filter: $f) {
    key total quantities { kind planned achieved } } }"""
NATIONAL = ["消化超编", "收回编制", "清理超职数", "撤并机构", "建章立制"]


def planned(**numbers: int) -> list[dict]:
    return [{"kind": kind, "planned": n} for kind, n in numbers.items()]


async def state(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(l ORDER BY id)::text FROM t431321.ledger_entry l),"
                        " (SELECT json_agg(t ORDER BY id)::text FROM t431321.rectification_task t),"
                        " (SELECT json_agg(p.quantities ORDER BY finding_id)::text FROM problem_bank.problem p),"
                        " (SELECT count(*) FROM problem_bank.quantity_kind), (SELECT count(*) FROM t431321.audit_event)"
                    )
                )
            ).one()
        )


async def test_a_province_adds_a_kind_its_offices_use_and_no_other_province_sees(ledger_office):
    runtime, t = ledger_office.runtime, ledger_office.tokens
    await create_all(runtime, "440000")
    hunan = await token_for(runtime, await add_user(runtime, "hn.admin", ("430000", "admin", None)))
    guangdong = await token_for(runtime, await add_user(runtime, "gd.admin", ("440000", "admin", None)))
    async with Api(runtime) as api:
        added = (await api.call(ADD, hunan, c="430000", n="精简领导职数", u="名"))["data"]["addQuantityKind"]
        before = await state(runtime)
        refusals = [
            error_code(await api.call(ADD, hunan, c="430000", n="精简领导职数", u="名")),
            error_code(await api.call(ADD, hunan, c="430000", n="消化超编", u="人")),  # a national kind
            error_code(await api.call(ADD, hunan, c="430000", n=" ", u="人")),
            error_code(await api.call(ADD, hunan, c="430000", n="核减编制", u="名额数量单位")),
        ]
        after_refusals = await state(runtime)
        county = (await api.call(KINDS, t["liaison"], c="431321"))["data"]["quantityKinds"]
        other = (await api.call(KINDS, guangdong, c="440000"))["data"]["quantityKinds"]
        used = (await api.call(LOG, t["inspector"], i=finding_input(quantities=planned(精简领导职数=1))))["data"]["logFinding"]
    assert added == {"name": "精简领导职数", "unit": "名", "provinceCode": "430000"}
    assert refusals == ["DUPLICATE", "DUPLICATE", "INVALID_NAME", "INVALID_NAME"] and after_refusals == before
    assert [k["name"] for k in county] == [*NATIONAL, "精简领导职数"] and county[0] == {
        "name": "消化超编",
        "unit": "人",
        "provinceCode": None,
    }
    assert [k["name"] for k in other] == NATIONAL
    assert used["ledger"]["quantities"] == [{"kind": "精简领导职数", "planned": 1, "achieved": None}]


async def test_quantities_planned_achieved_and_summed_over_a_region(ledger_office):
    runtime, t = ledger_office.runtime, ledger_office.tokens
    sibling = await token_for(runtime, await add_user(runtime, "xh.inspector", ("431322", "inspector", None)))
    async with Api(runtime) as api:
        one = (await api.call(LOG, t["inspector"], i=finding_input(quantities=planned(消化超编=3, 建章立制=2))))["data"]["logFinding"]
        two = (
            await api.call(
                LOG,
                t["inspector"],
                i=finding_input(
                    taxonomyCode="C04.K02.M02", foundOn="2026-10-08", quantities=[{"kind": "撤并机构", "planned": 1, "achieved": 1}]
                ),
            )
        )["data"]["logFinding"]
        await api.call(LOG, sibling, c="431322", i=finding_input(quantities=planned(消化超编=4)))
        await api.call(LOG, t["inspector"], i=finding_input(code="NO-Q"))  # none: counted, adds no quantity
        progressed = (await api.call(PROGRESS, t["liaison"], f=one["id"], v=1, a=[{"kind": "消化超编", "achieved": 1}]))["data"]
        again = (await api.call(PROGRESS, t["liaison"], f=one["id"], v=2, a=[{"kind": "消化超编", "achieved": 2}]))["data"]
        by_region = (await api.call(STATISTICS, t["city_reviewer"], b="REGION"))["data"]["bankStatistics"]
        by_category = (await api.call(STATISTICS, t["city_reviewer"], b="CATEGORY"))["data"]["bankStatistics"]
        by_month = (await api.call(STATISTICS, t["city_reviewer"], b="MONTH", f={"foundFrom": "2026-10-01"}))["data"]["bankStatistics"]
        county = (await api.call(STATISTICS.replace("431300", "431321"), t["inspector"], b="KIND"))["data"]["bankStatistics"]
    assert progressed["reportProgress"]["ledger"]["quantities"] == [
        {"kind": "建章立制", "planned": 2, "achieved": None},
        {"kind": "消化超编", "planned": 3, "achieved": 1},
    ]
    assert again["reportProgress"]["ledger"]["quantities"][1] == {"kind": "消化超编", "planned": 3, "achieved": 2}  # cumulative
    assert two["ledger"]["quantities"] == [{"kind": "撤并机构", "planned": 1, "achieved": 1}]
    assert by_region == [
        {
            "key": "431321",
            "total": 3,
            "quantities": [
                {"kind": "建章立制", "planned": 2, "achieved": 0},
                {"kind": "撤并机构", "planned": 1, "achieved": 1},
                {"kind": "消化超编", "planned": 3, "achieved": 2},
            ],
        },
        {"key": "431322", "total": 1, "quantities": [{"kind": "消化超编", "planned": 4, "achieved": 0}]},
    ]
    assert {row["key"]: row["quantities"] for row in by_category} == {
        "C04": [{"kind": "撤并机构", "planned": 1, "achieved": 1}],
        "C03": [{"kind": "建章立制", "planned": 2, "achieved": 0}, {"kind": "消化超编", "planned": 7, "achieved": 2}],
    }
    assert by_month == [{"key": "2026-10", "total": 1, "quantities": [{"kind": "撤并机构", "planned": 1, "achieved": 1}]}]
    assert [row["key"] for row in county] == ["C03.K01", "C04.K02"]


async def test_the_approved_plan_sets_the_planned_quantities(ledger_office):
    runtime, t = ledger_office.runtime, ledger_office.tokens
    round_id = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 3 名"]))
    save = """mutation($r: ID!, $t: [RectificationTaskInput!]!) { saveRectificationPlan(tenantCode: "431321", roundId: $r, unitId: "1",
        tasks: $t) { id version tasks { quantities { kind planned achieved } } } }"""
    ledger = '{ findings(tenantCode: "431321") { items { id ledger { quantities { kind planned achieved } } } } }'
    async with Api(runtime) as api:
        finding = (await api.call(ledger, t["inspector"]))["data"]["findings"]["items"][0]["id"]

        def task(quantities: list[dict]) -> list[dict]:
            return [
                {
                    "findingId": finding,
                    "measure": "三年内逐年消化",
                    "responsibleLeader": "李副局长",
                    "responsibleDepartment": "人事科",
                    "deadline": "2027-06-30",
                    "quantities": quantities,
                }
            ]

        before = await state(runtime)
        refusals = [
            error_code(await api.call(save, t["liaison"], r=round_id, t=task([{"kind": "消化超编", "achieved": 1}]))),
            error_code(await api.call(save, t["liaison"], r=round_id, t=task(planned(超编人数=3)))),
            error_code(await api.call(save, t["liaison"], r=round_id, t=task([{"kind": "消化超编", "planned": -3}]))),
        ]
        assert await state(runtime) == before
        plan = (await api.call(save, t["liaison"], r=round_id, t=task(planned(消化超编=3))))["data"]["saveRectificationPlan"]
        await api.call(
            'mutation($p: ID!) { submitRectificationPlan(tenantCode: "431321", id: $p, version: 1) { id } }', t["liaison"], p=plan["id"]
        )
        await api.call(
            'mutation($p: ID!) { decideRectificationPlan(tenantCode: "431321", id: $p, version: 2, decision: APPROVE) { id } }',
            t["reviewer"],
            p=plan["id"],
        )
        entry = (await api.call(ledger, t["inspector"]))["data"]["findings"]["items"][0]["ledger"]
    assert refusals == ["INVALID_QUANTITY", "UNKNOWN_QUANTITY_KIND", "INVALID_QUANTITY"]
    assert plan["tasks"] == [{"quantities": [{"kind": "消化超编", "planned": 3, "achieved": None}]}]
    assert entry["quantities"] == [{"kind": "消化超编", "planned": 3, "achieved": None}]


async def test_bad_quantities_are_refused_and_change_nothing(ledger_office):
    runtime, t = ledger_office.runtime, ledger_office.tokens
    async with Api(runtime) as api:
        logged = (await api.call(LOG, t["inspector"], i=finding_input(quantities=planned(消化超编=2))))["data"]["logFinding"]
        before = await state(runtime)
        refused = [
            error_code(await api.call(LOG, t["inspector"], i=finding_input(quantities=planned(消化超编=-1)))),
            error_code(await api.call(LOG, t["inspector"], i=finding_input(quantities=planned(超编人数=1)))),
            error_code(await api.call(LOG, t["inspector"], i=finding_input(quantities=[{"kind": "消化超编"}]))),
            error_code(await api.call(LOG, t["inspector"], i=finding_input(quantities=[*planned(消化超编=1), *planned(消化超编=2)]))),
            error_code(await api.call(LOG, t["inspector"], i=finding_input(quantities=[{"kind": "消化超编", "planned": 1.5}]))),
            error_code(await api.call(LOG, t["inspector"], i=finding_input(quantities=planned(消化超编=10_000_000)))),
            error_code(await api.call(PROGRESS, t["liaison"], f=logged["id"], v=1, a=planned(消化超编=3))),  # planned comes by the plan
            error_code(await api.call(PROGRESS, t["liaison"], f=logged["id"], v=1, a=[{"kind": "消化超编", "achieved": -1}])),
            error_code(await api.call(PROGRESS, t["liaison"], f=logged["id"], v=1, a=[{"kind": "超编人数", "achieved": 1}])),
        ]
        after = await state(runtime)
        moved = await api.call(act("reportProgress"), t["liaison"], f=logged["id"], v=1, n="进展")  # none given: kept as they were
    assert refused == [
        "INVALID_QUANTITY",
        "UNKNOWN_QUANTITY_KIND",
        "INVALID_QUANTITY",
        "INVALID_QUANTITY",
        "INVALID_INPUT",
        "INVALID_QUANTITY",
        "INVALID_QUANTITY",
        "INVALID_QUANTITY",
        "UNKNOWN_QUANTITY_KIND",
    ]
    assert after == before
    assert moved["data"]["reportProgress"]["ledger"]["version"] == 2
    async with runtime.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT quantities FROM t431321.ledger_entry"))).scalar_one()
    assert stored == {"消化超编": {"planned": 2}}
