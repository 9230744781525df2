"""GraphQL: login, refresh, logout, `me`, users, memberships and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from backend.context import Context
from backend.directory.types import Tenant
from backend.enums import graphql_enum
from backend.identity.models import Membership as MembershipRow
from backend.identity.models import UserAccount
from backend.ids import optional_id, parse_id
from backend.organs.types import Organ
from backend.permissions import anyone, mutation, own, query, special
from tenants.access import Role, Scope
from tenants.errors import DomainError
from tenants.models import Tenant as TenantRow
from tenants.naming import check_code
from tenants.organs import Organ as OrganRow
from tenants.scoping import reading

graphql_enum(Role, "用户在某机构中的角色")
graphql_enum(Scope, "API 令牌的权限范围")

# Who manages an office's members (tenants.access.require_membership_management, applied by the service).
MANAGE_MEMBERS = special(
    "本机构管理员管理本地区各机关的各种角色，机关的管理员管理本机关的成员；直接上级机构的管理员只任免编办的管理员，且不能任免自己",
    writes=True,
    roles=frozenset({Role.ADMIN}),
)


@strawberry.type
class AuthPayload:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str


@strawberry.type
class MembershipView:
    id: strawberry.ID
    role: Role
    unit_id: strawberry.ID | None
    tenant: Tenant
    organ: Organ = strawberry.field(description="角色所在的机关")


@strawberry.type
class Me:
    id: strawberry.ID
    username: str
    display_name: str
    is_superuser: bool
    memberships: list[MembershipView]


@strawberry.type
class CreatedUser:
    user_id: strawberry.ID
    membership_id: strawberry.ID
    activation_code: str = strawberry.field(description="一次性激活码（只显示这一次）：交给账号本人，由本人设置密码后登录")
    activation_expires_at: datetime = strawberry.field(description="激活码的失效时间（7 天）")


@strawberry.type
class IssuedToken:
    id: strawberry.ID
    token: str = strawberry.field(description="只显示这一次，请妥善保存")
    expires_at: datetime


@strawberry.input
class NewUser:
    username: str
    display_name: str
    password: str | None = strawberry.field(
        default=None, deprecation_reason="新账号的密码由本人用激活码设置（activateAccount）；创建者不能设置，传入即被拒绝"
    )
    tenant_code: str
    organ_id: strawberry.ID | None = strawberry.field(default=None, description="角色所在的机关；不填为本地区的编办")
    role: Role
    unit_id: strawberry.ID | None = None


@strawberry.type
class IdentityQuery:
    @query("当前登录用户及其在各机构中的角色", own())
    async def me(self, info: Info[Context, None]) -> Me:
        principal = await info.context.principal()
        async with reading(info.context.runtime.engine).connect() as connection:
            user = (await connection.execute(select(UserAccount).where(UserAccount.id == principal.user_id))).one()
            rows = (
                await connection.execute(
                    select(MembershipRow.id, MembershipRow.role, MembershipRow.unit_id, MembershipRow.organ_id, TenantRow)
                    .join(TenantRow, TenantRow.code == MembershipRow.tenant_code)
                    .where(MembershipRow.user_id == principal.user_id)
                    .order_by(MembershipRow.tenant_code, MembershipRow.role)
                )
            ).all()
            organs = {
                organ.id: Organ.of(organ)
                for organ in await connection.execute(select(OrganRow).where(OrganRow.id.in_({row.organ_id for row in rows})))
            }
        memberships = [
            MembershipView(
                id=strawberry.ID(str(row.id)),
                role=Role(row.role),
                unit_id=strawberry.ID(str(row.unit_id)) if row.unit_id else None,
                tenant=Tenant.from_row(row),
                organ=organs[row.organ_id],
            )
            for row in rows
        ]
        return Me(
            id=strawberry.ID(str(user.id)),
            username=user.username,
            display_name=user.display_name,
            is_superuser=user.is_superuser,
            memberships=memberships,
        )


def _payload(pair) -> AuthPayload:
    return AuthPayload(access_token=pair.access_token, access_token_expires_at=pair.access_expires_at, refresh_token=pair.refresh_token)


@strawberry.type
class IdentityMutation:
    @mutation("用户名密码登录；同一地址连续输错 5 次后须等待（每多错一次等待加倍，最长 15 分钟）", anyone())
    async def login(self, info: Info[Context, None], username: str, password: str) -> AuthPayload:
        await info.context.limit_login(username)
        return _payload(await info.context.identity.login(username, password, info.context.source_ip))

    @mutation("用刷新令牌换取新的访问令牌和刷新令牌（刷新令牌只能用一次）", anyone())
    async def refresh(self, info: Info[Context, None], refresh_token: str) -> AuthPayload:
        # Not rate limited: a refresh token cannot be guessed, and offices behind one NAT
        # refresh every 15 minutes.
        return _payload(await info.context.identity.refresh(refresh_token, info.context.source_ip))

    @mutation("注销当前登录：访问令牌和刷新令牌立即失效", own(writes=True))
    async def logout(self, info: Info[Context, None]) -> bool:
        await info.context.identity.logout(await info.context.principal(), info.context.source_ip)
        return True

    @mutation("在本单位或直接下级单位创建用户并授予第一个角色；返回一次性激活码，由本人设置密码", MANAGE_MEMBERS)
    async def create_user(self, info: Info[Context, None], input: NewUser) -> CreatedUser:
        principal = await info.context.principal()
        if input.password is not None:
            raise DomainError("PASSWORD_SET_BY_OWNER", "新账号的密码由本人用激活码设置，创建者不能设置密码", field="password")
        created = await info.context.identity.create_user(
            principal,
            username=input.username,
            display_name=input.display_name,
            tenant_code=check_code(input.tenant_code, field="tenantCode"),
            organ_id=optional_id(input.organ_id, "organId"),
            role=input.role,
            unit_id=optional_id(input.unit_id, "unitId"),
            source_ip=info.context.source_ip,
        )
        return CreatedUser(
            user_id=strawberry.ID(str(created.user_id)),
            membership_id=strawberry.ID(str(created.membership_id)),
            activation_code=created.activation_code,
            activation_expires_at=created.activation_expires_at,
        )

    @mutation("账号本人用激活码设置密码（每个激活码只能用一次，7 天内有效），之后即可登录", anyone())
    async def activate_account(self, info: Info[Context, None], username: str, activation_code: str, password: str) -> bool:
        await info.context.limit_login(username)
        await info.context.identity.activate(username, activation_code, password, info.context.source_ip)
        return True

    @mutation("授予用户在某机构的角色（已有则不变），返回成员关系 id", MANAGE_MEMBERS)
    async def grant_membership(
        self,
        info: Info[Context, None],
        user_id: strawberry.ID,
        tenant_code: str,
        role: Role,
        unit_id: strawberry.ID | None = None,
        organ_id: Annotated[strawberry.ID | None, strawberry.argument(description="角色所在的机关；不填为本地区的编办")] = None,
    ) -> strawberry.ID:
        principal = await info.context.principal()
        membership_id = await info.context.identity.grant(
            principal,
            user_id=parse_id(user_id, "userId"),
            tenant_code=check_code(tenant_code, field="tenantCode"),
            organ_id=optional_id(organ_id, "organId"),
            role=role,
            unit_id=optional_id(unit_id, "unitId"),
            source_ip=info.context.source_ip,
        )
        return strawberry.ID(str(membership_id))

    @mutation("收回一个成员关系", MANAGE_MEMBERS)
    async def revoke_membership(self, info: Info[Context, None], membership_id: strawberry.ID) -> bool:
        principal = await info.context.principal()
        await info.context.identity.revoke_membership(principal, parse_id(membership_id, "membershipId"), info.context.source_ip)
        return True

    @mutation("为自己的账号签发 API 令牌（供系统对接账号使用）", own(writes=True))
    async def issue_api_token(self, info: Info[Context, None], name: str, scopes: list[Scope], expires_in_days: int = 90) -> IssuedToken:
        principal = await info.context.principal()
        issued = await info.context.identity.issue_api_token(
            principal,
            name=name,
            scopes=scopes,
            expires_in_days=expires_in_days,
            source_ip=info.context.source_ip,
        )
        return IssuedToken(id=strawberry.ID(str(issued.id)), token=issued.token, expires_at=issued.expires_at)

    @mutation("吊销自己的一个 API 令牌（别人的令牌：不存在）", own(writes=True))
    async def revoke_api_token(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        principal = await info.context.principal()
        await info.context.identity.revoke_api_token(principal, parse_id(id, "id"), info.context.source_ip)
        return True
