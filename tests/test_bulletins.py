"""Typical-case bulletins (典型案例通报): a province composes an issue from its subtree's problem
bank, has it approved and publishes it as 第N期 (gapless under concurrent publishing) to its
subtree or chosen offices, de-identified everywhere a recipient can look (GraphQL, HTML, PDF);
recipients are notified and leave read receipts, the publisher sees who has not read it;
shared cases reach every office through the typical-case library. Every refusal changes nothing."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from problem_bank.deidentify import (
    ABBREVIATIONS,
    COMMON_SURNAMES,
    LEVEL_CHARACTERS,
    UNIT_TYPE_PLACEHOLDERS,
    Known,
    KnownUnit,
    MaskTable,
    Passage,
    PersonStyle,
    TermKind,
    deidentify,
    office_forms,
    remaining,
    suspected_names,
    unit_forms,
    unit_placeholder,
)
from problem_bank.projection import project_unit
from tests.factories import add_round, add_unit
from tests.helpers import INBOX, configured, counting_statements, create_all, drain, pdf_text
from tests.identity import Api, add_user, error_code, token_for

FIELDS = """id state year number issue documentNumber version title preface note wholeSubtree publisherName
    cases { id position deidentified unit title facts handling shared original { unitName title facts persons aliases } }
    recipients { officeCode officeName read readings { username } }
    original { title preface scopeOfficeCodes }"""
CREATE = "mutation($p: String!, $i: BulletinInput!) { createBulletin(publisherCode: $p, input: $i) { " + FIELDS + " } }"
UPDATE = "mutation($b: ID!, $v: Int!, $i: BulletinInput!) { updateBulletin(id: $b, version: $v, input: $i) { " + FIELDS + " } }"
ADD = (
    "mutation($b: ID!, $v: Int!, $s: CaseSourceInput!, $i: BulletinCaseInput!) { addBulletinCase(bulletinId: $b, version: $v, source: $s, "
    "input: $i) { " + FIELDS + " } }"
)
EDIT_CASE = (
    "mutation($c: ID!, $v: Int!, $i: BulletinCaseInput!) { updateBulletinCase(caseId: $c, version: $v, input: $i) { " + FIELDS + " } }"
)
REMOVE_CASE = "mutation($c: ID!, $v: Int!) { removeBulletinCase(caseId: $c, version: $v) { " + FIELDS + " } }"
STEP = "mutation($b: ID!, $v: Int!) { %s(id: $b, version: $v) { " + FIELDS + " } }"
REASONED = "mutation($b: ID!, $v: Int!, $r: String!) { %s(id: $b, version: $v, reason: $r) { " + FIELDS + " } }"
SHARE = "mutation($c: ID!, $s: Boolean!) { shareTypicalCase(caseId: $c, shared: $s) { id cases { shared } } }"
READ = "mutation($o: String!, $b: ID!) { markBulletinRead(officeCode: $o, id: $b) { recipients { officeCode readings { username } } } }"
ONE = "query($b: ID!) { bulletin(id: $b) { " + FIELDS + " } }"
UNREAD = "query($b: ID!) { bulletin(id: $b) { recipients(unreadOnly: true) { officeCode officeName } } }"
LIST = """query($c: String!, $d: BulletinDirection!, $s: BulletinState) {
    bulletins(tenantCode: $c, direction: $d, state: $s) { items { id state issue } } }"""
LIBRARY = "query($t: String) { typicalCases(text: $t) { items { id unit title facts handling publisherName issue } } }"
LIBRARY_PAGE = "query($a: String) { typicalCases(first: 1, after: $a) { items { id } pageInfo { hasNextPage endCursor } } }"
LOG = """mutation($c: String!, $d: String!) { logFinding(tenantCode: $c, input: {roundId: "1", unitId: "1",
    taxonomyCode: "C03.K01.M01", description: $d, severity: SERIOUS, foundOn: "2026-09-10", deadline: "2026-12-31"}) { id } }"""

# What a de-identified case must never show a recipient.
SECRETS = ("双峰县", "新化县", "娄底市", "财政局", "教育局", "张三", "李四", "王五", "双峰财政")
FACTS_SF = "双峰县财政局2025年以来违规超编进人 3 名，局长张三、副局长李四负有责任；娄底市编办已约谈双峰财政。"
FACTS_XH = "新化县教育局所属学校长期混编混岗，王五对此负有领导责任。"
PREFACE = "现将双峰县、新化县查处的两起典型案例通报如下，各地要引以为戒，举一反三。"


def issue(**change) -> dict:
    return {"title": "关于两起违规超编进人典型案例的通报", "preface": PREFACE, "wholeSubtree": True, **change}


@pytest.fixture
async def province(runtime):
    """湖南 (430000) over 娄底市 (431300) over 双峰县 (431321) and 新化县 (431322); 广东 (440000) apart.
    A finding in each county and in 广东; the people of each office."""
    runtime = configured(runtime)
    await create_all(runtime, "430000", "431300", "431321", "431322", "440000")
    units = {"431321": "双峰县财政局", "431322": "新化县教育局", "440000": "广东省财政厅"}
    for code, name in units.items():
        await add_round(runtime, code, [await add_unit(runtime, code, name, f"UNIT{code}")])
    people = {
        "inspector": ("430000", "inspector", None),
        "publisher": ("430000", "publisher", None),
        "admin": ("430000", "admin", None),
        "sf_admin": ("431321", "admin", None),
        "sf_inspector": ("431321", "inspector", None),
        "sf_auditor": ("431321", "auditor", None),
        "sf_liaison": ("431321", "liaison", 1),
        "xh_admin": ("431322", "admin", None),
        "city_admin": ("431300", "admin", None),
        "gd_inspector": ("440000", "inspector", None),
        "gd_publisher": ("440000", "publisher", None),
        "county_publisher": ("431321", "publisher", None),
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, who, grant)) for who, grant in people.items()}
    findings = {}
    async with Api(runtime) as api:
        for code, who, facts in (
            ("431321", "sf_inspector", FACTS_SF),
            ("431322", "xh_admin", FACTS_XH),
            ("440000", "gd_inspector", "超编"),
        ):
            findings[code] = (await api.call(LOG, tokens[who], c=code, d=facts))["data"]["logFinding"]["id"]
    return runtime, tokens, findings


def source(findings: dict, code: str) -> dict:
    return {"kind": "PROBLEM", "tenantCode": code, "id": findings[code]}


SF_CASE = {
    "title": "双峰县财政局违规超编进人",
    "handling": "对张三予以诫勉，责令双峰县财政局限期清退超编人员。",
    "persons": ["张三", "李四"],
    "aliases": ["双峰财政"],
}
XH_CASE = {"title": "新化县教育局混编混岗", "handling": "对王五进行约谈。", "persons": ["王五"]}


async def composed(api: Api, tokens: dict, findings: dict, **change) -> dict:
    """A draft with the two de-identified cases (SF, XH)."""
    draft = (await api.call(CREATE, tokens["inspector"], p="430000", i=issue(**change)))["data"]["createBulletin"]
    draft = (await api.call(ADD, tokens["inspector"], b=draft["id"], v=draft["version"], s=source(findings, "431321"), i=SF_CASE))["data"][
        "addBulletinCase"
    ]
    return (await api.call(ADD, tokens["publisher"], b=draft["id"], v=draft["version"], s=source(findings, "431322"), i=XH_CASE))["data"][
        "addBulletinCase"
    ]


async def step(api: Api, token: str, name: str, bulletin: dict, reason: str | None = None) -> dict:
    if reason is None:
        result = await api.call(STEP % name, token, b=bulletin["id"], v=bulletin["version"])
    else:
        result = await api.call(REASONED % name, token, b=bulletin["id"], v=bulletin["version"], r=reason)
    return error_code(result) or result["data"][name]


async def published(api: Api, tokens: dict, findings: dict, **change) -> dict:
    bulletin = await composed(api, tokens, findings, **change)
    bulletin = await step(api, tokens["inspector"], "submitBulletin", bulletin)
    bulletin = await step(api, tokens["admin"], "approveBulletin", bulletin)
    return await step(api, tokens["publisher"], "publishBulletin", bulletin)


def assert_no_secret(where: str, content: str) -> None:
    leaked = [secret for secret in SECRETS if secret in content]
    assert not leaked, f"{where} shows {leaked}"


async def test_a_province_composes_approves_and_publishes_a_de_identified_issue_and_sees_who_has_not_read_it(province):
    runtime, tokens, findings = province
    year = runtime.clock.today().year
    async with Api(runtime) as api:
        draft = await composed(api, tokens, findings)
        submitted = await step(api, tokens["inspector"], "submitBulletin", draft)
        approved = await step(api, tokens["admin"], "approveBulletin", submitted)
        issued = await step(api, tokens["publisher"], "publishBulletin", approved)
        await drain(runtime)
        as_county = (await api.call(ONE, tokens["sf_admin"], b=issued["id"]))["data"]["bulletin"]
        inbox = (await api.call(INBOX, tokens["sf_admin"]))["data"]["notifications"]["items"]
        liaison_inbox = (await api.call(INBOX, tokens["sf_liaison"]))["data"]["notifications"]["items"]
        received = (await api.call(LIST, tokens["xh_admin"], c="431322", d="RECEIVED"))["data"]["bulletins"]["items"]
        drafts = (await api.call(LIST, tokens["publisher"], c="430000", d="ISSUED", s="DRAFT"))["data"]["bulletins"]["items"]
        read = (await api.call(READ, tokens["sf_admin"], o="431321", b=issued["id"]))["data"]["markBulletinRead"]
        again = (await api.call(READ, tokens["sf_admin"], o="431321", b=issued["id"]))["data"]["markBulletinRead"]
        await api.call(READ, tokens["sf_inspector"], o="431321", b=issued["id"])
        unread = (await api.call(UNREAD, tokens["publisher"], b=issued["id"]))["data"]["bulletin"]["recipients"]
        whole = (await api.call(ONE, tokens["admin"], b=issued["id"]))["data"]["bulletin"]
        refused_reads = [
            error_code(await api.call(READ, tokens[who], o=office, b=issued["id"]))
            for who, office in (
                ("sf_auditor", "431321"),
                ("sf_liaison", "431321"),
                ("city_admin", "431321"),
                ("gd_inspector", "440000"),
                ("publisher", "430000"),
            )
        ]
        html = await api.client.get(f"/bulletins/{issued['id']}/print", headers={"Authorization": f"Bearer {tokens['xh_admin']}"})
        pdf = await api.client.get(f"/bulletins/{issued['id']}/pdf", headers={"Authorization": f"Bearer {tokens['sf_admin']}"})
    assert [draft["state"], submitted["state"], approved["state"], issued["state"]] == ["DRAFT", "SUBMITTED", "APPROVED", "PUBLISHED"]
    assert (issued["number"], issued["issue"], draft["number"]) == (1, f"{year}年第1期", None)
    assert (issued["documentNumber"], draft["documentNumber"]) == (f"湘编办通〔{year}〕1号", None)  # numbered with the issue
    # de-identified: unit, its offices, its aliases and the named persons become placeholders
    sf, xh = issued["cases"]
    assert sf["unit"] == "某县某局" and sf["title"] == "某县某局违规超编进人"
    assert sf["facts"] == "某县某局2025年以来违规超编进人 3 名，局长张某某、副局长李某某负有责任；某市编办已约谈某县某局。"
    assert sf["handling"] == "对张某某予以诫勉，责令某县某局限期清退超编人员。"
    assert xh["facts"] == "某县某局所属学校长期混编混岗，王某某对此负有领导责任。"
    assert issued["preface"] == "现将某县、某县查处的两起典型案例通报如下，各地要引以为戒，举一反三。"
    assert sf["original"]["unitName"] == "双峰县财政局" and whole["original"]["title"] == issue()["title"]  # the publisher sees the source
    # the recipients see nothing else, anywhere
    assert as_county["original"] is None and all(case["original"] is None for case in as_county["cases"])
    assert [r["officeCode"] for r in as_county["recipients"]] == ["431321"]  # its own office's receipts only
    assert_no_secret("GraphQL", json.dumps({**as_county, "recipients": None}, ensure_ascii=False))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "典型案例通报" in html.text and f"{year}年第1期　湘编办通〔{year}〕1号" in html.text and "湖南省" in html.text
    assert_no_secret("HTML", html.text)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    printed = pdf_text(pdf.content)
    assert "湖南省典型案例通报" in printed and f"{year}年第1期" in printed and "某县某局违规超编进人" in printed
    assert_no_secret("PDF", printed)
    # notified: each recipient office's staff, not its liaisons
    assert [(i["eventType"], i["title"]) for i in inbox if i["eventType"] == "BULLETIN_PUBLISHED"] == [
        ("BULLETIN_PUBLISHED", f"湖南省典型案例通报（{year}年第1期）")
    ]
    assert not [i for i in liaison_inbox if i["eventType"] == "BULLETIN_PUBLISHED"]
    assert received == [{"id": issued["id"], "state": "PUBLISHED", "issue": f"{year}年第1期"}] and drafts == []
    # read receipts per office and user; the publisher sees who has not read it
    assert read == again == {"recipients": [{"officeCode": "431321", "readings": [{"username": "sf_admin"}]}]}
    assert unread == [{"officeCode": "431300", "officeName": "娄底市"}, {"officeCode": "431322", "officeName": "新化县"}]
    assert [(r["officeCode"], r["read"], [u["username"] for u in r["readings"]]) for r in whole["recipients"]] == [
        ("431300", False, []),
        ("431321", True, ["sf_admin", "sf_inspector"]),
        ("431322", False, []),
    ]
    assert refused_reads == ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", "NOT_FOUND"]
    async with runtime.engine.connect() as connection:
        audited = (
            (await connection.execute(text("SELECT action FROM t430000.audit_event WHERE entity = 'bulletin' ORDER BY seq")))
            .scalars()
            .all()
        )
        readers = (
            await connection.execute(text("SELECT DISTINCT actor FROM t430000.audit_event WHERE action = 'read.bulletin_original'"))
        ).scalars()
        assert set(readers) == {"inspector", "publisher", "admin"}  # who saw the real names; recipients never do
    assert audited == [
        "bulletin.create",
        "bulletin.add_case",
        "bulletin.add_case",
        "bulletin.submit",
        "bulletin.approve",
        "bulletin.publish",
    ]


async def bulletin_state(runtime) -> list[tuple]:
    """What a refusal must leave as it was: the bulletins, their cases, scope and recipients, the counters, the audit trail."""
    async with runtime.engine.connect() as connection:
        return [
            tuple(row)
            for row in await connection.execute(
                text(
                    "SELECT 'b', id::text, state || version || coalesce(number, 0) || title || coalesce(note, '') FROM problem_bank.bulletin"
                    " UNION ALL SELECT 'c', id::text, title || facts || handling || persons::text || deidentified::text || coalesce(shared_at::text, '')"
                    " FROM problem_bank.bulletin_case"
                    " UNION ALL SELECT 's', bulletin_id::text, office_code FROM problem_bank.bulletin_scope_office"
                    " UNION ALL SELECT 'r', bulletin_id::text, office_code FROM problem_bank.bulletin_recipient"
                    " UNION ALL SELECT 'n', publisher_code, last_number::text FROM problem_bank.bulletin_counter"
                    " UNION ALL SELECT 'a', count(*)::text, '' FROM t430000.audit_event ORDER BY 1, 2, 3"
                )
            )
        ]


async def test_every_transition_is_guarded_by_role_state_and_version_and_a_refusal_changes_nothing(province):
    runtime, tokens, findings = province
    async with Api(runtime) as api:

        async def create(who: str, publisher: str = "430000", **change):
            result = await api.call(CREATE, tokens[who], p=publisher, i=issue(**change))
            return error_code(result) or result["data"]["createBulletin"]

        empty = await create("publisher")
        before = await bulletin_state(runtime)
        refused_creates = [
            await create("admin"),
            await create("sf_liaison"),
            await create("gd_publisher"),
            await create("county_publisher", "431321"),
            await create("publisher", title="  "),
            await create("publisher", title="长" * 201),
            await create("publisher", preface=""),
            await create("publisher", preface="导语\x00"),
            await create("publisher", officeCodes=["431321"]),
            await create("publisher", wholeSubtree=False),
            await create("publisher", wholeSubtree=False, officeCodes=["440000"]),
            await create("publisher", wholeSubtree=False, officeCodes=["430000"]),
            await create("publisher", wholeSubtree=False, officeCodes=["43"]),
        ]

        async def add(who: str, bulletin: dict, src: dict, case: dict = SF_CASE, version: int | None = None):
            result = await api.call(ADD, tokens[who], b=bulletin["id"], v=version or bulletin["version"], s=src, i=case)
            return error_code(result) or result["data"]["addBulletinCase"]

        refused_adds = [
            await add("inspector", empty, source(findings, "440000")),  # outside the subtree
            await add("inspector", empty, {"tenantCode": "431321", "id": "999"}),
            await add("inspector", empty, {"tenantCode": "431321", "id": "x"}),
            await add("inspector", empty, source(findings, "431321"), version=99),
            await add("admin", empty, source(findings, "431321")),
            await add("sf_admin", empty, source(findings, "431321")),  # a child office cannot reach its parent's bulletin
            await add("inspector", empty, source(findings, "431321"), {**SF_CASE, "persons": ["张"]}),
            await add("inspector", empty, source(findings, "431321"), {"persons": ["张三"]}),  # a case needs a title
            await add("inspector", empty, {**source(findings, "431321"), "kind": "RUMOUR"}),  # no such source kind
            await step(api, tokens["inspector"], "submitBulletin", empty),  # no cases
            await step(api, tokens["admin"], "approveBulletin", empty),
            await step(api, tokens["publisher"], "publishBulletin", empty),
            await step(api, tokens["admin"], "returnBulletin", empty, "需修改"),
            await step(api, tokens["inspector"], "withdrawBulletin", empty, "不发了"),
            await step(api, tokens["publisher"], "withdrawBulletin", empty, " "),
        ]
        unchanged = await bulletin_state(runtime) == before

        draft = await composed(api, tokens, findings)
        sf_case = draft["cases"][0]["id"]
        edited = (
            await api.call(
                EDIT_CASE, tokens["inspector"], c=sf_case, v=draft["version"], i={"handling": "对张三予以诫勉。", "deidentified": False}
            )
        )["data"]["updateBulletinCase"]
        scoped = (
            await api.call(
                UPDATE,
                tokens["inspector"],
                b=draft["id"],
                v=edited["version"],
                i=issue(wholeSubtree=False, officeCodes=["431321", "431322"]),
            )
        )["data"]["updateBulletin"]
        stale_edit = error_code(await api.call(EDIT_CASE, tokens["inspector"], c=sf_case, v=draft["version"], i={"title": "新标题"}))
        submitted = await step(api, tokens["publisher"], "submitBulletin", scoped)
        before = await bulletin_state(runtime)
        refused_in_review = [
            await step(api, tokens["inspector"], "approveBulletin", submitted),
            await step(api, tokens["publisher"], "publishBulletin", submitted),
            await step(api, tokens["admin"], "approveBulletin", scoped),  # stale
            error_code(await api.call(EDIT_CASE, tokens["inspector"], c=sf_case, v=submitted["version"], i={"title": "新标题"})),
            error_code(await api.call(REMOVE_CASE, tokens["inspector"], c=sf_case, v=submitted["version"])),
            error_code(await api.call(UPDATE, tokens["inspector"], b=submitted["id"], v=submitted["version"], i=issue())),
            await step(api, tokens["admin"], "returnBulletin", submitted, ""),
            error_code(await api.call(ONE, tokens["sf_admin"], b=submitted["id"])),  # a child never sees a draft
            error_code(await api.call(SHARE, tokens["publisher"], c=sf_case, s=True)),
        ]
        unchanged_in_review = await bulletin_state(runtime) == before
        returned = await step(api, tokens["admin"], "returnBulletin", submitted, "案例二事实不清")
        removed = (await api.call(REMOVE_CASE, tokens["inspector"], c=returned["cases"][1]["id"], v=returned["version"]))["data"][
            "removeBulletinCase"
        ]
        resubmitted = await step(api, tokens["inspector"], "submitBulletin", removed)
        approved = await step(api, tokens["admin"], "approveBulletin", resubmitted)
        issued = await step(api, tokens["publisher"], "publishBulletin", approved)
        await drain(runtime)
        before = await bulletin_state(runtime)
        refused_after = [
            await step(api, tokens["publisher"], "publishBulletin", issued),
            await step(api, tokens["admin"], "returnBulletin", issued, "再改"),
            error_code(await api.call(SHARE, tokens["publisher"], c=sf_case, s=True)),  # not de-identified
            error_code(await api.call(ONE, tokens["city_admin"], b=issued["id"])),  # the city was not chosen
            error_code(await api.call(LIST, tokens["city_admin"], c="431321", d="RECEIVED")),  # nor may it list what a county received
            error_code(await api.call(ONE, tokens["gd_inspector"], b=issued["id"])),
            error_code(await api.call(ONE, tokens["sf_liaison"], b=issued["id"])),
        ]
        unchanged_after = await bulletin_state(runtime) == before
        withdrawn = await step(api, tokens["admin"], "withdrawBulletin", issued, "案例需进一步核实")
        await drain(runtime)
        after_withdrawal = [
            error_code(await api.call(READ, tokens["sf_admin"], o="431321", b=issued["id"])),
            (await api.call(ONE, tokens["sf_admin"], b=issued["id"]))["data"]["bulletin"]["state"],
        ]
        inbox = (await api.call(INBOX, tokens["xh_admin"]))["data"]["notifications"]["items"]
        dropped = await step(api, tokens["publisher"], "withdrawBulletin", await create("inspector"), "不再编发")
        next_one = await published(api, tokens, findings)
    assert isinstance(empty, dict) and empty["state"] == "DRAFT" and empty["original"]["scopeOfficeCodes"] == []
    assert refused_creates == [
        "FORBIDDEN",
        "NOT_FOUND",
        "NOT_FOUND",
        "FORBIDDEN",
        "INVALID_NAME",
        "INVALID_NAME",
        "INVALID_TEXT",
        "INVALID_TEXT",
        "INVALID_SCOPE",
        "NO_RECIPIENTS",
        "NOT_BELOW",
        "NOT_BELOW",
        "INVALID_CODE",
    ]
    assert refused_adds == [
        "NOT_FOUND",
        "NOT_FOUND",
        "NOT_FOUND",
        "STALE_VERSION",
        "FORBIDDEN",
        "NOT_FOUND",
        "INVALID_NAME",
        "INVALID_NAME",
        "INVALID_INPUT",
        "NO_CASES",
        "INVALID_TRANSITION",
        "INVALID_TRANSITION",
        "INVALID_TRANSITION",
        "FORBIDDEN",
        "INVALID_TEXT",
    ]
    assert unchanged and unchanged_in_review and unchanged_after
    # editing a draft: not de-identified any more, the real names show (to the publisher's readers)
    assert edited["cases"][0]["handling"] == "对张三予以诫勉。" and edited["cases"][0]["unit"] == "双峰县财政局"
    assert edited["version"] == draft["version"] + 1 and stale_edit == "STALE_VERSION"
    assert scoped["original"]["scopeOfficeCodes"] == ["431321", "431322"] and scoped["wholeSubtree"] is False
    assert refused_in_review == [
        "FORBIDDEN",
        "INVALID_TRANSITION",
        "STALE_VERSION",
        "INVALID_TRANSITION",
        "INVALID_TRANSITION",
        "INVALID_TRANSITION",
        "INVALID_TEXT",
        "NOT_FOUND",
        "INVALID_TRANSITION",
    ]
    assert (returned["state"], returned["note"]) == ("DRAFT", "案例二事实不清")
    assert [c["title"] for c in issued["cases"]] == ["双峰县财政局违规超编进人"] and issued["number"] == 1
    assert [r["officeCode"] for r in issued["recipients"]] == ["431321", "431322"]
    assert refused_after == [
        "INVALID_TRANSITION",
        "INVALID_TRANSITION",
        "NOT_DEIDENTIFIED",
        "NOT_FOUND",
        "FORBIDDEN",
        "NOT_FOUND",
        "NOT_FOUND",
    ]
    assert (withdrawn["state"], withdrawn["note"], withdrawn["number"]) == ("WITHDRAWN", "案例需进一步核实", 1)
    assert after_withdrawal == ["INVALID_TRANSITION", "WITHDRAWN"]
    assert [i["body"] for i in inbox if i["eventType"] == "BULLETIN_WITHDRAWN"] == [
        "关于两起违规超编进人典型案例的通报。撤回理由：案例需进一步核实"
    ]
    assert (dropped["state"], dropped["number"]) == ("WITHDRAWN", None)
    assert next_one["number"] == 2  # the withdrawn drafts took no number; the withdrawn issue keeps its own


async def test_concurrent_publications_get_consecutive_numbers(province):
    runtime, tokens, findings = province
    async with Api(runtime) as api:
        approved = []
        for _ in range(6):
            bulletin = await composed(api, tokens, findings)
            bulletin = await step(api, tokens["inspector"], "submitBulletin", bulletin)
            approved.append(await step(api, tokens["admin"], "approveBulletin", bulletin))
        racing = await asyncio.gather(*(step(api, tokens["publisher"], "publishBulletin", b) for b in approved + approved[:2]))
    numbers = sorted(r["number"] for r in racing if isinstance(r, dict))
    assert numbers == [1, 2, 3, 4, 5, 6]
    # a second publication of the same issue (same version) waits for the first, then is stale and takes no number
    assert [r for r in racing if isinstance(r, str)] == ["STALE_VERSION", "STALE_VERSION"]


async def test_shared_cases_reach_every_office_through_the_library_de_identified(province):
    runtime, tokens, findings = province
    year = runtime.clock.today().year
    async with Api(runtime) as api:
        issued = await published(api, tokens, findings)
        sf_case, xh_case = (case["id"] for case in issued["cases"])
        refused = [
            error_code(await api.call(SHARE, tokens[who], c=sf_case, s=True)) for who in ("admin", "inspector", "sf_admin", "gd_publisher")
        ]
        empty = (await api.call(LIBRARY, tokens["gd_inspector"]))["data"]["typicalCases"]["items"]
        shared = (await api.call(SHARE, tokens["publisher"], c=sf_case, s=True))["data"]["shareTypicalCase"]
        await api.call(SHARE, tokens["publisher"], c=xh_case, s=True)
        await api.call(SHARE, tokens["publisher"], c=xh_case, s=True)  # twice is once
        elsewhere = (await api.call(LIBRARY, tokens["gd_inspector"]))["data"]["typicalCases"]["items"]
        found = (await api.call(LIBRARY, tokens["sf_auditor"], t="张某某予以诫勉"))["data"]["typicalCases"]["items"]
        by_real_name = (await api.call(LIBRARY, tokens["gd_inspector"], t="双峰县"))["data"]["typicalCases"]["items"]
        wildcard = (await api.call(LIBRARY, tokens["gd_inspector"], t="%"))["data"]["typicalCases"]["items"]
        liaison = error_code(await api.call(LIBRARY, tokens["sf_liaison"]))
        anonymous = error_code(await api.call(LIBRARY))
        first_page = (await api.call(LIBRARY_PAGE, tokens["gd_inspector"]))["data"]["typicalCases"]
        next_page = (await api.call(LIBRARY_PAGE, tokens["gd_inspector"], a=first_page["pageInfo"]["endCursor"]))["data"]["typicalCases"]
        bad_cursor = error_code(await api.call(LIBRARY_PAGE, tokens["gd_inspector"], a="not-a-cursor"))
        await api.call(SHARE, tokens["publisher"], c=xh_case, s=False)
        unshared = (await api.call(LIBRARY, tokens["gd_inspector"]))["data"]["typicalCases"]["items"]
        await step(
            api,
            tokens["publisher"],
            "withdrawBulletin",
            (await api.call(ONE, tokens["publisher"], b=issued["id"]))["data"]["bulletin"],
            "撤回",
        )
        after_withdrawal = (await api.call(LIBRARY, tokens["gd_inspector"]))["data"]["typicalCases"]["items"]
    assert refused == ["FORBIDDEN", "FORBIDDEN", "NOT_FOUND", "NOT_FOUND"]
    assert empty == [] and shared["cases"] == [{"shared": True}, {"shared": False}]
    assert [(c["unit"], c["title"], c["publisherName"], c["issue"]) for c in elsewhere] == [
        ("某县某局", "某县某局混编混岗", "湖南省", f"{year}年第1期"),
        ("某县某局", "某县某局违规超编进人", "湖南省", f"{year}年第1期"),
    ]
    assert_no_secret("library", json.dumps(elsewhere, ensure_ascii=False))
    assert [c["id"] for c in found] == [sf_case] and by_real_name == [] and wildcard == []
    assert (liaison, anonymous) == ("FORBIDDEN", "UNAUTHENTICATED")
    assert (first_page["items"], first_page["pageInfo"]["hasNextPage"]) == ([{"id": xh_case}], True)
    assert next_page == {"items": [{"id": sf_case}], "pageInfo": {"hasNextPage": False, "endCursor": next_page["pageInfo"]["endCursor"]}}
    assert bad_cursor == "INVALID_CURSOR"
    assert [c["id"] for c in unshared] == [sf_case] and after_withdrawal == []


PREVIEW = """query($b: ID!) { bulletinPreview(id: $b) { title preface cases { unit title facts handling }
    masks { term placeholder kind } remainingNames suspectedNames { name place } bulletin { version } } }"""
MARK = """mutation($b: ID!, $v: Int!, $t: String!, $i: Boolean!) {
    markBulletinTerm(id: $b, version: $v, term: $t, identifying: $i) { version preface openTerms masks { term } } }"""
LOG_IN = """mutation($c: String!, $r: ID!, $u: ID!, $d: String!, $p: String!) { logFinding(tenantCode: $c, input: {roundId: $r,
    unitId: $u, taxonomyCode: "C03.K01.M01", description: $d, severity: SERIOUS, foundOn: "2026-09-10", deadline: "2026-12-31",
    responsiblePerson: $p}) { id } }"""
# Every name a recipient of 娄底's bulletin must not read: the other case's unit, a unit's short form,
# a unit's abbreviation, the source findings' responsible persons, a user's display name (the stem
# 卫生健康局 is marked as not identifying in the test).
SUBTREE_SECRETS = ("双峰", "新化", "卫健局", "人民医院", "县医院", "王文华", "王建国", "赵敏")


async def test_a_city_bulletin_hides_every_name_its_subtree_knows_in_every_case_page_pdf_and_notification(province):
    runtime, tokens, _ = province
    health = await add_unit(runtime, "431321", "双峰县卫生健康局", "UNITHEALTH")
    hospital = await add_unit(runtime, "431322", "新化县人民医院", "UNITHOSPITAL", "事业单位")
    rounds = {code: await add_round(runtime, code, [unit], name="第二轮") for code, unit in (("431321", health), ("431322", hospital))}
    for who, grant in (("ld_inspector", ("431300", "inspector", None)), ("ld_publisher", ("431300", "publisher", None))):
        tokens[who] = await token_for(runtime, await add_user(runtime, who, grant))
    async with runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE identity.user_account SET display_name = '赵敏' WHERE username = 'sf_liaison'"))
    async with Api(runtime) as api:
        found = {
            code: (await api.call(LOG_IN, tokens[who], c=code, r=str(rounds[code]), u=str(unit), d=facts, p=person))["data"]["logFinding"][
                "id"
            ]
            for code, who, unit, facts, person in (
                ("431321", "sf_inspector", health, "双峰县卫生健康局超职数配备副局长 2 名。", "王文华"),
                ("431322", "xh_admin", hospital, "新化县人民医院超编制使用人员 5 名。", "王建国"),
            )
        }
        draft = (
            await api.call(
                CREATE,
                tokens["ld_inspector"],
                p="431300",
                i={
                    "title": "关于双峰、新化两地机构编制典型问题的通报",
                    "preface": "现将双峰卫健局、新化县人民医院的问题通报如下，各县卫生健康局要引以为戒。局长刘一手在会上作了检查。",
                },
            )
        )["data"]["createBulletin"]
        for code, case in (
            (
                "431321",
                {
                    "title": "双峰卫健局超职数配备领导干部",
                    "facts": "双峰县卫生健康局超职数配备副局长 2 名，王文华负有责任；新化县人民医院存在同类问题。赵敏同志已督促整改。",
                    "handling": "对王文华进行约谈。",
                },
            ),
            ("431322", {"title": "县医院超编制使用人员", "handling": "县医院已清退 5 名，王建国、王文华作出检讨。"}),
        ):
            draft = (await api.call(ADD, tokens["ld_inspector"], b=draft["id"], v=draft["version"], s=source(found, code), i=case))["data"][
                "addBulletinCase"
            ]
        preview = (await api.call(PREVIEW, tokens["ld_inspector"], b=draft["id"]))["data"]["bulletinPreview"]
        before = await bulletin_state(runtime)
        refused = [
            error_code(await api.call(MARK, tokens["ld_inspector"], b=draft["id"], v=draft["version"], t="引以为戒", i=False)),
            error_code(await api.call(MARK, tokens["ld_inspector"], b=draft["id"], v=draft["version"], t="卫生健康局", i=True)),
            error_code(await api.call(MARK, tokens["ld_inspector"], b=draft["id"], v=draft["version"] - 1, t="卫生健康局", i=False)),
            error_code(await api.call(MARK, tokens["sf_admin"], b=draft["id"], v=draft["version"], t="卫生健康局", i=False)),
            error_code(await api.call(PREVIEW, tokens["sf_admin"], b=draft["id"])),
            error_code(await api.call(PREVIEW, tokens["gd_inspector"], b=draft["id"])),
        ]
        unchanged = await bulletin_state(runtime) == before
        marked = (await api.call(MARK, tokens["ld_inspector"], b=draft["id"], v=draft["version"], t="卫生健康局", i=False))["data"][
            "markBulletinTerm"
        ]
        named_id = draft["cases"][1]["id"]
        named = (await api.call(EDIT_CASE, tokens["ld_inspector"], c=named_id, v=marked["version"], i={"deidentified": False}))["data"][
            "updateBulletinCase"
        ]
        named_preview = (await api.call(PREVIEW, tokens["ld_inspector"], b=draft["id"]))["data"]["bulletinPreview"]
        draft = (await api.call(EDIT_CASE, tokens["ld_inspector"], c=named_id, v=named["version"], i={"deidentified": True}))["data"][
            "updateBulletinCase"
        ]
        draft = await step(api, tokens["ld_inspector"], "submitBulletin", draft)
        draft = await step(api, tokens["city_admin"], "approveBulletin", draft)
        issued = await step(api, tokens["ld_publisher"], "publishBulletin", draft)
        await drain(runtime)
        as_county = (await api.call(ONE, tokens["sf_admin"], b=issued["id"]))["data"]["bulletin"]
        inbox = (await api.call(INBOX, tokens["xh_admin"]))["data"]["notifications"]["items"]
        html = await api.client.get(f"/bulletins/{issued['id']}/print", headers={"Authorization": f"Bearer {tokens['xh_admin']}"})
        pdf = await api.client.get(f"/bulletins/{issued['id']}/pdf", headers={"Authorization": f"Bearer {tokens['sf_admin']}"})
    # the preview shows the recipients' text, the table, and what to look at
    first, second = preview["cases"]
    assert first["facts"] == "某县某局超职数配备副局长 2 名，王某甲负有责任；某县某事业单位存在同类问题。赵某某同志已督促整改。"
    assert second["handling"] == "某事业单位已清退 5 名，王某乙、王某甲作出检讨。"  # one mask a person, in every case
    assert preview["title"] == "关于某县、某县两地机构编制典型问题的通报"
    assert {(m["term"], m["placeholder"]) for m in preview["masks"]} >= {
        ("双峰卫健局", "某县某局"),
        ("王文华", "王某甲"),
        ("赵敏", "赵某某"),
    }
    assert preview["remainingNames"] == [] and preview["suspectedNames"] == [{"name": "刘一手", "place": "导语"}]
    assert refused == ["TERM_NOT_MASKED", "TERM_NOT_MARKED", "STALE_VERSION", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"] and unchanged
    # a term marked as not identifying is shown as written; the full name stays masked
    assert marked["preface"] == "现将某县某局、某县某事业单位的问题通报如下，各县卫生健康局要引以为戒。局长刘一手在会上作了检查。"
    assert marked["openTerms"] == ["卫生健康局"] and "卫生健康局" not in [m["term"] for m in marked["masks"]]
    # a named case (点名) shows its own unit and office, in its text and the title; the other case still hides it
    assert named_preview["cases"][1]["unit"] == "新化县人民医院" and named_preview["title"] == "关于某县、新化两地机构编制典型问题的通报"
    assert "新化县人民医院" not in named_preview["cases"][0]["facts"]
    # what went out: nothing the subtree knows by name, anywhere a recipient reads
    assert_no_subtree_secret("GraphQL", json.dumps({**as_county, "recipients": None}, ensure_ascii=False))
    assert_no_subtree_secret("notifications", json.dumps(inbox, ensure_ascii=False))
    assert_no_subtree_secret("HTML", html.text)
    assert_no_subtree_secret("PDF", pdf_text(pdf.content))
    async with runtime.engine.connect() as connection:
        audited = (await connection.execute(text("SELECT action FROM t431300.audit_event WHERE action = 'bulletin.mark_term'"))).scalars()
        assert list(audited) == ["bulletin.mark_term"]


def assert_no_subtree_secret(where: str, content: str) -> None:
    leaked = [secret for secret in SUBTREE_SECRETS if secret in content]
    assert not leaked, f"{where} shows {leaked}"


async def test_the_printed_pages_are_for_the_bulletins_readers_only(province):
    runtime, tokens, findings = province
    async with Api(runtime) as api:
        draft = await composed(api, tokens, findings, wholeSubtree=False, officeCodes=["431321"])

        async def status(who: str | None, kind: str, bulletin: str = draft["id"]) -> int:
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
            return (await api.client.get(f"/bulletins/{bulletin}/{kind}", headers=headers)).status_code

        preview = await api.client.get(f"/bulletins/{draft['id']}/print", headers={"Authorization": f"Bearer {tokens['inspector']}"})
        before = [await status("sf_admin", "print"), await status("publisher", "pdf"), await status("publisher", "print", "abc")]
        draft = await step(api, tokens["inspector"], "submitBulletin", draft)
        draft = await step(api, tokens["admin"], "approveBulletin", draft)
        await step(api, tokens["publisher"], "publishBulletin", draft)
        after = [
            await status(who, kind)
            for who, kind in (
                ("sf_admin", "print"),
                ("sf_admin", "pdf"),
                ("xh_admin", "print"),
                ("city_admin", "pdf"),
                ("gd_inspector", "print"),
                ("sf_liaison", "pdf"),
                (None, "print"),
            )
        ]
    assert "未发布稿　状态：草稿" in preview.text and "（发布时编号）" in preview.text
    assert before == [404, 200, 404]
    assert after == [200, 200, 404, 404, 404, 404, 401]


async def test_a_page_of_bulletins_costs_the_same_statements_for_any_size(province):
    runtime, tokens, findings = province
    async with Api(runtime) as api:
        for _ in range(3):
            await published(api, tokens, findings)
            await api.call(
                READ,
                tokens["sf_admin"],
                o="431321",
                b=(await api.call(LIST, tokens["publisher"], c="430000", d="ISSUED"))["data"]["bulletins"]["items"][0]["id"],
            )
        query = """query($f: Int!) { bulletins(tenantCode: "430000", direction: ISSUED, first: $f) { items { issue title preface
            cases { title original { unitName } } recipients { officeCode readings { username } } original { scopeOfficeCodes } } } }"""
        counts = []
        for first in (1, 3):
            with counting_statements(runtime.engine) as statements:
                result = await api.call(query, tokens["publisher"], f=first)
            assert "errors" not in result and len(result["data"]["bulletins"]["items"]) == first
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 8


def test_placeholders_say_what_kind_of_body_never_which_one():
    known = Known(
        offices=[("双峰县", "county"), ("娄底市", "city"), ("湘西土家族苗族自治州", "city")],
        units=[
            KnownUnit("双峰县卫生健康局", "政府机关", "双峰县", "county"),
            KnownUnit("双峰县人民医院", "事业单位", "双峰县", "county"),
            KnownUnit("中共双峰县委组织部", "党的机关", "双峰县", "county"),
        ],
        persons={"张三", "张四", "李四、王五", "局长"},
        codes={"12431321MB0000001X"},
        aliases=[("县财政局", "某县某局")],
    )
    table = MaskTable.of(known)
    rendered = deidentify(
        [
            Passage("双峰县卫生健康局、双峰卫健局、县卫健局和双峰县；湘西州、湘西；县委组织部；双峰县人民医院即县医院"),
            Passage("张三、张四、李四和王五；局长不是人名；县财政局；代码12431321MB0000001X；身份证号430104199001011234"),
            Passage("张三又见；李四再见"),
        ],
        table,
    )
    assert rendered.texts == [
        "某县某局、某县某局、县某局和某县；某市州、某市；县委某委；某县某事业单位即某事业单位",
        "张某甲、张某乙、李某某和王某某；局长不是人名；某县某局；代码（代码略）；身份证号（身份证号略）",
        "张某甲又见；李某某再见",  # the same person, the same mask, in every text of the bulletin
    ]
    ordinal = deidentify([Passage("张三、李四；张三")], table, PersonStyle.ORDINAL)
    assert ordinal.texts == ["某甲、某乙；某甲"]
    # a named case keeps its own names; a marked term is shown as written
    assert deidentify([Passage("双峰县卫生健康局和张三", keep=frozenset({"双峰县卫生健康局"}))], table).texts == [
        "双峰县卫生健康局和张某某"
    ]
    assert deidentify([Passage("卫生健康局")], MaskTable.of(known, ["卫生健康局"])).texts == ["卫生健康局"]
    assert [unit_placeholder("county", "政府机关"), unit_placeholder("province", "未知类型")] == ["某县某局", "某省某单位"]
    assert suspected_names("局长刘一手、赵二同志和张某某同志") == ["刘一手", "赵二"]


def test_a_name_the_rendering_leaves_is_caught_before_it_goes_out():
    """A placeholder next to the rest of the text can spell a known name (双峰 → 某县, then 长江:
    县长江); `remaining` finds it, and a submission is refused (NAMES_REMAIN)."""
    table = MaskTable.of(Known(offices=[("双峰县", "county")], persons={"县长江"}))
    passages = [Passage("双峰长江")]
    rendered = deidentify(passages, table)
    assert rendered.texts == ["某县长江"] and remaining(passages, rendered.texts, table) == ["县长江"]


NAME_CHARACTERS = "安宝成德东芳刚国海红华辉佳建杰静军丽林玲龙明敏娜鹏平强秋荣瑞诗涛婷伟文霞祥欣秀雪燕阳英勇玉云真志忠"
PLACE_CHARACTERS = "白碧波昌川丹汾丰河衡湖江津康澜乐岭泸罗梅宁平浦祁泉沙韶桃潭汀旺溪湘新延沅岳漳洲"
FILLER = "，。；在和的对与于因此其并及了"


@st.composite
def bulletins(draw):
    """A subtree of generated offices, units and persons, and passages that name them in every known form."""
    offices = draw(st.lists(st.text(PLACE_CHARACTERS, min_size=2, max_size=3), min_size=1, max_size=4, unique=True))
    levels = [draw(st.sampled_from(["county", "city"])) for _ in offices]
    names = [office + LEVEL_CHARACTERS[level] for office, level in zip(offices, levels, strict=True)]
    stems = [*sorted(ABBREVIATIONS), "人民医院", "财政局"]
    units = [
        KnownUnit(names[i] + draw(st.sampled_from(stems)), draw(st.sampled_from(sorted(UNIT_TYPE_PLACEHOLDERS))), names[i], levels[i])
        for i in draw(st.lists(st.integers(0, len(names) - 1), min_size=1, max_size=5))
    ]
    surnames = sorted(COMMON_SURNAMES - set(NAME_CHARACTERS + PLACE_CHARACTERS + FILLER))
    persons = draw(
        st.lists(
            st.builds(lambda s, n: s + n, st.sampled_from(surnames), st.text(NAME_CHARACTERS, min_size=1, max_size=2)),
            max_size=6,
            unique=True,
        )
    )
    known = Known(offices=list(zip(names, levels, strict=True)), units=units, persons=set(persons))
    forms = [*persons, *(f for name in names for f in office_forms(name))]
    for unit in units:
        named, bare = unit_forms(unit)
        forms += named + bare
    passages = [
        Passage("".join(draw(st.lists(st.one_of(st.sampled_from(forms), st.text(FILLER, min_size=1, max_size=3)), max_size=12))))
        for _ in range(draw(st.integers(1, 4)))
    ]
    return known, forms, persons, passages


def test_an_office_name_ending_where_a_unit_stem_begins_is_split_so_both_are_hidden():
    """娄底市场监督管理局 is 娄底 + 市场监督管理局: taking 娄底市 first left 某市场监督管理局."""
    known = Known(offices=[("娄底市", "city")], units=[KnownUnit("娄底市市场监督管理局", "政府机关", "娄底市", "city")])
    table = MaskTable.of(known)
    assert deidentify([Passage("娄底市场监督管理局对此负责")], table).texts == ["某市某局对此负责"]
    assert deidentify([Passage("娄底市财政局")], table).texts == ["某市财政局"]  # the city's, whole, where nothing else fits


@settings(max_examples=300, deadline=None)
@given(bulletins())
def test_no_generated_name_or_abbreviation_survives_and_every_person_keeps_one_mask_of_their_own(generated):
    known, forms, persons, passages = generated
    table = MaskTable.of(known)
    rendering = deidentify(passages, table)
    placeholders = {term.placeholder for term in table.terms.values() if term.placeholder}
    generic = {form for form in forms if form not in table.terms}
    assert all(any(form in placeholder for placeholder in placeholders) for form in generic)  # 检察院 of 某检察院 names no one
    for rendered in rendering.texts:
        assert not [form for form in forms if form in rendered and form not in generic], rendered
    assert not remaining(passages, rendering.texts, table)
    person_masks = {mask.term: mask.placeholder for mask in rendering.masks if mask.kind is TermKind.PERSON}
    assert len(set(person_masks.values())) == len(person_masks)  # two persons never share a mask
    assert set(person_masks) <= set(persons)


OPEN_CASE = """mutation($c: String!, $i: CaseInput!) { openAccountabilityCase(tenantCode: $c, input: $i) { id version } }"""
MOVE_CASE = """mutation($c: String!, $i: ID!, $v: Int!, $n: String!) {
    %s(tenantCode: $c, id: $i, version: $v, note: $n) { id version } }"""
MEASURE = """mutation($c: String!, $i: ID!, $v: Int!, $m: MeasureInput!) {
    recordAccountabilityMeasure(tenantCode: $c, caseId: $i, version: $v, input: $m) { id version } }"""


async def test_a_case_drawn_from_an_accountability_case_tells_its_decision_and_hides_the_leader(province):
    runtime, tokens, findings = province
    async with runtime.engine.begin() as connection:
        for code in ("431321", "440000"):
            await project_unit(connection, code, 1)
    async with Api(runtime) as api:
        case = (
            await api.call(
                OPEN_CASE,
                tokens["admin"],
                c="430000",
                i={
                    "title": "双峰县财政局违规超编进人问责",
                    "facts": FACTS_SF,
                    "subject": {"tenantCode": "431321", "unitId": "1", "leaderName": "张三", "leaderPost": "局长", "leaderRank": "正科级"},
                    "findings": [{"tenantCode": "431321", "findingId": findings["431321"]}],
                },
            )
        )["data"]["openAccountabilityCase"]
        for act in ("verifyAccountabilityCase", "determineAccountabilityCase", "decideAccountabilityCase"):
            case = (await api.call(MOVE_CASE % act, tokens["admin"], c="430000", i=case["id"], v=case["version"], n="给予张三诫勉处理"))[
                "data"
            ][act]
        await api.call(
            MEASURE,
            tokens["admin"],
            c="430000",
            i=case["id"],
            v=case["version"],
            m={
                "kind": "INTERVIEW",
                "decidedOn": "2026-10-12",
                "decidedBy": "省委编办",
                "content": "约谈双峰县财政局局长张三",
                "attendees": ["张三"],
                "minutes": "张三表示立即整改",
            },
        )
        gd_case = await api.call(
            OPEN_CASE,
            tokens["gd_publisher"],
            c="440000",
            i={"title": "广东省财政厅超编", "facts": "超编", "subject": {"tenantCode": "440000", "unitId": "1"}},
        )
        draft = (await api.call(CREATE, tokens["inspector"], p="430000", i=issue()))["data"]["createBulletin"]
        from_case = {"kind": "ACCOUNTABILITY_CASE", "tenantCode": "430000", "id": case["id"]}
        refused = [
            error_code(
                await api.call(ADD, tokens["inspector"], b=draft["id"], v=draft["version"], i={"title": "x"}, s={**from_case, "id": "999"})
            ),
            error_code(
                await api.call(
                    ADD,
                    tokens["inspector"],
                    b=draft["id"],
                    v=draft["version"],
                    i={"title": "x"},
                    s={**from_case, "tenantCode": "440000", "id": gd_case["data"]["openAccountabilityCase"]["id"]},
                )
            ),
        ]
        added = (
            await api.call(
                ADD,
                tokens["inspector"],
                b=draft["id"],
                v=draft["version"],
                s=from_case,
                i={"title": "双峰县财政局违规超编进人", "persons": ["李四"], "aliases": ["双峰财政"]},
            )
        )["data"]["addBulletinCase"]
    [added_case] = added["cases"]
    assert refused == ["NOT_FOUND", "NOT_FOUND"]  # an unknown case; another office's
    assert added_case["original"]["persons"] == ["张三", "李四"] and added_case["unit"] == "某县某局"
    assert added_case["handling"] == "给予张某某诫勉处理；约谈（2026年10月12日）：约谈某县某局局长张某某"  # the decision, then each measure
    for where in ("title", "facts", "handling"):
        assert_no_secret(where, added_case[where])


ADD_ORGAN = 'mutation($k: OrganKind!) { addOrgan(tenantCode: "430000", kind: $k) { id signatureName } }'
ORGAN_USER = """mutation($u: String!, $o: ID!, $r: Role!) {
    createUser(input: {username: $u, displayName: $u, tenantCode: "430000", organId: $o, role: $r}) { userId } }"""
OFFICE_ORGAN = '{ organs(tenantCode: "431321") { id } }'
SET_JOINT = """mutation($b: ID!, $v: Int!, $o: [ID!]!) { setBulletinJointOrgans(id: $b, version: $v, organIds: $o) {
    id version state jointOrgans { organ { kind } approvedBy } } }"""
APPROVE_JOINT = """mutation($b: ID!, $o: ID!) { approveJointBulletin(id: $b, organId: $o) {
    state jointOrgans { organ { kind } approvedBy } } }"""
JOINT_LIST = "query($o: ID!) { jointBulletins(organId: $o) { id state title jointOrgans { organ { kind } approvedBy } } }"


async def test_a_bulletin_issued_with_the_discipline_and_organization_organs_waits_for_each_ones_approval(province):
    runtime, tokens, findings = province
    async with Api(runtime) as api:
        organs, signatures, people = {}, {}, {}
        for kind in ("DISCIPLINE", "ORGANIZATION"):
            added = (await api.call(ADD_ORGAN, tokens["admin"], k=kind))["data"]["addOrgan"]
            organs[kind], signatures[kind] = added["id"], added["signatureName"]
            for role in ("REVIEWER", "INSPECTOR"):
                created = await api.call(ORGAN_USER, tokens["admin"], u=f"{kind}.{role}".lower(), o=organs[kind], r=role)
                people[kind, role] = await token_for(runtime, int(created["data"]["createUser"]["userId"]))
        county_office = (await api.call(OFFICE_ORGAN, tokens["sf_admin"]))["data"]["organs"][0]["id"]
        own_office = (await api.call('{ organs(tenantCode: "430000") { id kind } }', tokens["admin"]))["data"]["organs"][0]["id"]
        draft = await composed(api, tokens, findings)
        refused_organs = [
            error_code(await api.call(SET_JOINT, tokens["inspector"], b=draft["id"], v=draft["version"], o=[own_office])),
            error_code(await api.call(SET_JOINT, tokens["inspector"], b=draft["id"], v=draft["version"], o=[county_office])),
            error_code(await api.call(SET_JOINT, tokens["sf_admin"], b=draft["id"], v=draft["version"], o=[organs["DISCIPLINE"]])),
        ]
        joint = (
            await api.call(
                SET_JOINT, tokens["inspector"], b=draft["id"], v=draft["version"], o=[organs["DISCIPLINE"], organs["ORGANIZATION"]]
            )
        )["data"]["setBulletinJointOrgans"]
        unseen_while_drafted = error_code(await api.call(ONE, people["DISCIPLINE", "INSPECTOR"], b=draft["id"]))
        bulletin = await step(api, tokens["inspector"], "submitBulletin", {**draft, "version": joint["version"]})
        too_late = error_code(await api.call(SET_JOINT, tokens["inspector"], b=bulletin["id"], v=bulletin["version"], o=[]))
        bulletin = await step(api, tokens["admin"], "approveBulletin", bulletin)
        listed = (await api.call(JOINT_LIST, people["DISCIPLINE", "INSPECTOR"], o=organs["DISCIPLINE"]))["data"]["jointBulletins"]
        not_yet = await step(api, tokens["publisher"], "publishBulletin", bulletin)
        refused_approvals = [
            error_code(await api.call(APPROVE_JOINT, people["DISCIPLINE", "INSPECTOR"], b=bulletin["id"], o=organs["DISCIPLINE"])),
            error_code(await api.call(APPROVE_JOINT, people["ORGANIZATION", "REVIEWER"], b=bulletin["id"], o=organs["DISCIPLINE"])),
            error_code(await api.call(APPROVE_JOINT, tokens["admin"], b=bulletin["id"], o=organs["DISCIPLINE"])),
        ]
        await api.call(APPROVE_JOINT, people["DISCIPLINE", "REVIEWER"], b=bulletin["id"], o=organs["DISCIPLINE"])
        twice = error_code(await api.call(APPROVE_JOINT, people["DISCIPLINE", "REVIEWER"], b=bulletin["id"], o=organs["DISCIPLINE"]))
        returned = await step(api, tokens["admin"], "returnBulletin", bulletin, reason="案例二的处理结果待核实")
        cleared = (await api.call(JOINT_LIST, people["DISCIPLINE", "INSPECTOR"], o=organs["DISCIPLINE"]))["data"]["jointBulletins"]
        bulletin = await step(api, tokens["inspector"], "submitBulletin", returned)
        bulletin = await step(api, tokens["admin"], "approveBulletin", bulletin)
        for kind in ("DISCIPLINE", "ORGANIZATION"):
            approved = (await api.call(APPROVE_JOINT, people[kind, "REVIEWER"], b=bulletin["id"], o=organs[kind]))["data"]
        bulletin = await step(api, tokens["publisher"], "publishBulletin", bulletin)
        page = await api.client.get(
            f"/bulletins/{bulletin['id']}/print", headers={"Authorization": f"Bearer {people['ORGANIZATION', 'INSPECTOR']}"}
        )
    assert refused_organs == ["INVALID_JOINT", "INVALID_JOINT", "NOT_FOUND"]
    assert [o["organ"]["kind"] for o in joint["jointOrgans"]] == ["DISCIPLINE", "ORGANIZATION"]
    assert unseen_while_drafted == "NOT_FOUND" and too_late == "INVALID_TRANSITION"
    assert [(b["id"], b["state"]) for b in listed] == [(bulletin["id"], "APPROVED")]
    assert_no_secret("a joint organ's list", str(listed))  # it reads the published wording
    assert not_yet == "JOINT_APPROVAL_PENDING"
    assert refused_approvals == ["FORBIDDEN", "NOT_FOUND", "NOT_FOUND"]
    assert twice == "INVALID_TRANSITION"
    assert cleared == []  # returned to a draft: out of the joint organs' sight, and their approvals gone
    assert [o["approvedBy"] for o in approved["approveJointBulletin"]["jointOrgans"]] == ["discipline.reviewer", "organization.reviewer"]
    assert bulletin["state"] == "PUBLISHED" and page.status_code == 200
    assert signatures["DISCIPLINE"] in page.text and signatures["ORGANIZATION"] in page.text
