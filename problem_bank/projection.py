"""The problem bank's copy of every finding (问题库), written in the transaction that changes
the finding or its ledger entry, so the bank never shows what a rolled-back change did.

The bank also keeps each unit's credit code and name (`project_unit`).

One statement per change: the row is recomputed from the tenant's tables and upserted, and
the same statement keeps the pre-counted rows (problem_bank.counts.counting; a second one
deletes counts that reached 0). `verify` recomputes every row of a tenant and reports what
differs (`xuncha bank verify`), and recounts the tenant's counts.

A finding keeps the taxonomy code and edition it was coded with; its bank row carries the
code in the current edition, so the bank is read in one edition. Mappings always lead to the
current edition (publishing one rewrites the older mappings to it), and the migration that
publishes it calls `remap_to_current` for the rows already in the bank."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from problem_bank.counts import COUNTED_COLUMNS, Miscount, counting, miscounted, written
from tenants.naming import schema_for_code

COLUMNS = (
    "tenant_code",
    "finding_id",
    "province_code",
    "city_code",
    "tenant_level",
    "finding_code",
    "unit_id",
    "unit_name",
    "unit_type",
    "round_id",
    "round_kind",
    "source",
    "taxonomy_code",
    "taxonomy_version",
    "severity",
    "fixed_on_spot",
    "state",
    "deadline",
    "closed_at",
    "found_on",
    "description",
    "quantities",
    "sensitivity",
)


@dataclass(frozen=True)
class TenantSource:
    """What the bank reads of a tenant's own tables, as the tenant side declares it (the bank
    names none of them): SQL text with `{schema}` where the tenant's schema goes. `findings`
    gives one row per finding with the FINDING_COLUMNS, `units` one row per unit with the
    UNIT_COLUMNS."""

    findings: str
    units: str


FINDING_COLUMNS = COLUMNS[1:2] + COLUMNS[5:]
UNIT_COLUMNS = ("unit_id", "credit_code", "name", "unit_type")
_sources: list[TenantSource] = []


def register(source: TenantSource) -> None:
    """Declare what the projection reads (the application does, as it starts)."""
    _sources[:] = [source]
    _upsert.cache_clear()


def _source() -> TenantSource:
    if not _sources:
        raise RuntimeError("the problem bank has no tenant source: call problem_bank.projection.register first")
    return _sources[0]


def _findings(tenant_code: str) -> str:
    return _source().findings.format(schema=schema_for_code(tenant_code))


def _projected(tenant_code: str, where: str) -> str:
    """The bank rows of a tenant's findings, as the tenant's tables say they should be (`where`
    on the source's columns, as `s.finding_id`). A finding's code in the current edition is
    looked up apart (LIMIT 1: a code maps to one target): joined among the source's tables,
    the mapping doubled the statement's planning, which a ledger write pays whenever the statement
    is planned afresh (always behind PgBouncer, which keeps nothing prepared): 0.50 against
    0.25 ms (BENCHMARKS.md, issue 25 item 2)."""
    return f"""
        SELECT t.code AS tenant_code, s.finding_id, t.province_code, t.city_code, t.level AS tenant_level,
               s.finding_code, s.unit_id, s.unit_name, s.unit_type, s.round_id, s.round_kind, s.source,
               coalesce(m.to_code, s.taxonomy_code) AS taxonomy_code, coalesce(m.to_version, s.taxonomy_version) AS taxonomy_version,
               s.severity, s.fixed_on_spot, s.state, s.deadline, s.closed_at, s.found_on, s.description, s.quantities,
               s.sensitivity
        FROM ({_findings(tenant_code)}) AS s
        JOIN tenancy.tenant t ON t.code = :tenant_code
        LEFT JOIN LATERAL (
            SELECT to_code, to_version FROM problem_bank.taxonomy_mapping
            WHERE from_version = s.taxonomy_version AND from_code = s.taxonomy_code LIMIT 1
        ) AS m ON true
        WHERE {where}"""


async def project(
    connection: AsyncConnection, tenant_code: str, *, finding_ids: list[int] | None = None, unit_id: int | None = None
) -> None:
    """Upsert the bank rows of some findings (or of every finding of a unit) in the caller's transaction."""
    parameters = {"ids": finding_ids} if finding_ids is not None else {"unit": unit_id}
    await written(connection, _upsert(tenant_code, finding_ids is not None), {"tenant_code": tenant_code, **parameters})


@lru_cache(maxsize=4096)
def _upsert(tenant_code: str, by_ids: bool) -> TextClause:
    """The upsert of `project`, per tenant and shape: every ledger write runs one, and building
    the text (and finding its parameters) costs more than running it."""
    return text(upsert_sql(tenant_code, "s.finding_id = ANY(:ids)" if by_ids else "s.unit_id = :unit"))


def upsert_sql(tenant_code: str, where: str) -> str:
    """The statement that upserts a tenant's bank rows (`where` on the source's columns) and
    keeps their counts (problem_bank.counts.counting). The versions it replaces are locked and
    read first: the filter on `old` reads all of it before any row is written."""
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in COLUMNS[2:])
    counted = ", ".join(f"p.{column}" for column in COUNTED_COLUMNS)
    return f"""WITH projected AS ({_projected(tenant_code, where)}),
        old AS (
            SELECT {counted} FROM problem_bank.problem p
            WHERE p.tenant_code = :tenant_code AND p.finding_id = ANY(ARRAY(SELECT finding_id FROM projected))
            ORDER BY p.finding_id FOR UPDATE OF p),
        new AS (
            INSERT INTO problem_bank.problem ({", ".join(COLUMNS)})
            SELECT * FROM projected WHERE (SELECT count(*) FROM old) >= 0 ORDER BY finding_id
            ON CONFLICT (tenant_code, finding_id) DO UPDATE SET {updates}, projected_at = EXCLUDED.projected_at
            RETURNING {", ".join(COUNTED_COLUMNS)}, xmax::text <> '0' AS replaced)
        {counting("old", "new")}"""


async def project_unit(connection: AsyncConnection, tenant_code: str, unit_id: int) -> None:
    """Upsert the bank's entry of a unit (problem_bank.unit) in the caller's transaction."""
    await connection.execute(
        text(f"""INSERT INTO problem_bank.unit (tenant_code, unit_id, credit_code, name, unit_type)
                 SELECT :tenant_code, unit_id, credit_code, name, unit_type
                 FROM ({_source().units.format(schema=schema_for_code(tenant_code))}) AS s WHERE s.unit_id = :unit
                 ON CONFLICT (tenant_code, unit_id) DO UPDATE
                 SET credit_code = EXCLUDED.credit_code, name = EXCLUDED.name, unit_type = EXCLUDED.unit_type"""),
        {"tenant_code": tenant_code, "unit": unit_id},
    )


@dataclass
class Drift:
    tenant_code: str
    findings: int = 0
    missing_or_stale: list[int] = field(default_factory=list)  # finding ids
    orphaned: list[int] = field(default_factory=list)  # bank rows without a finding
    miscounts: list[Miscount] = field(default_factory=list)  # counts that differ from the rows

    @property
    def in_step(self) -> bool:
        return not (self.missing_or_stale or self.orphaned or self.miscounts)


async def verify_snapshot(engine: AsyncEngine, tenant_code: str) -> Drift:
    """`verify` in one REPEATABLE READ snapshot, so a write between its queries is not drift."""
    async with engine.connect() as pooled:
        connection = await pooled.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            return await verify(connection, tenant_code)


async def verify(connection: AsyncConnection, tenant_code: str) -> Drift:
    projected = _projected(tenant_code, "true")
    stored = f"SELECT {', '.join(COLUMNS)} FROM problem_bank.problem WHERE tenant_code = :tenant_code"
    parameters = {"tenant_code": tenant_code}
    drift = Drift(tenant_code)
    drift.findings = (await connection.execute(text(f"SELECT count(*) FROM ({_findings(tenant_code)}) AS s"))).scalar_one()
    differing = f"SELECT finding_id FROM ({projected} EXCEPT {stored}) AS differing ORDER BY finding_id"
    drift.missing_or_stale = list((await connection.execute(text(differing), parameters)).scalars())
    orphaned = (  # uncorrelated: on a cluster the bank and the office's tables are on different shards
        f"SELECT finding_id FROM problem_bank.problem WHERE tenant_code = :tenant_code AND finding_id NOT IN"
        f" (SELECT s.finding_id FROM ({_findings(tenant_code)}) AS s) ORDER BY finding_id"
    )
    drift.orphaned = list((await connection.execute(text(orphaned), parameters)).scalars())
    drift.miscounts = await miscounted(connection, tenant_code)
    return drift


async def remap_to_current(connection: AsyncConnection) -> int:
    """Move bank rows coded in older editions to their codes in the current one; the number moved."""
    counted = ", ".join(f"p.{column}" for column in COUNTED_COLUMNS)
    return await written(
        connection,
        text(f"""WITH old AS (
            SELECT p.finding_id, {counted}, m.to_code, m.to_version
            FROM problem_bank.problem p JOIN problem_bank.taxonomy_mapping m
                ON m.from_version = p.taxonomy_version AND m.from_code = p.taxonomy_code
            ORDER BY p.tenant_code, p.finding_id FOR UPDATE OF p),
        new AS (
            UPDATE problem_bank.problem p SET taxonomy_code = o.to_code, taxonomy_version = o.to_version, projected_at = now()
            FROM old o WHERE p.tenant_code = o.tenant_code AND p.finding_id = o.finding_id
            RETURNING {counted}, true AS replaced)
        {counting("old", "new")}"""),
        {},
    )
