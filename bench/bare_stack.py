"""The bare stack the benchmarks compare against: Litestar + strawberry with the same parser and
validation caches and orjson, answering from asyncpg directly. No auth, no access policy, no
DataLoaders, no SQLAlchemy on the request path, no error handling: what the framework alone
costs for the same responses.

It answers the documents the mixed load (bench/mixed.py) sends, with the same field names and
argument types, so the load client sends both servers the same bytes:

- `findings(tenantCode, first)`: 50 findings with unit, round, ledger entry and latest
  progress, from one query (joins and a lateral subquery); also what bench/ledger.py lists
  (without tenantCode: BARE_SCHEMA's tenant);
- `finding(tenantCode, id)`: the finding with its ledger entry and history (two queries);
- `bankStatistics` / `overdueRanking` / `problems`: the problem bank's own SQL, built once per
  (region, breakdown or search case) by problem_bank's query builders and compiled to a
  string, then run through asyncpg (our server builds and compiles it per request);
- `reportProgress` / `requestCloseOut` / `sendBack`: in one transaction, the entry locked and
  its version and state checked, updated, projected into the bank (the projection's SQL),
  the history event, the audit entry and, for close-out and sent back, the outbox row;
- `login`: the user by name, the argon2 check (same parameters, in a thread), a session row,
  a signed access token.

Every process-level setting `xuncha serve` makes, it makes too: uvloop and httptools (uvicorn's
defaults when installed, as `xuncha serve` chooses them), and the garbage collector's
(backend/heap.py, once its caches are loaded).

Run as `uvicorn bench.bare_stack:app`; reads BARE_DSN (and BARE_SCHEMA for bench/ledger.py)."""

from __future__ import annotations

import enum
import os
import uuid
from datetime import date, datetime

import asyncpg
import orjson
import strawberry
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import create_async_engine
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.litestar import make_graphql_controller

from backend import heap
from backend.bank.sources import TENANT_SOURCE
from backend.bank.types import BankProblem, BankTally, ProblemFilterInput
from backend.clock import Clock
from backend.cursors import window
from backend.db import async_database_url
from backend.identity.credentials import issue_access_token, verify_password
from backend.identity.service import ACCESS_TOKEN_TTL
from backend.ledger import workflow
from backend.ledger.types import LedgerState
from backend.pagination import Page, PageInfo
from problem_bank import projection
from problem_bank.counts import COUNTED, dimension
from problem_bank.models import Problem
from problem_bank.projection import upsert_sql
from problem_bank.rectification import is_overdue
from problem_bank.search import ProblemFilter, filtered, in_region, newest_first, page_key, region_values
from problem_bank.statistics import Breakdown, _tally, ranking_key, ranking_query, tally_query
from problem_bank.taxonomy import load_taxonomy
from tenants.models import Tenant
from tenants.naming import schema_for_code
from tenants.registry import place_of

STATE: dict = {}
CLOCK = Clock()  # the bare stack reads the machine's clock, as the app does by default
DEFAULT_TENANT = os.environ.get("BARE_SCHEMA", "t431321").removeprefix("t")
DIALECT = PGDialect_asyncpg()
LIST = """
SELECT f.id, f.code, f.taxonomy_code, f.description, f.severity, f.fixed_on_spot, f.found_on,
       u.id AS unit_id, u.name AS unit_name, r.id AS round_id, r.name AS round_name,
       l.state, l.deadline, l.responsible_unit, l.responsible_person, l.version,
       p.note, p.actor, p.occurred_at
FROM {s}.finding f
JOIN {s}.ledger_entry l ON l.finding_id = f.id
JOIN {s}.inspected_unit u ON u.id = f.unit_id
JOIN {s}.inspection_round r ON r.id = f.round_id
LEFT JOIN LATERAL (SELECT note, actor, occurred_at FROM {s}.ledger_event e
                   WHERE e.finding_id = f.id AND e.action = '进展' ORDER BY e.id DESC LIMIT 1) p ON true
ORDER BY f.id DESC LIMIT $1
"""
DETAIL = """SELECT f.id, f.code, f.description, f.evidence_sources, f.found_by, l.state, l.deadline, l.close_note, l.closed_at, l.version
FROM {s}.finding f JOIN {s}.ledger_entry l ON l.finding_id = f.id WHERE f.id = $1"""
HISTORY = "SELECT action, from_state, to_state, note, actor, occurred_at FROM {s}.ledger_event WHERE finding_id = $1 ORDER BY id"
LOCK = """SELECT l.id, l.state, l.deadline, l.responsible_unit, l.responsible_person, l.measures, l.version, f.code AS finding_code, f.unit_id
FROM {s}.ledger_entry l JOIN {s}.finding f ON f.id = l.finding_id WHERE l.finding_id = $1 FOR UPDATE OF l"""
UPDATE = """UPDATE {s}.ledger_entry SET state = $2, version = version + 1 WHERE id = $1
RETURNING state, deadline, responsible_unit, responsible_person, measures, version"""
EVENT = "INSERT INTO {s}.ledger_event (finding_id, action, from_state, to_state, note, actor) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
AUDIT = """INSERT INTO {s}.audit_event (actor, action, entity, entity_id, before, after, request_id)
VALUES ($1, $2, 'ledger_entry', $3, $4::jsonb, $5::jsonb, NULL)"""
OUTBOX = "INSERT INTO notify.outbox (tenant_code, event_type, payload) VALUES ($1, $2, $3::jsonb) RETURNING pg_notify('xuncha_outbox', '')"
# A count the projection brought to 0, deleted as problem_bank.counts.written does.
ZERO = {
    table.__tablename__: f"DELETE FROM problem_bank.{table.__tablename__} WHERE tenant_code = $1"
    f" AND {dimension(table)}::text = $2 AND state = $3 AND deadline = $4 AND n = 0"
    for table in COUNTED
}
LOGIN = "SELECT id, password_hash FROM identity.user_account WHERE username = $1 AND is_active"
SESSION = "INSERT INTO identity.session (id, user_id) VALUES ($1, $2)"
NOTIFYING = {workflow.REQUEST_CLOSE_OUT.label: "ledger.close_out_requested", workflow.SEND_BACK.label: "ledger.sent_back"}


def compiled(statement, values: dict | None = None) -> tuple[str, list]:
    """A SQLAlchemy statement as asyncpg's SQL and positional arguments (`values`: those of its
    parameters bound at execution)."""
    state = statement.compile(dialect=DIALECT).construct_expanded_state(values)
    return state.statement, [state.parameters[name] for name in state.positiontup]


def cached_sql(key: tuple, build) -> tuple[str, list]:
    """Built and compiled once per key (region, breakdown or case): the request path only runs it."""
    if key not in STATE["sql"]:
        STATE["sql"][key] = build()
    return STATE["sql"][key]


class Row:
    """Attribute access to an asyncpg record (what the shared strawberry types read)."""

    __slots__ = ("record",)

    def __init__(self, record) -> None:
        self.record = record

    def __getattr__(self, name: str):
        return self.record[name]


@strawberry.type
class Named:
    id: strawberry.ID
    name: str


@strawberry.type
class Progress:
    note: str | None
    actor: str
    occurred_at: datetime


@strawberry.type
class HistoryEvent:
    action: str
    from_state: str
    to_state: str
    note: str | None
    actor: str
    occurred_at: datetime


@strawberry.type
class BareLedger:
    state: LedgerState
    deadline: date
    overdue: bool
    version: int
    responsible_unit: str | None = None
    responsible_person: str | None = None
    close_note: str | None = None
    closed_at: datetime | None = None
    latest_progress: Progress | None = None
    history: list[HistoryEvent] = strawberry.field(default_factory=list)


@strawberry.type
class BareFinding:
    id: strawberry.ID
    code: str
    description: str
    ledger: BareLedger
    taxonomy_code: str = ""
    taxonomy_name: str = ""
    severity: str = ""
    fixed_on_spot: bool = False
    found_on: date | None = None
    found_by: str = ""
    evidence_sources: list[str] = strawberry.field(default_factory=list)
    unit: Named | None = None
    round: Named | None = None


@strawberry.type
class BarePage:
    items: list[BareFinding]
    page_info: PageInfo


@strawberry.enum
class FindingOrder(enum.Enum):
    NEWEST = "newest"


@strawberry.type
class AuthPayload:
    access_token: str


def tally(record, label: str) -> BankTally:
    return BankTally.of(_tally(Row(record)), label)


@strawberry.type
class Query:
    @strawberry.field
    async def findings(self, tenant_code: str = DEFAULT_TENANT, first: int = 50, order: FindingOrder = FindingOrder.NEWEST) -> BarePage:
        today = CLOCK.today()
        rows = await STATE["pool"].fetch(LIST.format(s=schema_for_code(tenant_code)), first)
        return BarePage(
            page_info=PageInfo(has_next_page=len(rows) == first, end_cursor=None),
            items=[
                BareFinding(
                    id=strawberry.ID(str(r["id"])),
                    code=r["code"],
                    taxonomy_code=r["taxonomy_code"],
                    taxonomy_name=STATE["taxonomy"].name(r["taxonomy_code"]) or "",
                    description=r["description"],
                    severity=r["severity"],
                    fixed_on_spot=r["fixed_on_spot"],
                    found_on=r["found_on"],
                    unit=Named(id=strawberry.ID(str(r["unit_id"])), name=r["unit_name"]),
                    round=Named(id=strawberry.ID(str(r["round_id"])), name=r["round_name"]),
                    ledger=BareLedger(
                        state=r["state"],
                        deadline=r["deadline"],
                        overdue=is_overdue(r["state"], r["deadline"], today),
                        responsible_unit=r["responsible_unit"],
                        responsible_person=r["responsible_person"],
                        version=r["version"],
                        latest_progress=Progress(note=r["note"], actor=r["actor"], occurred_at=r["occurred_at"]) if r["actor"] else None,
                    ),
                )
                for r in rows
            ],
        )

    @strawberry.field
    async def finding(self, tenant_code: str, id: strawberry.ID) -> BareFinding:
        s = schema_for_code(tenant_code)
        async with STATE["pool"].acquire() as connection:
            r = await connection.fetchrow(DETAIL.format(s=s), int(id))
            events = await connection.fetch(HISTORY.format(s=s), int(id))
        return BareFinding(
            id=id,
            code=r["code"],
            description=r["description"],
            evidence_sources=orjson.loads(r["evidence_sources"]),
            found_by=r["found_by"],
            ledger=BareLedger(
                state=r["state"],
                deadline=r["deadline"],
                overdue=is_overdue(r["state"], r["deadline"], CLOCK.today()),
                close_note=r["close_note"],
                closed_at=r["closed_at"],
                version=r["version"],
                history=[HistoryEvent(**e) for e in events],
            ),
        )

    @strawberry.field
    async def bank_statistics(self, region_code: str, by: Breakdown) -> list[BankTally]:
        today = CLOCK.today()
        region = STATE["places"][region_code]
        breakdown = by

        sql, arguments = cached_sql(
            ("statistics", region_code, breakdown, today),
            lambda: compiled(tally_query(region.level, STATE["no_filter"], breakdown), region_values(region, today)),
        )
        rows = await STATE["pool"].fetch(sql, *arguments)
        if breakdown is Breakdown.REGION:
            return [tally(r, STATE["names"].get(r["key"], r["key"])) for r in rows]
        if breakdown in (Breakdown.CATEGORY, Breakdown.KIND):
            return [tally(r, STATE["taxonomy"].name(r["key"]) or r["key"]) for r in rows]
        return [tally(r, r["key"]) for r in rows]

    @strawberry.field
    async def overdue_ranking(self, region_code: str, first: int = 20) -> Page[BankTally]:
        today = CLOCK.today()
        region = STATE["places"][region_code]

        sql, arguments = cached_sql(
            ("ranking", region_code, first, today),
            lambda: compiled(ranking_query(region.level, STATE["no_filter"], first + 1), region_values(region, today)),
        )
        page = window(await STATE["pool"].fetch(sql, *arguments), first, lambda r: ranking_key(_tally(Row(r))))
        return Page(items=[tally(r, r["name"]) for r in page.rows], page_info=PageInfo.of(page))

    @strawberry.field
    async def problems(
        self, region_code: str, text: str | None = None, filter: ProblemFilterInput | None = None, first: int = 50
    ) -> Page[BankProblem]:
        today = CLOCK.today()
        region = STATE["places"][region_code]
        criteria = (filter or ProblemFilterInput()).to_filter(STATE["taxonomy"], text)

        def build():
            query = select(Problem, Tenant.name.label("office_name")).join(Tenant, Tenant.code == Problem.tenant_code)
            return compiled(filtered(query.where(in_region(region)), criteria, today).order_by(*newest_first()).limit(first + 1))

        sql, arguments = cached_sql(("search", region_code, criteria, first, today), build)
        page = window(await STATE["pool"].fetch(sql, *arguments), first, lambda r: page_key(Row(r)))
        return Page(items=[BankProblem.of(Row(r), STATE["taxonomy"], today, text) for r in page.rows], page_info=PageInfo.of(page))


async def transition(tenant_code: str, finding_id: strawberry.ID, version: int, note: str, action: workflow.Transition) -> BareFinding:
    s, fid = schema_for_code(tenant_code), int(finding_id)
    async with STATE["pool"].acquire() as connection, connection.transaction():
        entry = await connection.fetchrow(LOCK.format(s=s), fid)
        if entry["version"] != version or entry["state"] not in action.sources:
            raise ValueError(f"STALE_VERSION or INVALID_TRANSITION: {entry['version']} {entry['state']}")
        after = await connection.fetchrow(UPDATE.format(s=s), entry["id"], action.target)
        for zero in await connection.fetch(STATE["project"].format(s=s), tenant_code, [fid]):
            if zero["counted"] is not None:
                await connection.execute(ZERO[zero["counted"]], *(zero[c] for c in ("tenant_code", "key", "state", "deadline")))
        await connection.fetchval(EVENT.format(s=s), fid, action.label, entry["state"], after["state"], note, "bare")
        before = {k: entry[k] for k in ("state", "responsible_unit", "responsible_person", "measures", "version")}
        await connection.execute(
            AUDIT.format(s=s),
            "bare",
            f"ledger.{action.action}",
            str(fid),
            orjson.dumps(before).decode(),
            orjson.dumps({**dict(after), "note": note}, default=str).decode(),
        )
        if action.label in NOTIFYING:
            payload = {"finding_id": fid, "finding_code": entry["finding_code"], "unit_id": entry["unit_id"], "note": note}
            await connection.fetchval(OUTBOX, tenant_code, NOTIFYING[action.label], orjson.dumps(payload).decode())
    return BareFinding(
        id=finding_id,
        code=entry["finding_code"],
        description="",
        ledger=BareLedger(state=after["state"], deadline=after["deadline"], overdue=False, version=after["version"]),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def report_progress(self, tenant_code: str, finding_id: strawberry.ID, version: int, note: str) -> BareFinding:
        return await transition(tenant_code, finding_id, version, note, workflow.REPORT_PROGRESS)

    @strawberry.mutation
    async def request_close_out(self, tenant_code: str, finding_id: strawberry.ID, version: int, note: str) -> BareFinding:
        return await transition(tenant_code, finding_id, version, note, workflow.REQUEST_CLOSE_OUT)

    @strawberry.mutation
    async def send_back(self, tenant_code: str, finding_id: strawberry.ID, version: int, reason: str) -> BareFinding:
        return await transition(tenant_code, finding_id, version, reason, workflow.SEND_BACK)

    @strawberry.mutation
    async def login(self, username: str, password: str) -> AuthPayload:
        user = await STATE["pool"].fetchrow(LOGIN, username)
        if not await verify_password(user["password_hash"] if user else None, password):
            raise ValueError("UNAUTHENTICATED")
        session_id = uuid.uuid4()
        await STATE["pool"].execute(SESSION, session_id, user["id"])
        return AuthPayload(access_token=issue_access_token(user["id"], session_id, STATE["secret"], ACCESS_TOKEN_TTL, CLOCK.now())[0])


base = make_graphql_controller(
    strawberry.Schema(query=Query, mutation=Mutation, extensions=[ParserCache, ValidationCache]), path="/graphql", graphql_ide=None
)


class Controller(base):  # type: ignore[misc, valid-type]  # strawberry makes the base class at run time
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


async def open_pool() -> None:
    """The pool, and what the server keeps in memory: taxonomy, registry places and names."""
    STATE["pool"] = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=2, max_size=10)
    STATE["secret"] = os.environ.get("XUNCHA_SECRET_KEY", "bare")
    STATE["sql"] = {}
    STATE["no_filter"] = ProblemFilter()
    engine = create_async_engine(async_database_url(os.environ["DATABASE_URL"]))
    try:
        async with engine.connect() as connection:
            STATE["taxonomy"] = await load_taxonomy(connection)
            tenants = (await connection.execute(select(Tenant))).all()
    finally:
        await engine.dispose()
    STATE["places"] = {t.code: place_of(t) for t in tenants}
    STATE["names"] = {t.code: t.name for t in tenants}
    # The projection's statement with the schema left open and asyncpg's placeholders.
    projection.register(TENANT_SOURCE)
    project = upsert_sql("000000", "s.finding_id = ANY(:ids)")
    STATE["project"] = project.replace("t000000.", "{s}.").replace(":tenant_code", "$1").replace(":ids", "$2")
    heap.settle()  # the garbage collector as `xuncha serve` sets it: a fair comparison


async def close_pool() -> None:
    await STATE["pool"].close()


app = Litestar(route_handlers=[Controller], on_startup=[open_pool], on_shutdown=[close_pool])
