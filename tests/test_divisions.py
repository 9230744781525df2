"""GB/T 2260 code rules and the shipped national register."""

import collections

import pytest

from tenants.divisions import DivisionChange, Level, default_parent, division_changes, level_of, national_register, possible_parents
from tenants.errors import DomainError
from tenants.naming import quoted_schema, schema_for_code


@pytest.mark.parametrize(
    ("code", "level"),
    [("430000", Level.PROVINCE), ("431300", Level.CITY), ("431321", Level.COUNTY), ("310113", Level.COUNTY)],
)
def test_level_follows_the_code(code, level):
    assert level_of(code) is level


@pytest.mark.parametrize(
    "bad",
    ["43132", "4313210", "abcdef", "４３１３２１", "431321; DROP SCHEMA t430000", "", None, 431321, "990000", "000000", "430001"],
)
def test_codes_that_no_division_has_are_refused(bad):
    with pytest.raises(DomainError) as refused:
        level_of(bad)
    assert refused.value.code == "INVALID_CODE"
    assert refused.value.field == "code"


def test_parents_a_code_may_have():
    assert possible_parents("430000") == ()
    assert possible_parents("431300") == ("430000",)
    assert possible_parents("431321") == ("431300", "430000")


def test_default_parent_is_the_real_city_else_the_province():
    assert default_parent("431321", {}) == "431300"  # 双峰县 under 娄底市, even before 娄底 exists
    assert default_parent("310113", {}) == "310000"  # 宝山区: 310100 is no real city
    assert default_parent("429004", {}) == "420000"  # 仙桃市, 省直管县
    assert default_parent("439901", {"439900": Level.CITY}) == "439900"  # a registered non-register city
    assert default_parent("430000", {}) is None


def test_national_register_covers_the_whole_country():
    counts = collections.Counter(division.level for division in national_register().values())
    assert counts[Level.PROVINCE] == 34
    assert counts[Level.CITY] == 333
    assert counts[Level.COUNTY] >= 2844
    hunan = [d for d in national_register().values() if d.code.startswith("43")]
    assert collections.Counter(d.level for d in hunan) == {Level.PROVINCE: 1, Level.CITY: 14, Level.COUNTY: 122}
    assert national_register()["431321"].name == "双峰县"
    for division in national_register().values():
        assert level_of(division.code) is division.level


def test_schema_names_are_checked_before_they_reach_sql():
    assert schema_for_code("431321") == "t431321"
    assert quoted_schema("t431321") == '"t431321"'
    assert quoted_schema("spare_000012") == '"spare_000012"'
    for bad in ['t431321"; DROP TABLE x; --', "public", "t43132", "T431321", "t４３１３２１", "spare_1"]:
        with pytest.raises(DomainError) as refused:
            quoted_schema(bad)
        assert refused.value.code == "INVALID_SCHEMA"


def test_the_register_is_the_2023_list_and_records_what_became_of_old_codes():
    register, changes = national_register(), division_changes()
    assert register["430182"].name == "宁乡市" and "430124" not in register  # 宁乡县 became a city in 2017
    assert register["441900"].level is Level.CITY  # 东莞: a city without counties, not a county of itself
    assert changes["430124"] == DivisionChange("430124", "宁乡县", "430182", "宁乡市", "改代码并更名")
    assert changes["430221"].new_code == "430212" and changes["130502"].new_name == "襄都区"
    assert all(change.new_code in register for change in changes.values() if change.new_code)
    assert not [code for code in changes if code in register and changes[code].change != "更名"]
