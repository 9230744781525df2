"""What a hostile caller tried against a production-mode server (issue 19), each refused the
way every refusal is: a stable code, a readable message, nothing changed or revealed."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid

import pytest
from sqlalchemy import text

from bench.common import serving_process
from tests.factories import seed_round
from tests.helpers import LOG_OVERSTAFFING, create_all, drain, process_env
from tests.identity import Api, add_user, error_code, token_for
from tests.sinks import WebhookSink


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
    env = process_env(
        runtime,
        XUNCHA_QUEUE_NAME=namespace,
        XUNCHA_REDIS_PREFIX=namespace,
    )
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


ADD_WEBHOOK = 'mutation($u: String!) { addWebhook(tenantCode: "431321", url: $u, secret: "SEC0123456789abcdef") }'
NON_PUBLIC = [
    "http://127.0.0.1:6379/",
    "http://0.0.0.0:8000/",
    "http://[::1]/",
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f000001/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://localhost:5432/",
    "http://no-such-host.invalid/",
]


def trusting(runtime, *hosts: str):
    """The runtime with XUNCHA_WEBHOOK_ALLOWED_HOSTS set to `hosts`."""
    return dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, webhook_allowed_hosts=frozenset(hosts)))


async def webhook_rows(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        hooks = (await connection.execute(text("SELECT count(*) FROM notify.webhook"))).scalar_one()
        audited = (await connection.execute(text("SELECT count(*) FROM t431321.audit_event WHERE entity = 'webhook'"))).scalar_one()
    return hooks, audited


async def test_a_webhook_to_this_machine_the_intranet_or_a_metadata_service_is_refused_and_changes_nothing(county_office):
    runtime, tokens = county_office
    runtime = trusting(runtime)
    async with Api(runtime) as api:
        refused = {url: await api.call(ADD_WEBHOOK, tokens["admin"], u=url) for url in NON_PUBLIC}
        malformed = [error_code(await api.call(ADD_WEBHOOK, tokens["admin"], u=url)) for url in ("ftp://1.1.1.1/", "http://me@1.1.1.1/")]
    assert {url: error_code(answer) for url, answer in refused.items()} == dict.fromkeys(NON_PUBLIC, "WEBHOOK_ADDRESS_REFUSED")
    assert all(answer["errors"][0]["extensions"]["field"] == "url" for answer in refused.values())
    assert malformed == ["INVALID_URL", "INVALID_URL"]
    assert await webhook_rows(runtime) == (0, 0)


async def test_production_takes_https_webhooks_only(production):
    runtime, api, _ = production
    admin = await token_for(runtime, await add_user(runtime, "sf.admin", ("431321", "admin", None)))
    plain = await api.call(ADD_WEBHOOK, admin, u="http://1.1.1.1/robot/send")
    secure = await api.call(ADD_WEBHOOK, admin, u="https://1.1.1.1/robot/send")  # an address: nothing to resolve
    assert (error_code(plain), error_code(secure)) == ("INVALID_URL", None)
    assert await webhook_rows(runtime) == (1, 1)


async def test_a_delivery_checks_the_address_again_and_sends_nothing_to_one_no_longer_public(county_office):
    """A host that was trusted (or resolved to a public address) when the hook was added and
    reaches this machine when a notice goes out (DNS rebinding): refused at delivery."""
    runtime, tokens = county_office
    async with WebhookSink("SEC0123456789abcdef") as robot, Api(runtime) as api:
        url = robot.url.replace("127.0.0.1", "localhost")
        assert error_code(await api.call(ADD_WEBHOOK, tokens["admin"], u=url)) == "WEBHOOK_ADDRESS_REFUSED"
        async with Api(trusting(runtime, "localhost")) as trusted:
            assert error_code(await trusted.call(ADD_WEBHOOK, tokens["admin"], u=url)) is None
        await api.call(LOG_OVERSTAFFING, tokens["inspector"])
        await drain(runtime)  # the worker trusts only 127.0.0.1: "localhost" is checked and refused
        deliveries = (await api.call('{ deliveries(tenantCode: "431321") { items { state lastError } } }', tokens["admin"]))["data"]
    assert robot.received == [] and robot.refused == 0
    assert deliveries["deliveries"]["items"] == [
        {"state": "DEAD", "lastError": "webhook: 回调地址须为互联网上的公开地址，不能指向本机、内网、链路本地或保留地址"}
    ]
