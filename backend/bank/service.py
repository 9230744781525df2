"""Changes to the shared problem bank that an office makes: a province adds its own
manifestations to the taxonomy (audited in the province's trail, in the same transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from problem_bank.models import TaxonomyLevel
from problem_bank.taxonomy import Node, Taxonomy, add_manifestation
from tenants.access import Principal, Role
from tenants.errors import DomainError
from tenants.scoping import tenant_engine

TAXONOMY_EDITORS = frozenset({Role.ADMIN})


async def add_provincial_manifestation(
    engine: AsyncEngine,
    principal: Principal,
    taxonomy: Taxonomy,
    *,
    province_code: str,
    kind_code: str,
    name: str,
    legal_basis: str,
    request_id: str | None,
) -> Node:
    """A manifestation under a national kind, for the province's subtree (its admins decide:
    the operation's declaration says so)."""
    kind = taxonomy.node(kind_code, field="kindCode")
    if kind.level is not TaxonomyLevel.KIND:
        raise DomainError("UNKNOWN_TAXONOMY_CODE", f"{kind_code} 不是问题种类（须形如 C03.K01）", field="kindCode")
    async with tenant_engine(engine, province_code).begin() as connection:
        node = await add_manifestation(connection, taxonomy.version, kind.code, province_code, name, legal_basis)
        await record_audit(
            connection,
            province_code,
            actor=principal.username,
            action="taxonomy.manifestation_added",
            entity="taxonomy_node",
            entity_id=node.code,
            after={"version": taxonomy.version, "name": name, "legal_basis": legal_basis},
            request_id=request_id,
        )
    return node
