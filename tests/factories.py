"""Factories: inspected units and rounds made through the services, as an office's admin makes
them, so the rows a test starts from pass the same checks, reach the problem bank and leave
the same audit trail as the real ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backend.drafts.service import DraftService, check_draft
from backend.drafts.workflow import SETTLE
from backend.feedback.service import FeedbackService, check_feedback
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
    follows_round_id: int | None = None,
) -> int:
    """A round of office `code` covering `unit_ids`, entered at `stage` (by default past its
    统一反馈, so problems go straight into the ledger); its id."""
    data = check_round(
        kind=kind,
        name=name,
        starts_on=starts_on,
        ends_on=None,
        methods=[],
        unit_ids=unit_ids,
        team=[],
        stage=stage,
        follows_round_id=follows_round_id,
    )
    view = await RoundService(runtime.engine).create(await office_admin(runtime, code), code, data, None)
    return view.row.id


async def seed_round(runtime: Runtime, *codes: str) -> None:
    """In each office: unit 1 (财政局, a government organ) and round 1 (a 巡察 from 2026-09-01)
    covering it, enough to log findings against."""
    for code in codes:
        unit = await add_unit(runtime, code, "财政局", "UNIT00000001")
        await add_round(runtime, code, [unit])


async def fed_back_round(
    runtime: Runtime, code: str, problems: Sequence[str], *, unit_id: int = 1, given_on: date = date(2026, 10, 20)
) -> int:
    """A round of office `code` over `unit_id` whose 统一反馈 of `given_on` gave the unit `problems`
    (descriptions of 超编 findings, found 2026-09-10), through drafts settled by the office; its id."""
    admin = await office_admin(runtime, code)
    round_id = await add_round(runtime, code, [unit_id], name="2026年第二轮巡察", stage=RoundStage.REPORTING)
    taxonomy = await runtime.taxonomy()
    drafts = DraftService(runtime.engine)
    for description in problems:
        content = check_draft(
            code=None,
            taxonomy_code="C03.K01.M01",
            description=description,
            basis=None,
            requirement=None,
            evidence_sources=[],
            severity="一般",
            rectification_class="限期整改",
            found_on=date(2026, 9, 10),
            deadline=None,
            responsible_person=None,
            today=runtime.clock.today(),
            taxonomy=taxonomy,
            tenant_code=code,
        )
        draft = await drafts.create(admin, code, round_id, unit_id, content, None)
        await drafts.move(admin, code, draft.id, 1, SETTLE, "单位书面确认", None, now=runtime.clock.now())
    order = check_feedback(round_id=round_id, unit_id=unit_id, addressee="张建华", given_on=given_on, today=runtime.clock.today())
    await FeedbackService(runtime.engine).feed_back(admin, code, order, None)
    return round_id
