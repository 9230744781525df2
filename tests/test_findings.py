"""Findings with their ledger entries through GraphQL (the ledger's transitions come next)."""

import datetime

import pytest
from sqlalchemy import text

from tests.factories import add_round, add_unit
from tests.helpers import LOG_FINDING, counting_statements, create_all, finding_input
from tests.identity import Api, add_user, error_code, token_for

LOG = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) {
    id taxonomyCode taxonomyName severity fixedOnSpot foundBy evidenceSources
    ledger { state deadline overdue responsiblePerson version } } }"""
LIST = 'query($f: Int!) { findings(tenantCode: "431321", first: $f) { items { id unitId ledger { state overdue } } } }'


def finding(**change):
    """The shared finding input with its sources and responsible person filled in."""
    return finding_input(**{"evidenceSources": ["REAL_NAME_DATA", "ON_SITE"], "responsiblePerson": "局长 张某", **change})


@pytest.fixture
async def county(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    units = [await add_unit(runtime, "431321", f"单位{n}", f"UNIT0000{n}") for n in (1, 2)]
    await add_round(runtime, "431321", units, name="第十二轮")
    return await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))


async def findings_count(runtime) -> tuple[int, int]:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(text("SELECT (SELECT count(*) FROM t431321.finding), (SELECT count(*) FROM t431321.ledger_entry)"))
            ).one()
        )


async def test_a_finding_opens_its_ledger_entry_and_one_fixed_on_the_spot_closes_it(runtime, county):
    async with Api(runtime) as api:
        logged = (await api.call(LOG, county, i=finding()))["data"]["logFinding"]
        fixed = (await api.call(LOG, county, i=finding(fixedOnSpot=True, deadline=None, closeNote="当场清退借调人员")))["data"][
            "logFinding"
        ]
        overdue = (await api.call(LOG, county, i=finding(foundOn="2026-01-05", deadline="2026-02-01")))["data"]["logFinding"]
    assert logged["taxonomyName"] == "实有人数超过核定编制数" and logged["foundBy"] == "sf.inspector"
    assert logged["ledger"] == {
        "state": "REGISTERED",
        "deadline": "2026-12-31",
        "overdue": runtime.clock.today() > datetime.date(2026, 12, 31),
        "responsiblePerson": "局长 张某",
        "version": 1,
    }
    assert fixed["fixedOnSpot"] and fixed["ledger"]["state"] == "CLOSED" and not fixed["ledger"]["overdue"]
    assert overdue["ledger"]["overdue"] is True  # derived from the deadline, never stored
    async with runtime.engine.connect() as connection:
        actions = (
            (await connection.execute(text("SELECT action FROM t431321.audit_event WHERE entity = 'finding' ORDER BY seq"))).scalars().all()
        )
    assert actions == ["finding.logged"] * 3


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"taxonomyCode": "C99.K01.M01"}, "UNKNOWN_TAXONOMY_CODE", "taxonomyCode"),
        ({"taxonomyCode": "C03.K01"}, "UNKNOWN_TAXONOMY_CODE", "taxonomyCode"),
        ({"evidenceSources": ["传闻"]}, "INVALID_INPUT", "evidenceSources"),
        ({"evidenceSources": ["ON_SITE", "ON_SITE"]}, "INVALID_EVIDENCE_SOURCE", "evidenceSources"),
        ({"severity": "特别严重"}, "INVALID_INPUT", "severity"),
        ({"foundOn": "2150-01-01"}, "INVALID_DATE", "foundOn"),
        ({"deadline": "2026-09-01"}, "INVALID_DEADLINE", "deadline"),
        ({"deadline": None}, "INVALID_DEADLINE", "deadline"),
        ({"description": "  "}, "INVALID_TEXT", "description"),
        ({"description": "超" * 5001}, "INVALID_TEXT", "description"),
        ({"fixedOnSpot": True, "closeNote": None}, "INVALID_TEXT", "closeNote"),
        ({"unitId": "3"}, "NOT_FOUND", "unitId"),
        ({"roundId": "9"}, "NOT_FOUND", "unitId"),
        ({"roundId": "x"}, "NOT_FOUND", "roundId"),
    ],
)
async def test_bad_findings_get_a_field_error_and_change_nothing(runtime, county, change, code, field):
    async with Api(runtime) as api:
        result = await api.call(LOG, county, i=finding(**change))
    assert result["errors"][0]["extensions"] == {"code": code, "field": field}
    assert await findings_count(runtime) == (0, 0)


PAGE = """query($f: Int!) { findings(tenantCode: "431321", first: $f) { items {
    id unitId unit { name } round { name unitIds } ledger { state overdue latestProgress { note evidence { url } }
    history { action } extensionRequests { state } } } } }"""


async def test_a_page_with_its_relations_costs_the_same_statements_for_1_or_50_findings(runtime, county):
    liaison = await token_for(runtime, await add_user(runtime, "sf.liaison", ("431321", "liaison", 2)))
    async with Api(runtime) as api:
        for unit in ("1", "2", "1", "2", "1"):
            logged = (await api.call(LOG, county, i=finding(unitId=unit)))["data"]["logFinding"]
            await api.call(
                'mutation($f: ID!) { reportProgress(tenantCode: "431321", findingId: $f, version: 1, note: "已启动整改") { id } }',
                county,
                f=logged["id"],
            )
        with counting_statements(runtime.engine) as small:
            assert len((await api.call(PAGE, county, f=1))["data"]["findings"]["items"]) == 1
        with counting_statements(runtime.engine) as large:
            page = (await api.call(PAGE, county, f=50))["data"]["findings"]["items"]
        assert len(page) == 5 and all(f["ledger"]["latestProgress"]["note"] == "已启动整改" for f in page)
        assert len(small) == len(large), large
        # The latest progress comes joined to the page; units, rounds, history and extension requests one statement each.
        assert sum("t431321." in statement for statement in large) == 5, large
        seen = (await api.call(PAGE, liaison, f=50))["data"]["findings"]["items"]
        assert [f["unitId"] for f in seen] == ["2", "2"]
        assert {tuple(f["round"]["unitIds"]) for f in seen} == {("2",)}  # a liaison sees only its unit of the round
        refused = await api.call(LOG, liaison, i=finding(unitId="2"))
    assert error_code(refused) == "FORBIDDEN"


RELATIONS_BY_FRAGMENT = """fragment Where on Finding { unit { name } ... on Finding { round { name } } }
fragment Progress on Ledger { latestProgress { note } }
query($f: ID!) {
    findings(tenantCode: "431321", first: 5) { items { unitId ...Where place: unit { id } ledger { ...Progress ... { history { action } } } } }
    finding(tenantCode: "431321", id: $f) { ...Where ledger { extensionRequests { state } } } }"""


LOG_WITH_RELATIONS = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) {
    id unit { name } round { name } ledger { latestProgress { note } } } }"""


async def test_relations_load_when_selected_through_fragments_aliases_or_a_mutation(runtime, county):
    """A finding's relations are loaded with it for what the query selects: fragments, inline
    fragments and aliases count, and a mutation's answer gets them the same way."""
    async with Api(runtime) as api:
        logged = (await api.call(LOG_WITH_RELATIONS, county, i=finding()))["data"]["logFinding"]
        moved = await api.call(
            'mutation($f: ID!) { reportProgress(tenantCode: "431321", findingId: $f, version: 1, note: "已启动整改") {'
            " unit { name } round { name } ledger { latestProgress { note } history { action } } } }",
            county,
            f=logged["id"],
        )
        data = (await api.call(RELATIONS_BY_FRAGMENT, county, f=logged["id"]))["data"]
    assert logged["ledger"]["latestProgress"] is None and logged["unit"]["name"] and logged["round"]["name"]
    answered = moved["data"]["reportProgress"]
    assert answered["ledger"]["latestProgress"]["note"] == "已启动整改"
    assert [event["action"] for event in answered["ledger"]["history"]] == ["REPORT_PROGRESS"]
    assert answered["unit"]["name"] and answered["round"]["name"]
    [item] = data["findings"]["items"]
    assert item["unit"]["name"] == answered["unit"]["name"] and item["place"]["id"] == item["unitId"]
    assert item["round"]["name"] == answered["round"]["name"]
    assert item["ledger"] == {"latestProgress": {"note": "已启动整改"}, "history": [{"action": "REPORT_PROGRESS"}]}
    assert data["finding"]["ledger"]["extensionRequests"] == [] and data["finding"]["round"]["name"] == answered["round"]["name"]


FILTERED = """query($filter: FindingFilterInput, $order: FindingOrder!, $after: String) {
    findings(tenantCode: "431321", filter: $filter, order: $order, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } items { code ledger { deadline } } } }"""


async def test_filters_sorts_and_cursors(runtime, county):
    rows = [
        ("A-1", "1", "C03.K01.M01", "2026-01-05", "2026-02-01"),
        ("A-2", "2", "C03.K02.M01", "2026-03-01", "2099-10-31"),
        ("A-3", "1", "C04.K02.M01", "2026-02-01", "2099-12-31"),
        ("A-4", "2", "C03.K01.M01", "2026-04-01", "2100-03-31"),
    ]
    async with Api(runtime) as api:
        for code, unit, taxonomy, found, deadline in rows:
            await api.call(LOG, county, i=finding(code=code, unitId=unit, taxonomyCode=taxonomy, foundOn=found, deadline=deadline))

        async def codes(filter=None, order="NEWEST") -> tuple[int, list[str]]:
            result, after, seen = None, None, []
            while True:
                result = (await api.call(FILTERED, county, filter=filter, order=order, after=after))["data"]["findings"]
                seen += [item["code"] for item in result["items"]]
                if not result["pageInfo"]["hasNextPage"]:
                    return result["totalCount"], seen
                after = result["pageInfo"]["endCursor"]

        assert await codes() == (4, ["A-4", "A-3", "A-2", "A-1"])
        assert await codes(order="DEADLINE") == (4, ["A-1", "A-2", "A-3", "A-4"])
        assert await codes(order="FOUND_ON") == (4, ["A-4", "A-2", "A-3", "A-1"])
        assert await codes({"taxonomyCode": "C03"}) == (3, ["A-4", "A-2", "A-1"])
        assert await codes({"taxonomyCode": "C03.K01"}, "DEADLINE") == (2, ["A-1", "A-4"])
        assert await codes({"unitId": "2", "roundId": "1"}) == (2, ["A-4", "A-2"])
        assert await codes({"overdue": True}) == (1, ["A-1"])  # the only deadline certainly past
        assert await codes({"deadlineFrom": "2099-10-01", "deadlineTo": "2099-12-31"}, "DEADLINE") == (2, ["A-2", "A-3"])
        assert await codes({"states": ["CLOSED"]}) == (0, [])
        refusals = [
            await api.call(FILTERED, county, filter={"states": ["完成"]}, order="NEWEST"),
            await api.call(FILTERED, county, filter={"taxonomyCode": "C99"}, order="NEWEST"),
            await api.call(FILTERED, county, filter={"deadlineFrom": "2027-01-01", "deadlineTo": "2026-01-01"}, order="NEWEST"),
            await api.call(FILTERED, county, order="DEADLINE", after="bm90LWEtY3Vyc29y"),
            await api.call(
                FILTERED,
                county,
                order="DEADLINE",
                after=(await api.call(FILTERED, county, order="NEWEST"))["data"]["findings"]["pageInfo"]["endCursor"],
            ),
            await api.call(LOG, county, i=finding(code="A-1")),
            await api.call(LOG, county, i=finding(code="WT000009")),
        ]
    assert [error_code(r) for r in refusals] == [
        "INVALID_INPUT",
        "UNKNOWN_TAXONOMY_CODE",
        "INVALID_PERIOD",
        "INVALID_CURSOR",
        "INVALID_CURSOR",
        "DUPLICATE",
        "INVALID_FINDING_CODE",
    ]
    assert await findings_count(runtime) == (4, 4)


BY_TAXONOMY = """query($t: String!) { findings(tenantCode: "431321", filter: {taxonomyCode: $t}, first: 10) { items { description } } }"""


async def test_a_filter_on_a_code_of_this_edition_finds_what_an_older_edition_coded_there(county_office):
    """2026.1's C02.K02.M01 (内设机构超过核定限额) is 2027.1's C04.K02.M01; 2026.1's C04.K02.M01 was
    借调 and is not. A finding keeps the edition it was coded in."""
    runtime, tokens = county_office
    async with Api(runtime) as api:
        for code, description in (
            ("C04.K02.M01", "内设机构超限额 1 个（新版）"),
            ("C03.K01.M01", "内设机构超限额 1 个（旧版）"),
            ("C03.K01.M01", "借调 2 人（旧版）"),
        ):
            logged = await api.call(LOG_FINDING, tokens["inspector"], i=finding_input(taxonomyCode=code, description=description))
            assert logged.get("errors") is None, logged
        async with runtime.engine.begin() as connection:  # as 2026.1 coded them before 2027.1 was published
            for description, old_code in (("内设机构超限额 1 个（旧版）", "C02.K02.M01"), ("借调 2 人（旧版）", "C04.K02.M01")):
                await connection.execute(
                    text("UPDATE t431321.finding SET taxonomy_version = '2026.1', taxonomy_code = :c WHERE description = :d"),
                    {"c": old_code, "d": description},
                )

        async def found(code: str) -> set[str]:
            result = await api.call(BY_TAXONOMY, tokens["inspector"], t=code)
            return {item["description"] for item in result["data"]["findings"]["items"]}

        limits, kind, signs = await found("C04.K02.M01"), await found("C04.K02"), await found("C02.K02")
    assert limits == kind == {"内设机构超限额 1 个（新版）", "内设机构超限额 1 个（旧版）"}  # not the old 借调
    assert signs == set()  # 2027.1's C02.K02 is 标牌; the old C02.K02.M01 is not under it
