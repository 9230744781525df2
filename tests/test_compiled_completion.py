"""Compiled completion (backend/completion.py) answers byte for byte what graphql-core's generic
completion answers: every query of graphql/operations/ (sent by its persisted hash), over the
demo's data, as a county inspector and as a province's publisher, both ways."""

from __future__ import annotations

import orjson
import pytest
from rich.progress import Progress

from backend.completion import CompiledCompletion
from backend.demo import load_demo
from backend.demo.offices import DEMO_PASSWORD, load_demo_users
from backend.persisted import shipped
from graphql import NonNullTypeNode, parse
from tests.identity import Api

# A value for each required variable the shipped queries name (a wrong one is an error, answered
# the same both ways, which is compared too).
VALUES = {
    "tenantCode": "431321",
    "regionCode": "430000",
    "provinceCode": "430000",
    "publisherCode": "430000",
    "officeCode": "431321",
    "code": "431321",
    "parentCode": "431300",
    "id": "1",
    "findingId": "1",
    "roundId": "1",
    "unitId": "1",
    "caseId": "1",
    "bulletinId": "1",
    "year": 2026,
    "month": "2026-06",
    "text": "超编",
}
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"


def queries() -> list[tuple[str, str, dict]]:
    """(hash, name, variables) of every shipped query whose required variables VALUES fills."""
    found = []
    for sha256, operation in shipped().items():
        if operation.kind != "query":
            continue
        definition = parse(operation.document).definitions[0]
        required = [
            v.variable.name.value
            for v in definition.variable_definitions or ()
            if isinstance(v.type, NonNullTypeNode) and not v.default_value
        ]
        if all(name in VALUES for name in required):
            found.append((sha256, operation.name, {name: VALUES[name] for name in required}))
    return found


@pytest.fixture
async def demo(runtime):
    await load_demo(runtime, Progress(disable=True))
    await load_demo_users(runtime)
    async with Api(runtime) as api:
        tokens = []
        for user in ("shuangfeng.inspector", "hunan.publisher"):
            answer = await api.call(LOGIN, u=user, p=DEMO_PASSWORD)
            tokens.append(answer["data"]["login"]["accessToken"])
        yield api, tokens


async def test_every_shipped_query_answers_the_same_bytes_compiled_or_not(demo, monkeypatch):
    api, tokens = demo
    compiled_plan = CompiledCompletion._plan

    async def answer(sha256: str, variables: dict, token: str, *, compiled: bool) -> tuple[bytes, list[str]]:
        """The answer's `data` as sent (its bytes, in the server's key order) and its errors (in
        any order: sibling root fields fail concurrently)."""
        monkeypatch.setattr(CompiledCompletion, "_plan", compiled_plan if compiled else lambda *_: None)
        body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}}, "variables": variables}
        response = await api.client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        answer = response.json()
        return orjson.dumps(answer["data"]), sorted(orjson.dumps(error).decode() for error in answer.get("errors", []))

    compared, answered_with_data, unstable = 0, 0, []
    for sha256, name, variables in queries():
        for token in tokens:
            generic = await answer(sha256, variables, token, compiled=False)
            compiled = await answer(sha256, variables, token, compiled=True)
            again = await answer(sha256, variables, token, compiled=False)
            if generic != again:  # the query's answer changes on its own (a first read recorded): not comparable
                unstable.append(name)
                continue
            assert compiled == generic, (name, compiled, generic)
            compared += 1
            answered_with_data += not generic[1]
    assert compared > 120 and answered_with_data > 90, (compared, answered_with_data, unstable)
    # The compiled path was taken: the ledger's items were completed by a plan.
    assert any(plan is not None for _, plan in CompiledCompletion.plans.values())
