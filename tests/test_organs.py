"""Organs of a region (issue 21 item 1): the 编办 a tenant is created with, partner organs its
admin adds, users and roles per organ, what a partner organ's user sees of the office's data
(nothing, until the 编办 shares it; then read-only), and the migration that moved every existing
membership into its 编办."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from backend.notifications.outbox import emit
from tests.factories import add_round, add_unit
from tests.helpers import INBOX, create_all, drain
from tests.identity import Api, add_user, error_code, token_for

ORGANS = (
    "query($c: String!) { organs(tenantCode: $c) { id kind name shortName documentCode signatureName parentOrganId sharesOfficeData } }"
)
ADD = """mutation($c: String!, $k: OrganKind!, $n: OrganNamesInput, $p: ID) {
    addOrgan(tenantCode: $c, kind: $k, names: $n, parentOrganId: $p) { id kind name shortName documentCode parentOrganId } }"""
CHANGE = "mutation($id: ID!, $n: OrganNamesInput!) { changeOrgan(id: $id, names: $n) { id documentCode sharesOfficeData } }"
CREATE_USER = """mutation($u: String!, $c: String!, $o: ID, $r: Role!) {
    createUser(input: {username: $u, displayName: $u, tenantCode: $c, organId: $o, role: $r}) { userId } }"""
FINDINGS = 'query { findings(tenantCode: "431321") { totalCount items { id } } }'
LOG = """mutation { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: "C03.K01.M01",
    description: "超编 2 名", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}) { id } }"""
CREATE_ROUND = """mutation($i: RoundInput!) { createRound(tenantCode: "431321", input: $i) { id team { name duty organId organName } } }"""
ME = "query { me { memberships { role tenant { code } organ { kind shortName } } } }"


async def organ_rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        query = "SELECT tenant_code, kind, name, document_code, shares_office_data FROM tenancy.organ ORDER BY id"
        return [tuple(row) for row in await connection.execute(text(query))]


async def test_a_region_is_created_with_its_office_and_its_admin_adds_partner_organs(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    admin = await token_for(runtime, await add_user(runtime, "sf_admin", ("431321", "admin", None)))
    inspector = await token_for(runtime, await add_user(runtime, "sf_inspector", ("431321", "inspector", None)))
    sibling = await token_for(runtime, await add_user(runtime, "xh_admin", ("431322", "admin", None)))
    city = await token_for(runtime, await add_user(runtime, "ld_inspector", ("431300", "inspector", None)))
    async with Api(runtime) as api:
        province = (await api.call(ORGANS, city, c="430000"))["data"]["organs"]
        office = (await api.call(ORGANS, admin, c="431321"))["data"]["organs"]
        discipline = (await api.call(ADD, admin, c="431321", k="DISCIPLINE"))["data"]["addOrgan"]
        xuncha = (await api.call(ADD, admin, c="431321", k="INSPECTION_OFFICE"))["data"]["addOrgan"]
        team = (
            await api.call(
                ADD,
                admin,
                c="431321",
                k="INSPECTION_TEAM",
                n={"name": "中共双峰县委第一巡察组", "documentCode": "双巡一组"},
                p=xuncha["id"],
            )
        )["data"]["addOrgan"]
        before = await organ_rows(runtime)
        refused = [
            error_code(await api.call(ADD, admin, c="431321", k="OFFICE")),
            error_code(await api.call(ADD, admin, c="431321", k="INSPECTION_TEAM", n={"name": "第二巡察组", "documentCode": "双巡二组"})),
            error_code(await api.call(ADD, admin, c="431321", k="ORGANIZATION", p=xuncha["id"])),
            error_code(await api.call(ADD, admin, c="431321", k="OTHER")),
            error_code(
                await api.call(
                    ADD, admin, c="431321", k="OTHER", n={"name": "中共双峰县纪律检查委员会 双峰县监察委员会", "documentCode": "x"}
                )
            ),
            error_code(await api.call(ADD, admin, c="431321", k="AUDIT", n={"documentCode": ""})),
            error_code(await api.call(ADD, inspector, c="431321", k="AUDIT")),
            error_code(await api.call(ADD, sibling, c="431321", k="AUDIT")),
            error_code(await api.call(CHANGE, admin, id=office[0]["id"], n={"sharesOfficeData": True})),
            error_code(await api.call(CHANGE, sibling, id=discipline["id"], n={"documentCode": "新"})),
            error_code(await api.call(ORGANS, sibling, c="431321")),  # a sibling region: not a correspondent
        ]
        unchanged = await organ_rows(runtime) == before
        renamed = (await api.call(CHANGE, admin, id=discipline["id"], n={"documentCode": "双纪委"}))["data"]["changeOrgan"]
        listed = (await api.call(ORGANS, city, c="431321"))["data"]["organs"]  # the parent region addresses them
    assert province[0]["name"] == "中共湖南省委机构编制委员会办公室" and province[0]["documentCode"] == "湘编办"
    assert [(o["kind"], o["name"], o["shortName"], o["documentCode"]) for o in office] == [
        ("OFFICE", "中共双峰县委机构编制委员会办公室", "双峰县委编办", "双编办")
    ]
    assert (discipline["name"], discipline["shortName"], discipline["documentCode"]) == (
        "中共双峰县纪律检查委员会 双峰县监察委员会",
        "双峰县纪委监委",
        "双纪",
    )
    assert (xuncha["name"], xuncha["documentCode"]) == ("中共双峰县委巡察工作领导小组办公室", "双巡办")
    assert (team["kind"], team["parentOrganId"]) == ("INSPECTION_TEAM", xuncha["id"])
    assert refused == [
        "ONE_OFFICE",
        "INVALID_PARENT_ORGAN",
        "INVALID_PARENT_ORGAN",
        "NAME_REQUIRED",
        "DUPLICATE",
        "INVALID_NAME",
        "FORBIDDEN",
        "NOT_FOUND",
        "ONE_OFFICE",
        "NOT_FOUND",
        "NOT_FOUND",
    ]
    assert unchanged
    assert renamed["documentCode"] == "双纪委"
    assert [o["kind"] for o in listed] == ["OFFICE", "DISCIPLINE", "INSPECTION_OFFICE", "INSPECTION_TEAM"]


async def test_a_partner_organs_users_see_the_offices_data_only_when_shared_and_never_write_it(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    await add_round(runtime, "431321", [await add_unit(runtime, "431321", "双峰县财政局", "UNIT431321")])
    admin = await token_for(runtime, await add_user(runtime, "sf_admin", ("431321", "admin", None)))
    inspector = await token_for(runtime, await add_user(runtime, "sf_inspector", ("431321", "inspector", None)))
    async with Api(runtime) as api:
        await api.call(LOG, inspector)
        discipline = (await api.call(ADD, admin, c="431321", k="DISCIPLINE"))["data"]["addOrgan"]["id"]
        created = await api.call(CREATE_USER, admin, u="jw_admin", c="431321", o=discipline, r="ADMIN")
        jw_admin = await token_for(runtime, int(created["data"]["createUser"]["userId"]))
        # the organ's own admin manages its members, and nothing else
        jw_staff = await api.call(CREATE_USER, jw_admin, u="jw_staff", c="431321", o=discipline, r="INSPECTOR")
        jw = await token_for(runtime, int(jw_staff["data"]["createUser"]["userId"]))
        refused = [
            error_code(await api.call(CREATE_USER, jw_admin, u="someone_1", c="431321", o=None, r="INSPECTOR")),  # the 编办
            error_code(await api.call(CREATE_USER, admin, u="someone_2", c="431321", o=discipline, r="LIAISON")),
            error_code(await api.call(CREATE_USER, admin, u="someone_3", c="431321", o=discipline, r="PUBLISHER")),
            error_code(await api.call(CREATE_USER, admin, u="someone_4", c="431321", o="999999", r="INSPECTOR")),
        ]
        not_shared = [error_code(await api.call(FINDINGS, jw)), error_code(await api.call(LOG, jw))]
        await api.call(CHANGE, admin, id=discipline, n={"sharesOfficeData": True})
        shared_read = await api.call(FINDINGS, jw)
        shared_write = error_code(await api.call(LOG, jw))
        me = (await api.call(ME, jw))["data"]["me"]["memberships"]
        async with runtime.engine.begin() as connection:  # an office event for its admins
            await emit(connection, "431321", "ledger.overdue", {"count": 1, "finding_codes": ["WT1"]})
        await drain(runtime)
        inboxes = {
            who: (await api.call(INBOX, token))["data"]["notifications"]["items"] for who, token in (("sf", admin), ("jw", jw_admin))
        }
    assert refused == ["NOT_FOUND", "ROLE_NOT_FOR_ORGAN", "ROLE_NOT_FOR_ORGAN", "NOT_FOUND"]
    assert not_shared == ["NOT_FOUND", "NOT_FOUND"]
    assert shared_read["data"]["findings"]["totalCount"] == 1
    assert shared_write == "FORBIDDEN"
    assert [n["eventType"] for n in inboxes["sf"]] == ["LEDGER_OVERDUE"] and inboxes["jw"] == []  # another organ's admin hears nothing
    assert me == [{"role": "INSPECTOR", "tenant": {"code": "431321"}, "organ": {"kind": "DISCIPLINE", "shortName": "双峰县纪委监委"}}]


async def test_the_migration_moves_every_membership_into_its_office(runtime):
    await create_all(runtime, "430000", "431300")
    await add_user(runtime, "hn_admin", ("430000", "admin", None))
    await add_user(runtime, "ld_both", ("431300", "inspector", None), ("431300", "reviewer", None))

    def to(revision: str):
        def run(sync_connection):
            cfg = runtime.streams.config("shared")
            cfg.attributes["connection"] = sync_connection
            (command.downgrade if revision == "0024" else command.upgrade)(cfg, revision)

        return run

    async with runtime.engine.begin() as connection:
        await connection.run_sync(to("0024"))
    async with runtime.engine.begin() as connection:
        await connection.run_sync(to("head"))
    async with runtime.engine.connect() as connection:
        moved = (
            await connection.execute(
                text(
                    "SELECT m.tenant_code, m.role, o.kind, o.name FROM identity.membership m "
                    "JOIN tenancy.organ o ON o.id = m.organ_id ORDER BY m.tenant_code, m.role"
                )
            )
        ).all()
    assert [tuple(row) for row in moved] == [
        ("430000", "admin", "编办", "中共湖南省委机构编制委员会办公室"),
        ("431300", "inspector", "编办", "中共娄底市委机构编制委员会办公室"),
        ("431300", "reviewer", "编办", "中共娄底市委机构编制委员会办公室"),
    ]


async def test_a_joint_team_lists_each_members_organ(runtime):
    """联合检查组 (issue 21 item 6): members from the 巡察组, the 组织部 and the 编办."""
    await create_all(runtime, "430000", "431300", "431321", "431322")
    await add_unit(runtime, "431321", "双峰县财政局", "UNIT431321")
    xh_admin = await token_for(runtime, await add_user(runtime, "xh_admin", ("431322", "admin", None)))
    admin = await token_for(runtime, await add_user(runtime, "sf_admin", ("431321", "admin", None)))
    async with Api(runtime) as api:
        xuncha = (await api.call(ADD, admin, c="431321", k="INSPECTION_OFFICE"))["data"]["addOrgan"]["id"]
        team = (
            await api.call(
                ADD,
                admin,
                c="431321",
                k="INSPECTION_TEAM",
                n={"name": "中共双峰县委第一巡察组", "shortName": "县委第一巡察组", "documentCode": "双巡一组"},
                p=xuncha,
            )
        )["data"]["addOrgan"]["id"]
        organization = (await api.call(ADD, admin, c="431321", k="ORGANIZATION"))["data"]["addOrgan"]["id"]
        sibling_organ = (await api.call(ADD, xh_admin, c="431322", k="ORGANIZATION"))["data"]["addOrgan"]["id"]

        def round_input(*members) -> dict:
            return {
                "kind": "PATROL_INSPECTION",
                "name": "七届县委第十二轮巡察",
                "startsOn": "2026-09-01",
                "methods": ["ROUTINE"],
                "unitIds": ["1"],
                "team": [{"name": name, "duty": duty, "organId": organ} for name, duty, organ in members],
            }

        created = await api.call(
            CREATE_ROUND, admin, i=round_input(("李组长", "LEADER", team), ("王干部", "MEMBER", organization), ("赵科长", "MEMBER", None))
        )
        refused = error_code(await api.call(CREATE_ROUND, admin, i=round_input(("钱干部", "MEMBER", sibling_organ))))
        listed = (await api.call('query { rounds(tenantCode: "431321") { items { team { name organName } } } }', admin))["data"]["rounds"][
            "items"
        ]
    members = [(m["name"], m["organName"]) for m in created["data"]["createRound"]["team"]]
    assert members == [("李组长", "县委第一巡察组"), ("王干部", "双峰县委组织部"), ("赵科长", None)]
    assert refused == "NOT_FOUND"
    assert [(m["name"], m["organName"]) for m in listed[0]["team"]] == members
