"""Inspected units through GraphQL: 三定 data, bad input, optimistic locking, the liaison's
view, audit entries."""

import asyncio

import pytest
from sqlalchemy import text

from backend.audit.service import verify_chain
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

CREATE = """mutation($c: String!, $i: UnitInput!) { createUnit(tenantCode: $c, input: $i) {
    id creditCode name unitType version approvedStaffing { key count } leadershipPosts { key count }
    internalBodies actualStaffing { key count } actualAsOf } }"""
UPDATE = (
    "mutation($c: String!, $id: ID!, $v: Int!, $i: UnitChangesInput!) { updateUnit(tenantCode: $c, id: $id, version: $v, input: $i) "
    "{ version name } }"
)
UNITS = "query($c: String!, $f: Int, $a: String) { units(tenantCode: $c, first: $f, after: $a) { items { id name } pageInfo { hasNextPage endCursor } } }"

FINANCE = {
    "creditCode": "11431321mb1234567x",
    "name": "双峰县财政局",
    "unitType": "GOVERNMENT",
    "approvedStaffing": [{"key": "行政编制", "count": 18}, {"key": "机关工勤编制", "count": 2}],
    "leadershipPosts": [{"key": "正科级", "count": 1}, {"key": "副科级", "count": 3}],
    "internalBodies": ["办公室", "预算股", "国库股"],
    "actualStaffing": [{"key": "行政编制", "count": 19}],
    "actualAsOf": "2026-10-31",
}


@pytest.fixture
async def county(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    inspector = await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))
    return inspector


async def unit_rows(runtime) -> list:
    async with runtime.engine.connect() as connection:
        return [
            tuple(row)
            for row in await connection.execute(text("SELECT id, credit_code, name, version FROM t431321.inspected_unit ORDER BY id"))
        ]


async def test_register_read_and_update_a_unit_with_its_staffing(runtime, county):
    async with Api(runtime) as api:
        created = (await api.call(CREATE, county, c="431321", i=FINANCE))["data"]["createUnit"]
        assert created["creditCode"] == "11431321MB1234567X" and created["version"] == 1 and created["unitType"] == "GOVERNMENT"
        assert created["approvedStaffing"] == [{"key": "行政编制", "count": 18}, {"key": "机关工勤编制", "count": 2}]
        assert created["internalBodies"] == ["办公室", "预算股", "国库股"] and created["actualAsOf"] == "2026-10-31"
        updated = await api.call(UPDATE, county, c="431321", id=created["id"], v=1, i={**FINANCE, "name": "双峰县财政局（国资）"})
        assert updated["data"]["updateUnit"] == {"version": 2, "name": "双峰县财政局（国资）"}
        listed = await api.call(UNITS, county, c="431321")
        assert listed["data"]["units"]["items"] == [{"id": created["id"], "name": "双峰县财政局（国资）"}]
    async with runtime.engine.connect() as connection:
        audit = (
            await connection.execute(text("SELECT actor, action, before->>'name', after->>'name' FROM t431321.audit_event ORDER BY seq"))
        ).all()
    assert [tuple(row) for row in audit] == [
        ("sf.inspector", "unit.created", None, "双峰县财政局"),
        ("sf.inspector", "unit.updated", "双峰县财政局", "双峰县财政局（国资）"),
    ]
    assert (await verify_chain(runtime.engine, "431321")).intact


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"creditCode": "123"}, "INVALID_CREDIT_CODE", "creditCode"),
        ({"creditCode": "1143'; DROP TABLE x"}, "INVALID_CREDIT_CODE", "creditCode"),
        ({"name": " "}, "INVALID_NAME", "name"),
        ({"name": "局" * 129}, "INVALID_NAME", "name"),
        ({"unitType": "企业"}, "INVALID_INPUT", "unitType"),
        ({"unitType": "政府机关"}, "INVALID_INPUT", "unitType"),  # the enum's name, not its label
        ({"approvedStaffing": [{"key": "临时编制", "count": 1}]}, "INVALID_CATEGORY", "approvedStaffing"),
        ({"approvedStaffing": [{"key": "行政编制", "count": -1}]}, "INVALID_COUNT", "approvedStaffing"),
        ({"approvedStaffing": [{"key": "行政编制", "count": 1}, {"key": "行政编制", "count": 2}]}, "INVALID_CATEGORY", "approvedStaffing"),
        ({"leadershipPosts": [{"key": "科员", "count": 1}]}, "INVALID_CATEGORY", "leadershipPosts"),
        ({"internalBodies": ["办公室", "办公室"]}, "INVALID_NAME", "internalBodies"),
        ({"internalBodies": ["办\u200b公室"]}, "INVALID_NAME", "internalBodies"),
        ({"actualAsOf": "2150-01-01"}, "INVALID_DATE", "actualAsOf"),
    ],
)
async def test_bad_unit_data_gets_a_field_error_and_changes_nothing(runtime, county, change, code, field):
    async with Api(runtime) as api:
        result = await api.call(CREATE, county, c="431321", i={**FINANCE, **change})
    assert result["errors"][0]["extensions"] == {"code": code, "field": field}
    assert await unit_rows(runtime) == []


async def test_a_stale_version_or_a_taken_code_is_refused_and_changes_nothing(runtime, county):
    async with Api(runtime) as api:
        first = (await api.call(CREATE, county, c="431321", i=FINANCE))["data"]["createUnit"]
        other = (await api.call(CREATE, county, c="431321", i={**FINANCE, "creditCode": "11431321MB7654321Y", "name": "县教育局"}))["data"][
            "createUnit"
        ]
        await api.call(UPDATE, county, c="431321", id=first["id"], v=1, i={"name": "改名一次"})
        before = await unit_rows(runtime)
        stale = await api.call(UPDATE, county, c="431321", id=first["id"], v=1, i={"name": "改名两次"})
        taken = await api.call(UPDATE, county, c="431321", id=other["id"], v=1, i={"creditCode": FINANCE["creditCode"]})
        duplicate = await api.call(CREATE, county, c="431321", i=FINANCE)
        missing = await api.call(UPDATE, county, c="431321", id="999", v=1, i={"name": "改名三次"})
    assert stale["errors"][0]["extensions"] == {"code": "STALE_VERSION", "field": "version"}
    assert error_code(taken) == error_code(duplicate) == "DUPLICATE"
    assert error_code(missing) == "NOT_FOUND"
    assert await unit_rows(runtime) == before


async def test_concurrent_registrations_of_one_code_make_one_unit(runtime, county):
    async with Api(runtime) as api:
        results = await asyncio.gather(*(api.call(CREATE, county, c="431321", i=FINANCE) for _ in range(4)))
    assert sorted(error_code(r) or "OK" for r in results) == ["DUPLICATE", "DUPLICATE", "DUPLICATE", "OK"]
    assert len(await unit_rows(runtime)) == 1


async def test_two_units_given_one_new_code_at_once_end_with_one_holding_it(runtime, county):
    """The second write, blocked on the first's uncommitted code, is refused as DUPLICATE (the
    check before it could not see the code), not an internal error."""
    async with Api(runtime) as api:
        ids = [
            (await api.call(CREATE, county, c="431321", i={**FINANCE, "creditCode": code, "name": name}))["data"]["createUnit"]["id"]
            for code, name in (("11431321MB0000001A", "县教育局"), ("11431321MB0000002B", "县卫健局"))
        ]
        for _ in range(5):  # mostly both checks run before either write commits: the case this is about
            results = await asyncio.gather(
                *(api.call(UPDATE, county, c="431321", id=id_, v=1, i={"creditCode": FINANCE["creditCode"]}) for id_ in ids)
            )
            codes = sorted(error_code(r) or "OK" for r in results)
            assert codes == ["DUPLICATE", "OK"], results
            rows = await unit_rows(runtime)
            assert [code for _, code, _, _ in rows].count(FINANCE["creditCode"].upper()) == 1
            async with runtime.engine.begin() as connection:  # put both back at version 1 for the next try
                await connection.execute(
                    text("UPDATE t431321.inspected_unit SET credit_code = '11431321MB000000' || id || 'Z', version = 1")
                )


async def test_a_liaison_sees_only_its_own_unit(runtime, county):
    async with Api(runtime) as api:
        finance = (await api.call(CREATE, county, c="431321", i=FINANCE))["data"]["createUnit"]["id"]
        other = (await api.call(CREATE, county, c="431321", i={**FINANCE, "creditCode": "11431321MB7654321Y"}))["data"]["createUnit"]["id"]
        liaison = await token_for(runtime, await add_user(runtime, "sf.liaison", ("431321", "liaison", int(finance))))
        assert (await api.call(UNITS, liaison, c="431321"))["data"]["units"]["items"] == [{"id": finance, "name": "双峰县财政局"}]
        assert (
            error_code(await api.call('query($id: ID!) { unit(tenantCode: "431321", id: $id) { name } }', liaison, id=other)) == "NOT_FOUND"
        )
        assert error_code(await api.call(CREATE, liaison, c="431321", i={**FINANCE, "creditCode": "11431321MB0000000Z"})) == "FORBIDDEN"


async def test_units_are_paged_in_the_order_they_were_registered(runtime, county):
    async with Api(runtime) as api:
        ids = [
            (await api.call(CREATE, county, c="431321", i={**FINANCE, "creditCode": f"11431321MB000000{n}X"}))["data"]["createUnit"]["id"]
            for n in range(3)
        ]
        first = (await api.call(UNITS, county, c="431321", f=2))["data"]["units"]
        rest = (await api.call(UNITS, county, c="431321", f=2, a=first["pageInfo"]["endCursor"]))["data"]["units"]
        bad_cursor = await api.call(UNITS, county, c="431321", a="x")
        too_many = await api.call(UNITS, county, c="431321", f=1000)
    assert [u["id"] for u in first["items"] + rest["items"]] == ids
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert bad_cursor["errors"][0]["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}
    assert too_many["errors"][0]["extensions"] == {"code": "INVALID_PAGE_SIZE", "field": "first"}


# A unit with every field set, 三定 and staffing, to see an update keep what it was not given.
MANDATED = {
    **FINANCE,
    "actualPosts": [{"key": "正科级", "count": 1}, {"key": "副科级", "count": 2}],
    "approvedInternalBodies": 3,
    "bodyLeaderPosts": [{"key": "预算股", "count": 2}, {"key": "国库股", "count": 1}],
    "bodyLeaders": [{"key": "预算股", "count": 1}],
    "mandateNumber": "双编发〔2019〕3号",
    "mandateIssuedOn": "2019-03-01",
}
COUNTS = "{ key count }"
UNIT = (
    'query($id: ID!) { unit(tenantCode: "431321", id: $id) { creditCode name unitType approvedStaffing ' + COUNTS + " leadershipPosts "
    f"{COUNTS} internalBodies actualStaffing {COUNTS} actualPosts {COUNTS} actualAsOf approvedInternalBodies bodyLeaderPosts {COUNTS} "
    f"bodyLeaders {COUNTS} mandateNumber mandateIssuedOn version updatedAt }} }}"
)


async def stored_unit(runtime) -> dict:
    """The unit's whole row and its audit entries, to see that a refused change changed nothing."""
    async with runtime.engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM t431321.inspected_unit"))).mappings().one()
        audit = (await connection.execute(text("SELECT action, before, after FROM t431321.audit_event ORDER BY seq"))).all()
    return {"row": dict(row), "audit": [tuple(entry) for entry in audit]}


@pytest.fixture
async def mandated(runtime, county) -> str:
    async with Api(runtime) as api:
        created = await api.call(CREATE, county, c="431321", i=MANDATED)
    return created["data"]["createUnit"]["id"]


async def test_a_name_only_change_keeps_the_mandate_and_the_staffing(runtime, county, mandated):
    async with Api(runtime) as api:
        before = (await api.call(UNIT, county, id=mandated))["data"]["unit"]
        updated = await api.call(UPDATE, county, c="431321", id=mandated, v=1, i={"name": "双峰县财政局（国资）"})
        after = (await api.call(UNIT, county, id=mandated))["data"]["unit"]
    assert updated["data"]["updateUnit"] == {"version": 2, "name": "双峰县财政局（国资）"}
    kept = {k: v for k, v in after.items() if k not in ("name", "version", "updatedAt")}
    assert kept == {k: v for k, v in before.items() if k not in ("name", "version", "updatedAt")}
    assert kept == {  # counts in the order PostgreSQL keeps a JSONB object's keys
        "creditCode": "11431321MB1234567X",
        "unitType": "GOVERNMENT",
        "approvedStaffing": [{"key": "行政编制", "count": 18}, {"key": "机关工勤编制", "count": 2}],
        "leadershipPosts": [{"key": "副科级", "count": 3}, {"key": "正科级", "count": 1}],
        "internalBodies": ["办公室", "预算股", "国库股"],
        "actualStaffing": [{"key": "行政编制", "count": 19}],
        "actualPosts": [{"key": "副科级", "count": 2}, {"key": "正科级", "count": 1}],
        "actualAsOf": "2026-10-31",
        "approvedInternalBodies": 3,
        "bodyLeaderPosts": [{"key": "国库股", "count": 1}, {"key": "预算股", "count": 2}],
        "bodyLeaders": [{"key": "预算股", "count": 1}],
        "mandateNumber": "双编发〔2019〕3号",
        "mandateIssuedOn": "2019-03-01",
    }
    assert before["name"] == "双峰县财政局" and after["name"] == "双峰县财政局（国资）" and after["version"] == 2
    audit = (await stored_unit(runtime))["audit"]
    # the entry holds what changed, not the whole unit
    assert audit[-1] == ("unit.updated", {"name": "双峰县财政局", "version": 1}, {"name": "双峰县财政局（国资）", "version": 2})
    assert (await verify_chain(runtime.engine, "431321")).intact


async def test_an_explicit_null_clears_a_field_a_unit_may_lack(runtime, county, mandated):
    async with Api(runtime) as api:
        updated = await api.call(
            UPDATE, county, c="431321", id=mandated, v=1, i={"mandateNumber": None, "actualAsOf": None, "bodyLeaders": []}
        )
        after = (await api.call(UNIT, county, id=mandated))["data"]["unit"]
    assert updated["data"]["updateUnit"]["version"] == 2
    assert after["mandateNumber"] is None and after["actualAsOf"] is None and after["bodyLeaders"] == []
    assert after["mandateIssuedOn"] == "2019-03-01" and after["approvedInternalBodies"] == 3 and after["name"] == "双峰县财政局"
    assert after["actualStaffing"] == [{"key": "行政编制", "count": 19}]
    assert (await stored_unit(runtime))["audit"][-1] == (
        "unit.updated",
        {"actual_as_of": "2026-10-31", "body_leaders": {"预算股": 1}, "mandate_number": "双编发〔2019〕3号", "version": 1},
        {"actual_as_of": None, "body_leaders": {}, "mandate_number": None, "version": 2},
    )


@pytest.mark.parametrize("field", ["creditCode", "name", "unitType", "internalBodies", "approvedStaffing", "bodyLeaderPosts"])
async def test_null_for_a_field_every_unit_has_is_refused_and_changes_nothing(runtime, county, mandated, field):
    before = await stored_unit(runtime)
    async with Api(runtime) as api:
        result = await api.call(UPDATE, county, c="431321", id=mandated, v=1, i={"name": "改了名", field: None})
    assert result["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": field}
    assert await stored_unit(runtime) == before


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        # 预算股 has leader posts: it cannot go alone
        ({"internalBodies": ["办公室", "国库股"]}, "INVALID_NAME", "bodyLeaderPosts"),
        # 人事股 is not one of the stored internal bodies
        ({"bodyLeaders": [{"key": "人事股", "count": 1}]}, "INVALID_NAME", "bodyLeaders"),
        ({"mandateIssuedOn": "2150-01-01"}, "INVALID_DATE", "mandateIssuedOn"),
        ({"name": "改了名", "approvedStaffing": [{"key": "临时编制", "count": 1}]}, "INVALID_CATEGORY", "approvedStaffing"),
    ],
)
async def test_a_change_that_breaks_a_rule_with_the_stored_values_is_refused_and_changes_nothing(
    runtime, county, mandated, change, code, field
):
    before = await stored_unit(runtime)
    async with Api(runtime) as api:
        result = await api.call(UPDATE, county, c="431321", id=mandated, v=1, i=change)
    assert result["errors"][0]["extensions"] == {"code": code, "field": field}
    assert await stored_unit(runtime) == before


async def test_moving_a_body_and_its_leader_posts_together_is_accepted(runtime, county, mandated):
    async with Api(runtime) as api:
        updated = await api.call(
            UPDATE,
            county,
            c="431321",
            id=mandated,
            v=1,
            i={"internalBodies": ["办公室", "国库股"], "bodyLeaderPosts": [{"key": "国库股", "count": 1}], "bodyLeaders": []},
        )
        after = (await api.call(UNIT, county, id=mandated))["data"]["unit"]
    assert updated["data"]["updateUnit"]["version"] == 2
    assert after["internalBodies"] == ["办公室", "国库股"] and after["bodyLeaderPosts"] == [{"key": "国库股", "count": 1}]


@pytest.mark.parametrize("change", [{}, {"name": "双峰县财政局", "internalBodies": ["办公室", "预算股", "国库股"]}])
async def test_a_change_that_changes_nothing_keeps_the_version_and_writes_nothing(runtime, county, mandated, change):
    before = await stored_unit(runtime)
    async with Api(runtime) as api:
        result = await api.call(UPDATE, county, c="431321", id=mandated, v=1, i=change)
        stale = await api.call(UPDATE, county, c="431321", id=mandated, v=0, i=change)
    assert result["data"]["updateUnit"] == {"version": 1, "name": "双峰县财政局"}
    assert stale["errors"][0]["extensions"] == {"code": "STALE_VERSION", "field": "version"}
    assert await stored_unit(runtime) == before
