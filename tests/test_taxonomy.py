"""The versioned violation taxonomy in the shared problem bank: the national edition, and
findings coded against it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from problem_bank.counts import recount
from problem_bank.models import TaxonomyLevel
from problem_bank.projection import remap_to_current, verify
from problem_bank.taxonomy import TaxonomyCache
from tests.factories import seed_round
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

ADDED_KINDS = (  # issue 22: the kinds 2026.1 lacked
    "机构改革落实不到位",
    "问题整改不力、屡查屡犯",
    "未经核准进人或未按用编计划进人",
    "违规使用编外人员、政府购买服务用工不规范",
    "标牌悬挂不规范",
    "越权审批机构编制事项",
    "在规章和规范性文件中规定机构编制事项",
    "随意解读“三定”规定",
    "职能履行不到位",
    "机构编制报告制度执行不到位",
    "学习宣传贯彻《条例》不到位",
)
TREE = """{ taxonomy { version categories { code level name legalBasis
    children { code level name legalBasis children { code level name legalBasis } } } } }"""


async def test_the_national_edition_is_a_three_level_tree_with_legal_bases(runtime):
    token = await token_for(runtime, await add_user(runtime, "reader"))
    async with Api(runtime) as api:
        edition = (await api.call(TREE, token))["data"]["taxonomy"]
        anonymous = await api.call(TREE)
    kinds = [kind for category in edition["categories"] for kind in category["children"]]
    manifestations = [m for kind in kinds for m in kind["children"]]
    assert edition["version"] == "2027.1"
    assert len(edition["categories"]) == 5 and len(kinds) >= 27 and len(manifestations) >= 48
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
        "实名制信息不准确或未及时更新",
        "违反“三定”规定调整职责",
        "机构编制事项未按程序动议论证报批",
        "条条干预（上级部门干预下级机构编制）",
        *ADDED_KINDS,
    } <= names
    assert error_code(anonymous) == "UNAUTHENTICATED"


async def test_a_finding_records_the_edition_it_was_coded_with(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")
    token = await token_for(runtime, await add_user(runtime, "inspector", ("431321", "inspector", None)))
    log = """mutation($t: String!) { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: $t,
        description: "借调超期", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}) { taxonomyName } }"""
    async with Api(runtime) as api:
        logged = (await api.call(log, token, t="C03.K10.M02"))["data"]["logFinding"]
        kind = await api.call(log, token, t="C03.K10")
    async with runtime.engine.connect() as connection:
        version = (await connection.execute(text("SELECT taxonomy_version FROM t431321.finding"))).scalar_one()
    assert logged["taxonomyName"] == "从下级单位违规借调人员" and version == "2027.1"
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
            text("INSERT INTO problem_bank.taxonomy_version (version, published_at) VALUES ('2028.1', now() + interval '1 second')")
        )
        await connection.execute(
            text(
                "INSERT INTO problem_bank.taxonomy_node (version, code, level, parent_code, name, legal_basis, province_code)"
                " SELECT '2028.1', CASE code WHEN 'C03.K01.M01' THEN 'C03.K01.M03' ELSE code END, level, parent_code,"
                " CASE code WHEN 'C03.K01.M01' THEN '实有人数超过核定编制数（含编外顶岗）' ELSE name END, legal_basis, province_code"
                " FROM problem_bank.taxonomy_node WHERE version = '2027.1' ORDER BY length(code)"
            )
        )
        await connection.execute(
            text("INSERT INTO problem_bank.taxonomy_mapping VALUES ('2027.1', 'C03.K01.M01', '2028.1', 'C03.K01.M03')")
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
    assert [tuple(row) for row in coded] == [(int(finding_id), "C03.K01.M01", "2027.1"), (int(newer), "C03.K01.M03", "2028.1")]
    assert drift.in_step


SUPERVISION = "《机构编制监督检查工作办法》"
GOVERNMENT = "《地方各级人民政府机构设置和编制管理条例》"


async def test_edition_2027_1_follows_the_five_key_contents_with_bases_checked_against_public_texts(runtime):
    taxonomy = await runtime.taxonomy()
    categories = [node.name for node in taxonomy.children(None)]
    interference = next(node for node in taxonomy.nodes.values() if node.name.startswith("条条干预"))
    ways = " ".join(node.name for node in taxonomy.children(interference.code))
    assert categories == ["坚持党管机构编制", "落实机构改革", "规范机构编制管理", "严格执行“三定”规定", "严肃机构编制纪律"]
    assert interference.level is TaxonomyLevel.KIND and taxonomy.name(interference.parent_code or "") == "严肃机构编制纪律"
    assert all(way in ways for way in ("项目资金分配", "督查考核", "评比表彰", "达标验收"))
    kinds = {node.name for node in taxonomy.nodes.values() if node.level is TaxonomyLevel.KIND}
    assert set(ADDED_KINDS) <= kinds
    for node in taxonomy.nodes.values():
        assert node.legal_basis
        if "借调" in node.name or "在编不在岗" in node.name or "不在岗" in node.name:
            assert SUPERVISION not in node.legal_basis, node
        if GOVERNMENT in node.legal_basis:  # government organs only: beside a party rule, never alone
            assert "地方人民政府行政机构另见" in node.legal_basis and "《中国共产党机构编制工作条例》" in node.legal_basis, node
            assert not node.code.startswith("C01"), node  # 坚持党管机构编制 is about party organs
    sources = (Path(__file__).parent.parent / "docs" / "taxonomy.md").read_text().splitlines()
    for node in taxonomy.nodes.values():  # every article cited has its public source recorded
        for instrument, article in re.findall(r"(《[^》]+》)(第[一二三四五六七八九十]+条)", node.legal_basis):
            assert any(instrument in line and article in line and "http" in line for line in sources), (node.code, instrument, article)


async def test_every_2026_1_kind_and_manifestation_maps_to_a_2027_1_node(runtime):
    async with runtime.engine.connect() as connection:
        unmapped = (
            await connection.execute(
                text(
                    "SELECT o.code FROM problem_bank.taxonomy_node o LEFT JOIN problem_bank.taxonomy_mapping m"
                    " ON m.from_version = o.version AND m.from_code = o.code"
                    " LEFT JOIN problem_bank.taxonomy_node n ON n.version = m.to_version AND n.code = m.to_code"
                    " WHERE o.version = '2026.1' AND o.level <> 'category' AND (n.code IS NULL OR n.version <> '2027.1')"
                )
            )
        ).all()
    assert unmapped == []


def shared_to(runtime, revision: str):
    from alembic import command

    def move(sync_connection):
        config = runtime.streams.config("shared")
        config.attributes["connection"] = sync_connection
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)

    return move


async def test_findings_coded_in_2026_1_keep_working_after_the_upgrade_and_the_downgrade_removes_what_it_added(runtime, offices):
    async with runtime.engine.begin() as connection:
        await connection.run_sync(shared_to(runtime, "0033"))
        left = (
            await connection.execute(
                text(
                    "SELECT (SELECT string_agg(version, ',') FROM problem_bank.taxonomy_version),"
                    " (SELECT count(*) FROM problem_bank.taxonomy_mapping), (SELECT count(*) FROM problem_bank.taxonomy_node)"
                )
            )
        ).one()
    assert tuple(left) == ("2026.1", 0, 48)
    runtime.taxonomy_cache.forget()
    async with Api(runtime) as api:  # before the upgrade: a national and a provincial 2026.1 code
        await api.call(ADD, offices["hunan"], p="430000", k="C04.K02", n="借调人员未办理借调手续")
        seconded = (await api.call(log_in("431321"), offices["county"], t="C04.K02.M02"))["data"]["logFinding"]["id"]
        provincial = (await api.call(log_in("431321"), offices["county"], t="C04.K02.P4301"))["data"]["logFinding"]["id"]
    async with runtime.engine.begin() as connection:
        # Below 0036 the triggers counted these rows too (this code counts them itself): as an
        # application of that time would have left them, counted once.
        await recount(connection, ["431321"])
        await connection.run_sync(shared_to(runtime, "head"))
    runtime.taxonomy_cache.forget()
    query = '{ findings(tenantCode: "431321") { items { id taxonomyCode taxonomyName } } }'
    bank = '{ problems(regionCode: "431321", filter: {taxonomyCode: "C03.K10"}) { items { findingId taxonomyName } } }'
    async with Api(runtime) as api:
        findings = {item["id"]: item for item in (await api.call(query, offices["county"]))["data"]["findings"]["items"]}
        banked = (await api.call(bank, offices["county"]))["data"]["problems"]["items"]
        reused = (await api.call(log_in("431321"), offices["county"], t="C04.K02.M02"))["data"]["logFinding"]  # another meaning now
        retired = error_code(await api.call(log_in("431321"), offices["county"], t="C06.K01.M01"))
    assert findings[seconded]["taxonomyCode"] == "C04.K02.M02" and findings[seconded]["taxonomyName"] == "从下级单位违规借调人员"
    assert findings[provincial]["taxonomyName"] == "借调人员未办理借调手续"
    assert sorted(banked, key=lambda item: item["findingId"]) == [
        {"findingId": seconded, "taxonomyName": "从下级单位违规借调人员"},
        {"findingId": provincial, "taxonomyName": "借调人员未办理借调手续"},
    ]
    assert reused["taxonomyName"] == "擅自增设或变相增设内设机构" and retired == "UNKNOWN_TAXONOMY_CODE"
    async with runtime.engine.connect() as connection:
        carried = (
            await connection.execute(
                text("SELECT to_code FROM problem_bank.taxonomy_mapping WHERE from_version = '2026.1' AND from_code = 'C04.K02.P4301'")
            )
        ).scalar_one()
        drift = await verify(connection, "431321")
    assert carried == "C03.K10.P4301" and drift.in_step


ADD_KIND = """mutation($p: String!, $c: String!, $n: String!) { addKind(provinceCode: $p, categoryCode: $c, name: $n,
    legalBasis: "《湖南省机构编制管理规定》") { code level name provinceCode } }"""


async def test_a_province_adds_a_kind_and_manifestations_under_it_that_its_subtree_codes_findings_with(runtime, offices):
    tokens = offices
    before = await taxonomy_nodes(runtime)
    async with Api(runtime) as api:

        async def add_kind(who: str, province: str = "430000", category: str = "C03", name: str = "乡镇机构编制管理不规范"):
            result = await api.call(ADD_KIND, tokens[who], p=province, c=category, n=name)
            return error_code(result) or result["data"]["addKind"]

        refusals = [
            await add_kind("hunan_inspector"),
            await add_kind("loudi", "431300"),
            await add_kind("guangdong"),
            await add_kind("hunan", category="C03.K01"),
            await add_kind("hunan", category="C99"),
            await add_kind("hunan", name=" "),
            await add_kind("hunan", name="超编进人"),
        ]
        assert await taxonomy_nodes(runtime) == before
        kind = await add_kind("hunan")
        manifestation = (await api.call(ADD, tokens["hunan"], p="430000", k="C03.P4301", n="乡镇超编配备人员"))["data"]["addManifestation"]
        foreign = error_code(await api.call(ADD, tokens["guangdong"], p="440000", k="C03.P4301", n="乡镇超编配备人员"))
        used = (await api.call(log_in("431321"), tokens["county"], t="C03.P4301.P4301"))["data"]["logFinding"]
        tree = "{ taxonomy { categories { code children { code provinceCode children { code } } } } }"
        seen = {
            who: [
                k["code"]
                for c in (await api.call(tree, tokens[who]))["data"]["taxonomy"]["categories"]
                for k in c["children"]
                if k["provinceCode"]
            ]
            for who in ("county", "guangdong")
        }
        by_kind = await api.call(
            'query($f: ProblemFilterInput) { bankStatistics(regionCode: "430000", by: KIND, filter: $f) { key label total } }',
            tokens["hunan"],
            f={"taxonomyCode": "C03.P4301"},
        )
    assert refusals == [
        "FORBIDDEN",
        "FORBIDDEN",
        "NOT_FOUND",
        "UNKNOWN_TAXONOMY_CODE",
        "UNKNOWN_TAXONOMY_CODE",
        "INVALID_NAME",
        "DUPLICATE",
    ]
    assert kind == {"code": "C03.P4301", "level": "KIND", "name": "乡镇机构编制管理不规范", "provinceCode": "430000"}
    assert manifestation == {"code": "C03.P4301.P4301", "level": "MANIFESTATION", "name": "乡镇超编配备人员", "provinceCode": "430000"}
    assert foreign == "UNKNOWN_TAXONOMY_CODE" and seen == {"county": ["C03.P4301"], "guangdong": []}
    assert used["taxonomyName"] == "乡镇超编配备人员"
    assert by_kind["data"]["bankStatistics"] == [{"key": "C03.P4301", "label": "乡镇机构编制管理不规范", "total": 1}]
    async with runtime.engine.connect() as connection:
        audited = (await connection.execute(text("SELECT action, entity_id FROM t430000.audit_event ORDER BY id"))).all()
    assert [tuple(row) for row in audited][-2:] == [
        ("taxonomy.kind_added", "C03.P4301"),
        ("taxonomy.manifestation_added", "C03.P4301.P4301"),
    ]
