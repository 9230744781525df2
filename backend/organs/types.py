"""GraphQL for a region's organs (机关): the 编办 and the partner organs its admins add."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import optional_id, parse_id
from backend.organs.service import OrganChange, Organs, tenant_of_organ
from backend.permissions import mutation, query, special, write
from tenants.access import Role
from tenants.naming import check_code
from tenants.organs import OrganKind

graphql_enum(OrganKind, "机关的类别")

ADMINS = frozenset({Role.ADMIN})
CORRESPONDENTS = special("本地区、上级地区和下级地区各机关的成员（联络员除外），及可查看本地区的上级机构")


@strawberry.type(description="地区的一个机关：机构编制委员会办公室，或巡察办、巡察组、组织部、纪委监委、审计等协作机关")
class Organ:
    id: strawberry.ID
    tenant_code: str
    kind: OrganKind
    name: str = strawberry.field(description="全称，如 中共双峰县委机构编制委员会办公室")
    short_name: str = strawberry.field(description="简称，如 双峰县委编办")
    document_code: str = strawberry.field(description="机关代字，文号以它开头，如 双编办")
    signature_name: str = strawberry.field(description="落款和印章所用的名称")
    parent_organ_id: strawberry.ID | None = strawberry.field(description="巡察组所属的巡察办")
    shares_office_data: bool = strawberry.field(description="编办是否向该机关共享本地区的监督检查数据（只读）")

    @classmethod
    def of(cls, row) -> Organ:
        return cls(
            id=strawberry.ID(str(row.id)),
            tenant_code=row.tenant_code,
            kind=OrganKind(row.kind),
            name=row.name,
            short_name=row.short_name,
            document_code=row.document_code,
            signature_name=row.signature_name,
            parent_organ_id=None if row.parent_organ_id is None else strawberry.ID(str(row.parent_organ_id)),
            shares_office_data=row.shares_office_data,
        )


@strawberry.input(description="机关的名称；不填的沿用原值（新增时：该类机关的通常名称）")
class OrganNamesInput:
    name: str | None = None
    short_name: str | None = None
    document_code: str | None = None
    signature_name: str | None = None
    shares_office_data: bool | None = strawberry.field(default=None, description="向该机关共享本地区的监督检查数据（只读）")

    def change(self) -> OrganChange:
        return OrganChange(self.name, self.short_name, self.document_code, self.signature_name, self.shares_office_data)


async def _organ_tenant(context: Context, arguments: Mapping[str, Any]) -> str | None:
    return await tenant_of_organ(context.runtime.engine, parse_id(arguments["id"], "id"))


@strawberry.type
class OrganQuery:
    @query("地区的各机关（编办在前），供公文往来选择收文机关", CORRESPONDENTS)
    async def organs(self, info: Info[Context, None], tenant_code: str) -> list[Organ]:
        rows = await Organs(info.context.runtime.engine).of_region(
            await info.context.principal(), check_code(tenant_code, field="tenantCode")
        )
        return [Organ.of(row) for row in rows]


@strawberry.type
class OrganMutation:
    @mutation("新增协作机关（巡察办、巡察组、组织部、纪委监委、审计等）；名称不填则用该类机关的通常名称", write(ADMINS))
    async def add_organ(
        self,
        info: Info[Context, None],
        tenant_code: str,
        kind: OrganKind,
        names: OrganNamesInput | None = None,
        parent_organ_id: strawberry.ID | None = None,
    ) -> Organ:
        principal = await info.context.writer()
        row = await Organs(info.context.runtime.engine).add(
            principal.username,
            tenant_code,
            kind,
            (names or OrganNamesInput()).change(),
            optional_id(parent_organ_id, "parentOrganId"),
        )
        return Organ.of(row)

    @mutation("修改机关的名称、机关代字，或是否向它共享本地区数据", write(ADMINS, locate=_organ_tenant))
    async def change_organ(self, info: Info[Context, None], id: strawberry.ID, names: OrganNamesInput) -> Organ:
        principal = await info.context.writer()
        return Organ.of(await Organs(info.context.runtime.engine).change(principal.username, parse_id(id, "id"), names.change()))
