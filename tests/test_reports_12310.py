"""12310 reports: sent without an account over HTTP or GraphQL, read back by the reporter with the
query code only (state and answer), triaged, verified and answered by the handling organ, whose
staff alone read the reporter's details; floods, oversized bodies, script and SQL-looking text
and unknown offices are refused or stored inertly, and a refusal changes nothing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import orjson
import pytest
from sqlalchemy import insert, text

from backend.identity.models import Membership
from tenants.organs import Organ
from tests.factories import add_unit
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, renewed, token_for

K, S, C = "431321", "431322", "431300"
NAME, CONTACT = "王举报", "13800000000"
REPORT = {
    "reportedUnit": "双峰县财政局",
    "content": "该局超编进人 3 名，借调人员长期不归。",
    "reporterName": NAME,
    "reporterContact": CONTACT,
}

FIELDS = "id state version reportedUnit content reporterName reporterContact handlingOrganName dueOn overdue verification answer transferredTo transferredFrom"
ONE = f"query($c: String!, $i: ID!) {{ report12310(tenantCode: $c, id: $i) {{ {FIELDS} }} }}"
LIST = f"query($c: String!, $f: Report12310Filter) {{ reports12310(tenantCode: $c, filter: $f) {{ items {{ {FIELDS} }} }} }}"
STATUS = "query($q: String!) { report12310Status(code: $q) { state answer } }"
SUBMIT = "mutation($c: String!, $i: Report12310Input!) { submitReport12310(tenantCode: $c, input: $i) { queryCode } }"
MOVE = f"mutation($c: String!, $i: ID!, $v: Int!, $a: Report12310Action!, $n: String) {{ moveReport12310(tenantCode: $c, id: $i, version: $v, action: $a, note: $n) {{ {FIELDS} }} }}"
REFER = f"mutation($c: String!, $i: ID!, $v: Int!, $o: ID!) {{ referReport12310(tenantCode: $c, id: $i, version: $v, organId: $o) {{ {FIELDS} }} }}"
TRANSFER = f"mutation($c: String!, $i: ID!, $v: Int!, $r: String!) {{ transferReport12310(tenantCode: $c, id: $i, version: $v, regionCode: $r) {{ {FIELDS} }} }}"


@pytest.fixture
async def offices(runtime, tmp_path):
    """双峰县 (K) and 新化县 (S) under 娄底 (C): K's 编办 staff, a liaison of its unit 1, a member
    of K's 纪委监委, S's inspector and C's inspector; roomy limits unless a test sets them."""
    runtime = limited(
        dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path)),
        reports_per_minute=1000,
        report_queries_per_minute=1000,
    )
    await create_all(runtime, "430000", C, K, S)
    await add_unit(runtime, K, "财政局", "UNIT431321")
    people = {
        "inspector": (K, "inspector", None),
        "reviewer": (K, "reviewer", None),
        "auditor": (K, "auditor", None),
        "liaison": (K, "liaison", 1),
        "sibling": (S, "inspector", None),
        "city": (C, "inspector", None),
        "city_reviewer": (C, "reviewer", None),
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, f"r.{who}", grant)) for who, grant in people.items()}
    async with runtime.engine.begin() as connection:
        discipline = (
            await connection.execute(
                insert(Organ)
                .values(
                    tenant_code=K,
                    kind="纪委监委",
                    name="中共双峰县纪律检查委员会",
                    short_name="双峰县纪委监委",
                    document_code="双纪",
                    signature_name="双峰县纪委监委",
                )
                .returning(Organ.id)
            )
        ).scalar_one()
    tokens["discipline"] = await token_for(runtime, (user := await add_user(runtime, "r.discipline")))
    async with runtime.engine.begin() as connection:
        await connection.execute(insert(Membership).values(user_id=user, tenant_code=K, organ_id=discipline, role="inspector"))
    return runtime, tokens, discipline


def limited(runtime, **limits):
    return dataclasses.replace(
        runtime, settings=dataclasses.replace(runtime.settings, edge=dataclasses.replace(runtime.settings.edge, **limits))
    )


async def submitted(api: Api, code: str = K, **change) -> str:
    response = await api.client.post(f"/report/{code}", json={**REPORT, **change})
    assert response.status_code == 201, response.text
    return response.json()["queryCode"]


async def only_report(runtime, code: str = K) -> str:
    async with runtime.engine.connect() as connection:
        return str((await connection.execute(text(f"SELECT max(id) FROM t{code}.report_12310"))).scalar_one())


async def stored(runtime) -> tuple:
    """Everything a report touches: the rows of K and C, their histories and audit trails, the outbox."""
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(r ORDER BY id)::text FROM t431321.report_12310 r),"
                        " (SELECT json_agg(r ORDER BY id)::text FROM t431300.report_12310 r),"
                        " (SELECT count(*) FROM t431321.report_12310_event), (SELECT count(*) FROM t431321.audit_event),"
                        " (SELECT count(*) FROM t431300.audit_event), (SELECT count(*) FROM notify.outbox)"
                    )
                )
            ).one()
        )


async def test_a_report_goes_from_intake_to_answer_and_the_reporter_reads_only_state_and_answer(offices):
    runtime, tokens, _ = offices
    async with Api(runtime) as api:
        code = await submitted(api)
        assert (await api.call(STATUS, q=code))["data"]["report12310Status"] == {"state": "RECEIVED", "answer": None}
        # typed by hand: lower case, spaces for hyphens
        assert (await api.call(STATUS, q=code.lower().replace("-", " ")))["data"]["report12310Status"]["state"] == "RECEIVED"
        # the reporter's view has nothing else to ask for
        assert error_code(await api.call("query($q: String!) { report12310Status(code: $q) { content } }", q=code)) == "GRAPHQL_ERROR"

        report = (await api.call(LIST, tokens["inspector"], c=K))["data"]["reports12310"]["items"][0]
        assert (report["state"], report["reporterName"], report["reporterContact"]) == ("RECEIVED", NAME, CONTACT)
        assert report["handlingOrganName"].endswith("编办")
        accepted = (await api.call(MOVE, tokens["inspector"], c=K, i=report["id"], v=1, a="ACCEPT"))["data"]["moveReport12310"]
        assert accepted["state"] == "ACCEPTED" and accepted["dueOn"] > report["dueOn"]
        verified = await api.call(MOVE, tokens["inspector"], c=K, i=report["id"], v=2, a="VERIFY", n="经核查，借调 2 人属实")
        assert verified["data"]["moveReport12310"]["verification"] == "经核查，借调 2 人属实"
        # the answer is signed off by a reviewer, not the inspector
        assert error_code(await api.call(MOVE, tokens["inspector"], c=K, i=report["id"], v=3, a="ANSWER", n="已责令纠正")) == "FORBIDDEN"
        answered = await api.call(
            MOVE, tokens["reviewer"], c=K, i=report["id"], v=3, a="ANSWER", n="经核查，反映的借调问题属实，已责令纠正。"
        )
        assert answered["data"]["moveReport12310"]["state"] == "ANSWERED"

        assert (await api.call(STATUS, q=code))["data"]["report12310Status"] == {
            "state": "ANSWERED",
            "answer": "经核查，反映的借调问题属实，已责令纠正。",
        }
        assert error_code(await api.call(STATUS, q=code[:-1] + ("A" if code[-1] != "A" else "B"))) == "NOT_FOUND"
    async with runtime.engine.connect() as connection:
        digest, history = (
            await connection.execute(
                text("SELECT query_digest, (SELECT count(*) FROM t431321.report_12310_event) FROM t431321.report_12310")
            )
        ).one()
        reporter_in_trail = (
            await connection.execute(
                text("SELECT count(*) FROM t431321.audit_event WHERE concat(before, after)::text ~ :p"), {"p": f"{NAME}|{CONTACT}"}
            )
        ).scalar_one()
        outbox = (await connection.execute(text("SELECT count(*) FROM notify.outbox"))).scalar_one()
    assert len(digest) == 32 and code.encode() not in digest and history == 3
    assert reporter_in_trail == 0 and outbox == 0  # never in the trail, never sent anywhere


async def test_a_form_and_the_graphql_mutation_take_reports_too_and_a_rejection_tells_the_reason(offices):
    runtime, tokens, _ = offices
    async with Api(runtime) as api:
        response = await api.client.post(f"/report/{K}", data={"reportedUnit": "双峰县教育局", "content": "擅自设立内设机构"})
        assert response.status_code == 201 and response.headers["content-type"].startswith("application/json")
        form_code = response.json()["queryCode"]
        anonymous = await api.call(SUBMIT, c=K, i={"reportedUnit": "双峰县教育局", "content": "超职数配备副局长"})
        code = anonymous["data"]["submitReport12310"]["queryCode"]
        assert code.startswith(f"{K}-") and len(code.replace("-", "")) == 6 + 24 and code != form_code

        report = await only_report(runtime)
        shown = (await api.call(ONE, tokens["inspector"], c=K, i=report))["data"]["report12310"]
        assert (shown["reporterName"], shown["reporterContact"]) == (None, None)  # anonymous
        assert error_code(await api.call(MOVE, tokens["inspector"], c=K, i=report, v=1, a="REJECT")) == "INVALID_TEXT"
        await api.call(MOVE, tokens["inspector"], c=K, i=report, v=1, a="REJECT", n="属于个人身份待遇问题，不属于受理范围")
        assert (await api.call(STATUS, q=code))["data"]["report12310Status"] == {
            "state": "REJECTED",
            "answer": "属于个人身份待遇问题，不属于受理范围",
        }
        assert (await api.call(STATUS, q=form_code))["data"]["report12310Status"]["state"] == "RECEIVED"


async def test_script_and_sql_looking_text_is_stored_and_read_back_exactly(offices):
    runtime, tokens, _ = offices
    hostile = "  <script>alert('x')</script>\n'; DROP TABLE report_12310; --\r\n<img src=x onerror=alert(1)>&amp;\t"
    unit = '财政局"); DELETE FROM t431321.report_12310; --'
    async with Api(runtime) as api:
        response = await api.client.post(f"/report/{K}", json={"reportedUnit": unit, "content": hostile, "reporterName": "<b>张</b>"})
        assert response.status_code == 201 and response.headers["content-type"].startswith("application/json")
        assert "<" not in response.text
        report = (await api.call(ONE, tokens["inspector"], c=K, i=await only_report(runtime)))["data"]["report12310"]
    assert (report["content"], report["reportedUnit"], report["reporterName"]) == (hostile, unit, "<b>张</b>")
    async with runtime.engine.connect() as connection:
        row = (await connection.execute(text("SELECT content, reported_unit FROM t431321.report_12310"))).one()
    assert row.content.encode() == hostile.encode() and row.reported_unit == unit


async def test_contacts_are_read_by_the_handling_organ_only(offices):
    runtime, tokens, discipline = offices
    async with Api(runtime) as api:
        await submitted(api)
        report = await only_report(runtime)

        def seen(result):
            shown = result["data"]["report12310"]
            return shown["reporterName"], shown["reporterContact"]

        assert seen(await api.call(ONE, tokens["inspector"], c=K, i=report)) == (NAME, CONTACT)
        for reader in ("auditor", "city"):  # the office's other readers and the city above it
            assert seen(await api.call(ONE, tokens[reader], c=K, i=report)) == (None, None)
        assert error_code(await api.call(ONE, tokens["liaison"], c=K, i=report)) == "FORBIDDEN"
        for stranger in ("sibling", "discipline"):  # a sibling county; 纪委监委, before it is referred there
            assert error_code(await api.call(ONE, tokens[stranger], c=K, i=report)) == "NOT_FOUND"
        assert (await api.call(LIST, tokens["discipline"], c=K))["data"]["reports12310"]["items"] == []
        assert error_code(await api.call(LIST, tokens["sibling"], c=K)) == "NOT_FOUND"
        assert error_code(await api.call(MOVE, tokens["city"], c=K, i=report, v=1, a="ACCEPT")) == "FORBIDDEN"
        assert error_code(await api.call(MOVE, tokens["discipline"], c=K, i=report, v=1, a="ACCEPT")) == "NOT_FOUND"

        referred = await api.call(REFER, tokens["inspector"], c=K, i=report, v=1, o=str(discipline))
        assert referred["data"]["referReport12310"]["reporterName"] is None  # the 编办 keeps a read, without the contacts
        assert seen(await api.call(ONE, tokens["discipline"], c=K, i=report)) == (NAME, CONTACT)
        assert seen(await api.call(ONE, tokens["inspector"], c=K, i=report)) == (None, None)
        assert [r["id"] for r in (await api.call(LIST, tokens["discipline"], c=K))["data"]["reports12310"]["items"]] == [report]
        assert error_code(await api.call(MOVE, tokens["inspector"], c=K, i=report, v=2, a="ACCEPT")) == "FORBIDDEN"
        accepted = await api.call(MOVE, tokens["discipline"], c=K, i=report, v=2, a="ACCEPT")
        assert accepted["data"]["moveReport12310"]["state"] == "ACCEPTED"
        assert (await api.call(ONE, tokens["inspector"], c=K, i=report))["data"]["report12310"]["state"] == "ACCEPTED"
    async with runtime.engine.connect() as connection:
        reads = (
            await connection.execute(text("SELECT actor FROM t431321.audit_event WHERE action = 'read.reporter_12310' ORDER BY seq"))
        ).scalars()
        assert set(reads) == {"r.inspector", "r.discipline"}  # every read of the details is on the trail


async def test_a_transfer_moves_the_report_to_the_parent_and_the_code_follows_it(offices):
    runtime, tokens, _ = offices
    async with Api(runtime) as api:
        code = await submitted(api)
        report = await only_report(runtime)
        assert error_code(await api.call(TRANSFER, tokens["inspector"], c=K, i=report, v=1, r=S)) == "INVALID_REGION"
        moved = (await api.call(TRANSFER, tokens["inspector"], c=K, i=report, v=1, r=C))["data"]["transferReport12310"]
        assert (moved["state"], moved["transferredTo"], moved["reporterName"]) == ("TRANSFERRED", C, None)
        copy = (await api.call(LIST, tokens["city"], c=C))["data"]["reports12310"]["items"][0]
        assert (copy["state"], copy["transferredFrom"], copy["reporterName"], copy["content"]) == ("RECEIVED", K, NAME, REPORT["content"])
        assert (await api.call(STATUS, q=code))["data"]["report12310Status"]["state"] == "RECEIVED"
        await api.call(MOVE, tokens["city"], c=C, i=copy["id"], v=1, a="REJECT", n="已由县级编办办理")
        assert (await api.call(STATUS, q=code))["data"]["report12310Status"] == {"state": "REJECTED", "answer": "已由县级编办办理"}
        # K's staff no longer hold the reporter's details
        assert (await api.call(ONE, tokens["inspector"], c=K, i=report))["data"]["report12310"]["reporterContact"] is None


async def test_lateness_counts_working_days_from_receipt_and_from_acceptance(offices):
    runtime, tokens, _ = offices
    async with Api(runtime) as api:
        await submitted(api)
        report = await only_report(runtime)
        assert (await api.call(LIST, tokens["inspector"], c=K, f={"overdue": True}))["data"]["reports12310"]["items"] == []
        runtime.clock.advance(timedelta(days=20))  # past 10 working days without a handling opinion
        inspector = renewed(runtime, tokens["inspector"])
        late = (await api.call(LIST, inspector, c=K, f={"overdue": True, "states": ["RECEIVED"]}))["data"]["reports12310"]
        assert [r["id"] for r in late["items"]] == [report]
        accepted = (await api.call(MOVE, inspector, c=K, i=report, v=1, a="ACCEPT"))["data"]["moveReport12310"]
        assert accepted["overdue"] is False
        runtime.clock.advance(timedelta(days=95))  # 60 working days are at least 84 days
        inspector = renewed(runtime, inspector)
        assert (await api.call(ONE, inspector, c=K, i=report))["data"]["report12310"]["overdue"] is True


async def test_a_flood_from_one_source_is_refused_while_another_source_gets_in(offices):
    runtime, _, _ = offices
    runtime = limited(runtime, reports_per_minute=2, report_queries_per_minute=3)
    async with Api(runtime, source="203.0.113.7") as flood, Api(runtime, source="198.51.100.4") as other:
        code = await submitted(flood)
        await submitted(flood)
        before = await stored(runtime)
        refused = await flood.client.post(f"/report/{K}", json=REPORT)
        assert refused.status_code == 429 and refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert error_code(await flood.call(SUBMIT, c=K, i=REPORT)) == "RATE_LIMITED"
        assert await stored(runtime) == before
        await submitted(other)
        for _ in range(3):
            await flood.call(STATUS, q=code)
        assert error_code(await flood.call(STATUS, q=code)) == "RATE_LIMITED"
        assert (await other.call(STATUS, q=code))["data"]["report12310Status"]["state"] == "RECEIVED"
    async with Api(runtime, source="192.0.2.9") as prober:  # refused requests count too
        for _ in range(2):
            assert (await prober.client.post(f"/report/{K}", json={"content": "缺被举报单位"})).status_code == 400
        assert (await prober.client.post(f"/report/{K}", json=REPORT)).status_code == 429


async def test_oversized_bodies_and_fields_and_unknown_offices_are_refused_and_store_nothing(offices):
    runtime, _, _ = offices
    async with Api(runtime) as api:
        before = await stored(runtime)
        huge = await api.client.post(f"/report/{K}", content=orjson.dumps({**REPORT, "content": "超" * 20_000}))
        assert huge.status_code == 413 and huge.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
        long = await api.client.post(f"/report/{K}", json={**REPORT, "content": "超" * 5001})
        assert long.status_code == 400 and long.json()["errors"][0]["extensions"] == {"code": "INVALID_TEXT", "field": "content"}
        assert error_code(await api.call(SUBMIT, c=K, i={**REPORT, "reporterName": "张" * 51})) == "INVALID_TEXT"
        for bad in ({"content": "只有内容"}, {**REPORT, "content": "含\x00控制字符"}, ["不是对象"]):
            response = await api.client.post(f"/report/{K}", json=bad)
            assert response.status_code == 400, response.text
        unknown = await api.client.post("/report/439999", json=REPORT)
        assert unknown.status_code == 404 and unknown.json()["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "tenantCode"}
        assert error_code(await api.call(SUBMIT, c="439999", i=REPORT)) == "NOT_FOUND"
        assert (await api.client.post("/report/4313", json=REPORT)).status_code == 400
        assert error_code(await api.call(STATUS, q="439999-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")) == "NOT_FOUND"
        assert error_code(await api.call(STATUS, q="<script>")) == "NOT_FOUND"
        assert await stored(runtime) == before


async def test_every_refused_act_changes_nothing(offices):
    runtime, tokens, discipline = offices
    async with Api(runtime) as api:
        await submitted(api)
        report = await only_report(runtime)
        before = await stored(runtime)
        refusals = [
            (MOVE, "inspector", {"c": K, "i": report, "v": 1, "a": "VERIFY", "n": "核查"}, "INVALID_TRANSITION"),
            (MOVE, "inspector", {"c": K, "i": report, "v": 7, "a": "ACCEPT"}, "STALE_VERSION"),
            (MOVE, "auditor", {"c": K, "i": report, "v": 1, "a": "ACCEPT"}, "FORBIDDEN"),
            (MOVE, "liaison", {"c": K, "i": report, "v": 1, "a": "ACCEPT"}, "FORBIDDEN"),
            (MOVE, "sibling", {"c": K, "i": report, "v": 1, "a": "ACCEPT"}, "NOT_FOUND"),
            (MOVE, "inspector", {"c": K, "i": "999", "v": 1, "a": "ACCEPT"}, "NOT_FOUND"),
            (REFER, "inspector", {"c": K, "i": report, "v": 1, "o": "999999"}, "INVALID_ORGAN"),
            (TRANSFER, "inspector", {"c": K, "i": report, "v": 1, "r": "440000"}, "INVALID_REGION"),
            (TRANSFER, "city", {"c": K, "i": report, "v": 1, "r": C}, "FORBIDDEN"),
            (REFER, "discipline", {"c": K, "i": report, "v": 1, "o": str(discipline)}, "NOT_FOUND"),
        ]
        for document, who, variables, code in refusals:
            assert error_code(await api.call(document, tokens[who], **variables)) == code, (who, variables)
            assert await stored(runtime) == before, (who, variables)
