"""The versioned violation taxonomy in the shared problem bank: the national edition, and
findings coded against it."""

from __future__ import annotations

from sqlalchemy import text

from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

TREE = """{ taxonomy { version categories { code level name legalBasis
    children { code level name legalBasis children { code level name legalBasis } } } } }"""


async def test_the_national_edition_is_a_three_level_tree_with_legal_bases(runtime):
    token = await token_for(runtime, await add_user(runtime, "reader"))
    async with Api(runtime) as api:
        edition = (await api.call(TREE, token))["data"]["taxonomy"]
        anonymous = await api.call(TREE)
    kinds = [kind for category in edition["categories"] for kind in category["children"]]
    manifestations = [m for kind in kinds for m in kind["children"]]
    assert edition["version"] == "2026.1"
    assert len(edition["categories"]) >= 5 and len(kinds) >= 16 and len(manifestations) >= 26
    for category in edition["categories"]:
        assert category["level"] == "category" and category["legalBasis"]
        for kind in category["children"]:
            assert kind["level"] == "kind" and kind["code"].startswith(category["code"] + ".") and kind["children"]
            assert all(m["level"] == "manifestation" and m["code"].startswith(kind["code"] + ".") and m["legalBasis"]
                       for m in kind["children"])
    names = {node["name"] for node in kinds}
    assert {"擅自设立机构", "超限额设置内设机构", "挂牌机构实体化", "超编进人", "超职数配备干部", "超规格配备", "在编不在岗",
            "长期借调抽调", "条条干预", "实名制信息不准确或未及时更新", "违反“三定”规定调整职责",
            "机构编制事项未按程序动议论证报批"} <= names
    assert error_code(anonymous) == "UNAUTHENTICATED"


async def test_a_finding_records_the_edition_it_was_coded_with(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    async with runtime.engine.begin() as connection:
        await connection.execute(text("INSERT INTO t431321.inspected_unit (credit_code, name, unit_type) VALUES ('UNIT00000001', '财政局', '政府机关')"))
        await connection.execute(text("INSERT INTO t431321.inspection_round (kind, name, starts_on) VALUES ('巡察', '第一轮', '2026-09-01')"))
        await connection.execute(text("INSERT INTO t431321.round_unit VALUES (1, 1)"))
    token = await token_for(runtime, await add_user(runtime, "inspector", ("431321", "inspector", None)))
    log = """mutation($t: String!) { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: $t,
        description: "借调超期", severity: "一般", foundOn: "2026-09-10", deadline: "2026-12-31"}) { taxonomyName } }"""
    async with Api(runtime) as api:
        logged = (await api.call(log, token, t="C04.K02.M02"))["data"]["logFinding"]
        kind = await api.call(log, token, t="C04.K02")
    async with runtime.engine.connect() as connection:
        version = (await connection.execute(text("SELECT taxonomy_version FROM t431321.finding"))).scalar_one()
    assert logged["taxonomyName"] == "从下级单位违规借调人员" and version == "2026.1"
    assert error_code(kind) == "UNKNOWN_TAXONOMY_CODE"
