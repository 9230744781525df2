"""The per-request GraphQL context: the runtime, who is asking, from where. A websocket
(subscriptions) authenticates with the `Authorization` of its connection_init payload, since
browsers cannot set headers on a websocket."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import Scope as AsgiScope
from strawberry.litestar import BaseContext

from backend.audit.reads import ReadLog, SensitiveEntity
from backend.clock import Clock
from backend.identity.service import IdentityService, unauthenticated
from backend.loaders import Loaders
from backend.ratelimit import spend
from backend.runtime import Runtime
from tenants.access import Principal, Scope, require_scope


class Context(BaseContext, kw_only=True):
    runtime: Runtime
    source_ip: str | None
    bearer: str | None
    request_id: str  # the caller's X-Request-Id, or a new one; written into audit entries
    loaders: Loaders
    authenticating: asyncio.Task[Principal] | None = None  # shared by the resolvers that ask at once
    spent: bool = False  # the request was counted against the caller's mutation rate limit
    connection_params: dict[str, Any] | None = None  # a websocket's connection_init payload
    reads: ReadLog = msgspec.field(default_factory=ReadLog)  # sensitive reads, written once answered (write_reads)

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def identity(self) -> IdentityService:
        return self.runtime.identity()

    async def principal(self) -> Principal:
        """The caller, authenticated once per request (sibling resolvers asking at the same
        time share the one authentication); UNAUTHENTICATED without a token."""
        if self.authenticating is None:
            self.authenticating = asyncio.ensure_future(self.identity.authenticate(self._credentials()))
        return await asyncio.shield(self.authenticating)

    async def authenticate_again(self) -> Principal:
        """The caller authenticated anew, not from this request's memory: a long-lived stream
        asks so that it ends once the session is logged out or revoked, the API token revoked,
        the access token expired or the account deactivated (in any process)."""
        return await self.identity.authenticate(self._credentials())

    def _credentials(self) -> str:
        bearer = self.bearer or _bearer(str((self.connection_params or {}).get("Authorization", "")))
        if not bearer:
            raise unauthenticated()
        return bearer

    async def writer(self) -> Principal:
        """The caller of a mutation: it needs the write scope, and the request is counted once
        against its per-user rate limit."""
        principal = await self.principal()
        require_scope(principal, Scope.WRITE)
        if not self.spent:
            self.spent = True
            await self._spend(f"mutation:{principal.user_id}", self.runtime.settings.edge.mutations_per_minute)
        return principal

    def read(self, tenant_code: str, entity: SensitiveEntity, *ids: object) -> None:
        """Note a read of sensitive objects of `tenant_code` (backend/audit/reads.py)."""
        self.reads.add(tenant_code, entity, ids)

    async def record_read(self, tenant_code: str, entity: SensitiveEntity, *ids: object) -> None:
        """Note a sensitive read and record it now (a route's: no GraphQL execution to wait for)."""
        self.read(tenant_code, entity, *ids)
        await self.write_reads()

    async def write_reads(self) -> None:
        """Record the request's sensitive reads in their offices' trails, as the caller."""
        if self.reads:
            principal = await self.principal()
            await self.reads.write(self.runtime.engine, actor=principal.username, address=self.source_ip, request_id=self.request_id)

    async def spend_costly(self, principal: Principal, cost: int) -> None:
        """Count a costly operation against the caller's per-minute budget (backend/cost.py)."""
        await self._spend(f"costly:{principal.user_id}", self.runtime.settings.edge.costly_per_minute, cost)

    async def limit_login(self, username: str) -> None:
        """Count a login attempt per username from this source IP, and per source IP: a
        stranger's attempts never hold up the user's own logins from elsewhere."""
        per_minute = self.runtime.settings.edge.login_attempts_per_minute
        await self._spend(f"login:user:{username[:64].lower()}:{self.source_ip}", per_minute)
        await self._spend(f"login:ip:{self.source_ip}", per_minute * 3)

    async def limit_source(self, name: str, per_minute: int, *, scope: str | None = None) -> None:
        """Count a request made without an account against its source address: per `scope` (an
        office) and, three times as many, over all scopes; or per address alone."""
        if scope is not None:
            await self._spend(f"{name}:ip:{self.source_ip}:{scope}", per_minute)
            per_minute *= 3
        await self._spend(f"{name}:ip:{self.source_ip}", per_minute)

    async def _spend(self, key: str, per_minute: int, units: int = 1) -> None:
        await spend(self.runtime.redis, f"{self.runtime.settings.redis_prefix}:rate:{key}", per_minute, units)


def _bearer(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def client_ip(request: ASGIConnection, trusted_proxies: frozenset[str]) -> str | None:
    """The caller's address. Behind trusted proxies (a load balancer), the right-most
    X-Forwarded-For hop that is not one of them; otherwise the socket's peer."""
    peer = request.client.host if request.client else None
    if peer not in trusted_proxies:
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop[:64]
    return peer


def context_for(connection: ASGIConnection) -> Context:
    """The context of an HTTP request or a websocket: one per HTTP request (a route's guard and
    its handler share it, and so its authentication)."""
    known = connection.scope.get("state", {}).get("xuncha_context")
    if known is not None:
        return known
    runtime: Runtime = connection.app.state.runtime
    context = Context(
        runtime=runtime,
        source_ip=client_ip(connection, runtime.settings.edge.trusted_proxies),
        bearer=_bearer(connection.headers.get("authorization", "")),
        request_id=(connection.headers.get("x-request-id") or uuid.uuid4().hex)[:64],
        loaders=Loaders(runtime.engine),
    )
    if connection.scope["type"] == ScopeType.HTTP:  # a websocket's operations each get their own
        connection.scope.setdefault("state", {})["xuncha_context"] = context
    return context


async def context_getter(scope: AsgiScope) -> Context:
    """Strawberry's context getter (Litestar injects `scope` for requests and websockets alike)."""
    return context_for(ASGIConnection(scope))
