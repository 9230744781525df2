"""The violation taxonomy as the application reads it: an immutable snapshot of the current
edition, loaded from `problem_bank` and kept per process.

A finding is coded with a manifestation of the current edition and records that edition;
filters accept any node and mean it with everything under it. National manifestations are
Cnn.Knn.Mnn; a province adds its own under national kinds for its subtree, coded
Cnn.Knn.P<the province code's first two digits><nn> (湖南 430000: C03.K01.P4301).

Editions change by migration, rarely; provincial manifestations at any time, so a process
reloads its snapshot when asked for a code it does not know (at most every few seconds) and
anyway once a minute."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from problem_bank.models import TaxonomyLevel, TaxonomyNode, TaxonomyVersion
from tenants.errors import DomainError


@dataclass(frozen=True)
class Node:
    code: str
    level: TaxonomyLevel
    parent_code: str | None
    name: str
    legal_basis: str
    province_code: str | None


@dataclass(frozen=True)
class Taxonomy:
    version: str
    nodes: dict[str, Node]  # in code order

    def name(self, code: str) -> str:
        node = self.nodes.get(code)
        return node.name if node else ""

    def node(self, code: str, field: str = "taxonomyCode") -> Node:
        if code not in self.nodes:
            raise DomainError("UNKNOWN_TAXONOMY_CODE", f"问题分类代码 {code!r} 不存在（{self.version} 版）", field=field)
        return self.nodes[code]

    def manifestation(self, code: str, province_code: str, field: str = "taxonomyCode") -> Node:
        """The node a finding of a tenant in `province_code` may be coded with: a national
        manifestation or one its province added."""
        node = self.nodes.get(code)
        if node is None or node.level is not TaxonomyLevel.MANIFESTATION or node.province_code not in (None, province_code):
            raise DomainError("UNKNOWN_TAXONOMY_CODE", f"问题分类代码 {code!r} 不存在（须为具体表现一级，如 C03.K01.M01）", field=field)
        return node

    def checked(self, code: str | None, field: str = "taxonomyCode") -> str | None:
        """A filter's node code, refused when unknown (None: no filter)."""
        return None if code is None else self.node(code, field).code

    def children(self, code: str | None, provinces: frozenset[str] | None = None) -> list[Node]:
        """The nodes under `code` (None: the categories): national ones and those of `provinces`
        (None: every province's)."""
        return [
            node
            for node in self.nodes.values()
            if node.parent_code == code and (provinces is None or node.province_code is None or node.province_code in provinces)
        ]


def ancestor(column: SQLColumnExpression[str], level: TaxonomyLevel) -> ColumnElement[str]:
    """The category (Cnn) or kind (Cnn.Knn) a code sits under: codes start with their ancestors'."""
    return func.left(column, {TaxonomyLevel.CATEGORY: 3, TaxonomyLevel.KIND: 7}[level])


def under(column: SQLColumnExpression[str], code: str) -> ColumnElement[bool]:
    """`column` holds node `code` or one of its descendants (codes nest by their dots)."""
    return or_(column == code, column.startswith(code + ".", autoescape=True))


async def load_taxonomy(connection: AsyncConnection) -> Taxonomy:
    """The latest published edition."""
    version = (
        await connection.execute(
            select(TaxonomyVersion.version).order_by(TaxonomyVersion.published_at.desc(), TaxonomyVersion.version.desc()).limit(1)
        )
    ).scalar_one()
    rows = await connection.execute(select(TaxonomyNode).where(TaxonomyNode.version == version).order_by(TaxonomyNode.code))
    nodes = {
        row.code: Node(row.code, TaxonomyLevel(row.level), row.parent_code, row.name, row.legal_basis, row.province_code) for row in rows
    }
    return Taxonomy(version, nodes)


class TaxonomyCache:
    """One snapshot per process, loaded on first use, reloaded when a minute old or when a
    caller needs a code it lacks (a province may have just added it in another process)."""

    def __init__(self, max_age: float = 60.0, miss_reload_interval: float = 2.0) -> None:
        self.max_age = max_age
        self.miss_reload_interval = miss_reload_interval  # a stream of unknown codes reloads at most this often
        self._taxonomy: Taxonomy | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def current(self, engine: AsyncEngine, knowing: str | None = None) -> Taxonomy:
        if self._stale(knowing):
            async with self._lock:
                if self._stale(knowing):
                    async with engine.connect() as connection:
                        self._taxonomy = await load_taxonomy(connection)
                    self._loaded_at = time.monotonic()
        assert self._taxonomy is not None  # loaded above, or fresh
        return self._taxonomy

    def forget(self) -> None:
        """Reload on next use (this process changed the taxonomy)."""
        self._taxonomy = None

    def _stale(self, knowing: str | None) -> bool:
        if self._taxonomy is None:
            return True
        age = time.monotonic() - self._loaded_at
        unknown = knowing is not None and knowing not in self._taxonomy.nodes
        return age > self.max_age or (unknown and age > self.miss_reload_interval)


MAX_PROVINCIAL_PER_KIND = 99


async def add_manifestation(
    connection: AsyncConnection, edition: str, kind_code: str, province_code: str, name: str, legal_basis: str
) -> Node:
    """A province's own manifestation under a national kind of `edition`, numbered after the
    province's others there (the caller checked the kind and the province). Names are unique
    among the kind's manifestations the province sees."""
    await connection.execute(  # one province's additions under a kind are numbered one at a time
        select(TaxonomyNode.code).where(TaxonomyNode.version == edition, TaxonomyNode.code == kind_code).with_for_update()
    )
    siblings = (
        await connection.execute(
            select(TaxonomyNode.code, TaxonomyNode.name, TaxonomyNode.province_code).where(
                TaxonomyNode.version == edition, TaxonomyNode.parent_code == kind_code
            )
        )
    ).all()
    if any(row.name == name and row.province_code in (None, province_code) for row in siblings):
        raise DomainError("DUPLICATE", f"该种类下已有“{name}”", field="name")
    own = [row for row in siblings if row.province_code == province_code]
    if len(own) >= MAX_PROVINCIAL_PER_KIND:
        raise DomainError("TOO_MANY", f"每个种类下本省最多增设 {MAX_PROVINCIAL_PER_KIND} 个具体表现", field="kindCode")
    code = f"{kind_code}.P{province_code[:2]}{len(own) + 1:02d}"
    await connection.execute(
        insert(TaxonomyNode).values(
            version=edition,
            code=code,
            level=TaxonomyLevel.MANIFESTATION,
            parent_code=kind_code,
            name=name,
            legal_basis=legal_basis,
            province_code=province_code,
        )
    )
    return Node(code, TaxonomyLevel.MANIFESTATION, kind_code, name, legal_basis, province_code)
