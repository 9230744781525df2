"""Registry rules against a real database: hierarchy, bad input, duplicates."""

import asyncio

import pytest

from tenants.errors import DomainError
from tests.helpers import create_all, database_state, registry_rows, tenant_schemas


async def test_province_city_county_with_their_ancestors(runtime):
    await create_all(runtime, "430000", "431300", "431321", "310000", "310113", "420000", "429004")
    rows = {row[0]: row for row in await registry_rows(runtime)}
    assert rows["431321"] == ("431321", "双峰县", "county", "431300", "430000", "431300", "t431321")
    assert rows["431300"] == ("431300", "娄底市", "city", "430000", "430000", "431300", "t431300")
    assert rows["430000"] == ("430000", "湖南省", "province", None, "430000", None, "t430000")
    # 直辖市 district and 省直管县 sit directly under the province, with no city.
    assert rows["310113"][3:6] == ("310000", "310000", None)
    assert rows["429004"][3:6] == ("420000", "420000", None)
    assert {"t430000", "t431300", "t431321", "t310113"} <= await tenant_schemas(runtime)


async def test_a_county_may_be_placed_directly_under_its_province(runtime):
    await create_all(runtime, "410000", "411400")
    await runtime.provisioner().create("411481", parent_code="410000")  # 永城市, 省直管县
    rows = {row[0]: row for row in await registry_rows(runtime)}
    assert rows["411481"][3:6] == ("410000", "410000", None)


async def test_a_name_is_taken_from_the_register_or_given(runtime):
    await create_all(runtime, "430000", "431300")
    await runtime.provisioner().create("431399", name="  娄底经济技术开发区  ")
    rows = {row[0]: row for row in await registry_rows(runtime)}
    assert rows["431399"][1] == "娄底经济技术开发区"


@pytest.mark.parametrize(
    ("code", "options", "error_code", "field"),
    [
        ("43132", {}, "INVALID_CODE", "code"),
        ("t43132'; DROP SCHEMA tenancy CASCADE; --", {}, "INVALID_CODE", "code"),
        ("990000", {}, "INVALID_CODE", "code"),
        ("431322", {"parent_code": "440000"}, "WRONG_PARENT", "parent"),
        ("431322", {"parent_code": "431200"}, "WRONG_PARENT", "parent"),
        ("431322", {"parent_code": "4313"}, "INVALID_CODE", "parent"),
        ("430001", {}, "INVALID_CODE", "code"),
        ("440000", {"parent_code": "430000"}, "WRONG_PARENT", "parent"),
        ("441900", {}, "PARENT_NOT_FOUND", "parent"),
        ("433101", {}, "PARENT_NOT_FOUND", "parent"),
        ("431398", {}, "NAME_REQUIRED", "name"),
        ("431322", {"name": "   "}, "INVALID_NAME", "name"),
        ("431322", {"name": "县" * 65}, "INVALID_NAME", "name"),
        ("431322", {"name": "新化\u200b县"}, "INVALID_NAME", "name"),
        ("431321", {}, "DUPLICATE", "code"),
        ("431300", {"name": "另一个娄底"}, "DUPLICATE", "code"),
    ],
)
async def test_bad_requests_get_a_clear_error_and_change_nothing(runtime, code, options, error_code, field):
    await create_all(runtime, "430000", "431300", "431321")
    await runtime.provisioner().refill_spares(1)
    before = await database_state(runtime)
    with pytest.raises(DomainError) as refused:
        await runtime.provisioner().create(code, **options)
    assert (refused.value.code, refused.value.field) == (error_code, field)
    assert refused.value.message  # a sentence for the user, in Chinese
    assert await database_state(runtime) == before


async def test_two_concurrent_creates_of_one_code_make_one_tenant(runtime):
    await create_all(runtime, "430000")
    await runtime.provisioner().refill_spares(2)
    results = await asyncio.gather(runtime.provisioner().create("431300"), runtime.provisioner().create("431300"), return_exceptions=True)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], DomainError) and errors[0].code == "DUPLICATE"
    assert [row[0] for row in await registry_rows(runtime)] == ["430000", "431300"]
    # The loser's spare went back to the pool: one spare was used, one is left.
    state = await database_state(runtime)
    assert len(state[2]) == 1 and state[2][0] in state[1]
