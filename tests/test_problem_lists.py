"""共性问题 and 问题清单: a kind found by several offices is detected with its alike descriptions
grouped; a city turns it into a problem list pushed to its counties and to a unit of its own,
which acknowledge it or file a stamped nil return. Every refusal changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import add_unit
from tests.helpers import LOG_FINDING, counting_statements, finding_input
from tests.identity import Api, add_user, error_code, token_for

COMMON = """query($r: String!, $n: Int, $f: ProblemFilterInput) { commonProblems(regionCode: $r, minOffices: $n, filter: $f) {
    kindCode kindName offices findings groups { findings offices representative { findingCode } examples { findingCode } } } }"""

PUSH = """mutation($i: PushProblemListInput!) { pushProblemList(input: $i) {
    id title problems { findingCode officeName } receipts { id recipientCode unitId recipientName state version } } }"""
LIST = """query($l: ID!) { problemList(id: $l) { title problems { findingCode } elsewhere { taxonomyCode severity }
    receipts { recipientCode unitId state } } }"""
LISTS = (
    """query($c: String!, $d: ListDirection!) { problemLists(tenantCode: $c, direction: $d) { items { id receipts { recipientCode } } } }"""
)
ACKNOWLEDGE = """mutation($r: ID!, $v: Int!) { acknowledgeProblemList(receiptId: $r, version: $v) {
    receipts { id state acknowledgedBy version } } }"""
NIL_RETURN = """mutation($r: ID!, $v: Int!, $t: String!, $s: String!) { fileNilReturn(receiptId: $r, version: $v, statement: $t,
    stampedScanSha256: $s) { receipts { id state acknowledgedBy nilStatement nilScanSha256 version } } }"""


@pytest.fixture
async def common(province):
    """A third 超编 finding, in 新化县, worded like 双峰县's SF-1; a unit of the city's own with its liaison."""
    runtime, tokens = province
    async with Api(runtime) as api:
        await api.call(
            LOG_FINDING.replace("431321", "431322"),
            tokens["sibling"],
            i=finding_input(code="LY-2", description="实有人数超过核定编制 3 名，属超编进人", foundOn="2026-10-08"),
        )
    await add_unit(runtime, "431300", "市教育局", "CITYUNIT0001")
    tokens["city_liaison"] = await token_for(runtime, await add_user(runtime, "city.liaison", ("431300", "liaison", 1)))
    tokens["city_admin"] = await token_for(runtime, await add_user(runtime, "city.admin", ("431300", "admin", None)))
    tokens["county_reviewer"] = await token_for(runtime, await add_user(runtime, "sf.reviewer", ("431321", "reviewer", None)))
    return runtime, tokens


async def test_a_kind_found_by_enough_offices_is_common_and_alike_descriptions_group(common):
    runtime, tokens = common
    async with Api(runtime) as api:

        async def detected(who: str = "province", region: str = "430000", **variables):
            result = await api.call(COMMON, tokens[who], r=region, **variables)
            return error_code(result) or result["data"]["commonProblems"]

        overstaffing = await detected(n=2)
        other_outcomes = [
            await detected(),
            await detected(n=2, f={"foundFrom": "2026-10-01"}),
            await detected("county", "431321", n=2),
            await detected(n=1),
            await detected(n=1001),
            await detected("liaison", "431321"),
            await detected("sibling", "431321"),
            await detected("other", "430000"),
            await detected("county", "431300"),
        ]
    assert overstaffing == [
        {
            "kindCode": "C03.K01",
            "kindName": "超编进人",
            "offices": 2,
            "findings": 3,
            "groups": [
                {
                    "findings": 2,
                    "offices": 2,
                    "representative": {"findingCode": "LY-2"},
                    "examples": [{"findingCode": "LY-2"}, {"findingCode": "SF-1"}],
                },
                {"findings": 1, "offices": 1, "representative": {"findingCode": "LY-1"}, "examples": [{"findingCode": "LY-1"}]},
            ],
        }
    ]
    # default threshold (3 offices); a window holding one office's finding only; one county alone; bad thresholds; refusals
    assert other_outcomes == [[], [], [], "INVALID_COUNT", "INVALID_COUNT", "FORBIDDEN", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]


def push_input(**change) -> dict:
    return {
        "issuerCode": "431300",
        "title": "超编进人问题清单",
        "taxonomyCode": "C03.K01",
        "foundFrom": "2026-01-01",
        "foundTo": "2026-12-31",
        "respondBy": "2099-12-31",
        "note": "请举一反三开展自查",
        "officeCodes": ["431321", "431322"],
        "unitIds": ["1"],
        **change,
    }


async def stored_lists(runtime) -> tuple[int, int, int]:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM problem_bank.problem_list), (SELECT count(*) FROM problem_bank.problem_list_item),"
                        " (SELECT count(*) FROM problem_bank.problem_list_receipt)"
                    )
                )
            ).one()
        )


async def test_a_city_pushes_a_list_and_every_bad_push_changes_nothing(common):
    runtime, tokens = common
    async with Api(runtime) as api:
        refusals = [
            error_code(await api.call(PUSH, tokens[who], i=push_input(**change)))
            for who, change in (
                ("county", {"issuerCode": "431321", "officeCodes": []}),
                ("province", {}),
                ("other", {}),
                ("liaison", {}),
                ("city", {"officeCodes": ["440000"]}),
                ("city", {"officeCodes": ["431300"]}),
                ("city", {"officeCodes": [], "unitIds": []}),
                ("city", {"unitIds": ["99"]}),
                ("city", {"respondBy": "2020-01-01"}),
                ("city", {"taxonomyCode": "C99"}),
                ("city", {"foundFrom": "2020-01-01", "foundTo": "2020-12-31"}),
                ("city", {"foundFrom": "2026-12-01", "foundTo": "2026-01-01"}),
                ("city", {"title": "长" * 129}),
                ("city", {"officeCodes": ["43132x"]}),
            )
        ]
        assert await stored_lists(runtime) == (0, 0, 0)
        pushed = (await api.call(PUSH, tokens["city"], i=push_input()))["data"]["pushProblemList"]
    assert refusals == [
        "FORBIDDEN",
        "FORBIDDEN",
        "NOT_FOUND",
        "NOT_FOUND",
        "NOT_BELOW",
        "NOT_BELOW",
        "NO_RECIPIENTS",
        "NOT_FOUND",
        "INVALID_DATE",
        "UNKNOWN_TAXONOMY_CODE",
        "NO_PROBLEMS",
        "INVALID_PERIOD",
        "INVALID_NAME",
        "INVALID_CODE",
    ]
    assert [(p["findingCode"], p["officeName"]) for p in pushed["problems"]] == [("LY-2", "新化县"), ("LY-1", "新化县"), ("SF-1", "双峰县")]
    assert [(r["recipientCode"], r["unitId"], r["recipientName"], r["state"], r["version"]) for r in pushed["receipts"]] == [
        ("431321", None, "双峰县", "AWAITING", 1),
        ("431322", None, "新化县", "AWAITING", 1),
        ("431300", "1", "市教育局", "AWAITING", 1),
    ]
    assert await stored_lists(runtime) == (1, 3, 3)
    async with runtime.engine.connect() as connection:
        audited = (await connection.execute(text("SELECT action, actor FROM t431300.audit_event ORDER BY id DESC LIMIT 1"))).one()
    assert tuple(audited) == ("problem_list.pushed", "bank.city")


async def test_issuer_and_recipients_see_what_is_theirs_and_nobody_else_does(common):
    runtime, tokens = common
    async with Api(runtime) as api:
        list_id = (await api.call(PUSH, tokens["city"], i=push_input()))["data"]["pushProblemList"]["id"]

        async def seen(who: str):
            result = await api.call(LIST, tokens[who], l=list_id)
            if code := error_code(result):
                return code
            found = result["data"]["problemList"]
            listed = [p["findingCode"] for p in found["problems"]]
            return listed, len(found["elsewhere"]), [(r["recipientCode"], r["unitId"]) for r in found["receipts"]]

        async def listed(who: str, code: str, direction: str):
            result = await api.call(LISTS, tokens[who], c=code, d=direction)
            return error_code(result) or [(item["id"], len(item["receipts"])) for item in result["data"]["problemLists"]["items"]]

        detail = {who: await seen(who) for who in ("city", "province", "county", "sibling", "city_liaison", "liaison", "other")}
        lists = [
            await listed("city", "431300", "ISSUED"),
            await listed("province", "431300", "ISSUED"),
            await listed("county", "431300", "ISSUED"),
            await listed("county", "431321", "RECEIVED"),
            await listed("city_liaison", "431300", "RECEIVED"),
            await listed("city", "431321", "RECEIVED"),
            await listed("sibling", "431321", "RECEIVED"),
            await listed("liaison", "431321", "RECEIVED"),
            await listed("other", "431321", "RECEIVED"),
            await listed("county", "431321", "ISSUED"),
        ]
        unknown = [error_code(await api.call(LIST, tokens["city"], l="999")), error_code(await api.call(LIST, tokens["city"], l="x"))]
    everyone = [("431321", None), ("431322", None), ("431300", "1")]
    # A recipient sees its own subtree's problems in full, the others only as kinds (issue 19:
    # a county was shown its sibling's and its city's findings); a unit, none but its own.
    everything = ["LY-2", "LY-1", "SF-1"]
    assert detail == {
        "city": (everything, 0, everyone),
        "province": (everything, 0, everyone),
        "county": (["SF-1"], 2, [("431321", None)]),
        "sibling": (["LY-2", "LY-1"], 1, [("431322", None)]),
        "city_liaison": ([], 3, [("431300", "1")]),
        "liaison": "NOT_FOUND",
        "other": "NOT_FOUND",
    }
    assert lists == [
        [(list_id, 3)],
        [(list_id, 3)],
        "NOT_FOUND",
        [(list_id, 1)],
        [(list_id, 1)],
        "FORBIDDEN",
        "NOT_FOUND",
        [],
        "NOT_FOUND",
        [],
    ]
    assert unknown == ["NOT_FOUND", "NOT_FOUND"]


async def test_recipients_acknowledge_or_file_a_stamped_nil_return_once(common):
    runtime, tokens = common
    async with Api(runtime) as api:
        receipts = (await api.call(PUSH, tokens["city"], i=push_input()))["data"]["pushProblemList"]["receipts"]
        county_receipt, sibling_receipt, unit_receipt = (r["id"] for r in receipts)

        async def acknowledge(who: str, receipt: str, version: int = 1):
            result = await api.call(ACKNOWLEDGE, tokens[who], r=receipt, v=version)
            return error_code(result) or result["data"]["acknowledgeProblemList"]["receipts"]

        refused = [
            await acknowledge("sibling", county_receipt),
            await acknowledge("city", county_receipt),
            await acknowledge("liaison", county_receipt),
            await acknowledge("province", county_receipt),
            await acknowledge("city_admin", unit_receipt),
            await acknowledge("county", county_receipt, 7),
            await acknowledge("county", "999"),
        ]
        assert await receipt_states(runtime) == ["待签收", "待签收", "待签收"]
        acknowledged = await acknowledge("county_reviewer", county_receipt)
        again = [await acknowledge("county", county_receipt, 1), await acknowledge("county", county_receipt, 2)]
        by_liaison = await acknowledge("city_liaison", unit_receipt)

        scan = await upload(api, tokens["sibling"], "431322")
        other_scan = await upload(api, tokens["county"], "431321")

        async def nil_return(statement: str, sha: str, version: int = 1):
            result = await api.call(NIL_RETURN, tokens["sibling"], r=sibling_receipt, v=version, t=statement, s=sha)
            return error_code(result) or result["data"]["fileNilReturn"]["receipts"]

        bad_returns = [
            await nil_return("", scan),
            await nil_return("经自查，无此问题", other_scan),
            await nil_return("经自查，无此问题", "x"),
            await nil_return("经自查，无此问题", "0" * 64),
        ]
        filed = await nil_return("经自查，我县无此问题", scan)
        twice = await nil_return("经自查，我县无此问题", scan, 2)
    assert refused == ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "STALE_VERSION", "NOT_FOUND"]
    assert [(r["state"], r["acknowledgedBy"], r["version"]) for r in acknowledged] == [("ACKNOWLEDGED", "sf.reviewer", 2)]
    assert again == ["STALE_VERSION", "ALREADY_ANSWERED"]
    assert [(r["state"], r["acknowledgedBy"]) for r in by_liaison] == [("ACKNOWLEDGED", "city.liaison")]
    assert bad_returns == ["INVALID_TEXT", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]
    assert [(r["state"], r["acknowledgedBy"], r["nilStatement"], r["nilScanSha256"], r["version"]) for r in filed] == [
        ("NIL_RETURN", "xinhua.inspector", "经自查，我县无此问题", scan, 2)
    ]
    assert twice == "ALREADY_ANSWERED"
    assert await receipt_states(runtime) == ["已签收", "无此问题", "已签收"]
    async with runtime.engine.connect() as connection:
        audited = (await connection.execute(text("SELECT action FROM t431322.audit_event ORDER BY id DESC LIMIT 1"))).scalar_one()
    assert audited == "problem_list.无此问题"


async def receipt_states(runtime) -> list[str]:
    async with runtime.engine.connect() as connection:
        return list((await connection.execute(text("SELECT state FROM problem_bank.problem_list_receipt ORDER BY id"))).scalars())


async def upload(api: Api, token: str, tenant_code: str) -> str:
    """A stamped statement (a PDF) uploaded to the office's evidence."""
    response = await api.client.post(
        f"/evidence/{tenant_code}",
        params={"name": "无此问题说明.pdf"},
        content=b"%PDF-1.4\n" + tenant_code.encode() + b"\n%%EOF\n",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    return response.json()["sha256"]


async def test_a_page_of_lists_costs_the_same_statements_whatever_its_length(common):
    runtime, tokens = common
    page = """query($n: Int! = 20, $a: String) { problemLists(tenantCode: "431300", direction: ISSUED, first: $n, after: $a) {
        pageInfo { hasNextPage endCursor } items { id problems { findingCode } receipts { state } } } }"""
    async with Api(runtime) as api:
        await api.call(PUSH, tokens["city"], i=push_input())
        with counting_statements(runtime.engine) as one:
            assert len((await api.call(page, tokens["city"]))["data"]["problemLists"]["items"]) == 1
        for _ in range(4):
            await api.call(PUSH, tokens["city"], i=push_input())
        with counting_statements(runtime.engine) as five:
            every = (await api.call(page, tokens["city"]))["data"]["problemLists"]
        first = (await api.call(page, tokens["city"], n=3))["data"]["problemLists"]
        rest = (await api.call(page, tokens["city"], n=3, a=first["pageInfo"]["endCursor"]))["data"]["problemLists"]
    assert len(one) == len(five)
    ids = [item["id"] for item in every["items"]]
    assert len(ids) == 5 and ids == sorted(ids, key=int, reverse=True) and not every["pageInfo"]["hasNextPage"]
    assert [item["id"] for item in first["items"] + rest["items"]] == ids
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
