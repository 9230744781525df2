"""What many tests share: fresh databases, readers of the database state compared before and
after, the documents and inputs of a logged finding, the notification pipeline drained, the
ledger office's actions, the command line run as a process, statement counting, and waiting
on a condition, a sheet as bytes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TypeVar

import asyncpg
from alembic import command as alembic_command
from arq.constants import in_progress_key_prefix
from openpyxl import Workbook
from pypdf import PdfReader
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db import async_database_url, asyncpg_dsn
from backend.embedded import ServiceUrls
from backend.notifications.relay import Relay
from backend.resources import checkout
from backend.runtime import Runtime
from backend.worker import create_import_worker, create_worker
from tenants.streams import MigrationStreams
from tests import citus
from tests.identity import Api

T = TypeVar("T")


async def tenant_schemas(runtime: Runtime) -> set[str]:
    """Every tenant and spare schema in the database."""
    query = text("SELECT nspname FROM pg_namespace WHERE nspname ~ '^(t[0-9]{6}|spare_[0-9]{6})$'")
    async with runtime.engine.connect() as connection:
        return set((await connection.execute(query)).scalars())


async def registry_rows(runtime: Runtime) -> list[tuple]:
    query = text("SELECT code, name, level, parent_code, province_code, city_code, schema_name FROM tenancy.tenant ORDER BY code")
    async with runtime.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(query)]


async def database_state(runtime: Runtime) -> tuple:
    """What a refused request must leave unchanged: the registry, the schemas, the spares."""
    async with runtime.engine.connect() as connection:
        spares = (await connection.execute(text("SELECT name FROM tenancy.spare_schema ORDER BY name"))).scalars().all()
    return await registry_rows(runtime), await tenant_schemas(runtime), spares


def tenant_sql(streams: MigrationStreams, direction: str, revisions: str) -> str:
    """The tenant stream's SQL taking a schema `revisions` ("t0026:t0025") up or down: a
    migration's test runs it inside a transaction it then rolls back."""
    buffer = io.StringIO()
    getattr(alembic_command, direction)(streams.config("tenant", buffer), revisions, sql=True)
    return buffer.getvalue()


async def create_all(runtime: Runtime, *codes: str) -> None:
    provisioner = runtime.provisioner()
    for code in codes:
        await provisioner.create(code)


async def eventually(probe: Callable[[], Awaitable[T]], seconds: float = 30, what: str = "the condition") -> T:
    """Poll `probe` until it answers something truthy and return that answer: tests wait on
    a condition (a row appears, a subscriber is counted), never on a guessed sleep."""
    deadline = time.monotonic() + seconds
    while not (answer := await probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}; last answer: {answer!r}")
        await asyncio.sleep(0.02)
    return answer


async def command(argv: list[str], *, env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`argv` run as a separate process to its end (two minutes at most), its output as text."""
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    async with asyncio.timeout(120):
        stdout, stderr = await process.communicate(stdin.encode() if stdin is not None else None)
    return subprocess.CompletedProcess(argv, process.returncode or 0, stdout.decode(), stderr.decode())


def process_env(runtime: Runtime, **more: str) -> dict[str, str]:
    """The environment of a separate `xuncha` process on the test's database and Redis (through
    PgBouncer too when the tests run through one), with `more`."""
    return {
        **os.environ,
        "DATABASE_URL": runtime.urls.database_url,
        "REDIS_URL": runtime.urls.redis_url,
        "XUNCHA_DIRECT_DATABASE_URL": runtime.urls.direct_database_url,
        "XUNCHA_PGBOUNCER": "1" if runtime.settings.behind_pgbouncer else "",
        **more,
    }


async def xuncha(runtime: Runtime, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The `xuncha` command line run as a user runs it: a separate process on the test's database."""
    env = process_env(runtime, COLUMNS="200", **(env or {}))
    return await command([sys.executable, "-m", "backend", *args], env=env, cwd=checkout(), stdin=stdin)


def worker_process(runtime: Runtime, queue: str) -> subprocess.Popen:
    """`xuncha worker` as a process on the test's database, on its own queue (and Redis prefix)."""
    env = process_env(
        runtime, XUNCHA_QUEUE_NAME=queue, XUNCHA_REDIS_PREFIX=queue, XUNCHA_JOB_TIMEOUT_SECONDS="3", XUNCHA_SWEEP_AFTER_SECONDS="4"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "backend", "worker"], env=env, cwd=checkout(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def inbox_count(runtime) -> tuple[int, int]:
    """Notifications, and distinct (event, user) pairs among them."""
    async with runtime.engine.connect() as connection:
        return tuple(
            (await connection.execute(text("SELECT count(*), count(DISTINCT (event_id, user_id)) FROM notify.notification"))).one()
        )


async def inbox_reaches(runtime, notifications: int, seconds: float) -> tuple[int, int]:
    async def counted() -> tuple[int, int] | None:
        counts = await inbox_count(runtime)
        return counts if counts[0] >= notifications else None

    return await eventually(counted, seconds, f"{notifications} notifications")


async def outbox_jobs_done(runtime, queue: str) -> bool:
    """No outbox job due (arq scores jobs by the wall-clock millisecond they are due) and none in
    progress: a job the killed worker left behind has run again, so a duplicate would be here."""
    jobs = f"{queue}:outbox:"  # the worker's job ids (its Redis prefix is the queue's name)
    due = await runtime.redis.zrangebyscore(queue, "-inf", time.time() * 1000)
    return not any(job.decode().startswith(jobs) for job in due) and not await runtime.redis.keys(f"{in_progress_key_prefix}{jobs}*")


@contextlib.contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements `engine` sends while the block runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def statements_for(runtime: Runtime, api, query: str, token: str) -> int:
    """How many statements one GraphQL request costs; the request must succeed."""
    with counting_statements(runtime.engine) as statements:
        result = await api.call(query, token)
    assert "errors" not in result, result
    return len(statements)


async def copy_role_settings(admin: asyncpg.Connection, template: str, name: str) -> None:
    """A copy does not take the template's per-database role settings (the shared migration's
    `ALTER ROLE … IN DATABASE … SET search_path`): set them again on the copy."""
    settings = await admin.fetch(
        "SELECT r.rolname, unnest(s.setconfig) AS setting FROM pg_db_role_setting s"
        " JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1",
        template,
    )
    for role, setting in settings:
        key, value = setting.split("=", 1)
        await admin.execute(f'ALTER ROLE "{role}" IN DATABASE "{name}" SET {key} = {value}')


def on_database(services: ServiceUrls, url: str) -> ServiceUrls:
    """`services` on the database `url` (from `fresh_database`) names, past PgBouncer too."""
    name = make_url(url).database
    direct = services.direct_database_url and make_url(services.direct_database_url).set(database=name).render_as_string(
        hide_password=False
    )
    return ServiceUrls(url, services.redis_url, direct)


@contextlib.asynccontextmanager
async def fresh_database(services: ServiceUrls, template: str | None = None) -> AsyncIterator[str]:
    """A new uniquely named database (empty, or a copy of `template`), dropped afterwards."""
    name = f"xuncha_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = await asyncpg.connect(asyncpg_dsn(services.direct_url, "postgres"))
    try:
        if citus.ENABLED:
            await citus.create_database(admin, name, template)
        else:
            await admin.execute(f'CREATE DATABASE "{name}"{copy}')
        if template:
            await copy_role_settings(admin, template, name)
        yield make_url(async_database_url(services.database_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        if citus.ENABLED:
            await citus.drop_database(admin, name)
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# GraphQL documents many tests send: one fixed 超编 finding in 双峰县's round 1 (`seed_round`),
# the caller's inbox, a finding of any input (`finding_input`); and an evidence file's content.
LOG_OVERSTAFFING = """mutation { logFinding(tenantCode: "431321", input: {roundId: "1", unitId: "1", taxonomyCode: "C03.K01.M01",
    description: "实有人数超过核定编制 2 名", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}) { id code } }"""
INBOX = """query($u: Boolean! = false, $a: Boolean! = false) { notifications(unreadOnly: $u, archived: $a) {
    unreadCount items { id eventType title body readAt } } }"""
LOG_FINDING = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) { id ledger { version } } }"""
PDF = b"%PDF-1.7\n" + b"rectification report " * 200


def finding_input(**change) -> dict:
    """A FindingInput for round 1 and unit 1 (as `seed_round` makes them), changed by `change`."""
    return {
        "roundId": "1",
        "unitId": "1",
        "taxonomyCode": "C03.K01.M01",
        "description": "实有人数超过核定编制 2 名",
        "severity": "SERIOUS",
        "foundOn": "2026-09-10",
        "deadline": "2026-12-31",
        **change,
    }


def configured(runtime, **settings):
    """The runtime with its own arq queue, quick retries, room for many mutations, and the given settings."""
    return dataclasses.replace(
        runtime,
        settings=dataclasses.replace(
            runtime.settings,
            queue_name=f"xuncha:test:{uuid.uuid4().hex[:8]}",
            retry_base_seconds=0.01,
            delivery_max_attempts=2,
            edge=dataclasses.replace(runtime.settings.edge, mutations_per_minute=10_000),
            **settings,
        ),
    )


async def drain(runtime) -> None:
    """Relay what is committed and run the worker until its queue is empty."""
    relay = Relay(runtime, runtime.redis)
    for _ in range(5):
        await relay.dispatch()
        for worker in (
            create_worker(runtime, relay=False, burst=True, handle_signals=False, poll_delay=0.01),
            create_import_worker(runtime, burst=True, handle_signals=False, poll_delay=0.01),
        ):
            await worker.main()
            await worker.close()
        async with runtime.engine.connect() as connection:
            waiting = (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM notify.outbox WHERE processed_at IS NULL)"
                        " + (SELECT count(*) FROM notify.delivery WHERE state IN ('pending', 'retrying'))"
                    )
                )
            ).scalar_one()
        if not waiting:
            return


STATE = "id ledger { state deadline version closeNote latestProgress { note actor evidence { sha256 fileName url } } }"
ACT = {
    "reportProgress": 'mutation($f: ID!, $v: Int!, $n: String!, $e: [EvidenceInput!]) { reportProgress(tenantCode: "TENANT", findingId: $f, version: $v, note: $n, evidence: $e) { '
    + STATE
    + " } }",
    "requestCloseOut": 'mutation($f: ID!, $v: Int!, $n: String!) { requestCloseOut(tenantCode: "TENANT", findingId: $f, version: $v, note: $n) { '
    + STATE
    + " } }",
    "closeOut": 'mutation($f: ID!, $v: Int!, $n: String) { closeOut(tenantCode: "TENANT", findingId: $f, version: $v, note: $n) { '
    + STATE
    + " } }",
    "sendBack": 'mutation($f: ID!, $v: Int!, $n: String!) { sendBack(tenantCode: "TENANT", findingId: $f, version: $v, reason: $n) { '
    + STATE
    + " } }",
    "reopenLedger": 'mutation($f: ID!, $v: Int!, $n: String!) { reopenLedger(tenantCode: "TENANT", findingId: $f, version: $v, reason: $n) { '
    + STATE
    + " } }",
}


def act(name: str, code: str = "431321") -> str:
    return ACT[name].replace("TENANT", code)


@dataclasses.dataclass
class Office:
    runtime: object
    tokens: dict[str, str]

    async def log(self, api: Api, unit: str = "1", **change) -> tuple[str, int]:
        finding = {
            "roundId": "1",
            "unitId": unit,
            "taxonomyCode": "C03.K01.M01",
            "description": "超编 2 名",
            "severity": "ORDINARY",
            "foundOn": "2026-09-10",
            "deadline": "2026-12-31",
            **change,
        }
        logged = (await api.call(LOG_FINDING, self.tokens["inspector"], i=finding))["data"]["logFinding"]
        return logged["id"], logged["ledger"]["version"]

    async def upload(self, api: Api, who: str, content: bytes, name: str = "整改报告.pdf", tenant: str = "431321"):
        return await api.client.post(
            f"/evidence/{tenant}", params={"name": name}, content=content, headers={"Authorization": f"Bearer {self.tokens[who]}"}
        )

    async def ledger_state(self) -> tuple:
        async with self.runtime.engine.connect() as connection:
            return tuple(
                (
                    await connection.execute(
                        text(
                            "SELECT (SELECT json_agg(l ORDER BY id)::text FROM t431321.ledger_entry l),"
                            " (SELECT count(*) FROM t431321.ledger_event), (SELECT count(*) FROM t431321.extension_request),"
                            " (SELECT count(*) FROM t431321.audit_event)"
                        )
                    )
                ).one()
            )


SCENARIO_DAY = date(2026, 11, 20)  # the day the scenario's overdue answers are written for


def pdf_text(content: bytes) -> str:
    """The text of a PDF, every page, without white space: pypdf puts a space or a NUL between glyphs
    set with character spacing (poppler's pdftotext and MuPDF read the same text clean)."""
    return "".join(page_text(page) for page in PdfReader(io.BytesIO(content)).pages)


def page_text(page) -> str:
    return "".join(page.extract_text().replace("\x00", "").split())


def sheet_bytes(rows: list[tuple]) -> bytes:
    """An .xlsx of one sheet holding `rows` (the first: the headers)."""
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
