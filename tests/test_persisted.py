"""Persisted operations (backend/persisted.py): the operations of graphql/operations/ are known by
the sha256 of their document; with XUNCHA_PERSISTED_ONLY nothing else runs."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from sqlalchemy import func, select

from backend.identity.models import Session
from backend.persisted import OPERATIONS, operations_in, shipped
from graphql import OperationDefinitionNode, parse
from tests.helpers import xuncha
from tests.identity import PASSWORD, Api, add_user, error_code, token_for

FILE = """# a comment between definitions is no part of any document

query Ledger($t: String!) { findings(tenantCode: $t) { items { ...row } } }

fragment unused on Finding { code }

fragment row on Finding { id ledger { ...entry } }

mutation Step { logout }

fragment entry on LedgerEntry { state }
"""


def named(name: str) -> tuple[str, str]:
    """(sha256, document) of the shipped operation `name` (of identity.graphql or findings.graphql)."""
    return next((h, op.document) for h, op in shipped().items() if op.name == name and op.file in {"identity.graphql", "findings.graphql"})


def test_a_document_is_the_operation_then_the_fragments_it_reaches_in_file_order():
    ledger, step = operations_in(FILE, "x.graphql")
    assert ledger.document == (
        "query Ledger($t: String!) { findings(tenantCode: $t) { items { ...row } } }\n\n"
        "fragment row on Finding { id ledger { ...entry } }\n\n"
        "fragment entry on LedgerEntry { state }"
    )
    assert (ledger.name, ledger.kind, ledger.file) == ("Ledger", "query", "x.graphql")
    assert ledger.sha256 == hashlib.sha256(ledger.document.encode()).hexdigest()
    assert (step.name, step.kind, step.document) == ("Step", "mutation", "mutation Step { logout }")


def test_every_shipped_operation_is_on_the_list():
    definitions = [d for path in OPERATIONS.glob("*.graphql") for d in parse(path.read_text(encoding="utf-8")).definitions]
    assert len(shipped()) == sum(isinstance(d, OperationDefinitionNode) for d in definitions) > 100


async def persisted_api(runtime, *, persisted_only: bool):
    edge = dataclasses.replace(runtime.settings.edge, persisted_only=persisted_only)
    return Api(dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, environment="production", edge=edge)))


async def post(api: Api, body: dict, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def by_hash(sha256: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


@pytest.fixture
async def user(runtime):
    return await token_for(runtime, await add_user(runtime, "sf.inspector"))


async def sessions(runtime) -> int:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(Session))).scalar_one()


async def test_persisted_only_runs_an_operation_named_by_its_hash_or_sent_as_shipped(runtime, user):
    sha256, document = named("Me")
    async with await persisted_api(runtime, persisted_only=True) as api:
        assert (await post(api, {"extensions": by_hash(sha256)}, user))["data"]["me"]["username"] == "sf.inspector"
        assert (await post(api, {"query": document, "extensions": by_hash(sha256)}, user))["data"]["me"]["username"] == "sf.inspector"
        assert (await post(api, {"query": document}, user))["data"]["me"]["username"] == "sf.inspector"
        login, _ = named("Login")
        answer = await post(api, {"extensions": by_hash(login), "variables": {"username": "sf.inspector", "password": PASSWORD}})
        assert answer["data"]["login"]["accessToken"]


async def test_persisted_only_refuses_any_other_document_and_runs_nothing(runtime, user):
    before = await sessions(runtime)
    adhoc_login = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
    async with await persisted_api(runtime, persisted_only=True) as api:
        answer = await post(api, {"query": adhoc_login, "variables": {"u": "sf.inspector", "p": PASSWORD}})
        assert error_code(answer) == "PERSISTED_QUERY_REQUIRED"
        assert "已登记" in answer["errors"][0]["message"]
        assert answer["data"] is None
        # An ad-hoc document under its own (true) hash is not on the list either.
        adhoc = "{ me { username } }"
        sha256 = hashlib.sha256(adhoc.encode()).hexdigest()
        assert error_code(await post(api, {"query": adhoc, "extensions": by_hash(sha256)}, user)) == "PERSISTED_QUERY_NOT_FOUND"
        assert error_code(await post(api, {"query": None}, user)) == "PERSISTED_QUERY_REQUIRED"
    assert await sessions(runtime) == before


async def test_an_unknown_hash_or_a_document_that_is_not_its_hash_is_refused_in_any_mode(runtime, user):
    sha256, _ = named("Me")
    for persisted_only in (False, True):
        async with await persisted_api(runtime, persisted_only=persisted_only) as api:
            unknown = await post(api, {"extensions": by_hash("0" * 64)}, user)
            assert error_code(unknown) == "PERSISTED_QUERY_NOT_FOUND"
            assert "未登记" in unknown["errors"][0]["message"]
            mismatch = await post(api, {"query": "{ me { id } }", "extensions": by_hash(sha256)}, user)
            assert error_code(mismatch) == "PERSISTED_QUERY_MISMATCH"


async def test_without_persisted_only_any_document_runs_and_a_hash_too(runtime, user):
    sha256, _ = named("Me")
    adhoc = "{ me { username } }"
    async with await persisted_api(runtime, persisted_only=False) as api:
        assert (await post(api, {"query": adhoc}, user))["data"]["me"]["username"] == "sf.inspector"
        assert (await post(api, {"extensions": by_hash(sha256)}, user))["data"]["me"]["username"] == "sf.inspector"
        # Apollo's automatic persisted queries send the hash with the text: it runs, unlisted.
        unlisted = {"query": adhoc, "extensions": by_hash(hashlib.sha256(adhoc.encode()).hexdigest())}
        assert (await post(api, unlisted, user))["data"]["me"]["username"] == "sf.inspector"


async def test_the_command_line_lists_every_hash(runtime):
    listed = await xuncha(runtime, "graphql", "operations")
    assert listed.returncode == 0, listed.stderr
    sha256, _ = named("Ledger")
    assert f"{sha256}  query         findings.graphql:Ledger" in listed.stdout.splitlines()
    assert len(listed.stdout.splitlines()) == len(shipped())
