"""The rectification ledger through GraphQL and the evidence endpoints: a whole round's
close-out, every transition's refusals (each changing nothing), extensions, reopening, and
evidence files stored once and shown only to those who may read the finding."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib

import pytest
from sqlalchemy import text

from backend.audit.service import verify_chain
from tests.evidence_stores import both_stores, stored
from tests.helpers import LOG_FINDING, PDF, STATE, Office, act, counting_statements, create_all
from tests.identity import Api, add_user, error_code, token_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FINDING_FIELDS = """id code roundId unitId taxonomyCode taxonomyName description evidenceSources severity fixedOnSpot foundOn
    foundBy ledger { state deadline overdue responsibleUnit responsiblePerson measures closeNote closedAt version }"""


async def test_a_change_answers_the_finding_as_a_read_shows_it_without_reading_it_again(ledger_office):
    """With no relation selected, a change's answer is the locked row with the entry's columns as
    the change returned them: what a read of the finding then shows, and no statement for it."""
    steps = [("inspector", "reportProgress"), ("inspector", "requestCloseOut"), ("reviewer", "closeOut")]
    async with Api(ledger_office.runtime) as api:
        finding_id, version = await ledger_office.log(api, measures="清退超编人员", responsiblePerson="张三")
        for who, name in steps:
            mutation = act(name).replace(STATE, FINDING_FIELDS)
            with counting_statements(ledger_office.runtime.engine) as statements:
                moved = (await api.call(mutation, ledger_office.tokens[who], f=finding_id, v=version, n="整改说明"))["data"][name]
            read = await api.call(
                f'query($f: ID!) {{ finding(tenantCode: "431321", id: $f) {{ {FINDING_FIELDS} }} }}',
                ledger_office.tokens["inspector"],
                f=finding_id,
            )
            assert moved == read["data"]["finding"]
            assert moved["ledger"]["version"] == version + 1
            version = moved["ledger"]["version"]
            reads = [s for s in statements if s.lstrip().startswith("SELECT") and "t431321.finding" in s]
            assert len(reads) == 1, reads  # the lock
    assert moved["ledger"]["state"] == "CLOSED" and moved["ledger"]["closeNote"] == "整改说明" and moved["ledger"]["closedAt"]


async def test_a_round_closes_out_end_to_end_with_evidence_a_send_back_and_a_follow_up(ledger_office):
    t = ledger_office.tokens
    async with Api(ledger_office.runtime) as api:
        finding, version = await ledger_office.log(api)
        upload = await ledger_office.upload(api, "liaison", PDF)
        assert upload.status_code == 201, upload.text
        sha = upload.json()["sha256"]
        assert sha == hashlib.sha256(PDF).hexdigest() and upload.json()["contentType"] == "application/pdf"

        progress = await api.call(
            act("reportProgress"),
            t["liaison"],
            f=finding,
            v=version,
            n="已清退 1 名超编人员",
            e=[{"sha256": sha, "fileName": "清退文件.pdf"}],
        )
        ledger = progress["data"]["reportProgress"]["ledger"]
        assert ledger["state"] == "IN_PROGRESS" and ledger["version"] == version + 1
        assert ledger["latestProgress"]["evidence"] == [{"sha256": sha, "fileName": "清退文件.pdf", "url": f"/evidence/431321/{sha}"}]

        asked = (await api.call(act("requestCloseOut"), t["liaison"], f=finding, v=version + 1, n="整改完毕"))["data"]["requestCloseOut"]
        sent_back = (await api.call(act("sendBack"), t["reviewer"], f=finding, v=asked["ledger"]["version"], n="还有 1 名未清退"))["data"][
            "sendBack"
        ]
        assert sent_back["ledger"]["state"] == "IN_PROGRESS"
        again = (await api.call(act("requestCloseOut"), t["liaison"], f=finding, v=sent_back["ledger"]["version"], n="已全部清退"))["data"][
            "requestCloseOut"
        ]
        closed = (await api.call(act("closeOut"), t["reviewer"], f=finding, v=again["ledger"]["version"], n="核查属实"))["data"]["closeOut"]
        assert closed["ledger"]["state"] == "CLOSED" and closed["ledger"]["closeNote"] == "核查属实"
        reopened = (await api.call(act("reopenLedger"), t["inspector"], f=finding, v=closed["ledger"]["version"], n="回头看发现反弹"))[
            "data"
        ]["reopenLedger"]
        assert reopened["ledger"]["state"] == "IN_PROGRESS"

        history = (
            await api.call(
                'query($f: ID!) { finding(tenantCode: "431321", id: $f) { ledger { closedAt history { action fromState toState actor } } } }',
                t["auditor"],
                f=finding,
            )
        )["data"]["finding"]["ledger"]
        download = await api.client.get(f"/evidence/431321/{sha}", headers={"Authorization": f"Bearer {t['reviewer']}"})
    assert history["closedAt"] is None
    assert [(h["action"], h["fromState"], h["toState"]) for h in history["history"]] == [
        ("REPORT_PROGRESS", "REGISTERED", "IN_PROGRESS"),
        ("REQUEST_CLOSE_OUT", "IN_PROGRESS", "CLOSE_REQUESTED"),
        ("SEND_BACK", "CLOSE_REQUESTED", "IN_PROGRESS"),
        ("REQUEST_CLOSE_OUT", "IN_PROGRESS", "CLOSE_REQUESTED"),
        ("CLOSE_OUT", "CLOSE_REQUESTED", "CLOSED"),
        ("REOPEN", "CLOSED", "IN_PROGRESS"),
    ]
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    async with ledger_office.runtime.engine.connect() as connection:
        actions = (await connection.execute(text("SELECT action FROM t431321.audit_event ORDER BY seq"))).scalars().all()
    assert actions == [
        "unit.created",  # the office's units and round, made by the fixture
        "unit.created",
        "round.created",
        "finding.logged",
        "evidence.uploaded",
        "ledger.report_progress",
        "ledger.request_close_out",
        "ledger.send_back",
        "ledger.request_close_out",
        "ledger.close_out",
        "ledger.reopen",
        "read.evidence",  # the download: a sensitive read leaves its trace
    ]
    assert (await verify_chain(ledger_office.runtime.engine, "431321")).intact


async def _to_state(api: Api, ledger_office: Office, state: str) -> tuple[str, int]:
    """A finding driven to `state`, and its version."""
    t = ledger_office.tokens
    finding, version = await ledger_office.log(api)
    steps = {
        "挂号": [],
        "整改中": [("reportProgress", "liaison")],
        "申请销号": [("reportProgress", "liaison"), ("requestCloseOut", "liaison")],
        "已销号": [("reportProgress", "liaison"), ("requestCloseOut", "liaison"), ("closeOut", "reviewer")],
    }[state]
    for name, who in steps:
        result = await api.call(act(name), t[who], f=finding, v=version, n="说明")
        version = result["data"][name]["ledger"]["version"]
    return finding, version


@pytest.mark.parametrize(
    ("state", "mutation", "who", "code"),
    [
        # roles: nobody closes their own work, auditors and parents never write, liaisons keep to their unit
        ("申请销号", "closeOut", "liaison", "FORBIDDEN"),
        ("申请销号", "closeOut", "inspector", "FORBIDDEN"),
        ("申请销号", "closeOut", "admin", "FORBIDDEN"),
        ("申请销号", "sendBack", "inspector", "FORBIDDEN"),
        ("整改中", "reportProgress", "auditor", "FORBIDDEN"),
        ("整改中", "reportProgress", "reviewer", "FORBIDDEN"),
        ("整改中", "reportProgress", "other_liaison", "NOT_FOUND"),
        ("整改中", "reportProgress", "sibling_reviewer", "NOT_FOUND"),
        ("申请销号", "closeOut", "city_reviewer", "FORBIDDEN"),
        ("已销号", "reopenLedger", "liaison", "FORBIDDEN"),
        # states
        ("挂号", "requestCloseOut", "liaison", "INVALID_TRANSITION"),
        ("挂号", "closeOut", "reviewer", "INVALID_TRANSITION"),
        ("整改中", "closeOut", "reviewer", "INVALID_TRANSITION"),
        ("整改中", "sendBack", "reviewer", "INVALID_TRANSITION"),
        ("申请销号", "reportProgress", "liaison", "INVALID_TRANSITION"),
        ("已销号", "reportProgress", "liaison", "INVALID_TRANSITION"),
        ("已销号", "closeOut", "reviewer", "INVALID_TRANSITION"),
        ("整改中", "reopenLedger", "reviewer", "INVALID_TRANSITION"),
    ],
)
async def test_a_refused_transition_changes_nothing(ledger_office, state, mutation, who, code):
    async with Api(ledger_office.runtime) as api:
        finding, version = await _to_state(api, ledger_office, state)
        before = await ledger_office.ledger_state()
        result = await api.call(act(mutation), ledger_office.tokens[who], f=finding, v=version, n="说明")
    assert error_code(result) == code, result
    assert await ledger_office.ledger_state() == before


@pytest.mark.parametrize(
    ("mutation", "variables", "code", "field"),
    [
        ("reportProgress", {"v": 99}, "STALE_VERSION", "version"),
        ("reportProgress", {"n": "  "}, "INVALID_TEXT", "note"),
        ("reportProgress", {"n": "进展\x00"}, "INVALID_TEXT", "note"),
        ("reportProgress", {"f": "999"}, "NOT_FOUND", None),
        ("reportProgress", {"f": "abc"}, "NOT_FOUND", "findingId"),
        ("reportProgress", {"e": [{"sha256": "0" * 64, "fileName": "a.pdf"}]}, "NOT_FOUND", "evidence"),
        ("reportProgress", {"e": [{"sha256": "../../etc/passwd", "fileName": "a.pdf"}]}, "NOT_FOUND", "evidence"),
        ("reportProgress", {"e": [{"sha256": "0" * 64, "fileName": "a.exe"}]}, "UNSUPPORTED_FILE_TYPE", "name"),
    ],
)
async def test_bad_ledger_input_gets_a_clear_error_and_changes_nothing(ledger_office, mutation, variables, code, field):
    async with Api(ledger_office.runtime) as api:
        finding, version = await ledger_office.log(api)
        before = await ledger_office.ledger_state()
        result = await api.call(act(mutation), ledger_office.tokens["liaison"], **{"f": finding, "v": version, "n": "说明", **variables})
    assert result["errors"][0]["extensions"] == {"code": code, **({"field": field} if field else {})}
    assert await ledger_office.ledger_state() == before


async def test_of_two_writers_holding_the_same_version_one_wins(ledger_office):
    async with Api(ledger_office.runtime) as api:
        finding, version = await ledger_office.log(api)
        results = await asyncio.gather(
            *(
                api.call(act("reportProgress"), ledger_office.tokens[who], f=finding, v=version, n=f"{who} 的进展")
                for who in ("liaison", "inspector")
            )
        )
    assert sorted(str(error_code(r)) for r in results) == ["None", "STALE_VERSION"]


async def test_reopening_is_refused_once_the_window_has_passed(ledger_office):
    async with Api(ledger_office.runtime) as api:
        finding, version = await _to_state(api, ledger_office, "已销号")
        async with ledger_office.runtime.engine.begin() as connection:
            await connection.execute(text("UPDATE t431321.ledger_entry SET closed_at = now() - interval '366 days'"))
        result = await api.call(act("reopenLedger"), ledger_office.tokens["reviewer"], f=finding, v=version, n="回头看")
    assert error_code(result) == "REOPEN_WINDOW_PASSED"


EXTEND = """mutation($f: ID!, $v: Int!, $d: Date!) { requestExtension(tenantCode: "431321", findingId: $f, version: $v,
    deadline: $d, reason: "需走编制调整程序") { ledger { deadline version extensionRequests { id state } } } }"""
DECIDE = """mutation($x: ID!, $a: Boolean!) { decideExtension(tenantCode: "431321", extensionId: $x, approve: $a, note: "同意")
    { ledger { deadline version extensionRequests { state decidedBy } } } }"""
SET_DEADLINE = """mutation($f: ID!, $v: Int!, $d: Date!) { setDeadline(tenantCode: "431321", findingId: $f, version: $v, deadline: $d)
    { ledger { deadline version } } }"""


async def test_a_deadline_moves_after_rectification_starts_only_by_an_approved_extension(ledger_office):
    t = ledger_office.tokens
    async with Api(ledger_office.runtime) as api:
        finding, version = await ledger_office.log(api)
        set_early = (await api.call(SET_DEADLINE, t["inspector"], f=finding, v=version, d="2027-01-31"))["data"]["setDeadline"]["ledger"]
        assert set_early["deadline"] == "2027-01-31"
        assert error_code(await api.call(SET_DEADLINE, t["liaison"], f=finding, v=set_early["version"], d="2027-03-31")) == "FORBIDDEN"
        finding2, version2 = await _to_state(api, ledger_office, "整改中")
        assert error_code(await api.call(SET_DEADLINE, t["inspector"], f=finding2, v=version2, d="2027-03-31")) == "INVALID_TRANSITION"
        assert error_code(await api.call(EXTEND, t["liaison"], f=finding2, v=version2, d="2026-12-01")) == "INVALID_DEADLINE"

        asked = (await api.call(EXTEND, t["liaison"], f=finding2, v=version2, d="2027-03-31"))["data"]["requestExtension"]["ledger"]
        assert asked["deadline"] == "2026-12-31" and asked["extensionRequests"][0]["state"] == "PENDING"
        assert error_code(await api.call(EXTEND, t["liaison"], f=finding2, v=asked["version"], d="2027-04-30")) == "EXTENSION_PENDING"
        request = asked["extensionRequests"][0]["id"]
        assert error_code(await api.call(DECIDE, t["liaison"], x=request, a=True)) == "FORBIDDEN"
        assert error_code(await api.call(DECIDE, t["sibling_reviewer"], x=request, a=True)) == "NOT_FOUND"
        approved = (await api.call(DECIDE, t["reviewer"], x=request, a=True))["data"]["decideExtension"]["ledger"]
        again = await api.call(DECIDE, t["reviewer"], x=request, a=False)
    assert approved["deadline"] == "2027-03-31"
    assert approved["extensionRequests"] == [{"state": "APPROVED", "decidedBy": "sf.reviewer"}]
    assert error_code(again) == "ALREADY_DECIDED"


@both_stores
async def test_the_same_file_is_stored_once_and_bad_files_are_refused(ledger_office):
    async with Api(ledger_office.runtime) as api:
        first = await ledger_office.upload(api, "liaison", PDF)
        second = await ledger_office.upload(api, "inspector", PDF, name="另一个名字.pdf")
        png = await ledger_office.upload(api, "liaison", PNG, name="现场照片.PNG")
        refusals = {
            "mismatch": await ledger_office.upload(api, "liaison", PNG, name="伪装.pdf"),
            "type": await ledger_office.upload(api, "liaison", b"MZ\x90\x00", name="virus.exe"),
            "empty": await ledger_office.upload(api, "liaison", b"", name="空.pdf"),
            "auditor": await ledger_office.upload(api, "auditor", PDF),
            "sibling": await ledger_office.upload(api, "sibling_reviewer", PDF),
            "anonymous": await api.client.post("/evidence/431321", params={"name": "a.pdf"}, content=PDF),
        }
        small = dataclasses.replace(
            ledger_office.runtime, settings=dataclasses.replace(ledger_office.runtime.settings, evidence_max_bytes=1024)
        )
        async with Api(small) as small_api:
            refusals["size"] = await Office(small, ledger_office.tokens).upload(small_api, "liaison", PDF)
    assert first.status_code == second.status_code == png.status_code == 201
    assert first.json()["sha256"] == second.json()["sha256"] and png.json()["contentType"] == "image/png"
    assert {k: (r.status_code, r.json()["errors"][0]["extensions"]["code"]) for k, r in refusals.items()} == {
        "mismatch": (415, "UNSUPPORTED_FILE_TYPE"),
        "type": (415, "UNSUPPORTED_FILE_TYPE"),
        "empty": (400, "EMPTY_FILE"),
        "auditor": (403, "FORBIDDEN"),
        "sibling": (404, "NOT_FOUND"),
        "anonymous": (401, "UNAUTHENTICATED"),
        "size": (413, "FILE_TOO_LARGE"),
    }
    assert stored(ledger_office.runtime.settings) == {first.json()["sha256"]: PDF, png.json()["sha256"]: PNG}


@both_stores
async def test_a_file_is_shown_only_to_those_who_may_read_its_finding(ledger_office):
    t = ledger_office.tokens
    async with Api(ledger_office.runtime) as api:
        finding, version = await ledger_office.log(api, unit="2")
        sha = (await ledger_office.upload(api, "inspector", PDF)).json()["sha256"]
        # a liaison may not attach a file it did not upload
        stolen = await api.call(act("reportProgress"), t["liaison"], f=finding, v=version, n="x", e=[{"sha256": sha, "fileName": "a.pdf"}])
        assert error_code(stolen) == "NOT_FOUND"
        await api.call(act("reportProgress"), t["inspector"], f=finding, v=version, n="附件", e=[{"sha256": sha, "fileName": "a.pdf"}])

        async def status(who: str | None, tenant: str = "431321", name: str = sha) -> int:
            headers = {"Authorization": f"Bearer {t[who]}"} if who else {}
            return (await api.client.get(f"/evidence/{tenant}/{name}", headers=headers)).status_code

        seen = {
            who: await status(who)
            for who in ("inspector", "auditor", "city_reviewer", "other_liaison", "liaison", "sibling_reviewer", None)
        }
        elsewhere = await status("sibling_reviewer", "431322")
        read_up = await status("inspector", "431300")
        malformed = await status("inspector", name="../../secret_key")
        downloaded = await api.client.get(f"/evidence/431321/{sha}", headers={"Authorization": f"Bearer {t['auditor']}"})
    assert (downloaded.content, downloaded.headers["content-length"]) == (PDF, str(len(PDF)))
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["content-disposition"] == "attachment; filename*=utf-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf"
    assert seen == {
        "inspector": 200,
        "auditor": 200,
        "city_reviewer": 200,
        "other_liaison": 200,
        "liaison": 404,
        "sibling_reviewer": 404,
        None: 401,
    }
    assert elsewhere == 404 and malformed == 404 and read_up == 404


async def test_a_county_runs_a_whole_round_through_graphql_alone(runtime, tmp_path):
    """units → round → finding → progress with evidence → close-out, nothing seeded by SQL."""
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path))
    await create_all(runtime, "430000", "431300", "431321")
    tokens = {
        role: await token_for(runtime, await add_user(runtime, f"e2e.{role}", ("431321", role, None))) for role in ("inspector", "reviewer")
    }
    async with Api(runtime) as api:
        unit = (
            await api.call(
                'mutation { createUnit(tenantCode: "431321", input: {creditCode: "11431321MB0000001X", '
                'name: "双峰县财政局", unitType: GOVERNMENT, approvedStaffing: [{key: "行政编制", count: 12}]}) { id } }',
                tokens["inspector"],
            )
        )["data"]["createUnit"]["id"]
        round_ = (
            await api.call(
                'mutation($u: ID!) { createRound(tenantCode: "431321", input: {kind: PATROL_INSPECTION, name: "第十二轮巡察", '
                'startsOn: "2026-09-01", unitIds: [$u], stage: RECTIFYING}) { id } }',  # entered after its 统一反馈
                tokens["inspector"],
                u=unit,
            )
        )["data"]["createRound"]["id"]
        liaison = await token_for(runtime, await add_user(runtime, "e2e.liaison", ("431321", "liaison", int(unit))))
        tokens["liaison"] = liaison
        ledger_office = Office(runtime, tokens)
        finding = (
            await api.call(
                LOG_FINDING,
                tokens["inspector"],
                i={
                    "roundId": round_,
                    "unitId": unit,
                    "taxonomyCode": "C03.K01.M01",
                    "description": "超编 2 名",
                    "severity": "SERIOUS",
                    "foundOn": "2026-09-10",
                    "deadline": "2026-12-31",
                },
            )
        )["data"]["logFinding"]["id"]
        sha = (await ledger_office.upload(api, "liaison", PNG, name="现场照片.png")).json()["sha256"]
        version = 1
        for mutation, who, extra in (
            ("reportProgress", "liaison", {"e": [{"sha256": sha, "fileName": "现场照片.png"}]}),
            ("requestCloseOut", "liaison", {}),
            ("closeOut", "reviewer", {}),
        ):
            result = await api.call(act(mutation), tokens[who], f=finding, v=version, n="说明", **extra)
            version = result["data"][mutation]["ledger"]["version"]
        final = (
            await api.call(
                'query($f: ID!) { finding(tenantCode: "431321", id: $f) { unit { name } round { name } '
                "ledger { state history { action evidence { fileName } } } } }",
                liaison,
                f=finding,
            )
        )["data"]["finding"]
    assert final["unit"]["name"] == "双峰县财政局" and final["round"]["name"] == "第十二轮巡察"
    assert final["ledger"]["state"] == "CLOSED"
    assert [(h["action"], [e["fileName"] for e in h["evidence"]]) for h in final["ledger"]["history"]] == [
        ("REPORT_PROGRESS", ["现场照片.png"]),
        ("REQUEST_CLOSE_OUT", []),
        ("CLOSE_OUT", []),
    ]


PLAN = """mutation($f: ID!, $v: Int!, $i: PlanInput!) { updateRectificationPlan(tenantCode: "431321", findingId: $f, version: $v,
    input: $i) { ledger { responsibleUnit responsiblePerson measures version history { action } } } }"""


async def test_the_plan_changes_before_close_out_and_bad_changes_change_nothing(ledger_office):
    t = ledger_office.tokens
    async with Api(ledger_office.runtime) as api:
        finding, version = await ledger_office.log(api)
        planned = await api.call(
            PLAN, t["liaison"], f=finding, v=version, i={"measures": "三个月内清退", "responsiblePerson": "副局长 李某"}
        )
        ledger = planned["data"]["updateRectificationPlan"]["ledger"]
        assert (ledger["responsibleUnit"], ledger["responsiblePerson"], ledger["measures"]) == ("单位1", "副局长 李某", "三个月内清退")
        assert [h["action"] for h in ledger["history"]] == ["UPDATE_PLAN"]
        closed, closed_version = await _to_state(api, ledger_office, "已销号")
        before = await ledger_office.ledger_state()
        refusals = [
            await api.call(PLAN, t["liaison"], f=finding, v=ledger["version"], i={}),
            await api.call(PLAN, t["liaison"], f=finding, v=ledger["version"], i={"responsibleUnit": "单位\u200b"}),
            await api.call(PLAN, t["liaison"], f=closed, v=closed_version, i={"measures": "补充"}),
            await api.call(PLAN, t["other_liaison"], f=finding, v=ledger["version"], i={"measures": "补充"}),
            await api.call(PLAN, t["auditor"], f=finding, v=ledger["version"], i={"measures": "补充"}),
            await api.call(SET_DEADLINE, t["inspector"], f=finding, v=ledger["version"], d="2026-01-01"),
        ]
    assert [error_code(r) for r in refusals] == [
        "NOTHING_TO_CHANGE",
        "INVALID_NAME",
        "INVALID_TRANSITION",
        "NOT_FOUND",
        "FORBIDDEN",
        "INVALID_DEADLINE",
    ]
    assert await ledger_office.ledger_state() == before
