"""Factories: inspected units and rounds made through the services, as an office's admin makes
them, so the rows a test starts from pass the same checks, reach the problem bank and leave
the same audit trail as the real ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backend.rounds.models import RoundStage
from backend.rounds.service import RoundService, check_round
from backend.runtime import Runtime
from backend.units.service import UnitService, check_unit
from tenants.access import Grant, Principal, Role
from tenants.registry import load_place

FACTORY_ACTOR = "test.factory"


async def office_admin(runtime: Runtime, code: str) -> Principal:
    async with runtime.engine.connect() as connection:
        place = await load_place(connection, code)
    assert place is not None, f"office {code} is not open"
    return Principal(user_id=0, username=FACTORY_ACTOR, is_superuser=False, grants=(Grant(place, Role.ADMIN),))


async def add_unit(runtime: Runtime, code: str, name: str, credit_code: str, unit_type: str = "政府机关") -> int:
    """A unit registered in office `code`; its id."""
    data = check_unit(
        credit_code=credit_code,
        name=name,
        unit_type=unit_type,
        approved_staffing=[],
        leadership_posts=[],
        internal_bodies=[],
        actual_staffing=[],
        actual_posts=[],
        actual_as_of=None,
        today=runtime.clock.today(),
    )
    row = await UnitService(runtime.engine).create(await office_admin(runtime, code), code, data, None)
    return row.id


async def add_round(
    runtime: Runtime,
    code: str,
    unit_ids: Sequence[int],
    *,
    name: str = "第一轮",
    kind: str = "巡察",
    starts_on: date = date(2026, 9, 1),
    stage: RoundStage = RoundStage.RECTIFYING,
) -> int:
    """A round of office `code` covering `unit_ids`, entered at `stage` (by default past its
    统一反馈, so problems go straight into the ledger); its id."""
    data = check_round(kind=kind, name=name, starts_on=starts_on, ends_on=None, methods=[], unit_ids=unit_ids, team=[], stage=stage)
    view = await RoundService(runtime.engine).create(await office_admin(runtime, code), code, data, None)
    return view.row.id


async def seed_round(runtime: Runtime, *codes: str) -> None:
    """In each office: unit 1 (财政局, a government organ) and round 1 (a 巡察 from 2026-09-01)
    covering it, enough to log findings against."""
    for code in codes:
        unit = await add_unit(runtime, code, "财政局", "UNIT00000001")
        await add_round(runtime, code, [unit])
