"""The relations of listed objects, one statement per relation (and tenant) whatever the page
size: the rows of a finding's unit, round, ledger history and extension requests (which
backend/findings/types.py loads with the findings, for what the query selects; the latest
progress comes joined to the finding's own row, backend/findings/joins.py), and per-request
DataLoaders for the other types' relations (a unit's open warnings, a review's unit, leaders
and problems, a case's findings and measures). Keys carry the tenant and the units the caller
may see, which the resolver that produced the parent object has already worked out under the
access policy.

The GraphQL types pass a fetch function that turns these rows into their objects, and their
relation resolvers return the loader's future as it is: no coroutine per field and object."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, SQLColumnExpression, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.dataloader import DataLoader

from backend.db import any_of, child_array
from backend.ledger.models import EventEvidence, ExtensionRequest, LedgerEvent
from backend.rounds.models import InspectionRound
from backend.rounds.service import RoundView, round_views, with_units_and_team
from backend.units.models import InspectedUnit
from tenants.scoping import reading, tenant_reader


def among(column: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """`column = ANY(:ids)`. The statements below are built once: building one costs more than
    running it."""
    return any_of(column, "ids")


@dataclass(frozen=True)
class Key:
    tenant_code: str
    id: int
    units: frozenset[int] | None = None  # what a liaison sees; None: every unit


# Fetches the values of some ids of one tenant: (connection, tenant code, ids, the units the
# caller sees) → {id: value}.
Fetch = Callable[[AsyncConnection, str, list[int], frozenset[int] | None], Awaitable[Mapping[int, object]]]


def tenant_loader(engine: AsyncEngine, fetch: Fetch) -> DataLoader:
    """A DataLoader over `fetch`, one call per tenant (and unit scope) in a batch; an id the
    fetch does not return loads as None."""

    async def load(keys: list[Key]) -> list[object]:
        groups: dict[tuple[str, frozenset[int] | None], set[int]] = defaultdict(set)
        for key in keys:
            groups[(key.tenant_code, key.units)].add(key.id)
        found: dict[Key, object] = {}
        for (tenant_code, units), ids in groups.items():
            async with tenant_reader(engine, tenant_code).connect() as connection:
                for id_, value in (await fetch(connection, tenant_code, sorted(ids), units)).items():
                    found[Key(tenant_code, id_, units)] = value
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class AttachedFile:
    sha256: str
    file_name: str


@dataclass(frozen=True)
class EventView:
    row: Row
    evidence: list[AttachedFile]


def with_evidence(query: Select) -> Select:
    """`query` (of events) with each event's evidence files, ordered by file name, as arrays."""

    def attached(column):
        return child_array(column, EventEvidence.event_id == LedgerEvent.id, EventEvidence.file_name, EventEvidence.sha256)

    return query.add_columns(attached(EventEvidence.sha256).label("file_hashes"), attached(EventEvidence.file_name).label("file_names"))


_UNITS = select(InspectedUnit).where(among(InspectedUnit.id))
_ROUNDS = with_units_and_team(select(InspectionRound).where(among(InspectionRound.id)))
_HISTORY = with_evidence(select(LedgerEvent).where(among(LedgerEvent.finding_id)).order_by(LedgerEvent.id))
_EXTENSION_REQUESTS = select(ExtensionRequest).where(among(ExtensionRequest.finding_id)).order_by(ExtensionRequest.id)


def event_view(row) -> EventView:
    """An event from a row `with_evidence` built."""
    return EventView(row, [AttachedFile(sha256, name) for sha256, name in zip(row.file_hashes, row.file_names, strict=True)])


async def unit_rows(connection: AsyncConnection, ids: list[int]) -> dict[int, Row]:
    return {row.id: row for row in await connection.execute(_UNITS, {"ids": ids})}


async def round_views_by_id(connection: AsyncConnection, ids: list[int], units: frozenset[int] | None) -> dict[int, RoundView]:
    views = await round_views(connection, _ROUNDS, units, {"ids": ids})
    return {view.row.id: view for view in views}


async def history_views(connection: AsyncConnection, ids: list[int]) -> dict[int, list[EventView]]:
    """finding id → its events, in order, with their evidence files (absent when it has none)."""
    events: dict[int, list[EventView]] = defaultdict(list)
    for row in await connection.execute(_HISTORY, {"ids": ids}):
        events[row.finding_id].append(event_view(row))
    return events


async def extension_request_rows(connection: AsyncConnection, ids: list[int]) -> dict[int, list]:
    """finding id → its extension requests, in order (absent when it has none)."""
    requests: dict[int, list] = defaultdict(list)
    for row in await connection.execute(_EXTENSION_REQUESTS, {"ids": ids}):
        requests[row.finding_id].append(row)
    return requests


# Fetches the values of some keys of a shared table (the problem bank's, the supervision's):
# (connection, keys) → {key: value}. A key is an id, or a tuple such as (tenant code, unit id).
SharedFetch = Callable[[AsyncConnection, list], Awaitable[dict]]


def shared_loader(engine: AsyncEngine, fetch: SharedFetch) -> DataLoader:
    async def load(keys: list) -> list[object]:
        async with reading(engine).connect() as connection:
            found = await fetch(connection, sorted(set(keys)))
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """This request's DataLoaders, one per fetch function, made on first use:
    `info.context.loaders(fetch).load(key)` for a tenant's tables,
    `info.context.loaders.shared(fetch).load(key)` for shared ones."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._made: dict[object, DataLoader] = {}

    def __call__(self, fetch: Fetch) -> DataLoader:
        if fetch not in self._made:
            self._made[fetch] = tenant_loader(self.engine, fetch)
        return self._made[fetch]

    def shared(self, fetch: SharedFetch) -> DataLoader:
        if fetch not in self._made:
            self._made[fetch] = shared_loader(self.engine, fetch)
        return self._made[fetch]
