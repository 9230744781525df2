"""The violation taxonomy as the application reads it: an immutable snapshot of the current
edition, loaded from `problem_bank` and kept per process (it changes by migration, rarely).

A finding is coded with a manifestation (Cnn.Knn.Mnn) of the current edition and records
that edition; filters accept any node and mean it with everything under it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from problem_bank.models import TaxonomyNode, TaxonomyVersion
from tenants.errors import DomainError


@dataclass(frozen=True)
class Node:
    code: str
    level: str  # category, kind or manifestation
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

    def manifestation(self, code: str, field: str = "taxonomyCode") -> Node:
        """The node a finding may be coded with: a manifestation (national for now)."""
        node = self.nodes.get(code)
        if node is None or node.level != "manifestation":
            raise DomainError(
                "UNKNOWN_TAXONOMY_CODE", f"问题分类代码 {code!r} 不存在（须为具体表现一级，如 C03.K01.M01）", field=field
            )
        return node

    def checked(self, code: str | None, field: str = "taxonomyCode") -> str | None:
        """A filter's node code, refused when unknown (None: no filter)."""
        return None if code is None else self.node(code, field).code

    def children(self, code: str | None) -> list[Node]:
        return [node for node in self.nodes.values() if node.parent_code == code]


def ancestor(column: ColumnElement[str], level: str) -> ColumnElement[str]:
    """The category (Cnn) or kind (Cnn.Knn) a code sits under: codes start with their ancestors'."""
    return func.left(column, {"category": 3, "kind": 7}[level])


def under(column: ColumnElement[str], code: str) -> ColumnElement[bool]:
    """`column` holds node `code` or one of its descendants (codes nest by their dots)."""
    return or_(column == code, column.startswith(code + ".", autoescape=True))


async def load_taxonomy(connection: AsyncConnection) -> Taxonomy:
    """The latest published edition."""
    version = (
        await connection.execute(
            select(TaxonomyVersion.version).order_by(TaxonomyVersion.published_at.desc(), TaxonomyVersion.version.desc()).limit(1)
        )
    ).scalar_one()
    rows = await connection.execute(
        select(TaxonomyNode).where(TaxonomyNode.version == version).order_by(TaxonomyNode.code)
    )
    nodes = {
        row.code: Node(row.code, row.level, row.parent_code, row.name, row.legal_basis, row.province_code) for row in rows
    }
    return Taxonomy(version, nodes)


class TaxonomyCache:
    """One snapshot per process, loaded on first use."""

    def __init__(self) -> None:
        self._taxonomy: Taxonomy | None = None
        self._lock = asyncio.Lock()

    async def current(self, engine: AsyncEngine) -> Taxonomy:
        if self._taxonomy is None:
            async with self._lock:
                if self._taxonomy is None:
                    async with engine.connect() as connection:
                        self._taxonomy = await load_taxonomy(connection)
        return self._taxonomy
