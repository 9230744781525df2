"""What a hostile caller tried against a production-mode server (issue 19), each refused the
way every refusal is: a stable code, a readable message, nothing changed or revealed."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import uuid

import pytest

from bench.common import serving_process
from tests.factories import seed_round
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for


@pytest.fixture
async def production(runtime):
    """A production-mode app over a county with a unit and a round, and its inspector's token;
    a small query budget so that cost is easy to reach."""
    edge = dataclasses.replace(runtime.settings.edge, max_query_cost=6, introspection=False)
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, environment="production", edge=edge))
    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")
    inspector = await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))
    async with Api(runtime) as api:
        yield runtime, api, inspector


async def test_production_suggests_nothing_of_the_schema(production):
    _, api, inspector = production
    answers = [
        await api.call("mutation { logn }"),
        await api.call('{ findings(tenantCode: "431321", order: NEWES) { items { id } } }', inspector),
        await api.call("query($s: LedgerStat) { me { username } }", inspector),
        await api.call('{ finding(tenantCode: "431321", id: "1", idd: 1) { id } }', inspector),
    ]
    messages = [error["message"] for answer in answers for error in answer["errors"]]
    assert messages and not [message for message in messages if "Did you mean" in message]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
async def test_dates_outside_what_an_office_could_mean_are_refused(production, day):
    runtime, api, inspector = production
    statistics = await api.call(
        'query($f: ProblemFilterInput) { bankStatistics(regionCode: "431321", by: MONTH, filter: $f) { key } }',
        inspector,
        f={"foundFrom": day, "foundTo": "2026-12-31"},
    )
    logged = await api.call(
        'mutation($d: Date!) { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: "C03.K01.M01",'
        ' description: "超编", severity: ORDINARY, foundOn: $d, deadline: "2026-12-31"}) { id } }',
        inspector,
        d=day,
    )
    assert [statistics["errors"][0]["extensions"], logged["errors"][0]["extensions"]] == [
        {"code": "INVALID_INPUT", "field": "foundFrom"},
        {"code": "INVALID_INPUT", "field": "d"},
    ]
    assert "1900-01-01" in logged["errors"][0]["message"]
    async with runtime.engine.connect() as connection:
        assert (await connection.exec_driver_sql("SELECT count(*) FROM t431321.finding")).scalar_one() == 0


async def test_a_request_costing_more_than_the_budget_is_refused_before_it_runs(production):
    _, api, inspector = production
    aliases = " ".join(f'a{n}: findings(tenantCode: "431321") {{ totalCount }}' for n in range(7))
    through_fragments = (
        'fragment F on Query { a: findings(tenantCode: "431321") { totalCount } b: findings(tenantCode: "431321") { totalCount } }'
        " { ...F ...F ...F ...F }"
    )
    refused = [await api.call("{ " + aliases + " }", inspector), await api.call(through_fragments, inspector)]
    allowed = await api.call("{ " + " ".join(aliases.split(" a")[:1]) + " }", inspector)
    assert [error_code(answer) for answer in refused] == ["QUERY_TOO_COSTLY", "QUERY_TOO_COSTLY"]
    assert error_code(allowed) is None


async def test_an_evidence_file_downloads_under_the_name_it_was_uploaded_with(production):
    _, api, inspector = production
    headers = {"Authorization": f"Bearer {inspector}"}
    uploaded = await api.client.post("/evidence/431321", params={"name": "召回通知.pdf"}, content=b"%PDF-1.4 test", headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    download = await api.client.get(f"/evidence/431321/{uploaded.json()['sha256']}", headers=headers)
    assert download.status_code == 200
    assert download.headers["content-disposition"] == "attachment; filename*=utf-8''%E5%8F%AC%E5%9B%9E%E9%80%9A%E7%9F%A5.pdf"


async def test_a_request_the_http_parser_refuses_gets_the_error_shape_with_a_code(runtime):
    """The README's upload example once sent a raw Chinese ?name= and got uvicorn's plain-text 400."""
    namespace = f"xuncha-hostile-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": runtime.urls.database_url,
        "REDIS_URL": runtime.urls.redis_url,
        "XUNCHA_QUEUE_NAME": namespace,
        "XUNCHA_REDIS_PREFIX": namespace,
    }
    async with serving_process(["-m", "backend", "serve"], env) as (url, _):
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write("POST /evidence/431321?name=召回通知.pdf HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
        await writer.drain()
        response = await reader.read()
        writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"content-type: application/json" in head.lower()
    assert json.loads(body)["errors"][0]["extensions"] == {"code": "MALFORMED_REQUEST"}


async def test_costly_bank_queries_are_refused_in_bulk_and_charged_per_user(production):
    """Twenty aliases of commonProblems took 1.9 s of server time per request."""
    runtime, api, inspector = production
    refused = await api.call(
        "{ " + " ".join(f'a{n}: commonProblems(regionCode: "431321") {{ kindCode }}' for n in range(20)) + " }", inspector
    )
    assert error_code(refused) == "QUERY_TOO_COSTLY"
    budget = dataclasses.replace(runtime.settings.edge, max_query_cost=60, costly_per_minute=25)
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, edge=budget))
    async with Api(runtime) as own:
        answers = [await own.call('{ commonProblems(regionCode: "431321") { kindCode } }', inspector) for _ in range(3)]
    assert [error_code(answer) for answer in answers] == [None, None, "RATE_LIMITED"]
