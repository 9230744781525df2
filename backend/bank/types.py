"""GraphQL for the shared problem bank (问题库): for now its violation taxonomy."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.context import Context
from problem_bank.taxonomy import Node, Taxonomy


@strawberry.type(description="问题分类的一个节点：类别（Cnn）、种类（Cnn.Knn）或具体表现（Cnn.Knn.Mnn）")
class TaxonomyNode:
    code: str
    level: str = strawberry.field(description="category、kind 或 manifestation")
    name: str
    legal_basis: str = strawberry.field(description="依据")
    edition: strawberry.Private[Taxonomy]

    @strawberry.field(description="下一级节点")
    def children(self) -> list[TaxonomyNode]:
        return [TaxonomyNode.of(child, self.edition) for child in self.edition.children(self.code)]

    @classmethod
    def of(cls, node: Node, edition: Taxonomy) -> TaxonomyNode:
        return cls(code=node.code, level=node.level, name=node.name, legal_basis=node.legal_basis, edition=edition)


@strawberry.type(description="问题分类的当前版本")
class TaxonomyEdition:
    version: str
    categories: list[TaxonomyNode]


@strawberry.type
class BankQuery:
    @strawberry.field(description="当前版本的问题分类（类别 → 种类 → 具体表现，附依据）；登记问题时用具体表现的代码")
    async def taxonomy(self, info: Info[Context, None]) -> TaxonomyEdition:
        await info.context.principal()
        edition = await info.context.runtime.taxonomy()
        return TaxonomyEdition(version=edition.version, categories=[TaxonomyNode.of(n, edition) for n in edition.children(None)])
