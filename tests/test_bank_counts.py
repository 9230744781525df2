"""The bank's pre-counted rows (problem_bank.counts, kept by the statements that write the rows,
no triggers since migration 0036): they match a recount after any mix of changes, roll back
with their change, answer the statistics exactly as the rows do, a write that could not count
out what it replaced is refused, and `bank verify` reports where they drifted."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

import problem_bank.statistics as statistics
from problem_bank.counts import COUNTED, ConcurrentFirstWrite, counts_answering, miscounted, recount
from problem_bank.models import CountByMonth, CountByTaxonomy, CountByUnitType, Problem
from problem_bank.projection import project
from problem_bank.search import ProblemFilter
from problem_bank.statistics import Breakdown, overdue_ranking, tallies
from tenants.registry import load_place
from tenants.scoping import tenant_engine
from tests import citus
from tests.factories import seed_round
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

TAXONOMY = ["C03.K01.M01", "C03.K01.M02", "C03.K10.M02", "C03.K04.M01", "C03.K09.M01"]
LOG = """mutation($t: String!, $i: FindingInput!) { logFinding(tenantCode: $t, input: $i) { id ledger { state version } } }"""
LEDGER = "ledger { state deadline version extensionRequests { id state } }"
ACTIONS = {  # from state: (mutation, who, extra arguments)
    "REGISTERED": [("reportProgress", "inspector", 'note: "已整改"'), ("setDeadline", "inspector", "deadline: $d")],
    "IN_PROGRESS": [
        ("requestCloseOut", "inspector", 'note: "申请销号"'),
        ("requestExtension", "inspector", 'deadline: $d, reason: "延期"'),
        ("reportProgress", "inspector", 'note: "推进中"'),
    ],
    "CLOSE_REQUESTED": [("closeOut", "reviewer", ""), ("sendBack", "reviewer", 'reason: "材料不全"')],
    "CLOSED": [("reopenLedger", "inspector", 'reason: "回头看发现反弹"')],
}


def mutation(name: str, extra: str) -> str:
    variables = "$t: String!, $f: ID!, $v: Int!" + (", $d: Date!" if "$d" in extra else "")
    arguments = ", ".join(filter(None, ["tenantCode: $t, findingId: $f, version: $v", extra]))
    return f"mutation({variables}) {{ {name}({arguments}) {{ id {LEDGER} }} }}"


@pytest.fixture
async def offices(runtime, tmp_path):
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path))
    await create_all(runtime, "430000", "431300", "431321", "431322")
    await seed_round(runtime, "431321", "431322")
    tokens = {}
    for code in ("431321", "431322"):
        for role in ("inspector", "reviewer"):
            tokens[code, role] = await token_for(runtime, await add_user(runtime, f"{code}.{role}", (code, role, None)))
    return runtime, tokens


async def waiting_for_a_lock(runtime, statement_start: str) -> None:
    blocked = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(query, :start)")
    for _ in range(400):
        async with runtime.engine.connect() as connection:  # a new snapshot of the activity each time
            if (await connection.execute(blocked, {"start": statement_start})).scalar_one():
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no statement {statement_start}… waits for a lock")


async def counted_total(connection, table) -> int:
    return (await connection.execute(select(func.coalesce(func.sum(table.n), 0)))).scalar_one()


async def test_counts_match_a_recount_after_a_random_mix_of_changes(offices):
    runtime, tokens = offices
    rng = random.Random(5)
    today = runtime.clock.today()
    ledgers: dict[tuple[str, str], dict] = {}
    async with Api(runtime) as api:
        for n in range(24):
            code = "431321" if n % 3 else "431322"
            found = today - timedelta(days=rng.randrange(200))
            fixed = n % 8 == 0  # fixed on the spot: closed when logged
            finding = {
                "roundId": "1",
                "unitId": "1",
                "taxonomyCode": rng.choice(TAXONOMY),
                "description": f"第{n}个问题",
                "severity": "ORDINARY",
                "foundOn": found.isoformat(),
                "fixedOnSpot": fixed,
                "deadline": (found + timedelta(days=rng.randrange(0 if fixed else 10, 1 if fixed else 150))).isoformat(),
            }
            if fixed:
                finding["closeNote"] = "当场整改"
            logged = await api.call(LOG, tokens[code, "inspector"], t=code, i=finding)
            assert "errors" not in logged, logged
            ledgers[code, logged["data"]["logFinding"]["id"]] = logged["data"]["logFinding"]["ledger"]
        moves = 0
        for _ in range(90):
            (code, finding_id), ledger = rng.choice(sorted(ledgers.items()))
            if ledger["state"] == "CLOSED" and rng.random() < 0.7:
                continue  # reopen some closed ones only
            name, who, extra = rng.choice(ACTIONS[ledger["state"]])
            deadline = (
                date.fromisoformat(ledger["deadline"]) + timedelta(days=rng.randrange(1, 90))
                if name == "requestExtension"
                else today + timedelta(days=rng.randrange(-60, 200))
            )
            result = await api.call(
                mutation(name, extra), tokens[code, who], t=code, f=finding_id, v=ledger["version"], d=deadline.isoformat()
            )
            if name == "setDeadline" and "errors" in result:
                assert error_code(result) == "INVALID_DEADLINE"
                continue  # before the finding was found: refused, nothing changed
            assert "errors" not in result, (name, result)
            ledger = ledgers[code, finding_id] = result["data"][name]["ledger"]
            if name == "requestExtension":
                pending = next(e for e in ledger["extensionRequests"] if e["state"] == "PENDING")
                decided = await api.call(
                    f"mutation($t: String!, $e: ID!) {{ decideExtension(tenantCode: $t, extensionId: $e, approve: true) {{ {LEDGER} }} }}",
                    tokens[code, "reviewer"],
                    t=code,
                    e=pending["id"],
                )
                ledgers[code, finding_id] = decided["data"]["decideExtension"]["ledger"]
                moves += 1
            moves += name == "setDeadline"
        unit = await api.call(
            'mutation { updateUnit(tenantCode: "431321", id: "1", version: 1, input: {creditCode: "UNIT00000001", '
            'name: "县财政局", unitType: PUBLIC_INSTITUTION}) { version } }',
            tokens["431321", "inspector"],
        )
        assert "errors" not in unit, unit
    states = {ledger["state"] for ledger in ledgers.values()}
    assert states == {"REGISTERED", "IN_PROGRESS", "CLOSE_REQUESTED", "CLOSED"} and moves >= 3, (states, moves)

    # A change that rolls back takes its counts with it.
    async with runtime.engine.connect() as connection:
        before = {table: (await connection.execute(select(table).order_by(*table.__table__.primary_key))).all() for table in COUNTED}
    finding_id = int(next(f for (code, f), ledger in sorted(ledgers.items()) if code == "431321" and ledger["state"] != "已销号"))
    with pytest.raises(RuntimeError):
        async with tenant_engine(runtime.engine, "431321").begin() as connection:
            await connection.execute(
                text(
                    "UPDATE t431321.ledger_entry SET state = '已销号', closed_at = now(), deadline = deadline + 400 WHERE finding_id = :f"
                ),
                {"f": finding_id},
            )
            await project(connection, "431321", finding_ids=[finding_id])
            assert await miscounted(connection, "431321") == []  # counted inside the transaction
            raise RuntimeError("the rest of the change failed")

    async with runtime.engine.connect() as connection:
        assert {
            table: (await connection.execute(select(table).order_by(*table.__table__.primary_key))).all() for table in COUNTED
        } == before
        assert await miscounted(connection, "431321") == [] and await miscounted(connection, "431322") == []
        rows = (await connection.execute(select(func.count()).select_from(Problem))).scalar_one()
        assert rows == 24 and all([await counted_total(connection, table) == rows for table in COUNTED])
        unit_types = (await connection.execute(select(CountByUnitType.unit_type).distinct().order_by(CountByUnitType.unit_type))).scalars()
        assert list(unit_types) == ["事业单位", "政府机关"]  # 431321's unit moved, 431322's did not
        assert (await connection.execute(select(func.count()).select_from(CountByMonth).where(CountByMonth.n <= 0))).scalar_one() == 0

        # The statistics read the counts and answer exactly what the rows answer.
        today = runtime.clock.today()
        province = await load_place(connection, "430000")
        month = today.replace(day=1)
        for criteria in (
            ProblemFilter(),
            ProblemFilter(states=frozenset({"整改中", "申请销号"})),
            ProblemFilter(overdue=True),
            ProblemFilter(overdue=False),
            ProblemFilter(taxonomy_code="C03"),
            ProblemFilter(unit_types=frozenset({"事业单位"})),
            ProblemFilter(found_from=month - timedelta(days=93), found_to=month - timedelta(days=1)),
        ):
            for breakdown in Breakdown:
                from_counts = await tallies(connection, province, criteria, breakdown, today)
                rows_only = await from_rows(connection, tallies, province, criteria, breakdown, today)
                assert from_counts == rows_only, (criteria, breakdown)
            ranked = await overdue_ranking(connection, province, criteria, today, 20)
            assert ranked == await from_rows(connection, overdue_ranking, province, criteria, today, 20)
        assert [t.overdue for t, _ in await overdue_ranking(connection, province, ProblemFilter(), today, 20)]


async def from_rows(connection, statistic, *arguments):
    """`statistic` computed from the bank's rows, the counts set aside."""
    answering = statistics.counts_answering
    statistics.counts_answering = lambda by, criteria: None
    try:
        return await statistic(connection, *arguments)
    finally:
        statistics.counts_answering = answering


def test_which_counts_answer_a_breakdown():
    months = {"found_from": date(2026, 1, 1), "found_to": date(2026, 3, 31)}
    assert counts_answering(None, ProblemFilter()) is CountByUnitType
    assert counts_answering(None, ProblemFilter(taxonomy_code="C03", states=frozenset({"挂号"}), overdue=True)) is CountByTaxonomy
    assert counts_answering("taxonomy_code", ProblemFilter(taxonomy_code="C03")) is CountByTaxonomy
    assert counts_answering("unit_type", ProblemFilter(unit_types=frozenset({"事业单位"}))) is CountByUnitType
    assert counts_answering("found_on", ProblemFilter(**months)) is CountByMonth
    assert counts_answering(None, ProblemFilter(found_to=date(2026, 2, 28))) is CountByMonth
    for by, criteria in (
        (None, ProblemFilter(text="超编")),
        (None, ProblemFilter(round_kinds=frozenset({"巡察"}))),
        ("found_on", ProblemFilter(found_from=date(2026, 1, 2))),
        ("found_on", ProblemFilter(found_to=date(2026, 2, 27))),
        ("taxonomy_code", ProblemFilter(**months)),
        ("found_on", ProblemFilter(unit_types=frozenset({"事业单位"}))),
    ):
        assert counts_answering(by, criteria) is None, (by, criteria)


async def test_bank_verify_reports_counts_that_drifted(offices):
    from tests.helpers import xuncha

    runtime, tokens = offices
    async with Api(runtime) as api:
        for code in ("C03.K01.M01", "C03.K10.M02"):
            finding = {
                "roundId": "1",
                "unitId": "1",
                "taxonomyCode": code,
                "description": "超编",
                "severity": "ORDINARY",
                "foundOn": "2026-09-10",
                "deadline": "2026-12-31",
            }
            assert "errors" not in await api.call(LOG, tokens["431321", "inspector"], t="431321", i=finding)
    assert (await xuncha(runtime, "bank", "verify")).returncode == 0
    async with runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE problem_bank.problem_count_by_taxonomy SET n = n + 1 WHERE taxonomy_code = 'C03.K01.M01'"))
        await connection.execute(text("DELETE FROM problem_bank.problem_count_by_month"))
        await connection.execute(text("UPDATE problem_bank.problem_count_by_unit_type SET city_code = '431400'"))
    async with runtime.engine.connect() as connection:
        found = [(m.table, m.key, m.state, m.deadline, m.stored, m.counted) for m in await miscounted(connection, "431321")]
        assert await miscounted(connection, "431322") == []
    assert found == [
        ("problem_count_by_unit_type", "政府机关", "挂号", date(2026, 12, 31), 2, 2),
        ("problem_count_by_taxonomy", "C03.K01.M01", "挂号", date(2026, 12, 31), 2, 1),
        ("problem_count_by_month", "2026-09-01", "挂号", date(2026, 12, 31), 0, 2),
    ]
    drifting = await xuncha(runtime, "bank", "verify", "--tenant", "431321")
    assert drifting.returncode == 1, drifting.stderr
    assert "[431321] 统计汇总与问题库不符：问题分类 C03.K01.M01、挂号、期限 2026-12-31：汇总 2，实际 1" in drifting.stderr
    assert "[431321] 统计汇总与问题库不符：发现月份 2026-09-01、挂号、期限 2026-12-31：汇总 0，实际 2" in drifting.stderr


@pytest.mark.skipif(
    citus.ENABLED, reason="on a cluster the waiting statement is the worker's shard statement, which the lock probe does not see"
)
async def test_two_first_writes_of_one_bank_row_at_once_the_second_is_refused_and_nothing_is_miscounted(offices):
    runtime, tokens = offices
    async with Api(runtime) as api:
        finding = {"roundId": "1", "unitId": "1", "taxonomyCode": TAXONOMY[0], "description": "超编", "severity": "ORDINARY"}
        finding |= {"foundOn": "2026-09-10", "deadline": "2026-12-31"}
        logged = await api.call(LOG, tokens["431321", "inspector"], t="431321", i=finding)
    finding_id = int(logged["data"]["logFinding"]["id"])
    async with runtime.engine.begin() as connection:
        triggers = text("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'problem_bank.problem'::regclass AND NOT tgisinternal")
        assert (await connection.execute(triggers)).scalar_one() == 0
        await connection.execute(text("DELETE FROM problem_bank.problem"))  # as if the finding had never been projected
        await recount(connection, ["431321"])
    engine = tenant_engine(runtime.engine, "431321")
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()
        await project(first, "431321", finding_ids=[finding_id])  # inserted, not committed
        await second.begin()
        waiting = asyncio.create_task(project(second, "431321", finding_ids=[finding_id]))
        await waiting_for_a_lock(runtime, "WITH projected")  # the second waits for the first's row
        await first.commit()
        with pytest.raises(ConcurrentFirstWrite):
            await waiting  # it would have counted the row in without counting out the version it replaced
        await second.rollback()
    async with runtime.engine.connect() as connection:
        assert await miscounted(connection, "431321") == []
        assert await counted_total(connection, CountByTaxonomy) == 1
