"""Writing, confirming and reading 问题底稿. The round's team sees every draft of its office; a
liaison sees only its unit's drafts that were sent for 事实确认 (and nothing else of the round's
work in progress); nobody above or beside the office sees any (declared on the operations)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Row, Select, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.cursors import Window, decode_cursor, window
from backend.drafts.models import DraftEvent, FindingDraft
from backend.drafts.workflow import ANSWERS, CONFIRM_FIX, DRAFTS, REPORT_FIX, REVISE, SEND
from backend.evidence.attachments import require_uploaded
from backend.feedback.models import RoundFeedback
from backend.findings.service import (
    check_code_of_finding,
    check_evidence_sources,
    check_found_on,
    check_rectification_class,
    check_severity,
)
from backend.rounds.workflow import DRAFTING, require_unit_at
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from backend.workflow import Move, Transition
from problem_bank.taxonomy import Taxonomy
from tenants.access import Principal, not_found, visible_units
from tenants.divisions import province_of
from tenants.errors import DomainError
from tenants.registry import clean_name, readable_place
from tenants.scoping import tenant_engine, tenant_reader


@dataclass(frozen=True)
class DraftContent:
    """What the team writes of a problem (the columns of the same names)."""

    code: str | None
    taxonomy_code: str
    taxonomy_version: str
    description: str
    basis: str | None
    requirement: str | None
    evidence_sources: list[str]
    severity: str
    rectification_class: str
    found_on: date
    deadline: date | None
    responsible_person: str | None
    sensitivity: str = Sensitivity.INTERNAL  # the finding the 统一反馈 makes of it keeps it


def check_draft(
    *,
    code: str | None,
    taxonomy_code: str,
    description: str,
    basis: str | None,
    requirement: str | None,
    evidence_sources: Sequence[str],
    severity: str,
    rectification_class: str,
    found_on: date,
    deadline: date | None,
    responsible_person: str | None,
    today: date,
    taxonomy: Taxonomy,
    tenant_code: str,
    sensitivity: str = Sensitivity.INTERNAL,
) -> DraftContent:
    taxonomy.manifestation(taxonomy_code, province_of(tenant_code))
    found_on = check_found_on(found_on, today)
    if deadline is not None and deadline < found_on:
        raise DomainError("INVALID_DEADLINE", "整改期限须不早于发现日期", field="deadline")
    return DraftContent(
        code=check_code_of_finding(code),
        taxonomy_code=taxonomy_code,
        taxonomy_version=taxonomy.version,
        description=clean_text(description, "description", required=True),
        basis=clean_text(basis, "basis", required=False),
        requirement=clean_text(requirement, "requirement", required=False),
        evidence_sources=check_evidence_sources(evidence_sources),
        severity=check_severity(severity),
        rectification_class=check_rectification_class(rectification_class),
        found_on=found_on,
        deadline=deadline,
        responsible_person=clean_name(responsible_person, field="responsiblePerson") if responsible_person else None,
        sensitivity=Sensitivity(sensitivity),
    )


def _seen_by(query: Select, units: frozenset[int] | None) -> Select:
    """`query` (of drafts) as seen by a caller: a liaison (`units`) sees its units' drafts once sent."""
    if units is None:
        return query
    return query.where(FindingDraft.unit_id.in_(units), FindingDraft.sent_at.is_not(None))


class DraftService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _units(self, principal: Principal, tenant_code: str) -> frozenset[int] | None:
        return visible_units(principal, await readable_place(self.engine, principal, tenant_code))

    async def create(
        self, principal: Principal, tenant_code: str, round_id: int, unit_id: int, content: DraftContent, request_id: str | None
    ) -> Row:
        """A new draft of a round's problem at a unit it covers, while the round is under way and
        before the unit's 统一反馈."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            return await insert_draft(connection, principal, tenant_code, round_id, unit_id, content, request_id)

    async def revise(
        self,
        principal: Principal,
        tenant_code: str,
        draft_id: int,
        version: int,
        content: DraftContent,
        note: str | None,
        request_id: str | None,
    ) -> Row:
        """The draft rewritten (a disputed one goes back to 底稿, to be sent again)."""
        note = clean_text(note, "note", required=False)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await self._lock(connection, principal, tenant_code, draft_id, version, REVISE, note, request_id, units=None)
            before = DraftContent(**{name: getattr(move.row, name) for name in DraftContent.__dataclass_fields__})
            return await move.apply(
                asdict(content), returning=tuple(FindingDraft.__table__.columns), before=_snapshot(before), after=_snapshot(content)
            )

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        draft_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
        *,
        now: datetime,
    ) -> Row:
        """Take a transition: the team's (send, keep, settle, withdraw) on any draft of the
        office; the unit's answer (agree, dispute) on a draft sent to its liaison only."""
        note = clean_text(note, "note", required=False)
        units = await self._units(principal, tenant_code) if transition in ANSWERS else None
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await self._lock(connection, principal, tenant_code, draft_id, version, transition, note, request_id, units=units)
            sent = {"sent_at": move.row.sent_at or now} if transition is SEND else {}
            return await move.apply(sent, returning=tuple(FindingDraft.__table__.columns))

    async def report_fix(
        self,
        principal: Principal,
        tenant_code: str,
        draft_id: int,
        version: int,
        note: str,
        evidence: Sequence[str],
        request_id: str | None,
        *,
        now: datetime,
    ) -> Row:
        """立行立改: what the unit fixed, with files (again, if asked: a new report needs a new
        confirmation). The unit's liaison reports for its unit, or the team for it."""
        units = await self._units(principal, tenant_code)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await self._lock(connection, principal, tenant_code, draft_id, version, REPORT_FIX, note, request_id, units=units)
            await require_uploaded(connection, evidence, principal.username if units is not None else None)
            values = {"fix_note": note, "fix_evidence": list(evidence), "fixed_at": now, "fix_confirmed_by": None}
            return await move.apply(values, returning=tuple(FindingDraft.__table__.columns), after={"evidence": list(evidence)})

    async def confirm_fix(self, principal: Principal, tenant_code: str, draft_id: int, version: int, request_id: str | None) -> Row:
        """Another team member than the finder confirms the fix (the transition's guard)."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await self._lock(connection, principal, tenant_code, draft_id, version, CONFIRM_FIX, None, request_id, units=None)
            return await move.apply({"fix_confirmed_by": principal.username}, returning=tuple(FindingDraft.__table__.columns))

    async def _lock(
        self,
        connection: AsyncConnection,
        principal: Principal,
        tenant_code: str,
        draft_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
        *,
        units: frozenset[int] | None,
    ) -> Move:
        query = _seen_by(select(FindingDraft).where(FindingDraft.id == draft_id), units).with_for_update()
        return await DRAFTS.lock(
            transition,
            connection,
            query,
            tenant_code=tenant_code,
            expected_version=version,
            actor=principal.username,
            note=note,
            request_id=request_id,
        )

    async def page(
        self, principal: Principal, tenant_code: str, round_id: int, unit_id: int | None, *, first: int, after: str | None
    ) -> Window[Row]:
        """A page of a round's drafts (of one unit, or all), the oldest first."""
        units = await self._units(principal, tenant_code)
        query = select(FindingDraft).where(FindingDraft.round_id == round_id).order_by(FindingDraft.id).limit(first + 1)
        if unit_id is not None:
            query = query.where(FindingDraft.unit_id == unit_id)
        if (cursor := decode_cursor(after, int)) is not None:
            query = query.where(FindingDraft.id > cursor[0])
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(_seen_by(query, units))).all()
        return window(rows, first, lambda row: (row.id,))

    async def history(self, principal: Principal, tenant_code: str, draft_id: int) -> Sequence[Row]:
        """A draft's moves, oldest first (NOT_FOUND for a draft the caller does not see)."""
        units = await self._units(principal, tenant_code)
        seen = _seen_by(select(FindingDraft.id).where(FindingDraft.id == draft_id), units)
        query = select(DraftEvent).where(DraftEvent.draft_id == draft_id, exists(seen)).order_by(DraftEvent.id)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            if (await connection.execute(seen)).first() is None:
                raise not_found()
            return (await connection.execute(query)).all()


async def insert_draft(
    connection: AsyncConnection,
    principal: Principal,
    tenant_code: str,
    round_id: int,
    unit_id: int,
    content: DraftContent,
    request_id: str | None,
    *,
    self_found: bool = False,
) -> Row:
    """A new draft in the caller's transaction (`self_found`: a problem the unit reported in
    its 自查表, backend/checklists/)."""
    await _require_drafting(connection, round_id, unit_id)
    row = (
        await connection.execute(
            insert(FindingDraft)
            .values(round_id=round_id, unit_id=unit_id, created_by=principal.username, self_found=self_found, **asdict(content))
            .returning(FindingDraft)
        )
    ).one()
    await record_audit(
        connection,
        tenant_code,
        actor=principal.username,
        action="draft.created",
        entity="finding_draft",
        entity_id=str(row.id),
        after={"round_id": round_id, "unit_id": unit_id, "self_found": self_found, **_snapshot(content)},
        request_id=request_id,
    )
    return row


async def _require_drafting(connection: AsyncConnection, round_id: int, unit_id: int) -> None:
    """The round covers the unit, stands between 进驻 and 反馈, and has not fed the unit back yet."""
    await require_unit_at(connection, round_id, unit_id, DRAFTING, "问题底稿在进驻后、统一反馈前录入")
    fed_back = select(RoundFeedback.id).where(RoundFeedback.round_id == round_id, RoundFeedback.unit_id == unit_id)
    if (await connection.execute(fed_back)).first() is not None:
        raise DomainError("ALREADY_FED_BACK", "该单位已统一反馈：此后发现的问题请直接登记入整改台账", field="unitId")


def _snapshot(content: DraftContent) -> dict:
    """What the audit trail keeps of a draft's content."""
    values = asdict(content)
    values["found_on"] = content.found_on.isoformat()
    values["deadline"] = content.deadline.isoformat() if content.deadline else None
    return values
