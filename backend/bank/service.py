"""Changes to the shared problem bank that an office makes: a province adds its own
kinds and manifestations to the taxonomy (audited in the province's trail, in the same transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from problem_bank.models import TaxonomyLevel
from problem_bank.taxonomy import Node, Taxonomy
from problem_bank.taxonomy import add_provincial_node as taxonomy_add
from tenants.access import Principal, Role
from tenants.errors import DomainError
from tenants.scoping import tenant_engine

TAXONOMY_EDITORS = frozenset({Role.ADMIN})


EXAMPLE = {TaxonomyLevel.CATEGORY: "C03", TaxonomyLevel.KIND: "C03.K01"}


async def add_provincial_node(
    engine: AsyncEngine,
    principal: Principal,
    taxonomy: Taxonomy,
    *,
    province_code: str,
    parent_code: str,
    name: str,
    legal_basis: str,
    request_id: str | None,
    under: TaxonomyLevel,
) -> Node:
    """A kind under a national category (`under` CATEGORY) or a manifestation under a kind the
    province sees (`under` KIND), for the province's subtree (its admins decide: the
    operation's declaration says so)."""
    field = f"{under.value}Code"
    parent = taxonomy.nodes.get(parent_code)
    if parent is None or parent.level is not under or parent.province_code not in (None, province_code):
        raise DomainError("UNKNOWN_TAXONOMY_CODE", f"{parent_code} 不是可用的问题{under.label}（须形如 {EXAMPLE[under]}）", field=field)
    async with tenant_engine(engine, province_code).begin() as connection:
        node = await taxonomy_add(connection, taxonomy.version, parent, province_code, name, legal_basis)
        await record_audit(
            connection,
            province_code,
            actor=principal.username,
            action=f"taxonomy.{node.level.value}_added",
            entity="taxonomy_node",
            entity_id=node.code,
            after={"version": taxonomy.version, "name": name, "legal_basis": legal_basis},
            request_id=request_id,
        )
    return node
