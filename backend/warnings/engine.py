"""The warning engine: evaluates every rule on every unit of one tenant and brings its open
warnings in line, in one transaction per tenant (the nightly job runs one tenant per arq job).

- a new breach opens a warning (the partial unique index on open warnings makes a re-run,
  or two runs at once, open nothing twice);
- a breach still there updates its open warning when its level or figures changed (same
  warning, same opened_at; the version moves on);
- an open warning whose breach is gone closes itself with a note (even one already turned
  into a finding: the finding's ledger follows its own course).

The office is told once per run (one `warnings.raised` event) about the warnings opened and
those whose level went up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Row, and_, func, select, true, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.notifications.outbox import emit
from backend.staff.models import StaffRecord
from backend.staff.retirement import is_male
from backend.units.models import InspectedUnit
from backend.warnings.models import StaffingWarning, WarningLevel
from backend.warnings.rules import RULES, Breach, Person, UnitFacts
from backend.warnings.thresholds import province_settings
from tenants.divisions import province_of
from tenants.scoping import tenant_engine

ENGINE_ACTOR = "预警引擎"
LISTED_UNITS = 20  # unit names quoted in one notification
INSERT_BATCH = 1_000  # warnings per INSERT: 6 binds each, asyncpg allows 32,767


@dataclass(frozen=True)
class EvaluationReport:
    tenant_code: str
    units: int
    opened: int
    updated: int
    closed: int
    raised: int  # of the updated, those whose level went up


async def unit_facts(connection: AsyncConnection, today: date, unit_id: int | None = None) -> dict[int, tuple[str, UnitFacts]]:
    """unit id → (its name, its facts): three statements for the whole tenant (or one unit)."""
    on_roll = StaffRecord.category.is_not(None)
    running = and_(
        StaffRecord.seconded,
        StaffRecord.seconded_from.is_not(None),
        (StaffRecord.seconded_to.is_(None)) | (StaffRecord.seconded_to >= today),
    )
    staff = {
        row.unit_id: row
        for row in await connection.execute(
            select(
                StaffRecord.unit_id,
                func.count().filter(on_roll & ~StaffRecord.on_post & ~StaffRecord.seconded).label("off_post"),
                array_agg(aggregate_order_by(StaffRecord.seconded_from, StaffRecord.seconded_from))
                .filter(on_roll & running)
                .label("secondments"),
            )
            .where(_of(StaffRecord.unit_id, unit_id))
            .group_by(StaffRecord.unit_id)
        )
    }
    persons: defaultdict[int, list[Person]] = defaultdict(list)
    for row in await connection.execute(
        select(
            StaffRecord.unit_id,
            StaffRecord.category,
            StaffRecord.post_type,
            StaffRecord.birth_year,
            StaffRecord.education,
            StaffRecord.id_masked,
        ).where(_of(StaffRecord.unit_id, unit_id))
    ):
        persons[row.unit_id].append(Person(row.category, row.post_type, row.birth_year, row.education, is_male(row.id_masked)))
    facts = {}
    for unit in await connection.execute(select(InspectedUnit).where(_of(InspectedUnit.id, unit_id)).order_by(InspectedUnit.id)):
        counted = staff.get(unit.id)
        facts[unit.id] = (
            unit.name,
            UnitFacts(
                approved_staffing=unit.approved_staffing,
                actual_staffing=unit.actual_staffing,
                leadership_posts=unit.leadership_posts,
                actual_posts=unit.actual_posts,
                internal_bodies=len(unit.internal_bodies),
                actual_as_of=unit.actual_as_of,
                off_post=counted.off_post if counted else 0,
                secondments=tuple(counted.secondments or ()) if counted else (),
                today=today,
                approved_internal_bodies=unit.approved_internal_bodies,
                body_leader_posts=unit.body_leader_posts,
                body_leaders=unit.body_leaders,
                mandate_issued_on=unit.mandate_issued_on,
                staff=tuple(persons[unit.id]),
            ),
        )
    return facts


def _of(column, unit_id: int | None) -> ColumnElement[bool]:
    return true() if unit_id is None else column == unit_id


async def evaluate_tenant(engine: AsyncEngine, tenant_code: str, today: date) -> EvaluationReport:
    async with engine.connect() as connection:
        settings = await province_settings(connection, province_of(tenant_code))
    async with tenant_engine(engine, tenant_code).begin() as connection:
        facts = await unit_facts(connection, today)
        found: dict[tuple[int, str, str], tuple[WarningLevel, Breach]] = {}
        for unit_id, (_, unit) in facts.items():
            for code, rule in RULES.items():
                setting = settings[code].setting
                for breach in rule.check(unit, setting):
                    found[(unit_id, code, breach.key)] = (setting.level(breach.excess), breach)
        open_rows = {
            (w.unit_id, w.rule, w.subject_key): w
            for w in await connection.execute(select(StaffingWarning).where(StaffingWarning.closed_at.is_(None)).with_for_update())
        }
        opened = await _open(connection, [(key, *found[key]) for key in found.keys() - open_rows.keys()])
        updated, raised = 0, list[tuple[int, str, str]]()
        for key in found.keys() & open_rows.keys():
            (level, breach), row = found[key], open_rows[key]
            if (level, breach.measured, breach.allowed) != (row.level, row.measured, row.allowed):
                await connection.execute(
                    update(StaffingWarning)
                    .where(StaffingWarning.id == row.id)
                    .values(
                        level=level,
                        measured=breach.measured,
                        allowed=breach.allowed,
                        updated_at=func.now(),
                        version=StaffingWarning.version + 1,
                    )
                )
                updated += 1
                if level.rank > WarningLevel(row.level).rank:
                    raised.append((key[0], key[1], level))
        gone = [open_rows[key] for key in open_rows.keys() - found.keys()]
        for row in gone:
            await connection.execute(
                update(StaffingWarning)
                .where(StaffingWarning.id == row.id)
                .values(
                    closed_at=func.now(),
                    version=StaffingWarning.version + 1,
                    close_note=f"{today.isoformat()} 复核时已不存在“{RULES[row.rule].name}”情形，自动关闭",
                )
            )
        report = EvaluationReport(tenant_code, len(facts), len(opened), updated, len(gone), len(raised))
        if opened or raised:
            await _notify(connection, tenant_code, opened + raised, len(raised), {u: name for u, (name, _) in facts.items()})
        if opened or updated or gone:
            await record_audit(
                connection,
                tenant_code,
                actor=ENGINE_ACTOR,
                action="warnings.evaluated",
                entity="tenant",
                entity_id=tenant_code,
                after={"opened": len(opened), "updated": updated, "closed": len(gone), "day": today.isoformat()},
            )
    return report


async def _open(connection: AsyncConnection, new: list[tuple[tuple[int, str, str], str, Breach]]) -> list[tuple[int, str, str]]:
    """Insert the new warnings (a statement per INSERT_BATCH, within asyncpg's bind limit);
    answers (unit id, rule, level) of those inserted."""
    rows = [
        {"unit_id": unit_id, "rule": rule, "subject_key": key, "level": level, "measured": breach.measured, "allowed": breach.allowed}
        for (unit_id, rule, key), level, breach in sorted(new, key=lambda item: item[0])
    ]
    inserted: list[Row[int, str, str]] = []
    for start in range(0, len(rows), INSERT_BATCH):
        inserted += await connection.execute(
            upsert(StaffingWarning)
            .values(rows[start : start + INSERT_BATCH])
            .on_conflict_do_nothing(index_elements=["unit_id", "rule", "subject_key"], index_where=StaffingWarning.closed_at.is_(None))
            .returning(StaffingWarning.unit_id, StaffingWarning.rule, StaffingWarning.level)
        )
    return [(unit_id, rule, level) for unit_id, rule, level in inserted]


async def _notify(
    connection: AsyncConnection, tenant_code: str, opened: list[tuple[int, str, str]], raised: int, names: dict[int, str]
) -> None:
    """One summary event for the office: how many warnings, by level and rule, in which units."""
    by_level: defaultdict[str, int] = defaultdict(int)
    by_rule: defaultdict[str, int] = defaultdict(int)
    for _, rule, level in opened:
        by_level[level] += 1
        by_rule[rule] += 1
    units = sorted({unit_id for unit_id, _, _ in opened})
    await emit(
        connection,
        tenant_code,
        "warnings.raised",
        {
            "count": len(opened),
            "raised": raised,
            "red": by_level["red"],
            "yellow": by_level["yellow"],
            "blue": by_level["blue"],
            # pairs, not an object: a JSONB object does not keep its keys' order
            "rules": [[rule.name, by_rule[code]] for code, rule in RULES.items() if code in by_rule],
            "unit_count": len(units),
            "unit_names": [names[u] for u in units[:LISTED_UNITS]],
        },
    )
