"""The violation taxonomy as the application reads it: an immutable snapshot of the current
edition, loaded from `problem_bank` and kept per process.

A finding is coded with a manifestation of the current edition and records that edition;
filters accept any node and mean it with everything under it. National nodes are Cnn, Cnn.Knn
and Cnn.Knn.Mnn. A province adds its own for its subtree, coded P<the province code's first two
digits><nn> below their parent: kinds under national categories (湖南 430000: C03.P4301) and
manifestations under the kinds it sees (C03.K01.P4301, C03.P4301.P4301).

A finding keeps the code and edition it was coded with; the snapshot keeps the older editions'
nodes and where each of their codes went, to name such a finding and to place it in the
current edition.

Editions change by migration, rarely; provincial manifestations at any time, so a process
reloads its snapshot when asked for a code it does not know (at most every few seconds) and
anyway once a minute."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from problem_bank.models import TaxonomyLevel, TaxonomyMapping, TaxonomyNode, TaxonomyVersion
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
    former: dict[tuple[str, str], Node] = field(default_factory=dict)  # older editions' nodes by (version, code)
    mapped: dict[tuple[str, str], str] = field(default_factory=dict)  # (older version, code) -> code in this edition

    def name(self, code: str, version: str | None = None) -> str:
        """The node's name in `version` (None: this edition): a finding is named as it was coded."""
        node = self.nodes.get(code) if version in (None, self.version) else self.former.get((version, code))
        return node.name if node else ""

    def in_force(self, code: str, version: str) -> str:
        """Where a code of `version` sits in this edition (unmapped: unchanged)."""
        return code if version == self.version else self.mapped.get((version, code), code)

    def category(self, code: str, version: str) -> str:
        """The category of this edition a code of `version` falls in (findings and drafts are
        grouped in the edition in force, whatever edition they were coded with)."""
        return self.in_force(code, version).split(".")[0]

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

    def scope(self, code: str | None, field: str = "taxonomyCode") -> CodeScope | None:
        """What a filter on node `code` of this edition matches among records coded in any
        edition (None: no filter); unknown codes are refused."""
        checked = self.checked(code, field)
        if checked is None:
            return None
        former = frozenset(pair for pair, mapped in self.mapped.items() if mapped == checked or mapped.startswith(checked + "."))
        return CodeScope(self.version, checked, former)

    def children(self, code: str | None, provinces: frozenset[str] | None = None) -> list[Node]:
        """The nodes under `code` (None: the categories): national ones and those of `provinces`
        (None: every province's)."""
        return [
            node
            for node in self.nodes.values()
            if node.parent_code == code and (provinces is None or node.province_code is None or node.province_code in provinces)
        ]


def ancestor(column: SQLColumnExpression[str], level: TaxonomyLevel) -> ColumnElement[str]:
    """The category (Cnn) or kind (Cnn.Knn, Cnn.Pnnnn) a code sits under: its first one or two
    segments (codes start with their ancestors')."""
    if level is TaxonomyLevel.CATEGORY:
        return func.split_part(column, ".", 1)
    return func.substring(column, r"^[^.]+\.[^.]+")


@dataclass(frozen=True)
class CodeScope:
    """Node `code` of edition `version` and everything under it, with the (version, code) pairs of
    older editions that map there: a record keeps the edition it was coded in, so "under C03.K02"
    must also find what 2026.1 coded otherwise (and must not take an old code that merely looks
    alike)."""

    version: str
    code: str
    former: frozenset[tuple[str, str]]

    def matches(self, version: SQLColumnExpression[str], code: SQLColumnExpression[str]) -> ColumnElement[bool]:
        current = and_(version == self.version, under(code, self.code))
        if not self.former:
            return current
        return or_(current, tuple_(version, code).in_(sorted(self.former)))


def under(column: SQLColumnExpression[str], code: str) -> ColumnElement[bool]:
    """`column` holds node `code` or one of its descendants (codes nest by their dots)."""
    return or_(column == code, column.startswith(code + ".", autoescape=True))


async def load_taxonomy(connection: AsyncConnection) -> Taxonomy:
    """The latest published edition, with the older ones' nodes and mappings."""
    version = (
        await connection.execute(
            select(TaxonomyVersion.version).order_by(TaxonomyVersion.published_at.desc(), TaxonomyVersion.version.desc()).limit(1)
        )
    ).scalar_one()
    nodes: dict[str, Node] = {}
    former: dict[tuple[str, str], Node] = {}
    for row in await connection.execute(select(TaxonomyNode).order_by(TaxonomyNode.version, TaxonomyNode.code)):
        node = Node(row.code, TaxonomyLevel(row.level), row.parent_code, row.name, row.legal_basis, row.province_code)
        if row.version == version:
            nodes[row.code] = node
        else:
            former[row.version, row.code] = node
    mappings = await connection.execute(select(TaxonomyMapping).where(TaxonomyMapping.to_version == version))
    return Taxonomy(version, nodes, former, {(row.from_version, row.from_code): row.to_code for row in mappings})


class TaxonomyCache:
    """One snapshot per process, loaded on first use, reloaded when a minute old, when a caller
    needs a code it lacks, or when another process changed the taxonomy (it moves a stamp the
    runtime reads at most once a `stamp_interval`, backend/runtime.py)."""

    def __init__(self, max_age: float = 60.0, miss_reload_interval: float = 2.0, stamp_interval: float = 1.0) -> None:
        self.max_age = max_age
        self.miss_reload_interval = miss_reload_interval  # a stream of unknown codes reloads at most this often
        self.stamp_interval = stamp_interval
        self._taxonomy: Taxonomy | None = None
        self._loaded_at = 0.0
        self._stamp: object = None
        self._stamp_read_at = -stamp_interval
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

    def stamp_due(self) -> bool:
        return time.monotonic() - self._stamp_read_at >= self.stamp_interval

    def stamp_missed(self) -> None:
        """The stamp could not be read: try again after the interval, not on every request
        (the reload by age stands in meanwhile)."""
        self._stamp_read_at = time.monotonic()

    def note_stamp(self, stamp: object) -> None:
        """The change stamp as just read: a stamp other than the last one means a change elsewhere."""
        self._stamp_read_at = time.monotonic()
        if stamp != self._stamp:
            self._stamp = stamp
            self.forget()

    def _stale(self, knowing: str | None) -> bool:
        if self._taxonomy is None:
            return True
        age = time.monotonic() - self._loaded_at
        unknown = knowing is not None and knowing not in self._taxonomy.nodes
        return age > self.max_age or (unknown and age > self.miss_reload_interval)


MAX_PROVINCIAL_PER_PARENT = 99
PROVINCIAL_LEVEL = {TaxonomyLevel.CATEGORY: TaxonomyLevel.KIND, TaxonomyLevel.KIND: TaxonomyLevel.MANIFESTATION}


async def add_provincial_node(
    connection: AsyncConnection, edition: str, parent: Node, province_code: str, name: str, legal_basis: str
) -> Node:
    """A province's own kind under a national category, or manifestation under a kind, of
    `edition`, numbered after the province's others there (the caller checked the parent and
    the province). Names are unique among the parent's children the province sees."""
    level = PROVINCIAL_LEVEL[parent.level]
    await connection.execute(  # one province's additions under a parent are numbered one at a time
        select(TaxonomyNode.code).where(TaxonomyNode.version == edition, TaxonomyNode.code == parent.code).with_for_update()
    )
    siblings = (
        await connection.execute(
            select(TaxonomyNode.code, TaxonomyNode.name, TaxonomyNode.province_code).where(
                TaxonomyNode.version == edition, TaxonomyNode.parent_code == parent.code
            )
        )
    ).all()
    if any(row.name == name and row.province_code in (None, province_code) for row in siblings):
        raise DomainError("DUPLICATE", f"该{parent.level.label}下已有“{name}”", field="name")
    own = [row for row in siblings if row.province_code == province_code]
    if len(own) >= MAX_PROVINCIAL_PER_PARENT:
        raise DomainError(
            "TOO_MANY",
            f"每个{parent.level.label}下本省最多增设 {MAX_PROVINCIAL_PER_PARENT} 个{level.label}",
            field=f"{parent.level.value}Code",
        )
    code = f"{parent.code}.P{province_code[:2]}{len(own) + 1:02d}"
    await connection.execute(
        insert(TaxonomyNode).values(
            version=edition,
            code=code,
            level=level,
            parent_code=parent.code,
            name=name,
            legal_basis=legal_basis,
            province_code=province_code,
        )
    )
    return Node(code, level, parent.code, name, legal_basis, province_code)
