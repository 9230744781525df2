"""The mixed load's client (bench/mixed.py spawns it as its own process):
`python -m bench.load_client PLAN.json RESULT.json`.

C concurrent keep-alive clients (closed loop: a client sends its next request when the last
one answered) draw each request from the mix: 70% reads (30 finding lists, 20 finding
details, 5 province/city/county dashboards, 15 problem-bank searches), 25% ledger writes,
5% logins, for the plan's tenants and users. A write drives one of the client's own ledger
entries (no two clients share an entry) one step round 进展 → 申请销号 → 退回 (by the
office's reviewer) → 进展 …, with the version the last answer gave, so a STALE_VERSION is a
real error. An error is a transport failure, a status other than 200, or any GraphQL error.
Requests in the first `warmup` seconds are not counted. RESULT.json holds what was observed
(every latency, by kind); `report` turns one or more such stretches into the figures."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import defaultdict
from typing import Any

import httpx

from bench.common import DASHBOARD, LOGIN, SEARCH, percentile
from problem_bank.rectification import LedgerState

LIST = """query($t: String!) { findings(tenantCode: $t, first: 50) { pageInfo { hasNextPage endCursor } items {
    id code taxonomyCode taxonomyName description severity fixedOnSpot foundOn
    unit { id name } round { id name }
    ledger { state deadline overdue responsibleUnit responsiblePerson version latestProgress { note actor occurredAt } } } } }"""
DETAIL = """query($t: String!, $id: ID!) { finding(tenantCode: $t, id: $id) { id code description evidenceSources foundBy
    ledger { state deadline overdue closeNote closedAt version history { action fromState toState note actor occurredAt } } } }"""
STEP = "{ id ledger { state version } }"
WRITES = {
    "进展": f"mutation($t: String!, $id: ID!, $v: Int!, $n: String!) {{ reportProgress(tenantCode: $t, findingId: $id, version: $v, note: $n) {STEP} }}",
    "申请销号": f"mutation($t: String!, $id: ID!, $v: Int!, $n: String!) {{ requestCloseOut(tenantCode: $t, findingId: $id, version: $v, note: $n) {STEP} }}",
    "退回": f"mutation($t: String!, $id: ID!, $v: Int!, $n: String!) {{ sendBack(tenantCode: $t, findingId: $id, version: $v, reason: $n) {STEP} }}",
}
MIX = {"list": 30, "detail": 20, "dashboard": 5, "search": 15, "write": 25, "login": 5}
NOTES = {"进展": "已完成人员清理，正在办理调整手续", "申请销号": "整改完成，材料已上传，申请销号", "退回": "佐证材料不全，请补充后再申请"}


def summary(latencies: list[float], errors: int, seconds: float) -> dict:
    if not latencies:
        return {"requests": 0, "per_second": 0.0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "errors": errors}
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": errors,
    }


def next_action(entry: dict) -> str:
    """The entry's next step round 进展 → 申请销号 → 退回 → 进展 …"""
    if entry["state"] == "申请销号":
        return "退回"
    return "申请销号" if entry["state"] == "整改中" and entry.get("last") == "进展" else "进展"


class Requests:
    """Draws the requests of one client: `body(kind)` gives the GraphQL body and its bearer token;
    `answered` moves the client's ledger entry on when a write succeeded."""

    def __init__(self, plan: dict, rng: random.Random, client: int, clients: int) -> None:
        self.plan, self.rng = plan, rng
        self.mine = [(t["code"], e) for t in plan["tenants"] for e in t["entries"]][client::clients]  # its own entries
        self.turn = 0

    def body(self, kind: str) -> tuple[dict, str | None, tuple | None]:
        """(body, token, (entry, action) for a write or None)."""
        rng, plan = self.rng, self.plan
        tenant = rng.choice(plan["tenants"])
        token = tenant["inspector_token"]
        if kind == "list":
            return {"query": LIST, "variables": {"t": tenant["code"]}}, token, None
        if kind == "detail":
            return {"query": DETAIL, "variables": {"t": tenant["code"], "id": str(rng.randint(1, tenant["findings"]))}}, token, None
        if kind == "dashboard":
            return {"query": DASHBOARD, "variables": {"r": tenant["code"]}}, token, None
        if kind == "search":
            text, filters = rng.choice(plan["search_cases"])
            return {"query": SEARCH, "variables": {"r": tenant["code"], "t": text, "f": filters}}, token, None
        if kind == "login":
            return {"query": LOGIN, "variables": {"u": rng.choice(plan["users"]), "p": plan["password"]}}, None, None
        code, entry = self.mine[self.turn % len(self.mine)]
        self.turn += 1
        action = next_action(entry)
        token = entry["reviewer_token"] if action == "退回" else entry["inspector_token"]
        variables = {"t": code, "id": str(entry["id"]), "v": entry["version"], "n": NOTES[action]}
        return {"query": WRITES[action], "variables": variables}, token, (entry, action)

    @staticmethod
    def answered(write: tuple | None, answer: dict) -> None:
        if write is not None:
            entry, action = write
            step = next(iter(answer["data"].values()))["ledger"]
            # The answer names the state (CLOSE_REQUESTED); the plan read it stored (申请销号).
            entry["state"], entry["version"], entry["last"] = LedgerState[step["state"]], step["version"], action


async def post(client: httpx.AsyncClient, body: dict, token: str | None) -> tuple[bool, Any]:
    """Send one request: (whether it succeeded, the answer or what went wrong)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = await client.post("/graphql", json=body, headers=headers)
        if response.status_code != 200:
            return False, response.text[:200]
        answer = response.json()
        return not answer.get("errors"), answer
    except (httpx.HTTPError, ValueError) as error:
        return False, repr(error)


async def run(plan: dict) -> dict:
    kinds, weights = list(MIX), list(MIX.values())
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    concurrency = plan["concurrency"]
    started = time.perf_counter()
    counted_from = started + plan["warmup"]
    deadline = counted_from + plan["duration"]

    async def worker(n: int) -> None:
        rng = random.Random(plan["seed"] * 1000 + n)
        requests = Requests(plan, rng, n, concurrency)
        async with httpx.AsyncClient(base_url=plan["url"], timeout=60) as client:
            while (now := time.perf_counter()) < deadline:
                kind = rng.choices(kinds, weights)[0]
                body, token, write = requests.body(kind)
                ok, answer = await post(client, body, token)
                elapsed = (time.perf_counter() - now) * 1000
                if ok:
                    requests.answered(write, answer)
                if now >= counted_from:
                    latencies[kind].append(elapsed)
                    if not ok:
                        errors[kind] += 1
                        if len(samples) < 10:
                            samples.append(f"{kind}: {json.dumps(answer, ensure_ascii=False)[:300]}")

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return {
        "seconds": time.perf_counter() - counted_from,
        "concurrency": concurrency,
        "latencies": latencies,
        "errors": errors,
        "error_samples": samples,
    }


def report(observed: list[dict]) -> dict:
    """Throughput, percentiles and errors over one or more stretches of load (what `run`
    answered for each), overall and per kind."""
    seconds = sum(o["seconds"] for o in observed)
    latencies = {kind: [v for o in observed for v in o["latencies"].get(kind, [])] for kind in MIX}
    errors = {kind: sum(o["errors"].get(kind, 0) for o in observed) for kind in MIX}
    return {
        "seconds": round(seconds, 1),
        "concurrency": observed[0]["concurrency"],
        "overall": summary([v for values in latencies.values() for v in values], sum(errors.values()), seconds),
        "by_kind": {kind: summary(latencies[kind], errors[kind], seconds) for kind in MIX},
        "error_samples": [sample for o in observed for sample in o["error_samples"]][:10],
    }


def main() -> None:
    plan_path, result_path = sys.argv[1:3]
    with open(plan_path) as f:
        plan = json.load(f)
    observed = asyncio.run(run(plan))
    with open(result_path, "w") as f:
        json.dump(observed, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
