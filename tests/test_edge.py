"""What the GraphQL edge does with hostile or odd input: malformed bodies, oversized ones,
deep, wide or long queries, text with zero-width, right-to-left, 4-byte and NUL characters,
SQL-looking text, and a schema-driven fuzz run. Every case gets a clear error or is stored
exactly; none is a 500 or an unmasked internal error."""

from __future__ import annotations

import dataclasses
import re

import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text

import graphql
from backend.schema import schema
from backend.text import MAX_NOTE
from tests.factories import seed_round
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

MASKED = "服务器内部错误"  # what production says of an unexpected exception


@pytest.fixture
async def edge(runtime):
    """A production-mode app over a county with a unit and a round; tokens of its inspector,
    liaison and a superuser. Mutation rate limits are lifted so that only the input decides."""
    settings = dataclasses.replace(
        runtime.settings, environment="production", edge=dataclasses.replace(runtime.settings.edge, mutations_per_minute=100_000)
    )
    runtime = dataclasses.replace(runtime, settings=settings)
    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")
    tokens = {
        "inspector": await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None))),
        "liaison": await token_for(runtime, await add_user(runtime, "sf.liaison", ("431321", "liaison", 1))),
        "root": await token_for(runtime, await add_user(runtime, "root", superuser=True)),
    }
    async with Api(runtime) as api:
        yield runtime, api, tokens


def errors_of(response) -> list[dict]:
    """The GraphQL errors of a response (none if it is not GraphQL-shaped JSON)."""
    try:
        body = response.json()
    except ValueError:
        return []
    return body.get("errors") or [] if isinstance(body, dict) else []


WIDE = "{ " + " ".join(f"a{n}: me {{ username }}" for n in range(100)) + " }"
WIDER = "{ " + " ".join(f"a{n}: me {{ username }}" for n in range(1000)) + " }"
DEEP = "{ taxonomy { categories { " + "children { " * 20 + "code" + " }" * 22 + " }"
LONG = "{ me { " + "username " * 5000 + "} }"
MALFORMED = [
    # (what is sent, the status it gets, a word the error must contain)
    ({"content": b"not json", "headers": {"Content-Type": "application/json"}}, 400, ""),
    ({"content": b"\xff\xfe\x00garbage", "headers": {"Content-Type": "application/json"}}, 400, ""),
    ({"json": []}, 400, ""),
    ({"json": {}}, 400, "query"),
    ({"json": {"query": 42}}, 400, ""),
    ({"json": {"query": None}}, 400, "query"),
    ({"json": {"query": "{ me { username } }", "variables": "x"}}, 400, ""),
    ({"json": {"query": "{ me { username } }", "operationName": 5}}, 400, ""),
    ({"json": {"query": "query A { me { username } }", "operationName": "Nope"}}, 400, ""),
    ({"content": b"query=%7Bme%7D", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400, "content type"),
    ({"json": {"query": "{ me { username } }", "pad": "x" * 300_000}}, 413, "BODY_TOO_LARGE"),
    ({"json": {"query": "{ me { username "}}, 200, "Syntax Error"),
    ({"json": {"query": "{ \u0000 }"}}, 200, "Syntax Error"),
    ({"json": {"query": WIDE}}, 200, "alias"),
    ({"json": {"query": WIDER}}, 200, "token"),
    ({"json": {"query": DEEP}}, 200, "depth"),
    ({"json": {"query": LONG}}, 200, "token"),
    ({"json": {"query": "{ nonexistent }"}}, 200, "nonexistent"),
    ({"json": {"query": "query($c: String!) { tenant(code: $c) { name } }", "variables": {"c": [1, 2]}}}, 200, "String"),
    ({"json": {"query": "query($n: Int) { tenants(first: $n) { items { code } } }", "variables": {"n": 2**40}}}, 200, "Int"),
    ({"json": {"query": "{ tenants(first: 100000) { items { code } } }"}}, 200, "100"),
    ({"json": {"query": "{ tenants(first: -1) { items { code } } }"}}, 200, ""),
]


async def test_a_malformed_request_gets_a_clear_error_never_a_500(edge):
    _runtime, api, tokens = edge
    wrong = []
    for n, (request, status, word) in enumerate(MALFORMED):
        headers = {"Authorization": f"Bearer {tokens['root']}", **request.get("headers", {})}
        response = await api.client.post("/graphql", headers=headers, **{k: v for k, v in request.items() if k != "headers"})
        errors = errors_of(response)
        if (
            response.status_code != status
            or not errors
            or any(not e["message"] or e["message"] == MASKED for e in errors)
            or word.lower() not in str(errors).lower()
            or (status != 200 and errors[0].get("extensions", {}).get("code") is None)
        ):
            wrong.append((n, response.status_code, response.text[:300]))
    assert not wrong, wrong
    assert (await api.client.get("/readyz")).status_code == 200  # and the process is fine afterwards


ZWJ_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
ODD_TEXT = {
    "zero-width joiner and non-joiner": "双\u200d峰\u200c县\ufeff财政局",
    "right-to-left marks": "\u200f\u202eمرحبا\u202c 整改",
    "4-byte characters": "𠀀𠀁𪚥 " + ZWJ_FAMILY + " 🀄",
    "combining marks": "e\u0301\u0323 Å",
    "sql-looking": "'; DROP TABLE finding; --",
    "more sql": "1' OR '1'='1' /* \\x00 */ $$; SELECT pg_sleep(10); $$",
    "line breaks and tabs": "第一行\n第二行\r\n\t缩进",
    "at the length limit": "超" * 5000,
}
REFUSED_TEXT = {  # (value, code, the fields refusing it)
    "NUL byte": ("整改\x00完成", "INVALID_TEXT", ("description", "measures")),
    "other control characters": ("整改\x07\x1b[31m", "INVALID_TEXT", ("description", "measures")),
    "over the length limit": ("超" * 5001, "INVALID_TEXT", ("description", "measures")),
    "only spaces where text is required": (" \u3000 \t", "INVALID_TEXT", ("description",)),
    "NUL in a name": ("张\x00三", "INVALID_NAME", ("responsiblePerson",)),
}
LOG = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) {
    id description ledger { version measures responsiblePerson } } }"""
PROGRESS = """mutation($f: ID!, $v: Int!, $n: String!) { reportProgress(tenantCode: "431321", findingId: $f, version: $v, note: $n) {
    ledger { version latestProgress { note } } } }"""
FINDING = {
    "roundId": "1",
    "unitId": "1",
    "taxonomyCode": "C03.K01.M01",
    "severity": "ORDINARY",
    "foundOn": "2026-09-10",
    "deadline": "2026-12-31",
}


async def stored_text(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM t431321.finding), (SELECT count(*) FROM t431321.ledger_event),"
                        " (SELECT count(*) FROM t431321.audit_event), (SELECT count(*) FROM problem_bank.problem)"
                    )
                )
            ).one()
        )


async def test_odd_text_is_stored_exactly_in_every_text_field(edge):
    runtime, api, tokens = edge
    for value in ODD_TEXT.values():
        await odd_text_round_trip(runtime, api, tokens, value)


async def odd_text_round_trip(runtime, api, tokens, value: str) -> None:
    kept = value.strip()  # free text is trimmed at the ends, nothing else
    logged = await api.call(
        LOG, tokens["inspector"], i={**FINDING, "description": value, "measures": value, "responsiblePerson": value[:64]}
    )
    assert error_code(logged) in (None, "INVALID_NAME"), logged
    if error_code(logged):  # a name field is shorter and refuses invisible characters
        assert logged["errors"][0]["extensions"]["field"] == "responsiblePerson"
        logged = await api.call(LOG, tokens["inspector"], i={**FINDING, "description": value, "measures": value})
    finding = logged["data"]["logFinding"]
    assert finding["description"] == kept and finding["ledger"]["measures"] == kept
    note = value[:MAX_NOTE]  # a progress note is shorter than a description
    progressed = await api.call(PROGRESS, tokens["liaison"], f=finding["id"], v=finding["ledger"]["version"], n=note)
    assert progressed["data"]["reportProgress"]["ledger"]["latestProgress"]["note"] == note.strip(), progressed
    async with runtime.engine.connect() as connection:
        stored = (
            await connection.execute(
                text(
                    "SELECT f.description, b.description FROM t431321.finding f JOIN problem_bank.problem b"
                    " ON b.tenant_code = '431321' AND b.finding_id = f.id WHERE f.id = :id"
                ),
                {"id": int(finding["id"])},
            )
        ).one()
    assert tuple(stored) == (kept, kept)
    searched = await api.call(
        'query($q: String!) { problems(regionCode: "431321", text: $q) { pageInfo { hasNextPage } items { description } } }',
        tokens["inspector"],
        q=value[:100],
    )
    assert error_code(searched) in (None, "INVALID_TEXT"), searched


async def test_unstorable_text_is_refused_with_a_field_error_and_changes_nothing(edge):
    runtime, api, tokens = edge
    before = await stored_text(runtime)
    for value, code, fields in REFUSED_TEXT.values():
        for field in fields:
            refused = await api.call(LOG, tokens["inspector"], i={**FINDING, "description": "超编", field: value})
            assert error_code(refused) == code and refused["errors"][0]["extensions"]["field"] == field, (value[:10], refused)
    assert await stored_text(runtime) == before


async def test_nul_and_huge_strings_in_lookups_and_logins_are_refused_cleanly(edge):
    runtime, api, tokens = edge
    for value in ("\x00", "a\x00b", "x" * 100_000, "'; DROP TABLE tenancy.tenant; --", "𠀀" * 10):
        results = [
            await api.call("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }", u=value, p=value),
            await api.call("query($c: String!) { tenant(code: $c) { name } }", tokens["root"], c=value),
            await api.call(
                'query($q: String!) { problems(regionCode: "431321", text: $q) { pageInfo { hasNextPage } items { description } } }',
                tokens["inspector"],
                q=value,
            ),
            await api.call(
                'query($t: String) { problems(regionCode: "431321", filter: {taxonomyCode: $t}) { pageInfo { endCursor } } }',
                tokens["inspector"],
                t=value,
            ),
            await api.call("mutation($r: String!) { refresh(refreshToken: $r) { accessToken } }", r=value),
        ]
        for result in results:
            assert all(e["message"] != MASKED and ("extensions" in e or "Variable" in e["message"]) for e in result.get("errors") or []), (
                value[:20],
                result,
            )
        assert results[0]["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"  # a login that matches nobody
    async with runtime.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM tenancy.tenant"))).scalar_one() == 3


def string_node(values) -> st.SearchStrategy:
    return values.map(lambda value: graphql.StringValueNode(value=value))


DATES = string_node(st.dates().map(str) | st.text(max_size=12))
DATETIMES = string_node(st.datetimes().map(lambda d: d.isoformat()) | st.text(max_size=24))
OPERATIONS = st.one_of(
    hypothesis_graphql.from_schema(schema.as_str(), custom_scalars={"Date": DATES, "DateTime": DATETIMES}, codec=None, mode=mode)
    for mode in (hypothesis_graphql.Mode.POSITIVE, hypothesis_graphql.Mode.NEGATIVE)
)


_STRING = r'"(?:[^"\\]|\\.)*"'
_CODES = re.compile(rf"\b(tenantCode|regionCode|provinceCode|issuerCode|parentCode|code): (?:{_STRING}|-?\d+)")
_IDS = re.compile(rf"\b(id|roundId|unitId|findingId|extensionId|escalationId|userId|membershipId): (?:{_STRING}|-?\d+)")


def aimed(query: str) -> str:
    """The operation pointed at the seeded county and its first unit, round and finding, so
    that it gets past the code and id checks into the rules behind them."""
    return _IDS.sub(r'\1: "1"', _CODES.sub(r'\1: "431321"', query))


async def test_fuzzed_operations_from_the_schema_never_fail_unexpectedly(edge):
    """Queries and mutations drawn from the published schema (valid ones and ones with one
    violation), with any characters in their strings, sent as a superuser, an office's
    inspector and a unit's liaison, as drawn and aimed at the seeded county: never a 500,
    never a masked internal error."""
    _runtime, api, tokens = edge
    seen = []

    @hypothesis_settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(query=OPERATIONS, who=st.sampled_from(sorted(tokens)))
    def check(query: str, who: str) -> None:
        seen.append((query, who))

    check()  # hypothesis drives sync functions; the drawn operations are then sent in this loop
    failures = []
    for query, who in [*seen, *((aimed(query), who) for query, who in seen)]:
        response = await api.client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {tokens[who]}"})
        if response.status_code >= 500 or any(MASKED in e.get("message", "") for e in errors_of(response)):
            failures.append((query, who, response.status_code, response.text[:300]))
    assert not failures, failures[:3]
    assert len(seen) == 150
