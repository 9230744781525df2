"""The bare stack the ledger benchmark compares against: Litestar + strawberry with the same
parser and validation caches, resolving the same selection (50 findings with unit, round,
ledger entry and latest progress) from one asyncpg query. No auth, no access policy, no
DataLoaders, no error handling: what the framework alone costs for this response.

Run by bench/ledger.py as `uvicorn bench.bare_stack:app`; reads BARE_DSN and BARE_SCHEMA."""

from __future__ import annotations

import os
from datetime import date, datetime

import asyncpg
import orjson
import strawberry
from litestar import Litestar
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.litestar import make_graphql_controller

POOL: dict[str, asyncpg.Pool] = {}
S = os.environ.get("BARE_SCHEMA", "t431321")
QUERY = f"""
SELECT f.id, f.code, f.taxonomy_code, f.description, f.severity, f.fixed_on_spot, f.found_on,
       u.id AS unit_id, u.name AS unit_name, r.id AS round_id, r.name AS round_name,
       l.state, l.deadline, l.responsible_unit, l.responsible_person, l.version,
       p.note, p.actor, p.occurred_at
FROM {S}.finding f
JOIN {S}.ledger_entry l ON l.finding_id = f.id
JOIN {S}.inspected_unit u ON u.id = f.unit_id
JOIN {S}.inspection_round r ON r.id = f.round_id
LEFT JOIN LATERAL (SELECT note, actor, occurred_at FROM {S}.ledger_event e
                   WHERE e.finding_id = f.id AND e.action = '进展' ORDER BY e.id DESC LIMIT 1) p ON true
ORDER BY f.id DESC LIMIT $1
"""


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
class BareLedger:
    state: str
    deadline: date
    overdue: bool
    responsible_unit: str
    responsible_person: str | None
    version: int
    latest_progress: Progress | None


@strawberry.type
class BareFinding:
    id: strawberry.ID
    code: str
    taxonomy_code: str
    taxonomy_name: str
    description: str
    severity: str
    fixed_on_spot: bool
    found_on: date
    unit: Named
    round: Named
    ledger: BareLedger


@strawberry.type
class BarePage:
    next_cursor: str | None
    items: list[BareFinding]


@strawberry.type
class Query:
    @strawberry.field
    async def findings(self, first: int = 50) -> BarePage:
        today = date.today()
        rows = await POOL["pool"].fetch(QUERY, first)
        return BarePage(next_cursor=None, items=[
            BareFinding(
                id=strawberry.ID(str(r["id"])), code=r["code"], taxonomy_code=r["taxonomy_code"], taxonomy_name="",
                description=r["description"], severity=r["severity"], fixed_on_spot=r["fixed_on_spot"], found_on=r["found_on"],
                unit=Named(id=strawberry.ID(str(r["unit_id"])), name=r["unit_name"]),
                round=Named(id=strawberry.ID(str(r["round_id"])), name=r["round_name"]),
                ledger=BareLedger(
                    state=r["state"], deadline=r["deadline"], overdue=r["state"] != "已销号" and r["deadline"] < today,
                    responsible_unit=r["responsible_unit"], responsible_person=r["responsible_person"], version=r["version"],
                    latest_progress=Progress(note=r["note"], actor=r["actor"], occurred_at=r["occurred_at"]) if r["actor"] else None,
                ),
            )
            for r in rows
        ])


base = make_graphql_controller(strawberry.Schema(query=Query, extensions=[ParserCache, ValidationCache]), path="/graphql", graphql_ide=None)


class Controller(base):
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


async def open_pool() -> None:
    POOL["pool"] = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=2, max_size=10)


async def close_pool() -> None:
    await POOL["pool"].close()


app = Litestar(route_handlers=[Controller], on_startup=[open_pool], on_shutdown=[close_pool])
