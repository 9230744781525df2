"""What a tenant schema costs the catalog: its relations (tables, indexes, sequences, and the
TOAST tables and their indexes PostgreSQL adds for wide columns), each paid once per office —
3,218 times for the whole country. A migration that raises the count past RELATION_BUDGET fails
the test that provisions a fresh schema (tests/test_provisioning.py), naming the count; lower
the budget when a change lowers the count (BENCHMARKS.md, "The cost of a tenant")."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

RELATION_BUDGET = 228  # measured at tenant migration t0029 (2026-12-05): 47 tables, 98 indexes, 37 sequences, 23 TOAST + 23

COUNT = text(
    """
    WITH own AS (SELECT c.relkind, c.reltoastrelid FROM pg_class c WHERE c.relnamespace = CAST(:schema AS regnamespace))
    SELECT CAST(relkind AS text) AS kind, count(*) AS n FROM own GROUP BY relkind
    UNION ALL SELECT 'toast', count(*) FROM own WHERE reltoastrelid <> 0
    UNION ALL SELECT 'toast index', count(*) FROM own JOIN pg_index i ON i.indrelid = own.reltoastrelid
    """
)
KINDS = {"r": "tables", "i": "indexes", "S": "sequences", "v": "views", "m": "materialized views", "p": "partitioned tables"}


async def relation_counts(connection: AsyncConnection, schema: str) -> dict[str, int]:
    """The schema's relations by kind (tables, indexes, sequences, toast, toast index…)."""
    return {KINDS.get(row.kind, row.kind): row.n for row in await connection.execute(COUNT, {"schema": schema})}
