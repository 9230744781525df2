"""The access policy: who may read or write which tenant. Every resolver asks here.

- A member of tenant T reads T and T's descendants and writes T only; never an ancestor's
  or a sibling's data (except what is published to T, which the publishing domains grant).
- A liaison (联络员) sees only its inspected unit, inside its own tenant.
- An auditor reads like a member and never writes.
- Roles are held in an organ of the region (tenants/organs.py). `grants` are the roles over
  the office's own data: those held in its 编办, and read-only (as an auditor) those of a
  partner organ the 编办 shares its records with. `organs` are every role in every organ, for
  what passes between organs (correspondence, clues: their services apply them).
- Tenants are created by the admin of the direct parent (the platform superuser creates
  provinces); a tenant's memberships are managed by its own admins or its parent's.

A target the principal cannot read is NOT_FOUND (never revealing that it exists); one it
can read but not change is FORBIDDEN.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.labelled import Labelled


class Role(Labelled):
    ADMIN = "admin", "管理员"
    INSPECTOR = "inspector", "监督检查人员"
    REVIEWER = "reviewer", "审核人员"
    PUBLISHER = "publisher", "发布人员"
    AUDITOR = "auditor", "监督查询人员（只读）"  # read-only oversight
    LIAISON = "liaison", "联络员"  # bound to one inspected unit


class Scope(Labelled):
    READ = "read", "只读"
    WRITE = "write", "读写"


@dataclass(frozen=True)
class Place:
    """Where a tenant sits in the hierarchy."""

    code: str
    level: Level
    parent_code: str | None
    province_code: str
    city_code: str | None

    def contains(self, other: Place) -> bool:
        """Is `other` this tenant or one of its descendants?"""
        if self.level is Level.PROVINCE:
            return other.province_code == self.code
        if self.level is Level.CITY:
            return other.city_code == self.code
        return other.code == self.code


@dataclass(frozen=True)
class Grant:
    place: Place
    role: Role
    unit_id: int | None = None


@dataclass(frozen=True)
class OrganGrant:
    place: Place
    organ_id: int
    role: Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    is_superuser: bool
    grants: tuple[Grant, ...]
    scopes: frozenset[Scope] = frozenset(Scope)  # an API token may hold fewer
    session_id: uuid.UUID | None = None  # a login session; None for an API token
    organs: tuple[OrganGrant, ...] = ()

    def organ_roles(self, organ_id: int) -> frozenset[Role]:
        """The roles held in organ `organ_id`."""
        return frozenset(grant.role for grant in self.organs if grant.organ_id == organ_id)


def not_found() -> DomainError:
    return DomainError("NOT_FOUND", "对象不存在或不在您的权限范围内")


def forbidden(message: str = "您没有执行此操作的权限") -> DomainError:
    return DomainError("FORBIDDEN", message)


def can_read(principal: Principal, target: Place) -> bool:
    """May the principal see tenant `target` at all (its directory entry)?"""
    if principal.is_superuser:
        return True
    return any(
        grant.place.code == target.code if grant.role is Role.LIAISON else grant.place.contains(target) for grant in principal.grants
    )


def require_read(principal: Principal, target: Place) -> None:
    if not can_read(principal, target):
        raise not_found()


def reads_subtree(principal: Principal, target: Place) -> bool:
    """Does the principal read all of `target` with its descendants (as a member of it or of
    an office above it, not as a liaison)?"""
    return principal.is_superuser or any(g.role is not Role.LIAISON and g.place.contains(target) for g in principal.grants)


def require_subtree_read(principal: Principal, target: Place) -> None:
    """The principal must see `target`'s descendants too (a liaison sees only its unit)."""
    require_read(principal, target)
    if not reads_subtree(principal, target):
        raise forbidden("联络员只能查看本单位的信息")


def require_write(principal: Principal, target: Place, roles: frozenset[Role]) -> None:
    """The principal must hold one of `roles` in `target` itself (auditors never write)."""
    require_read(principal, target)
    require_scope(principal, Scope.WRITE)
    require_role(principal, target, roles - {Role.AUDITOR})


def require_role(principal: Principal, target: Place, roles: frozenset[Role]) -> None:
    """The principal must hold one of `roles` in `target` itself, for a write or for a read kept
    to those roles (an office's channels: its admins; its audit trail: its admins and auditors)."""
    require_read(principal, target)
    if principal.is_superuser:
        return
    if not any(grant.place.code == target.code and grant.role in roles for grant in principal.grants):
        raise forbidden()


def require_scope(principal: Principal, scope: Scope) -> None:
    if scope not in principal.scopes:
        raise forbidden(f"此令牌没有 {scope} 权限")


def is_admin_of(principal: Principal, code: str | None) -> bool:
    return code is not None and any(g.place.code == code and g.role is Role.ADMIN for g in principal.grants)


def require_child_creation(principal: Principal, parent: Place | None) -> None:
    """Creating a tenant under `parent` (None: a province) is for the parent's admins."""
    require_scope(principal, Scope.WRITE)
    if principal.is_superuser:
        return
    if parent is None:
        raise forbidden("只有平台管理员可以开通省级单位")
    require_read(principal, parent)
    if not is_admin_of(principal, parent.code):
        raise forbidden("只有上级单位的管理员可以开通下级单位")


@dataclass(frozen=True)
class Seat:
    """Where a role is held: an organ of a region, the region's 编办 or a partner organ."""

    place: Place
    organ_id: int
    in_office: bool


def require_membership_management(principal: Principal, seat: Seat, role: Role, user_id: int | None) -> None:
    """Granting or revoking `role` in `seat` (for `user_id`; None: a new user). A tenant's
    admins manage all its organs' roles, and an organ's own admins its members; the direct
    parent's admins only appoint or remove the 编办's admins, and never themselves: a parent
    office does not work inside a child's ledger."""
    organ_admin = Role.ADMIN in principal.organ_roles(seat.organ_id)
    if not organ_admin:
        require_read(principal, seat.place)
    require_scope(principal, Scope.WRITE)
    if principal.is_superuser or organ_admin or is_admin_of(principal, seat.place.code):
        return
    if seat.in_office and is_admin_of(principal, seat.place.parent_code):
        if role is Role.ADMIN and user_id != principal.user_id:
            return
        raise forbidden("上级单位管理员只能为下级单位任免管理员，且不能任命自己")
    raise forbidden("只有本单位或上级单位的管理员可以管理成员")


def may_correspond(principal: Principal, target: Place) -> bool:
    """May the principal address the organs of region `target` (see their names, send them
    documents)? Members of any organ of that region, of its parent and of its children, and
    those reading it from above."""
    if reads_subtree(principal, target):
        return True
    neighbours = {target.code, target.parent_code}
    return any(
        grant.role is not Role.LIAISON and (grant.place.code in neighbours or grant.place.parent_code == target.code)
        for grant in principal.organs
    )


def visible_units(principal: Principal, target: Place) -> frozenset[int] | None:
    """The inspected units of `target` the principal may see: None for all of them, or a
    liaison's own units. Call after require_read."""
    if reads_subtree(principal, target):
        return None
    return frozenset(
        g.unit_id for g in principal.grants if g.role is Role.LIAISON and g.place.code == target.code and g.unit_id is not None
    )
