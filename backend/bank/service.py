"""Changes to the shared problem bank that an office makes: a province adds its own
manifestations to the taxonomy (audited in the province's trail, in the same transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from problem_bank.taxonomy import Node, Taxonomy, add_manifestation
from tenants.access import Principal, Role, forbidden, require_write
from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.registry import readable_place
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
    """A manifestation under a national kind, for the province's subtree (its admins only)."""
    province = await readable_place(engine, principal, province_code)
    require_write(principal, province, TAXONOMY_EDITORS)
    if province.level is not Level.PROVINCE:
        raise forbidden("只有省级机构可以增设具体表现")
    kind = taxonomy.node(kind_code, field="kindCode")
    if kind.level != "kind":
        raise DomainError("UNKNOWN_TAXONOMY_CODE", f"{kind_code} 不是问题种类（须形如 C03.K01）", field="kindCode")
    async with tenant_engine(engine, province.code).begin() as connection:
        node = await add_manifestation(connection, taxonomy.version, kind.code, province.code, name, legal_basis)
        await record_audit(
            connection,
            province.code,
            actor=principal.username,
            action="taxonomy.manifestation_added",
            entity="taxonomy_node",
            entity_id=node.code,
            after={"version": taxonomy.version, "name": name, "legal_basis": legal_basis},
            request_id=request_id,
        )
    return node
