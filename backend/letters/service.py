"""Issuing discipline letters (函告) and keeping their read receipts. An office's admins and
inspectors issue (LETTER_WRITERS); its readers (and the liaisons of the addressed unit) read
(LETTER_READERS leave receipts); the unit's liaisons are told through the outbox, as a critical
notification. Who may call which is declared on the operations; the service keeps the liaisons'
filter (the letters to their unit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, Select, insert, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.cursors import Window, by_id, decode_cursor, window
from backend.letters.models import DisciplineLetter, LetterKind, LetterRead
from backend.notifications.outbox import emit
from backend.numbering import Series, next_number, office_document_code
from backend.sensitivity import Sensitivity
from backend.units.models import InspectedUnit
from tenants.access import Place, Principal, Role, not_found, visible_units
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader

LETTER_WRITERS = frozenset({Role.ADMIN, Role.INSPECTOR})
LETTER_READERS = frozenset(Role) - {Role.AUDITOR}  # who leave read receipts: the office's own people


@dataclass(frozen=True)
class LetterDraft:
    kind: LetterKind
    unit_id: int
    recipient_name: str
    recipient_post: str
    subject: str
    body: str
    sensitivity: str = Sensitivity.INTERNAL


@dataclass(frozen=True)
class Letter:
    row: Row  # the letter with its unit's name (unit_name) and office's name (office_name)
    reads: Sequence[Row]  # LetterRead rows, first reading first


class LetterService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def issue(self, principal: Principal, tenant_code: str, draft: LetterDraft, year: int, request_id: str | None) -> int:
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            if (await connection.execute(select(InspectedUnit.id).where(InspectedUnit.id == draft.unit_id))).first() is None:
                raise DomainError("NOT_FOUND", "被检查单位不存在", field="unitId")
            number = await next_number(connection, Series.LETTER, year)
            document_number = f"{await office_document_code(connection, tenant_code)}函告〔{year}〕{number}号"
            letter_id = (
                await connection.execute(
                    insert(DisciplineLetter)
                    .values(
                        kind=draft.kind,
                        year=year,
                        number=number,
                        document_number=document_number,
                        unit_id=draft.unit_id,
                        recipient_name=draft.recipient_name,
                        recipient_post=draft.recipient_post,
                        subject=draft.subject,
                        body=draft.body,
                        sensitivity=draft.sensitivity,
                        issued_by=principal.username,
                    )
                    .returning(DisciplineLetter.id)
                )
            ).scalar_one()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="letter.issued",
                entity="discipline_letter",
                entity_id=str(letter_id),
                after={"document_number": document_number, "kind": draft.kind, "unit_id": draft.unit_id},
                request_id=request_id,
            )
            await emit(
                connection,
                tenant_code,
                "letter.issued",
                {"letter_id": letter_id, "unit_id": draft.unit_id, "document_number": document_number, "subject": draft.subject},
            )
        return letter_id

    async def letters(self, principal: Principal, tenant_code: str, year: int | None, *, first: int, after: str | None) -> Window[Row]:
        """A page of them, the newest first (by id, which follows the numbering)."""
        place = await readable_place(self.engine, principal, tenant_code)
        query = _visible(principal, place)
        if year is not None:
            query = query.where(DisciplineLetter.year == year)
        if (key := decode_cursor(after, int)) is not None:
            query = query.where(DisciplineLetter.id < key[0])
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query.order_by(DisciplineLetter.id.desc()).limit(first + 1))).all()
        return window(rows, first, by_id)

    async def letter(self, principal: Principal, tenant_code: str, letter_id: int) -> Letter:
        place = await readable_place(self.engine, principal, tenant_code)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return await _letter(connection, principal, place, letter_id)

    async def mark_read(self, principal: Principal, tenant_code: str, letter_id: int) -> Letter:
        """The caller, a member of the office (LETTER_READERS) who sees the letter, has read it
        (its first reading is kept). The letter with its readings."""
        place = await readable_place(self.engine, principal, tenant_code)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await _letter(connection, principal, place, letter_id)  # visible to the caller, or NOT_FOUND
            await connection.execute(upsert(LetterRead).values(letter_id=letter_id, username=principal.username).on_conflict_do_nothing())
            return await _letter(connection, principal, place, letter_id)


async def _letter(connection: AsyncConnection, principal: Principal, place: Place, letter_id: int) -> Letter:
    row = (await connection.execute(_visible(principal, place).where(DisciplineLetter.id == letter_id))).one_or_none()
    if row is None:
        raise not_found()
    reads = (await connection.execute(select(LetterRead).where(LetterRead.letter_id == letter_id).order_by(LetterRead.read_at))).all()
    return Letter(row, reads)


def _visible(principal: Principal, place: Place) -> Select:
    """The letters of the office the principal may see (a liaison: those to its unit)."""
    office = select(Tenant.name).where(Tenant.code == place.code).scalar_subquery()
    query = select(DisciplineLetter, InspectedUnit.name.label("unit_name"), office.label("office_name")).join(
        InspectedUnit, InspectedUnit.id == DisciplineLetter.unit_id
    )
    if (units := visible_units(principal, place)) is not None:
        query = query.where(DisciplineLetter.unit_id.in_(units))
    return query
