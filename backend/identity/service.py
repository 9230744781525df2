"""Identity rules: login and lockout, session tokens, API tokens, users and memberships,
and the audit of every one of them (identity.auth_event, in the same transaction)."""

from __future__ import annotations

import math
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.clock import Clock
from backend.db import violated_constraint
from backend.identity.credentials import (
    check_password_policy,
    digest,
    hash_password,
    issue_access_token,
    new_activation_code,
    new_secret,
    normalized_activation_code,
    read_access_token,
    same_digest,
    verify_password,
)
from backend.identity.models import ApiToken, AuthEvent, LoginThrottle, Membership, RefreshToken, Session, UserAccount
from backend.units.models import InspectedUnit
from tenants.access import (
    Grant,
    OrganGrant,
    Principal,
    Role,
    Scope,
    Seat,
    can_read,
    not_found,
    require_membership_management,
)
from tenants.errors import DomainError
from tenants.models import Tenant, TenantStatus
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code
from tenants.organs import PARTNER_ORGAN_ROLES, Organ, OrganKind
from tenants.registry import clean_name, load_place, place_of
from tenants.scoping import reading

ACCESS_TOKEN_TTL = timedelta(minutes=15)
REFRESH_TOKEN_TTL = timedelta(days=30)
# Wrong passwords are counted per account and source address: after MAX_FAILED_LOGINS the
# address waits FIRST_WAIT, doubling with each further failure up to LONGEST_WAIT. Other
# addresses are not held up, so nobody can lock a user out from everywhere.
MAX_FAILED_LOGINS = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(minutes=15)
API_TOKEN_MAX_DAYS = 366
ACTIVATION_TTL = timedelta(days=7)
USERNAME_MAX_LENGTH = 64
_USERNAME = re.compile(r"[A-Za-z0-9_.@-]{3,64}")
# Built once: every request authenticates, and building the statement costs more than running it.
_USER_WITH_GRANTS = (
    select(
        UserAccount.id,
        UserAccount.username,
        UserAccount.is_superuser,
        Membership.role,
        Membership.unit_id,
        Membership.organ_id,
        Organ.kind.label("organ_kind"),
        Organ.shares_office_data,
        Tenant.code,
        Tenant.level,
        Tenant.parent_code,
        Tenant.province_code,
        Tenant.city_code,
    )
    .outerjoin(Membership, Membership.user_id == UserAccount.id)
    .outerjoin(Tenant, and_(Tenant.code == Membership.tenant_code, Tenant.status == TenantStatus.ACTIVE))
    .outerjoin(Organ, Organ.id == Membership.organ_id)
    .where(UserAccount.id == bindparam("user_id"), UserAccount.is_active)
)
_SESSION_USER_WITH_GRANTS = _USER_WITH_GRANTS.join(Session, Session.user_id == UserAccount.id).where(
    Session.id == bindparam("session_id"), Session.revoked_at.is_(None)
)


def _office_grant(row: Row) -> Grant | None:
    """A membership's role over its office's own data (tenants/access.py): as held in the 编办,
    read-only in a partner organ the 编办 shares its records with, none in any other organ."""
    if row.organ_kind == OrganKind.OFFICE:
        return Grant(place_of(row), Role(row.role), row.unit_id)
    return Grant(place_of(row), Role.AUDITOR) if row.shares_office_data else None


def unauthenticated(message: str = "请先登录") -> DomainError:
    return DomainError("UNAUTHENTICATED", message)


def bad_credentials() -> DomainError:
    return DomainError(
        "INVALID_CREDENTIALS",
        f"用户名或密码错误；在同一地址连续输错 {MAX_FAILED_LOGINS} 次后须等待片刻再试（每多错一次等待加倍，最长 {LONGEST_WAIT.seconds // 60} 分钟）",
    )


def waiting(remaining: timedelta) -> DomainError:
    """Told only to a caller who gave the right password: the address must still wait."""
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return DomainError("ACCOUNT_LOCKED", f"此地址的登录尝试过多，密码正确，但须于 {minutes} 分钟后再登录")


def wait_after(failures: int) -> timedelta | None:
    """How long an address waits after its `failures`-th wrong password for one account."""
    if failures < MAX_FAILED_LOGINS:
        return None
    return min(FIRST_WAIT * 2 ** min(failures - MAX_FAILED_LOGINS, 8), LONGEST_WAIT)


def typed_username(username: str) -> str:
    """A username as typed at a login or an activation, kept in bounds for the audit row:
    longer ones match nobody, and NUL (which PostgreSQL refuses in text) shown as U+FFFD still
    matches nobody."""
    return username[:USERNAME_MAX_LENGTH].replace("\x00", "\ufffd")


async def _locked_user(connection: AsyncConnection, username: str) -> Row | None:
    """The account a typed username names (case-insensitively), locked for the check."""
    query = select(UserAccount).where(func.lower(UserAccount.username) == username.lower()).with_for_update()
    return (await connection.execute(query)).one_or_none()


def check_username(username: str) -> str:
    if not _USERNAME.fullmatch(username):
        raise DomainError("INVALID_USERNAME", "用户名须为 3 到 64 位字母、数字或 _.@-", field="username")
    return username


async def username_taken(connection: AsyncConnection, username: str) -> bool:
    query = select(UserAccount.id).where(func.lower(UserAccount.username) == username.lower())
    return (await connection.execute(query)).first() is not None


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str


@dataclass(frozen=True)
class IssuedApiToken:
    id: int
    token: str  # shown once; only its digest is stored
    expires_at: datetime


@dataclass(frozen=True)
class CreatedAccount:
    user_id: int
    membership_id: int
    activation_code: str  # shown once, to the creator, who hands it to the account's owner
    activation_expires_at: datetime


async def audit(
    connection: AsyncConnection,
    action: str,
    *,
    source_ip: str | None,
    actor_user_id: int | None = None,
    subject_user_id: int | None = None,
    username: str | None = None,
    **detail: Any,
) -> None:
    await connection.execute(
        insert(AuthEvent).values(
            action=action,
            actor_user_id=actor_user_id,
            subject_user_id=subject_user_id,
            username=username,
            source_ip=source_ip,
            detail=detail or None,
        )
    )


class IdentityService:
    def __init__(self, engine: AsyncEngine, secret_key: str, clock: Clock) -> None:
        self.engine = engine
        self.secret_key = secret_key
        self.clock = clock

    # ---- sessions ---------------------------------------------------------------------

    async def login(self, username: str, password: str, source_ip: str | None) -> TokenPair:
        """Check the password; wrong ones make the source address wait (`wait_after`).
        Failures are committed (and audited) before the error is raised."""
        now = self.clock.now()
        refusal: DomainError | None = None
        source = (source_ip or "")[:64]
        username = typed_username(username)
        async with self.engine.begin() as connection:
            user = await _locked_user(connection, username)
            # Always verify (a dummy hash for unknown users) and always give the same answer to a
            # wrong password: neither the reply nor its timing tells whether a username exists.
            password_ok = await verify_password(user.password_hash if user else None, password)
            throttle = None
            if user is not None:
                throttle = (
                    await connection.execute(select(LoginThrottle).where(LoginThrottle.user_id == user.id, LoginThrottle.source == source))
                ).one_or_none()
            if user is not None and throttle is not None and throttle.blocked_until is not None and throttle.blocked_until > now:
                await audit(connection, "login_refused_locked", source_ip=source_ip, subject_user_id=user.id, username=username)
                refusal = waiting(throttle.blocked_until - now) if password_ok and user.is_active else bad_credentials()
            elif user is None or not password_ok or not user.is_active:
                await audit(connection, "login_failed", source_ip=source_ip, subject_user_id=user.id if user else None, username=username)
                if user is not None:
                    await self._count_failure(connection, user, source, throttle.failures if throttle else 0, source_ip, now)
                refusal = bad_credentials()
            else:
                await connection.execute(delete(LoginThrottle).where(LoginThrottle.user_id == user.id, LoginThrottle.source == source))
                session_id = uuid.uuid4()
                await connection.execute(insert(Session).values(id=session_id, user_id=user.id, source_ip=source_ip))
                pair = await self._issue_pair(connection, user.id, session_id)
                await audit(
                    connection, "login", source_ip=source_ip, actor_user_id=user.id, subject_user_id=user.id, username=user.username
                )
        if refusal:
            raise refusal
        return pair

    async def _count_failure(self, connection, user, source: str, earlier: int, source_ip: str | None, now: datetime) -> None:
        failures = earlier + 1
        wait = wait_after(failures)
        if wait is not None:
            await audit(
                connection,
                "account_locked",
                source_ip=source_ip,
                subject_user_id=user.id,
                username=user.username,
                minutes=wait.seconds // 60,
            )
        row = {"user_id": user.id, "source": source, "failures": failures, "blocked_until": now + wait if wait else None}
        await connection.execute(
            pg_insert(LoginThrottle)
            .values(**row)
            .on_conflict_do_update(index_elements=[LoginThrottle.user_id, LoginThrottle.source], set_=row)
        )

    async def _issue_pair(self, connection: AsyncConnection, user_id: int, session_id: uuid.UUID) -> TokenPair:
        refresh = new_secret("xrt")
        await connection.execute(
            insert(RefreshToken).values(session_id=session_id, token_hash=digest(refresh), expires_at=self.clock.now() + REFRESH_TOKEN_TTL)
        )
        access, expires_at = issue_access_token(user_id, session_id, self.secret_key, ACCESS_TOKEN_TTL, self.clock.now())
        return TokenPair(access, expires_at, refresh)

    async def refresh(self, refresh_token: str, source_ip: str | None) -> TokenPair:
        """Rotate: a refresh token works once. Presenting a used one again means it leaked,
        so its whole session is revoked."""
        refusal: DomainError | None = None
        async with self.engine.begin() as connection:
            row = (
                await connection.execute(
                    select(
                        RefreshToken.id,
                        RefreshToken.used_at,
                        RefreshToken.expires_at,
                        Session.id.label("session_id"),
                        Session.user_id,
                        Session.revoked_at,
                        UserAccount.is_active,
                    )
                    .join(Session, Session.id == RefreshToken.session_id)
                    .join(UserAccount, UserAccount.id == Session.user_id)
                    .where(RefreshToken.token_hash == digest(refresh_token))
                    .with_for_update()
                )
            ).one_or_none()
            now = self.clock.now()
            if row is None:
                refusal = unauthenticated("刷新令牌无效")
            elif row.used_at is not None:
                await self._revoke_session(connection, row.session_id, now)
                await audit(
                    connection, "refresh_token_reused", source_ip=source_ip, subject_user_id=row.user_id, session=str(row.session_id)
                )
                refusal = unauthenticated("刷新令牌已被使用过，为安全起见本次登录已失效，请重新登录")
            elif row.revoked_at is not None or row.expires_at <= now or not row.is_active:
                refusal = unauthenticated("登录已失效，请重新登录")
            else:
                await connection.execute(update(RefreshToken).where(RefreshToken.id == row.id).values(used_at=now))
                pair = await self._issue_pair(connection, row.user_id, row.session_id)
                await audit(connection, "token_refreshed", source_ip=source_ip, actor_user_id=row.user_id, subject_user_id=row.user_id)
        if refusal:
            raise refusal
        return pair

    async def _revoke_session(self, connection: AsyncConnection, session_id: uuid.UUID, now: datetime) -> None:
        await connection.execute(update(Session).where(Session.id == session_id, Session.revoked_at.is_(None)).values(revoked_at=now))

    async def logout(self, principal: Principal, source_ip: str | None) -> None:
        """End the caller's session: its access and refresh tokens stop working at once."""
        if principal.session_id is None:
            raise DomainError("BAD_REQUEST", "API 令牌没有登录会话，请用 revokeApiToken 吊销")
        async with self.engine.begin() as connection:
            await self._revoke_session(connection, principal.session_id, self.clock.now())
            await audit(connection, "logout", source_ip=source_ip, actor_user_id=principal.user_id, subject_user_id=principal.user_id)

    # ---- authenticating a request -----------------------------------------------------

    async def authenticate(self, bearer: str) -> Principal:
        """The principal behind an access token (JWT) or an API token (`xat_<id>.<secret>`)."""
        async with reading(self.engine).connect() as connection:
            if bearer.startswith("xat_"):
                user_id, scopes = await self._check_api_token(connection, bearer)
                session_id = None
            else:
                claims = read_access_token(bearer, self.secret_key, self.clock.now())
                user_id, scopes, session_id = claims.user_id, frozenset(Scope), claims.session_id
            return await self._principal(connection, user_id, scopes, session_id)

    async def _check_api_token(self, connection: AsyncConnection, bearer: str) -> tuple[int, frozenset[Scope]]:
        token_id, _, secret = bearer.removeprefix("xat_").partition(".")
        row = None
        if token_id.isascii() and token_id.isdigit() and len(token_id) <= 18 and secret:
            row = (await connection.execute(select(ApiToken).where(ApiToken.id == int(token_id)))).one_or_none()
        if row is None or not same_digest(secret, row.token_hash):
            raise unauthenticated("API 令牌无效")
        if row.revoked_at is not None or row.expires_at <= self.clock.now():
            raise unauthenticated("API 令牌已吊销或已过期")
        return row.user_id, frozenset(Scope(s) for s in row.scopes)

    async def _principal(self, connection, user_id: int, scopes, session_id: uuid.UUID | None) -> Principal:
        """The active user with its grants (in active tenants); for a login, its session must
        still be open. One statement: every request authenticates."""
        parameters: dict[str, object]
        if session_id is None:
            query, parameters = _USER_WITH_GRANTS, {"user_id": user_id}
        else:
            query, parameters = _SESSION_USER_WITH_GRANTS, {"user_id": user_id, "session_id": session_id}
        rows = (await connection.execute(query, parameters)).all()
        if not rows:
            raise unauthenticated("登录已注销或账号已停用，请重新登录")
        held = [row for row in rows if row.code is not None]
        grants = tuple(dict.fromkeys(office_grant for row in held if (office_grant := _office_grant(row)) is not None))
        organs = tuple(OrganGrant(place_of(row), row.organ_id, Role(row.role)) for row in held)
        user = rows[0]
        return Principal(user.id, user.username, user.is_superuser, grants, scopes, session_id, organs)

    # ---- users and memberships --------------------------------------------------------

    async def create_user(
        self,
        actor: Principal,
        *,
        username: str,
        display_name: str,
        tenant_code: str,
        organ_id: int | None,
        role: Role,
        unit_id: int | None,
        source_ip: str | None,
    ) -> CreatedAccount:
        """A new account with its first membership, and the one-time code its owner activates
        it with (`activate`): the creator hands the code over and never knows the password.
        Usernames are unique across the platform (one person, one account, many offices)."""
        check_username(username)
        display_name = clean_name(display_name, field="displayName")
        async with reading(self.engine).connect() as connection:  # authorize before spending a hash on it
            await self._managed_seat(connection, actor, tenant_code, organ_id, role)
        unusable = await hash_password(new_secret("unusable"))  # a password nobody knows, until activation
        code, expires_at = new_activation_code(), self.clock.now() + ACTIVATION_TTL
        async with self.engine.begin() as connection:
            seat = await self._managed_seat(connection, actor, tenant_code, organ_id, role)
            await self._check_unit(connection, tenant_code, role, unit_id)
            if await username_taken(connection, username):
                raise DomainError("DUPLICATE", f"用户名 {username} 已被使用", field="username")
            try:
                user_id = (
                    await connection.execute(
                        insert(UserAccount)
                        .values(
                            username=username,
                            display_name=display_name,
                            password_hash=unusable,
                            activation_hash=digest(code),
                            activation_expires_at=expires_at,
                        )
                        .returning(UserAccount.id)
                    )
                ).scalar_one()
            except IntegrityError as error:
                if violated_constraint(error) != "user_account_username_key":
                    raise
                # created by a concurrent request since the check
                raise DomainError("DUPLICATE", f"用户名 {username} 已被使用", field="username") from None
            await audit(
                connection, "user_created", source_ip=source_ip, actor_user_id=actor.user_id, subject_user_id=user_id, username=username
            )
            membership_id = await self._grant(connection, actor, user_id, seat, role, unit_id, source_ip)
        return CreatedAccount(user_id, membership_id, code, expires_at)

    async def activate(self, username: str, code: str, password: str, source_ip: str | None) -> None:
        """The owner sets the account's first password with its activation code (once, before
        the code expires). A wrong code, an expired one and an unknown user are told the same."""
        check_password_policy(password)
        password_hash = await hash_password(password)
        username = typed_username(username)
        async with self.engine.begin() as connection:
            user = await _locked_user(connection, username)
            valid = (
                user is not None
                and user.activation_hash is not None
                and user.activation_expires_at is not None
                and user.activation_expires_at > self.clock.now()
                and same_digest(normalized_activation_code(code), user.activation_hash)
            )
            if not valid:
                await audit(
                    connection, "activation_failed", source_ip=source_ip, subject_user_id=user.id if user else None, username=username
                )
            else:
                assert user is not None
                await connection.execute(
                    update(UserAccount)
                    .where(UserAccount.id == user.id)
                    .values(password_hash=password_hash, activation_hash=None, activation_expires_at=None)
                )
                await audit(connection, "account_activated", source_ip=source_ip, subject_user_id=user.id, username=user.username)
        if not valid:
            raise DomainError("INVALID_ACTIVATION_CODE", "激活码无效、已使用或已过期，请向创建账号的管理员重新索取", field="activationCode")

    async def grant(
        self,
        actor: Principal,
        *,
        user_id: int,
        tenant_code: str,
        organ_id: int | None,
        role: Role,
        unit_id: int | None,
        source_ip: str | None,
    ) -> int:
        """Give a user a role in an organ of a tenant (idempotent; no organ: its 编办). The user
        must be visible to the actor: a member of some tenant the actor can read, or of the
        actor's own organ."""
        async with self.engine.begin() as connection:
            seat = await self._managed_seat(connection, actor, tenant_code, organ_id, role, user_id)
            await self._check_unit(connection, tenant_code, role, unit_id)
            if not await self._user_visible(connection, actor, user_id):
                raise not_found()
            return await self._grant(connection, actor, user_id, seat, role, unit_id, source_ip)

    async def _grant(self, connection, actor: Principal, user_id: int, seat: Seat, role: Role, unit_id, source_ip) -> int:
        code = seat.place.code
        inserted = (
            await connection.execute(
                pg_insert(Membership)
                .values(user_id=user_id, tenant_code=code, organ_id=seat.organ_id, role=role.value, unit_id=unit_id)
                .on_conflict_do_nothing()
                .returning(Membership.id)
            )
        ).scalar_one_or_none()
        if inserted is None:  # already held
            return (
                await connection.execute(
                    select(Membership.id).where(
                        Membership.user_id == user_id,
                        Membership.organ_id == seat.organ_id,
                        Membership.role == role.value,
                        func.coalesce(Membership.unit_id, 0) == (unit_id or 0),
                    )
                )
            ).scalar_one()
        await audit(
            connection,
            "membership_granted",
            source_ip=source_ip,
            actor_user_id=actor.user_id,
            subject_user_id=user_id,
            tenant=code,
            organ_id=seat.organ_id,
            role=role.value,
            unit_id=unit_id,
            membership_id=inserted,
        )
        return inserted

    async def revoke_membership(self, actor: Principal, membership_id: int, source_ip: str | None) -> None:
        async with self.engine.begin() as connection:
            row = (await connection.execute(select(Membership).where(Membership.id == membership_id).with_for_update())).one_or_none()
            if row is None:
                raise not_found()
            await self._managed_seat(connection, actor, row.tenant_code, row.organ_id, Role(row.role), row.user_id)
            await connection.execute(delete(Membership).where(Membership.id == membership_id))
            await audit(
                connection,
                "membership_revoked",
                source_ip=source_ip,
                actor_user_id=actor.user_id,
                subject_user_id=row.user_id,
                tenant=row.tenant_code,
                organ_id=row.organ_id,
                role=row.role,
                unit_id=row.unit_id,
                membership_id=membership_id,
            )

    async def _managed_seat(
        self, connection: AsyncConnection, actor: Principal, tenant_code: str, organ_id: int | None, role: Role, user_id: int | None = None
    ) -> Seat:
        """The organ (by default the tenant's 编办) a role is granted in or revoked from, once the
        actor may manage it and the role fits the organ."""
        place = await load_place(connection, tenant_code)
        if place is None:
            raise not_found()
        query = select(Organ.id, Organ.kind).where(Organ.tenant_code == tenant_code)
        query = query.where(Organ.id == organ_id) if organ_id is not None else query.where(Organ.kind == OrganKind.OFFICE.value)
        organ = (await connection.execute(query)).one_or_none()
        if organ is None:
            raise DomainError("NOT_FOUND", "该地区没有这个机关", field="organId")
        seat = Seat(place, organ.id, organ.kind == OrganKind.OFFICE)
        require_membership_management(actor, seat, role, user_id)
        if not seat.in_office and role not in PARTNER_ORGAN_ROLES:
            raise DomainError(
                "ROLE_NOT_FOR_ORGAN",
                f"{role.label}只设在机构编制委员会办公室；其他机关的角色为：{'、'.join(r.label for r in Role if r in PARTNER_ORGAN_ROLES)}",
                field="role",
            )
        return seat

    async def _user_visible(self, connection, actor: Principal, user_id: int) -> bool:
        rows = await connection.execute(
            select(Tenant, Membership.organ_id).join(Membership, Membership.tenant_code == Tenant.code).where(Membership.user_id == user_id)
        )
        return any(can_read(actor, place_of(row)) or Role.ADMIN in actor.organ_roles(row.organ_id) for row in rows)

    async def _check_unit(self, connection, tenant_code: str, role: Role, unit_id: int | None) -> None:
        """A liaison is bound to an inspected unit of that tenant; no other role is."""
        if (role is Role.LIAISON) != (unit_id is not None):
            raise DomainError("INVALID_UNIT", "联络员必须绑定本单位的一个被检查单位，其他角色不绑定", field="unitId")
        if unit_id is not None:
            in_tenant = await connection.execution_options(schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema_for_code(tenant_code)})
            if (await in_tenant.execute(select(InspectedUnit.id).where(InspectedUnit.id == unit_id))).first() is None:
                raise DomainError("NOT_FOUND", "被检查单位不存在", field="unitId")

    # ---- API tokens -------------------------------------------------------------------

    async def issue_api_token(
        self, actor: Principal, *, name: str, scopes: list[Scope], expires_in_days: int, source_ip: str | None
    ) -> IssuedApiToken:
        """A token for the caller's own account (an integration account logs in once to get one).
        Only a login may issue one: a token that could mint tokens would outlive its revocation.
        WRITE implies READ."""
        if actor.session_id is None:
            raise DomainError("FORBIDDEN", "只能在登录状态下签发 API 令牌，不能用 API 令牌签发")
        name = clean_name(name)
        if not scopes:
            raise DomainError("INVALID_SCOPES", "至少需要一个权限范围", field="scopes")
        if not 1 <= expires_in_days <= API_TOKEN_MAX_DAYS:
            raise DomainError("INVALID_EXPIRY", f"有效期须为 1 到 {API_TOKEN_MAX_DAYS} 天", field="expiresInDays")
        if not set(scopes) <= actor.scopes:
            raise DomainError("FORBIDDEN", "不能签发超出自身权限范围的令牌")
        scopes = [*scopes, Scope.READ]
        secret = secrets.token_urlsafe(32)
        expires_at = self.clock.now() + timedelta(days=expires_in_days)
        async with self.engine.begin() as connection:
            token_id = (
                await connection.execute(
                    insert(ApiToken)
                    .values(
                        user_id=actor.user_id,
                        name=name,
                        token_hash=digest(secret),
                        scopes=sorted({s.value for s in scopes}),
                        expires_at=expires_at,
                    )
                    .returning(ApiToken.id)
                )
            ).scalar_one()
            await audit(
                connection,
                "api_token_issued",
                source_ip=source_ip,
                actor_user_id=actor.user_id,
                subject_user_id=actor.user_id,
                token_id=token_id,
                scopes=sorted({s.value for s in scopes}),
            )
        return IssuedApiToken(token_id, f"xat_{token_id}.{secret}", expires_at)

    async def revoke_api_token(self, actor: Principal, token_id: int, source_ip: str | None) -> None:
        """Only the owner revokes its token; anyone else is told it does not exist."""
        async with self.engine.begin() as connection:
            revoked = await connection.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id, ApiToken.user_id == actor.user_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=func.now())
                .returning(ApiToken.id)
            )
            if revoked.first() is None:
                raise not_found()
            await audit(
                connection,
                "api_token_revoked",
                source_ip=source_ip,
                actor_user_id=actor.user_id,
                subject_user_id=actor.user_id,
                token_id=token_id,
            )

    # ---- bootstrap --------------------------------------------------------------------

    async def create_superuser(self, username: str, display_name: str, password: str) -> int:
        check_username(username)
        check_password_policy(password)
        password_hash = await hash_password(password)
        async with self.engine.begin() as connection:
            if await username_taken(connection, username):
                raise DomainError("DUPLICATE", f"用户名 {username} 已被使用", field="username")
            user_id = (
                await connection.execute(
                    insert(UserAccount)
                    .values(
                        username=username,
                        display_name=clean_name(display_name, field="displayName"),
                        password_hash=password_hash,
                        is_superuser=True,
                    )
                    .returning(UserAccount.id)
                )
            ).scalar_one()
            await audit(connection, "superuser_created", source_ip=None, subject_user_id=user_id, username=username)
        return user_id
