"""GraphQL view of the tenant registry: the directory of offices, and opening new ones."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import Row, select
from strawberry.types import Info

from backend.audit.service import record_audit
from backend.context import Context
from backend.cursors import decode_cursor, window
from backend.enums import graphql_enum
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import mutation, query, read, special
from backend.worker import request_spare_refill
from tenants.access import Role, require_child_creation, require_subtree_read
from tenants.divisions import Level, default_parent, level_of, possible_parents
from tenants.errors import DomainError
from tenants.models import Tenant as TenantRow
from tenants.models import TenantStatus
from tenants.naming import check_code
from tenants.registry import readable_place, registered_levels
from tenants.scoping import reading

graphql_enum(Level, "机构的层级", name="TenantLevel")
graphql_enum(TenantStatus, "机构的状态")


@strawberry.type(description="一个机构：省、市或县级机构编制部门/巡视巡察机构，以行政区划代码标识")
class Tenant:
    code: str
    name: str
    level: Level
    parent_code: str | None
    status: TenantStatus
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Tenant:
        return cls(
            code=row.code,
            name=row.name,
            level=Level(row.level),
            parent_code=row.parent_code,
            status=TenantStatus(row.status),
            created_at=row.created_at,
        )


@strawberry.type
class DirectoryQuery:
    @query("按行政区划代码查询一个机构（自己及下级）", read(tenant="code"))
    async def tenant(self, info: Info[Context, None], code: str) -> Tenant:
        async with reading(info.context.runtime.engine).connect() as connection:
            row = (await connection.execute(select(TenantRow).where(TenantRow.code == code))).one()
        return Tenant.from_row(row)

    @query(
        "某机构的直接下级，按代码排序；不给 parentCode 时返回自己所在的机构（平台管理员：全部省级）",
        special("给出 parentCode 时为该机构及其下级机构（联络员除外）；不给时为本人所在的机构"),
    )
    async def tenants(
        self, info: Info[Context, None], parent_code: str | None = None, first: int = 50, after: str | None = None
    ) -> Page[Tenant]:
        principal = await info.context.principal()
        first = page_size(info, first)
        statement = select(TenantRow).order_by(TenantRow.code).limit(first + 1)
        if (cursor := decode_cursor(after, str)) is not None:
            statement = statement.where(TenantRow.code > cursor[0])
        if parent_code is not None:
            place = await readable_place(info.context.runtime.engine, principal, check_code(parent_code, field="parentCode"))
            require_subtree_read(principal, place)
            statement = statement.where(TenantRow.parent_code == parent_code)
        elif principal.is_superuser:
            statement = statement.where(TenantRow.parent_code.is_(None))
        else:
            statement = statement.where(TenantRow.code.in_({grant.place.code for grant in principal.grants}))
        async with reading(info.context.runtime.engine).connect() as connection:
            rows = (await connection.execute(statement)).all()
        page = window(rows, first, lambda row: (row.code,))
        return Page(items=[Tenant.from_row(row) for row in page.rows], page_info=PageInfo.of(page))


@strawberry.type
class DirectoryMutation:
    @mutation(
        "开通下级机构：省级管理员开通市（或直管县），市级管理员开通县；平台管理员开通省",
        special("上级机构的管理员开通其直接下级；平台管理员开通省级", writes=True, roles=frozenset({Role.ADMIN})),
    )
    async def create_tenant(self, info: Info[Context, None], code: str, name: str | None = None, parent_code: str | None = None) -> Tenant:
        principal = await info.context.principal()
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
