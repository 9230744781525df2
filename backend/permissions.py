"""Who may call an operation, declared where the operation is declared: a GraphQL field takes
`Permission(access)` as a field extension (the `query` and `mutation` helpers below), a REST
route the `permitted` guard with `opt={"access": access}`. The declaration

- is the one place the access policy (tenants/access.py) is applied for that operation, before
  its resolver or handler runs; services keep their data filters (a liaison's unit, what an
  office was sent);
- is written into the field's SDL description (需要角色：…；范围：…);
- is what docs/permissions.md lists and what the isolation matrix derives its expectations from.

An office is named by an argument (`tenantCode`, or another) or found from the object the call
is about (`locate`: a bulletin's publisher, a restriction's office). A target the caller cannot
read is NOT_FOUND (never revealing that it exists); one it reads but may not change is FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import strawberry
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField
from strawberry.utils.await_maybe import await_maybe

from tenants.access import Principal, Role, forbidden, require_role, require_subtree_read, require_write
from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.naming import check_code
from tenants.registry import readable_place

if TYPE_CHECKING:
    from backend.context import Context


class Reach(Labelled):
    OFFICE = "office", "本机构"  # a role held in the office itself (writes, and reads kept to some roles)
    SUBTREE = "subtree", "本机构及下级机构（联络员除外）"
    UNITS = "units", "本机构及下级机构；联络员限本单位"
    OWN = "own", "本人"
    ANYONE = "anyone", "无需登录"
    SPECIAL = "special", "另有规定"


LEVEL_LABELS = {Level.PROVINCE: "省级", Level.CITY: "市级", Level.COUNTY: "县级"}
Locator = Callable[["Context", Mapping[str, Any]], Awaitable[str | None]]


@dataclass(frozen=True)
class Access:
    reach: Reach
    roles: frozenset[Role] = frozenset()  # OFFICE: the roles that may act or read (the superuser always may)
    tenant: str | None = "tenant_code"  # the argument naming the office (its Python name)
    locate: Locator | None = None  # or: how the office is found from the arguments (None: NOT_FOUND)
    levels: frozenset[Level] | None = None  # the office's levels the operation is for (else FORBIDDEN)
    writes: bool = False  # needs the WRITE scope and counts against the caller's rate limit
    rule: str | None = None  # SPECIAL: the rule in words; the service applies it

    def describe(self) -> str:
        """The declaration as the SDL and docs/permissions.md print it."""
        if self.reach is Reach.ANYONE:
            return "无需登录"
        roles = "、".join(role.label for role in Role if role in self.roles) if self.roles else "任一角色"
        scope = self.rule if self.reach is Reach.SPECIAL else self.reach.label
        levels = f"（限{'、'.join(LEVEL_LABELS[level] for level in Level if level in self.levels)}）" if self.levels else ""
        return f"需要角色：{roles}；范围：{scope}{levels}"


def read(
    reach: Reach = Reach.UNITS, *, tenant: str | None = "tenant_code", locate: Locator | None = None, roles: frozenset[Role] = frozenset()
) -> Access:
    """A read of an office's data (by default: its members and those above it; its liaisons see
    their own unit's part). Reach.OFFICE with `roles`: only those roles held in the office itself
    (without the write scope: a read-only token reads)."""
    return Access(reach, roles, tenant=None if locate else tenant, locate=locate)


def write(
    roles: frozenset[Role], *, tenant: str | None = "tenant_code", locate: Locator | None = None, levels: frozenset[Level] | None = None
) -> Access:
    """A change in an office, by one of `roles` held in that office itself."""
    return Access(Reach.OFFICE, roles, None if locate else tenant, locate, levels, writes=True)


def own(*, writes: bool = False) -> Access:
    """The caller's own things (its inbox, tokens, session)."""
    return Access(Reach.OWN, tenant=None, writes=writes)


def anyone() -> Access:
    return Access(Reach.ANYONE, tenant=None)


def special(rule: str, *, writes: bool = False, roles: frozenset[Role] = frozenset()) -> Access:
    """A rule the plain reaches do not say (what was sent to an office, who manages members):
    the caller must be signed in; the service applies `rule`."""
    return Access(Reach.SPECIAL, roles, tenant=None, writes=writes, rule=rule)


async def authorize(context: Context, access: Access, arguments: Mapping[str, Any]) -> Principal | None:
    """Apply `access` to a call with `arguments` (the resolver's or the route handler's, by their
    Python names): the caller, once it may make the call."""
    if access.reach is Reach.ANYONE:
        return None
    principal = await (context.writer() if access.writes else context.principal())
    if access.reach in (Reach.OWN, Reach.SPECIAL):
        return principal
    if access.tenant:
        code = check_code(arguments.get(access.tenant), field=camel(access.tenant))
    else:
        code = await _located(context, access, arguments)
    place = await readable_place(context.runtime.engine, principal, code)
    if access.reach is Reach.SUBTREE:
        require_subtree_read(principal, place)
    elif access.reach is Reach.OFFICE and access.writes:
        require_write(principal, place, access.roles)
    elif access.reach is Reach.OFFICE:
        require_role(principal, place, access.roles)
    if access.levels and place.level not in access.levels:
        raise forbidden(f"此操作限{'、'.join(LEVEL_LABELS[level] for level in Level if level in access.levels)}机构")
    return principal


async def _located(context: Context, access: Access, arguments: Mapping[str, Any]) -> str:
    if access.locate is None:
        raise ValueError("an access names its office by an argument or a locator")
    code = await access.locate(context, arguments)
    if code is None:
        raise DomainError("NOT_FOUND", "对象不存在或不在您的权限范围内")
    return code


class Permission(FieldExtension):
    """The field extension applying an Access before the resolver runs, and charging a costly
    operation's cost (backend/cost.py) to the caller's budget."""

    def __init__(self, access: Access, cost: int = 1) -> None:
        self.access = access
        self.cost = cost

    def apply(self, field: StrawberryField) -> None:
        field.description = f"{field.description}\n{self.access.describe()}" if field.description else self.access.describe()

    async def resolve_async(  # type: ignore[override]  # strawberry passes these three positionally
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, /, **kwargs: Any
    ) -> Any:
        """Positional-only parameters: a field may have an argument named `source` (addBulletinCase does)."""
        principal = await authorize(info.context, self.access, kwargs)
        if self.cost > 1 and principal is not None:
            await info.context.spend_costly(principal, self.cost)
        return await await_maybe(next_(source, info, **kwargs))  # a subscription's resolver answers a stream


def query(description: str, access: Access, *, cost: int = 1, **options: Any) -> Any:
    """A query field declared with its access (and its cost, if it scans much)."""
    return strawberry.field(description=description, extensions=[Permission(access, cost)], **options)


def mutation(description: str, access: Access, **options: Any) -> Any:
    """A mutation declared with its access."""
    return strawberry.mutation(description=description, extensions=[Permission(access)], **options)


async def permitted(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Litestar guard: the route's `opt["access"]`, applied to its path parameters."""
    from backend.context import context_for

    await authorize(context_for(connection), handler.opt["access"], connection.path_params)


def camel(name: str) -> str:
    """A Python argument's GraphQL name (tenant_code → tenantCode)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def declared(schema: strawberry.Schema) -> dict[str, Access]:
    """Each root field's declared access, by the operation's GraphQL name."""
    return {name: permission.access for name, permission in _permissions(schema).items()}


def declared_costs(*roots: type) -> dict[str, int]:
    """The costly fields of root types (strawberry types, before a schema is built), by their
    GraphQL names."""
    return {
        field.graphql_name or camel(field.python_name): extension.cost
        for root in roots
        for field in root.__strawberry_definition__.fields  # type: ignore[attr-defined]
        for extension in field.extensions
        if isinstance(extension, Permission) and extension.cost > 1
    }


def _permissions(schema: strawberry.Schema) -> dict[str, Permission]:
    found = {}
    for root in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(root)
        for field in getattr(definition, "fields", ()):
            for extension in field.extensions:
                if isinstance(extension, Permission):
                    found[schema.config.name_converter.get_graphql_name(field)] = extension
    return found
