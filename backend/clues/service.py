"""Registering clues (问题线索), handing them over and reporting what became of them.

An organ registers a clue (its source, its subject — a unit or a person — and the facts), and
hands it to another organ (纪委监委, 组织部, or the 编办 for 认定) by a 移交 document with a 办理时限
(six months unless the sender says otherwise). The receiving organ then sees the clue and
reports its progress (初步核实, 立案) and its conclusion (处分, 组织处理, 了结, 不予立案); the
registering organ sees those results. Nobody else sees a clue: the audit trail records its
moves without its subject or facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.clock import Clock, months_after
from backend.clues.models import CONCLUDING, Clue, ClueEvent, ClueOrgan, ClueResult, ClueSource, ClueSubject
from backend.clues.workflow import CLUES, CONCLUDE, HAND_OVER, PROGRESS
from backend.correspondence.models import DocumentKind
from backend.correspondence.service import Addressee, Correspondence, Draft, readers_of, require_handler
from backend.rounds.models import InspectionRound
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from backend.units.models import InspectedUnit
from tenants.access import Principal, not_found
from tenants.errors import DomainError
from tenants.organs import Organ
from tenants.registry import clean_name
from tenants.scoping import reading, tenant_reader

DEFAULT_HANDLING_MONTHS = 6


@dataclass(frozen=True)
class NewClue:
    organ_id: int
    source: ClueSource
    subject_kind: ClueSubject
    subject_name: str
    facts: str
    unit_id: int | None = None
    round_id: int | None = None
    sensitivity: Sensitivity = Sensitivity.SENSITIVE


class Clues:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    async def register(self, principal: Principal, new: NewClue, request_id: str | None) -> int:
        require_handler(principal, new.organ_id)
        subject = clean_name(new.subject_name, field="subjectName", max_length=100)
        facts = clean_text(new.facts, "facts", required=True)
        async with self.engine.begin() as connection:
            tenant_code = (await connection.execute(select(Organ.tenant_code).where(Organ.id == new.organ_id))).scalar_one()
            await _check_links(self.engine, tenant_code, new)
            clue_id = (
                await connection.execute(
                    insert(Clue)
                    .values(
                        tenant_code=tenant_code,
                        registered_by_organ_id=new.organ_id,
                        source=new.source.value,
                        subject_kind=new.subject_kind.value,
                        subject_name=subject,
                        unit_id=new.unit_id,
                        round_id=new.round_id,
                        facts=facts,
                        sensitivity=new.sensitivity.value,
                        registered_by=principal.username,
                    )
                    .returning(Clue.id)
                )
            ).scalar_one()
            await connection.execute(insert(ClueOrgan).values(clue_id=clue_id, organ_id=new.organ_id))
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="clue.registered",
                entity="clue",
                entity_id=str(clue_id),
                after={"source": new.source.value, "organ_id": new.organ_id},
                request_id=request_id,
            )
        return clue_id

    async def hand_over(
        self,
        principal: Principal,
        clue_id: int,
        to_organ_id: int,
        due_on: date | None,
        note: str | None,
        request_id: str | None,
    ) -> None:
        """The registering organ hands the clue to another organ by a 移交 that carries its facts."""
        clue = await self.readable(principal, clue_id)
        require_handler(principal, clue.registered_by_organ_id)
        due = due_on or months_after(self.clock.today(), DEFAULT_HANDLING_MONTHS)
        async with self.engine.begin() as connection:
            query = select(Clue).where(Clue.id == clue_id).with_for_update()
            move = await CLUES.lock(
                HAND_OVER,
                connection,
                query,
                tenant_code=clue.tenant_code,
                expected_version=None,
                actor=principal.username,
                note=None,
                request_id=request_id,
                context={"organ_id": clue.registered_by_organ_id, "note": clean_text(note, "note", required=False)},
            )
            handover = Draft(
                sender_organ_id=clue.registered_by_organ_id,
                kind=DocumentKind.HANDOVER,
                subject=f"关于移交{clue.subject_name}问题线索的函",
                body=f"线索来源：{clue.source}。\n{clue.facts}" + (f"\n{move.context['note']}" if move.context["note"] else ""),
                recipients=(Addressee(to_organ_id),),
                due_on=due,
                sensitivity=Sensitivity(clue.sensitivity),
                concerns=f"clue:{clue_id}",
            )
            document_id = await Correspondence(self.engine, self.clock).issue(connection, principal, handover, request_id)
            await move.apply({"handling_organ_id": to_organ_id, "handover_id": document_id, "due_on": due})
            await connection.execute(insert(ClueOrgan).values(clue_id=clue_id, organ_id=to_organ_id))

    async def report(
        self, principal: Principal, clue_id: int, organ_id: int, result: ClueResult, note: str | None, request_id: str | None
    ) -> None:
        """The handling organ reports a result; a concluding one (处分, 组织处理, 了结, 不予立案) ends it."""
        require_handler(principal, organ_id)
        clue = await self.readable(principal, clue_id)
        if clue.handling_organ_id != organ_id:
            raise DomainError("NOT_HANDLING", "只有承办机关报告线索的办理情况", field="organId")
        transition = CONCLUDE if result in CONCLUDING else PROGRESS
        async with self.engine.begin() as connection:
            move = await CLUES.lock(
                transition,
                connection,
                select(Clue).where(Clue.id == clue_id).with_for_update(),
                tenant_code=clue.tenant_code,
                expected_version=None,
                actor=principal.username,
                note=None,
                request_id=request_id,
                context={"organ_id": organ_id, "result": result.value, "note": clean_text(note, "note", required=False)},
            )
            by = (await connection.execute(select(Organ.short_name).where(Organ.id == organ_id))).scalar_one()
            told = {"organ_ids": [clue.registered_by_organ_id], "clue_id": clue_id, "result": result.label, "by": by}
            await move.apply({"result": result.value}, after={"result": result.value}, event_payload=told)

    # ---- reading --------------------------------------------------------------------------

    async def readable(self, principal: Principal, clue_id: int) -> Row:
        seen = exists().where(ClueOrgan.clue_id == Clue.id, ClueOrgan.organ_id.in_(readers_of(principal)))
        async with reading(self.engine).connect() as connection:
            row = (await connection.execute(select(Clue).where(Clue.id == clue_id, seen))).one_or_none()
        if row is None:
            raise not_found()
        return row

    async def of_organ(self, principal: Principal, organ_id: int, round_id: int | None) -> list[Row]:
        """The clues an organ sees (registered or handed to it), the newest first."""
        if organ_id not in readers_of(principal):
            raise not_found()
        query = select(Clue).join(ClueOrgan, ClueOrgan.clue_id == Clue.id).where(ClueOrgan.organ_id == organ_id)
        if round_id is not None:
            query = query.where(Clue.round_id == round_id)
        async with reading(self.engine).connect() as connection:
            return list((await connection.execute(query.order_by(Clue.id.desc()).limit(200))).all())

    async def events(self, connection: AsyncConnection, clue_ids: list[int]) -> list[Row]:
        query = select(ClueEvent).where(ClueEvent.clue_id.in_(clue_ids)).order_by(ClueEvent.id)
        return list((await connection.execute(query)).all())


async def _check_links(engine: AsyncEngine, tenant_code: str, new: NewClue) -> None:
    """The unit and round a clue names are the registering region's own."""
    if new.unit_id is None and new.round_id is None:
        return
    async with tenant_reader(engine, tenant_code).connect() as connection:
        if (
            new.unit_id is not None
            and (await connection.execute(select(InspectedUnit.id).where(InspectedUnit.id == new.unit_id))).first() is None
        ):
            raise DomainError("NOT_FOUND", "被检查单位不存在", field="unitId")
        if (
            new.round_id is not None
            and (await connection.execute(select(InspectionRound.id).where(InspectionRound.id == new.round_id))).first() is None
        ):
            raise DomainError("NOT_FOUND", "轮次不存在", field="roundId")
