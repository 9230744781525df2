"""The versioned violation taxonomy in the shared problem bank: the national edition, and
findings coded against it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from problem_bank.projection import remap_to_current, verify
from problem_bank.taxonomy import TaxonomyCache
from tests.factories import seed_round
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
        assert category["level"] == "CATEGORY" and category["legalBasis"]
        for kind in category["children"]:
            assert kind["level"] == "KIND" and kind["code"].startswith(category["code"] + ".") and kind["children"]
            assert all(
                m["level"] == "MANIFESTATION" and m["code"].startswith(kind["code"] + ".") and m["legalBasis"] for m in kind["children"]
            )
    names = {node["name"] for node in kinds}
    assert {
        "擅自设立机构",
        "超限额设置内设机构",
        "挂牌机构实体化",
        "超编进人",
        "超职数配备干部",
        "超规格配备",
        "在编不在岗",
        "长期借调抽调",
        "条条干预",
        "实名制信息不准确或未及时更新",
        "违反“三定”规定调整职责",
        "机构编制事项未按程序动议论证报批",
    } <= names
    assert error_code(anonymous) == "UNAUTHENTICATED"


async def test_a_finding_records_the_edition_it_was_coded_with(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")
    token = await token_for(runtime, await add_user(runtime, "inspector", ("431321", "inspector", None)))
    log = """mutation($t: String!) { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: $t,
        description: "借调超期", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}) { taxonomyName } }"""
    async with Api(runtime) as api:
        logged = (await api.call(log, token, t="C04.K02.M02"))["data"]["logFinding"]
        kind = await api.call(log, token, t="C04.K02")
    async with runtime.engine.connect() as connection:
        version = (await connection.execute(text("SELECT taxonomy_version FROM t431321.finding"))).scalar_one()
    assert logged["taxonomyName"] == "从下级单位违规借调人员" and version == "2026.1"
    assert error_code(kind) == "UNKNOWN_TAXONOMY_CODE"


ADD = """mutation($p: String!, $k: String!, $n: String!) { addManifestation(provinceCode: $p, kindCode: $k, name: $n,
    legalBasis: "《湖南省机构编制管理规定》") { code level name provinceCode } }"""


async def taxonomy_nodes(runtime) -> int:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM problem_bank.taxonomy_node"))).scalar_one()


@pytest.fixture
async def offices(runtime):
    await create_all(runtime, "430000", "431300", "431321", "440000")
    await seed_round(runtime, "431321", "440000")
    people = {
        "hunan": ("430000", "admin"),
        "hunan_inspector": ("430000", "inspector"),
        "loudi": ("431300", "admin"),
        "county": ("431321", "inspector"),
        "guangdong": ("440000", "admin"),
    }
    return {who: await token_for(runtime, await add_user(runtime, f"tx.{who}", (code, role, None))) for who, (code, role) in people.items()}


def log_in(tenant_code: str) -> str:
    return f"""mutation($t: String!) {{ logFinding(tenantCode: "{tenant_code}", input: {{roundId: "1", unitId: "1", taxonomyCode: $t,
        description: "编外人员长期顶岗", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}}) {{ id taxonomyName }} }}"""


async def test_a_province_adds_manifestations_its_subtree_alone_sees_and_uses(runtime, offices):
    tokens = offices
    before = await taxonomy_nodes(runtime)
    async with Api(runtime) as api:

        async def add(who: str, province: str = "430000", kind: str = "C03.K01", name: str = "编外人员长期顶岗"):
            result = await api.call(ADD, tokens[who], p=province, k=kind, n=name)
            return error_code(result) or result["data"]["addManifestation"]

        refusals = [
            await add("hunan_inspector"),
            await add("loudi", "431300"),
            await add("guangdong"),
            await add("county"),
            await add("hunan", kind="C03"),
            await add("hunan", kind="C99.K01"),
            await add("hunan", name=" "),
            await add("hunan", name="实有人数超过核定编制数"),
        ]
        assert await taxonomy_nodes(runtime) == before
        first, second = await add("hunan"), await add("hunan", name="临时机构变相占用编制")
        duplicate = await add("hunan")
        guangdong_own = await add("guangdong", "440000")

        def provincial(tree: dict) -> list[str]:
            kind = next(k for c in tree["data"]["taxonomy"]["categories"] for k in c["children"] if k["code"] == "C03.K01")
            return [m["code"] for m in kind["children"] if m["provinceCode"]]

        tree = "{ taxonomy { categories { children { code children { code provinceCode } } } } }"
        seen = {who: provincial(await api.call(tree, tokens[who])) for who in ("county", "guangdong")}
        used = (await api.call(log_in("431321"), tokens["county"], t="C03.K01.P4301"))["data"]["logFinding"]
        elsewhere = error_code(await api.call(log_in("440000"), tokens["guangdong"], t="C03.K01.P4301"))
    assert refusals == [
        "FORBIDDEN",
        "FORBIDDEN",
        "NOT_FOUND",
        "NOT_FOUND",
        "UNKNOWN_TAXONOMY_CODE",
        "UNKNOWN_TAXONOMY_CODE",
        "INVALID_NAME",
        "DUPLICATE",
    ]
    assert first == {"code": "C03.K01.P4301", "level": "MANIFESTATION", "name": "编外人员长期顶岗", "provinceCode": "430000"}
    assert second["code"] == "C03.K01.P4302" and duplicate == "DUPLICATE"
    assert guangdong_own["code"] == "C03.K01.P4401"  # the same name is another province's own matter
    assert seen == {"county": ["C03.K01.P4301", "C03.K01.P4302"], "guangdong": ["C03.K01.P4401"]}
    assert used["taxonomyName"] == "编外人员长期顶岗" and elsewhere == "UNKNOWN_TAXONOMY_CODE"
    async with runtime.engine.connect() as connection:
        bank_code = (await connection.execute(text("SELECT taxonomy_code FROM problem_bank.problem"))).scalar_one()
        audited = (await connection.execute(text("SELECT action, entity_id FROM t430000.audit_event ORDER BY id DESC LIMIT 1"))).one()
    assert bank_code == "C03.K01.P4301" and tuple(audited) == ("taxonomy.manifestation_added", "C03.K01.P4302")


async def test_a_process_that_loaded_the_taxonomy_earlier_learns_a_new_code_when_asked_for_it(runtime, offices):
    elsewhere = TaxonomyCache(miss_reload_interval=0)  # another API process's snapshot
    assert "C03.K01.P4301" not in (await elsewhere.current(runtime.engine)).nodes
    async with Api(runtime) as api:
        await api.call(ADD, offices["hunan"], p="430000", k="C03.K01", n="编外人员长期顶岗")
    assert "C03.K01.P4301" not in (await elsewhere.current(runtime.engine)).nodes  # a minute old at most
    assert "C03.K01.P4301" in (await elsewhere.current(runtime.engine, knowing="C03.K01.P4301")).nodes


async def test_a_new_edition_maps_old_codes_and_findings_keep_the_edition_they_were_coded_with(runtime, offices):
    async with Api(runtime) as api:
        finding_id = (await api.call(log_in("431321"), offices["county"], t="C03.K01.M01"))["data"]["logFinding"]["id"]
    async with runtime.engine.begin() as connection:  # what an edition's migration does
        await connection.execute(
            text("INSERT INTO problem_bank.taxonomy_version (version, published_at) VALUES ('2027.1', now() + interval '1 second')")
        )
        await connection.execute(
            text(
                "INSERT INTO problem_bank.taxonomy_node (version, code, level, parent_code, name, legal_basis, province_code)"
                " SELECT '2027.1', CASE code WHEN 'C03.K01.M01' THEN 'C03.K01.M03' ELSE code END, level, parent_code,"
                " CASE code WHEN 'C03.K01.M01' THEN '实有人数超过核定编制数（含编外顶岗）' ELSE name END, legal_basis, province_code"
                " FROM problem_bank.taxonomy_node WHERE version = '2026.1' ORDER BY length(code)"
            )
        )
        await connection.execute(
            text("INSERT INTO problem_bank.taxonomy_mapping VALUES ('2026.1', 'C03.K01.M01', '2027.1', 'C03.K01.M03')")
        )
        assert await remap_to_current(connection) == 1
    runtime.taxonomy_cache.forget()
    async with Api(runtime) as api:
        found = await api.call(
            '{ problems(regionCode: "431321", filter: {taxonomyCode: "C03.K01.M03"}) { items { findingId taxonomyName } } }',
            offices["county"],
        )
        newer = (await api.call(log_in("431321"), offices["county"], t="C03.K01.M03"))["data"]["logFinding"]["id"]
        retired = error_code(await api.call(log_in("431321"), offices["county"], t="C03.K01.M01"))
    assert found["data"]["problems"]["items"] == [{"findingId": finding_id, "taxonomyName": "实有人数超过核定编制数（含编外顶岗）"}]
    assert retired == "UNKNOWN_TAXONOMY_CODE"
    async with runtime.engine.connect() as connection:
        coded = (await connection.execute(text("SELECT id, taxonomy_code, taxonomy_version FROM t431321.finding ORDER BY id"))).all()
        drift = await verify(connection, "431321")
    assert [tuple(row) for row in coded] == [(int(finding_id), "C03.K01.M01", "2026.1"), (int(newer), "C03.K01.M03", "2027.1")]
    assert drift.in_step
