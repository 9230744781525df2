"""GraphQL view of the tenant registry: the directory of offices, and opening new ones."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import Row, select
from strawberry.types import Info

from backend.audit.service import record_audit
from backend.context import Context
from backend.worker import request_spare_refill
from tenants.access import not_found, require_child_creation, require_read, require_subtree_read
from tenants.divisions import Level, default_parent, level_of, possible_parents
from tenants.errors import DomainError
from tenants.models import Tenant as TenantRow
from tenants.naming import check_code
from tenants.registry import place_of, readable_place, registered_levels
from tenants.scoping import reading

strawberry.enum(Level, name="TenantLevel", description="行政级别")  # registered on the class itself


@strawberry.type(description="一个租户：省、市或县级机构编制部门/巡视巡察机构，以行政区划代码标识")
class Tenant:
    code: str
    name: str
    level: Level
    parent_code: str | None
    status: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Tenant:
        return cls(
            code=row.code,
            name=row.name,
            level=Level(row.level),
            parent_code=row.parent_code,
            status=row.status,
            created_at=row.created_at,
        )


def page_size(info: Info[Context, None], first: int) -> int:
    limit = info.context.runtime.settings.edge.max_page_size
    if not 1 <= first <= limit:
        raise DomainError("INVALID_PAGE_SIZE", f"first 须在 1 到 {limit} 之间", field="first")
    return first


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="按行政区划代码查询一个租户（自己及下级）")
    async def tenant(self, info: Info[Context, None], code: str) -> Tenant:
        principal = await info.context.principal()
        async with reading(info.context.runtime.engine).connect() as connection:
            row = (await connection.execute(select(TenantRow).where(TenantRow.code == check_code(code)))).one_or_none()
        if row is None:
            raise not_found()
        require_read(principal, place_of(row))
        return Tenant.from_row(row)

    @strawberry.field(
        description="某租户的直接下级，按代码排序，after 为上一页最后一个代码；不给 parentCode 时返回自己所在的租户（平台管理员：全部省级）"
    )
    async def tenants(
        self, info: Info[Context, None], parent_code: str | None = None, first: int = 50, after: str | None = None
    ) -> list[Tenant]:
        principal = await info.context.principal()
        query = select(TenantRow).order_by(TenantRow.code).limit(page_size(info, first))
        if after is not None:
            query = query.where(TenantRow.code > check_code(after, field="after"))
        if parent_code is not None:
            place = await readable_place(info.context.runtime.engine, principal, check_code(parent_code, field="parentCode"))
            require_subtree_read(principal, place)
            query = query.where(TenantRow.parent_code == parent_code)
        elif principal.is_superuser:
            query = query.where(TenantRow.parent_code.is_(None))
        else:
            query = query.where(TenantRow.code.in_({grant.place.code for grant in principal.grants}))
        async with reading(info.context.runtime.engine).connect() as connection:
            rows = (await connection.execute(query)).all()
        return [Tenant.from_row(row) for row in rows]


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="开通下级租户：省级管理员开通市（或直管县），市级管理员开通县；平台管理员开通省")
    async def create_tenant(self, info: Info[Context, None], code: str, name: str | None = None, parent_code: str | None = None) -> Tenant:
        principal = await info.context.writer()
        runtime = info.context.runtime
        if parent_code is None and level_of(check_code(code)) is not Level.PROVINCE:
            async with reading(runtime.engine).connect() as connection:
                parent_code = default_parent(code, await registered_levels(connection, list(possible_parents(code))))
        parent = await readable_place(runtime.engine, principal, check_code(parent_code, field="parentCode")) if parent_code else None
        require_child_creation(principal, parent)
        if parent_code is not None and parent_code not in possible_parents(code):
            # Checked before the registry is: a duplicate code elsewhere must not show.
            raise DomainError("WRONG_PARENT", f"{code} 不能开通在 {parent_code} 之下", field="parentCode")

        async def audited(connection, spec) -> None:
            await record_audit(
                connection,
                spec.code,
                actor=principal.username,
                action="tenant.created",
                entity="tenant",
                entity_id=spec.code,
                after={"code": spec.code, "name": spec.name, "parent": spec.parent_code},
                request_id=info.context.request_id,
            )

        done = await runtime.provisioner().create(code, name=name, parent_code=parent_code, also=audited)
        await request_spare_refill(runtime.redis, runtime.settings)
        async with reading(runtime.engine).connect() as connection:
            row = (await connection.execute(select(TenantRow).where(TenantRow.code == done.spec.code))).one()
        return Tenant.from_row(row)
