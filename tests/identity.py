"""Test helpers for identity: users with memberships, tokens without a login round trip,
and a GraphQL client that calls the app in the test's event loop."""

from __future__ import annotations

import functools
import uuid

import httpx
import jwt
from sqlalchemy import insert

from backend.app import create_app
from backend.identity.credentials import JWT_ALGORITHM, hash_password, issue_access_token
from backend.identity.models import Membership, Session, UserAccount
from backend.identity.service import ACCESS_TOKEN_TTL
from backend.runtime import Runtime
from tenants.organs import office_of

PASSWORD = "Xuncha-test-2026"


@functools.cache
def _password_hash_task():
    import asyncio

    return asyncio.ensure_future(hash_password(PASSWORD))


async def add_user(runtime: Runtime, username: str, *grants: tuple[str, str, int | None], superuser: bool = False) -> int:
    """A user whose password is PASSWORD, with (tenant code, role, unit id) memberships."""
    password_hash = await _password_hash_task()
    async with runtime.engine.begin() as connection:
        user_id = (
            await connection.execute(
                insert(UserAccount)
                .values(username=username, display_name=username, password_hash=password_hash, is_superuser=superuser)
                .returning(UserAccount.id)
            )
        ).scalar_one()
        for code, role, unit_id in grants:
            await connection.execute(
                insert(Membership).values(
                    user_id=user_id, tenant_code=code, organ_id=await office_of(connection, code), role=role, unit_id=unit_id
                )
            )
    return user_id


async def token_for(runtime: Runtime, user_id: int) -> str:
    """An access token of a fresh session, as a login would give."""
    session_id = uuid.uuid4()
    async with runtime.engine.begin() as connection:
        await connection.execute(insert(Session).values(id=session_id, user_id=user_id))
    return issue_access_token(user_id, session_id, runtime.settings.secret_key, ACCESS_TOKEN_TTL, runtime.clock.now())[0]


def renewed(runtime: Runtime, token: str) -> str:
    """The same session's access token issued again as of the runtime's clock now (after a test
    moved the clock past the token's expiry)."""
    claims = jwt.decode(token, runtime.settings.secret_key, algorithms=[JWT_ALGORITHM], options={"verify_exp": False, "verify_iat": False})
    return issue_access_token(
        int(claims["sub"]), uuid.UUID(claims["sid"]), runtime.settings.secret_key, ACCESS_TOKEN_TTL, runtime.clock.now()
    )[0]


class Api:
    """POSTs GraphQL to the app (same event loop as the runtime's connections)."""

    def __init__(self, runtime: Runtime, source: str = "127.0.0.1") -> None:
        transport = httpx.ASGITransport(app=create_app(runtime), client=(source, 50000))  # `source`: the caller's address
        self.client = httpx.AsyncClient(transport=transport, base_url="http://test")

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.aclose()

    async def call(self, query: str, token: str | None = None, **variables) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()


def error_code(result: dict) -> str | None:
    """The first error's code, or None when the call succeeded."""
    errors = result.get("errors")
    return errors[0].get("extensions", {}).get("code", "GRAPHQL_ERROR") if errors else None
