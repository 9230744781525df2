"""One JSON line a request, refusals without tracebacks (issue 24, operations basics)."""

from __future__ import annotations

import dataclasses
import logging

import orjson
import pytest

from backend.logs import CHATTY, JsonFormatter, configure_logging
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
UNITS = "query($c: String!) { units(tenantCode: $c) { items { id } } }"


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def collected():
    handler, root = Collected(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


async def test_each_request_leaves_one_line_and_refusals_no_traceback(runtime, collected):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    token = await token_for(runtime, await add_user(runtime, "sf_admin", ("431321", "admin", None)))
    async with Api(runtime) as api:
        refused = [
            error_code(await api.call(LOGIN, None, u="sf_admin", p="wrong password")),
            error_code(await api.call(UNITS, token, c="431322")),
            error_code(await api.call(UNITS, "not a token", c="431321")),
        ]
        answered = await api.call(UNITS, token, c="431321")
        download = await api.client.get("/exports/431322/ledger.xlsx", headers={"Authorization": f"Bearer {token}"})
    lines = [r.fields for r in collected.records if r.name == "xuncha.request"]  # type: ignore[attr-defined]
    assert refused == ["INVALID_CREDENTIALS", "NOT_FOUND", "UNAUTHENTICATED"] and "errors" not in answered
    assert download.status_code == 404
    assert [(line["operation"], line["office"], line["result"], line["user"]) for line in lines] == [
        ("login", None, "INVALID_CREDENTIALS", None),
        ("units", "431322", "NOT_FOUND", "sf_admin"),
        ("units", "431321", "UNAUTHENTICATED", None),
        ("units", "431321", "OK", "sf_admin"),
        ("GET /exports/{tenant_code}/ledger.xlsx", "431322", "404", "sf_admin"),  # the route, not its ids
    ]
    assert all(line["request_id"] and line["duration_ms"] >= 0 for line in lines)
    assert [r for r in collected.records if r.levelno >= logging.WARNING or r.exc_info] == []


def test_lines_are_json_and_the_worker_is_quiet_where_a_person_watches():
    record = logging.LogRecord("xuncha.request", logging.INFO, __file__, 1, "units OK", None, None)
    record.fields = {"user": "张三", "duration_ms": 1.5}
    assert orjson.loads(JsonFormatter().format(record)) | {"ts": None} == {
        "ts": None,
        "level": "INFO",
        "logger": "xuncha.request",
        "message": "units OK",
        "user": "张三",
        "duration_ms": 1.5,
    }
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in CHATTY}
    try:
        configure_logging(quiet_worker=True)
        assert all(logging.getLogger(name).getEffectiveLevel() == logging.WARNING for name in CHATTY)
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
    finally:
        root.handlers[:], level, levels = saved
        root.setLevel(level)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)


def series(exposition: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in exposition.splitlines() if line and not line.startswith("#")}


async def test_metrics_count_requests_by_operation_and_read_the_backlog_and_dependencies(runtime):
    """Counts are per process and other tests share it: what this test's requests added is compared."""
    await create_all(runtime, "430000", "431300", "431321")
    token = await token_for(runtime, await add_user(runtime, "sf_admin", ("431321", "admin", None)))
    guarded = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, metrics_token="scrape-me"))
    ok, refused_units = (
        'xuncha_requests_total{operation="units",result="OK"}',
        'xuncha_requests_total{operation="units",result="NOT_FOUND"}',
    )
    export = 'xuncha_requests_total{operation="GET /exports/{tenant_code}/ledger.xlsx",result="OK"}'  # a template: no ids in labels
    async with Api(runtime) as api:
        before = series((await api.client.get("/metrics")).text)
        await api.call(UNITS, token, c="431321")
        await api.call(UNITS, token, c="431399")
        await api.client.get("/exports/431321/ledger.xlsx", headers={"Authorization": f"Bearer {token}"})
        scraped = await api.client.get("/metrics")
    async with Api(guarded) as api:
        refused = await api.client.get("/metrics")
        allowed = await api.client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    after = series(scraped.text)
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert [after[key] - before.get(key, 0) for key in (ok, refused_units, export)] == [1, 1, 1]
    assert after['xuncha_request_duration_seconds_count{operation="units"}'] >= 2
    assert "xuncha_outbox_backlog" in after and after["xuncha_database_up"] == 1 and after["xuncha_redis_up"] == 1
    assert (refused.status_code, allowed.status_code) == (403, 200)
