"""Typical-case bulletins (典型案例通报): an office above counties composes an issue of typical
cases drawn from its subtree's problem bank, has it approved and publishes it, numbered 第N期
per office and year, to its whole subtree or to chosen offices below it.

    草稿 draft ─提交→ 待审核 submitted ─审核→ 已审核 approved ─发布→ 已发布 published
    待审核 / 已审核 ─退回 (with a reason)→ 草稿;  any state but 已撤回 ─撤回 (with a reason)→ 已撤回

Inspectors and publishers compose and submit; the office's admin approves or returns; only a
publisher publishes; a publisher or an admin withdraws. Editing (the issue and its cases) is for
drafts only. Every step takes the version the caller saw (optimistic locking) and is audited in
the publisher's trail, in its transaction.

The number is given when the issue is published, from a counter row locked in the publishing
transaction: drafts that never go out take no number, and concurrent publications get
consecutive ones. The de-identified text is frozen then too (`published_*`), and the scope is
resolved into recipient offices, whose members are notified through the outbox.

Who sees a bulletin: the publisher's readers (its members and the offices above it) see it
whole, drafts included, with every recipient's read receipts; a recipient office's members
(not its liaisons) see it once published, as published, with their own office's receipts.
Cases marked shared (published, de-identified) are read by every office in the library.
These reading rules are the service's to apply (declared `special` on the operations); who may
take each step is declared on the mutations (the workflow's roles, in the publisher)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.accountability.models import AccountabilityCase, CaseFinding
from backend.accountability.service import measure_rows
from backend.audit.service import record_audit
from backend.bulletins.joint import approve as approve_jointly
from backend.bulletins.joint import clear_approvals, issued_jointly_by, joint_organs_of_bulletins, joint_reader, set_joint_organs
from backend.bulletins.knowledge import known_names
from backend.bulletins.workflow import (
    ADD_CASE,
    APPROVE,
    BULLETINS,
    DRAFT,
    EDIT,
    EDIT_CASE,
    MARK_TERM,
    OUT,
    PUBLISH,
    PUBLISHED,
    REMOVE_CASE,
    RETURN,
    SET_JOINT,
    SHARE,
    SUBMIT,
    WITHDRAW,
    WITHDRAWN,
    BulletinState,
)
from backend.clock import CHINA_STANDARD_TIME
from backend.correspondence.service import readers_of
from backend.cursors import Window, by_id, decode_cursor, window
from backend.workflow import Move, Transition
from problem_bank.deidentify import (
    Known,
    Mask,
    MaskTable,
    Passage,
    PersonStyle,
    deidentify,
    office_forms,
    remaining,
    suspected_names,
    unit_forms,
    unit_placeholder,
)
from problem_bank.models import (
    BankUnit,
    Bulletin,
    BulletinCase,
    BulletinCounter,
    BulletinRead,
    BulletinRecipient,
    BulletinScopeOffice,
    Problem,
)
from tenants.access import Place, Principal, Role, forbidden, not_found, reads_subtree
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.models import Tenant
from tenants.organs import Organ, OrganKind
from tenants.registry import in_subtree, offices_below, place_of, readable_place
from tenants.scoping import reading, tenant_engine

RECEIPT_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER, Role.PUBLISHER})  # who leave read receipts

# The reading rules `readable`, `issued`, `received` and `typical_cases` apply, in words.
READERS = (
    "编发机构及其上级机构的人员看到全部（含草稿）；发布后，收文机构的人员看到发布口径；"
    "联合发文机关的人员自编办审核通过起看到发布口径；联络员除外"
)
LISTERS = "编发的（ISSUED）：编发机构及其上级机构的人员；收到的（RECEIVED）：收文机构本机构的人员；联络员除外"
LIBRARY_READERS = "各级机构的人员，联络员除外"
PREVIEWERS = "编发机构及其上级机构的人员，联络员除外"

MAX_CASES = 30
MAX_SCOPE = 5_000  # offices chosen by hand (a province has a few hundred below it)
MAX_NAMES = 20  # persons or aliases of one case


class CaseSourceKind(Labelled):
    """Where a typical case is drawn from (each has its snapshot function, SNAPSHOTS)."""

    PROBLEM = "problem", "问题库中的问题"
    ACCOUNTABILITY_CASE = "accountability_case", "本机构的问责案件"


@dataclass(frozen=True)
class IssueDraft:
    """The checked text and scope of an issue (scope: the whole subtree, or `office_codes`)."""

    title: str
    preface: str
    whole_subtree: bool
    office_codes: tuple[str, ...]
    person_style: PersonStyle = PersonStyle.SURNAME


@dataclass(frozen=True)
class CaseText:
    """A case's editable part, checked. None: keep (on an edit) or take from the source (on add)."""

    title: str | None
    facts: str | None
    handling: str | None
    deidentified: bool | None
    persons: tuple[str, ...] | None
    aliases: tuple[str, ...] | None


@dataclass(frozen=True)
class Readable:
    """A bulletin as one principal may see it: whole (the publisher's readers) or as a recipient."""

    row: Any  # a bulletin row with its publisher's name (publisher_name)
    whole: bool
    own_offices: frozenset[str]  # the recipient offices the principal is a member of


@dataclass(frozen=True)
class Snapshot:
    """What a case copies from its source."""

    tenant_code: str
    source_id: int
    taxonomy_code: str | None
    unit_name: str
    unit_placeholder: str
    facts: str
    handling: str = ""
    persons: tuple[str, ...] = ()  # names the source itself says must be hidden


async def _problem_snapshot(connection: AsyncConnection, publisher: Place, tenant_code: str, source_id: int) -> Snapshot:
    """A problem-bank row of the publisher's subtree (NOT_FOUND otherwise)."""
    row = (
        await connection.execute(
            select(Problem).where(
                Problem.tenant_code == tenant_code,
                Problem.finding_id == source_id,
                in_subtree(publisher, province=Problem.province_code, city=Problem.city_code, code=Problem.tenant_code),
            )
        )
    ).one_or_none()
    if row is None:
        raise DomainError("NOT_FOUND", "问题库中没有该问题，或不在本机构的辖区内", field="source")
    return Snapshot(
        tenant_code, source_id, row.taxonomy_code, row.unit_name, unit_placeholder(row.tenant_level, row.unit_type), row.description
    )


async def _case_snapshot(connection: AsyncConnection, publisher: Place, tenant_code: str, source_id: int) -> Snapshot:
    """An accountability case (追责问责) the publisher itself opened (NOT_FOUND otherwise): its subject,
    facts, and the decision with the measures taken as the handling (处理结果); a leader's name is
    one of the persons de-identification hides."""
    case = None
    if tenant_code == publisher.code:  # the connection is in the publisher's schema, where its cases are
        case = (
            await connection.execute(
                select(
                    AccountabilityCase,
                    Tenant.level.label("tenant_level"),
                    BankUnit.unit_type,
                )
                .join(Tenant, Tenant.code == AccountabilityCase.subject_tenant_code)
                .join(
                    BankUnit,
                    and_(
                        BankUnit.tenant_code == AccountabilityCase.subject_tenant_code,
                        BankUnit.unit_id == AccountabilityCase.subject_unit_id,
                    ),
                )
                .where(AccountabilityCase.id == source_id)
            )
        ).one_or_none()
    if case is None:
        raise DomainError("NOT_FOUND", "本机构没有该问责案件", field="source")
    taxonomy_code = (
        await connection.execute(
            select(func.min(Problem.taxonomy_code))
            .join(CaseFinding, and_(CaseFinding.tenant_code == Problem.tenant_code, CaseFinding.finding_id == Problem.finding_id))
            .where(CaseFinding.case_id == source_id)
        )
    ).scalar_one()
    measures = (await measure_rows(connection, [source_id])).get(source_id, [])
    handling = "；".join(
        [
            *([case.decision] if case.decision else []),
            *(f"{m.row.kind}（{m.row.decided_on:%Y年%m月%d日}）：{m.row.content}" for m in measures),
        ]
    )
    return Snapshot(
        case.subject_tenant_code,
        source_id,
        taxonomy_code,
        case.subject_unit_name,
        unit_placeholder(case.tenant_level, case.unit_type),
        case.facts,
        handling,
        (case.leader_name,) if case.leader_name else (),
    )


SNAPSHOTS: dict[CaseSourceKind, Callable[[AsyncConnection, Place, str, int], Awaitable[Snapshot]]] = {
    CaseSourceKind.PROBLEM: _problem_snapshot,
    CaseSourceKind.ACCOUNTABILITY_CASE: _case_snapshot,
}


PENDING = "（发布口径待生成：修改或提交后生成）"  # a draft composed before de-identification was per bulletin
CASE_FIELDS = (("title", "标题"), ("facts", "基本案情"), ("handling", "处理结果"))


@dataclass(frozen=True)
class Suspect:
    """A run that looks like a person's name the system does not know, and where it is."""

    name: str
    place: str  # 标题, 导语, 案例2基本案情, …


@dataclass(frozen=True)
class CaseView:
    id: int
    unit: str
    title: str
    facts: str
    handling: str


@dataclass(frozen=True)
class Preview:
    """A bulletin as its recipients would read it now, its mask table, and what to look at
    before submitting: known names left (a submission is refused while there are any) and
    runs that look like persons' names."""

    title: str
    preface: str
    cases: list[CaseView]
    masks: list[Mask]
    remaining: list[str]
    suspects: list[Suspect]


async def preview(connection: AsyncConnection, publisher: Place, bulletin) -> Preview:
    """Render the bulletin's text with one mask table built from everything the publisher's
    subtree knows by name. A named case (not de-identified) keeps its own unit, office, aliases
    and persons; every other name is replaced everywhere, the title and preface included."""
    cases = (
        await connection.execute(select(BulletinCase).where(BulletinCase.bulletin_id == bulletin.id).order_by(BulletinCase.position))
    ).all()
    places = ["标题", "导语", *(f"案例{index}{label}" for index in range(1, len(cases) + 1) for _, label in CASE_FIELDS)]
    texts = [bulletin.title, bulletin.preface, *(getattr(case, name) for case in cases for name, _ in CASE_FIELDS)]
    known = await known_names(connection, publisher, texts)
    known.persons.update(person for case in cases for person in case.persons)
    known.aliases += [(alias, case.unit_placeholder) for case in cases for alias in case.aliases]
    kept = [frozenset() if case.deidentified else _own_names(case, known) for case in cases]
    keep_in_issue = frozenset().union(*kept)
    passages = [
        Passage(bulletin.title, keep_in_issue),
        Passage(bulletin.preface, keep_in_issue),
        *(Passage(getattr(case, name), keep) for case, keep in zip(cases, kept, strict=True) for name, _ in CASE_FIELDS),
    ]
    table = MaskTable.of(known, bulletin.open_terms)
    rendering = deidentify(passages, table, PersonStyle(bulletin.person_style))
    title, preface, *case_texts = rendering.texts
    views = [
        CaseView(case.id, case.unit_placeholder if case.deidentified else case.unit_name, *case_texts[3 * index : 3 * index + 3])
        for index, case in enumerate(cases)
    ]
    return Preview(
        title,
        preface,
        views,
        rendering.masks,
        remaining(passages, rendering.texts, table),
        [Suspect(name, place) for content, place in zip(rendering.texts, places, strict=True) for name in suspected_names(content)],
    )


def _own_names(case, known: Known) -> frozenset[str]:
    """What a named case shows as it is: its unit in every form, the unit's office, its aliases and persons."""
    names = {case.unit_name, *case.aliases, *case.persons}
    for unit in known.units:
        if unit.name == case.unit_name:
            named, bare = unit_forms(unit)
            names.update(named, bare, office_forms(unit.office_name))
    return frozenset(names)


async def refresh_text(connection: AsyncConnection, publisher: Place, bulletin_id: int) -> Preview:
    """Render the bulletin and keep the result as its recipients' text (`published_*`, frozen
    once it is published) and its mask table; refused (NAMES_REMAIN) while a known name is left."""
    bulletin = (await connection.execute(select(Bulletin).where(Bulletin.id == bulletin_id))).one()
    shown = await preview(connection, publisher, bulletin)
    if shown.remaining:
        raise DomainError("NAMES_REMAIN", f"脱敏后仍有已知名称：{'、'.join(shown.remaining)}；请修改，或标注为不具识别性", field="id")
    await connection.execute(
        update(Bulletin)
        .where(Bulletin.id == bulletin_id)
        .values(
            published_title=shown.title,
            published_preface=shown.preface,
            masks=[{"term": m.term, "placeholder": m.placeholder, "kind": m.kind.value} for m in shown.masks],
        )
    )
    if shown.cases:
        await connection.execute(
            update(BulletinCase)
            .where(BulletinCase.id == bindparam("case_id"))
            .values(
                published_unit=bindparam("shown_unit"),
                published_title=bindparam("shown_title"),
                published_facts=bindparam("shown_facts"),
                published_handling=bindparam("shown_handling"),
            ),
            [
                {"case_id": c.id, "shown_unit": c.unit, "shown_title": c.title, "shown_facts": c.facts, "shown_handling": c.handling}
                for c in shown.cases
            ],
        )
    return shown


def issue_label(row) -> str | None:
    return f"{row.year}年第{row.number}期" if row.number is not None else None


def document_number(row) -> str | None:
    """The issue's 文号 under its publisher's 机关代字 (湘编办通〔2026〕1号): numbered as the issue is."""
    return f"{row.publisher_document_code}通〔{row.year}〕{row.number}号" if row.number is not None else None


class BulletinService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # --- composing -------------------------------------------------------------------------

    async def create(self, principal: Principal, publisher_code: str, draft: IssueDraft, request_id: str | None) -> int:
        """A draft of the publisher (a province or a city: declared on the operation)."""
        publisher = await readable_place(self.engine, principal, publisher_code)
        async with tenant_engine(self.engine, publisher.code).begin() as connection:
            await _check_scope(connection, publisher, draft)
            bulletin_id = (
                await connection.execute(
                    insert(Bulletin)
                    .values(
                        publisher_code=publisher.code,
                        title=draft.title,
                        preface=draft.preface,
                        whole_subtree=draft.whole_subtree,
                        person_style=draft.person_style,
                        created_by=principal.username,
                    )
                    .returning(Bulletin.id)
                )
            ).scalar_one()
            await _set_scope(connection, bulletin_id, draft)
            await refresh_text(connection, publisher, bulletin_id)
            await record_audit(
                connection,
                publisher.code,
                actor=principal.username,
                action="bulletin.create",
                entity="bulletin",
                entity_id=str(bulletin_id),
                after={"state": DRAFT, "version": 1, **_issue_fields(draft)},
                request_id=request_id,
            )
        return bulletin_id

    async def update(self, principal: Principal, bulletin_id: int, version: int, draft: IssueDraft, request_id: str | None) -> None:
        async with self._locked(principal, bulletin_id, version, EDIT, request_id) as (move, publisher):
            connection = move.connection
            await _check_scope(connection, publisher, draft)
            await connection.execute(delete(BulletinScopeOffice).where(BulletinScopeOffice.bulletin_id == bulletin_id))
            await _set_scope(connection, bulletin_id, draft)
            await move.apply(
                {"title": draft.title, "preface": draft.preface, "whole_subtree": draft.whole_subtree, "person_style": draft.person_style},
                before={"title": move.row.title, "whole_subtree": move.row.whole_subtree, "person_style": move.row.person_style},
                after=_issue_fields(draft),
            )
            await refresh_text(connection, publisher, bulletin_id)

    async def add_case(
        self,
        principal: Principal,
        bulletin_id: int,
        version: int,
        source_kind: CaseSourceKind,
        tenant_code: str,
        source_id: int,
        text: CaseText,
        request_id: str | None,
    ) -> int:
        async with self._locked(principal, bulletin_id, version, ADD_CASE, request_id) as (move, publisher):
            connection = move.connection
            count = (
                await connection.execute(
                    select(func.count(), func.coalesce(func.max(BulletinCase.position), 0)).where(BulletinCase.bulletin_id == bulletin_id)
                )
            ).one()
            if count[0] >= MAX_CASES:
                raise DomainError("TOO_MANY_CASES", f"一期通报最多 {MAX_CASES} 个案例", field="bulletinId")
            snapshot = await SNAPSHOTS[source_kind](connection, publisher, tenant_code, source_id)
            if text.title is None:
                raise DomainError("INVALID_NAME", "请填写案例标题", field="title")
            case_id = (
                await connection.execute(
                    insert(BulletinCase)
                    .values(
                        bulletin_id=bulletin_id,
                        position=count[1] + 1,
                        source_kind=source_kind,
                        source_tenant_code=snapshot.tenant_code,
                        source_id=snapshot.source_id,
                        taxonomy_code=snapshot.taxonomy_code,
                        unit_name=snapshot.unit_name,
                        unit_placeholder=snapshot.unit_placeholder,
                        persons=list(dict.fromkeys([*snapshot.persons, *(text.persons or ())])),
                        aliases=list(text.aliases or ()),
                        deidentified=True if text.deidentified is None else text.deidentified,
                        title=text.title,
                        facts=text.facts or snapshot.facts,
                        handling=text.handling or snapshot.handling,
                    )
                    .returning(BulletinCase.id)
                )
            ).scalar_one()
            await move.apply(
                after={
                    "case_id": case_id,
                    "source_kind": source_kind,
                    "source": f"{tenant_code}/{source_id}",
                    "deidentified": text.deidentified is not False,
                }
            )
            await refresh_text(connection, publisher, bulletin_id)
        return case_id

    async def update_case(self, principal: Principal, case_id: int, version: int, text: CaseText, request_id: str | None) -> int:
        bulletin_id = await self._bulletin_of(case_id)
        async with self._locked(principal, bulletin_id, version, EDIT_CASE, request_id) as (move, publisher):
            connection = move.connection
            case = (await connection.execute(select(BulletinCase).where(BulletinCase.id == case_id))).one_or_none()
            if case is None:
                raise not_found()
            values = {
                key: value
                for key, value in (
                    ("title", text.title),
                    ("facts", text.facts),
                    ("handling", text.handling),
                    ("deidentified", text.deidentified),
                    ("persons", None if text.persons is None else list(text.persons)),
                    ("aliases", None if text.aliases is None else list(text.aliases)),
                )
                if value is not None
            }
            if values:
                await connection.execute(update(BulletinCase).where(BulletinCase.id == case_id).values(**values))
            await move.apply(
                before={"case_id": case_id, **{key: getattr(case, key) for key in values}}, after={"case_id": case_id, **values}
            )
            await refresh_text(connection, publisher, bulletin_id)
        return bulletin_id

    async def remove_case(self, principal: Principal, case_id: int, version: int, request_id: str | None) -> int:
        bulletin_id = await self._bulletin_of(case_id)
        async with self._locked(principal, bulletin_id, version, REMOVE_CASE, request_id) as (move, publisher):
            case = (
                await move.connection.execute(delete(BulletinCase).where(BulletinCase.id == case_id).returning(BulletinCase))
            ).one_or_none()
            if case is None:
                raise not_found()
            await move.apply(before={"case_id": case_id, "title": case.title, "source": f"{case.source_tenant_code}/{case.source_id}"})
            await refresh_text(move.connection, publisher, bulletin_id)
        return bulletin_id

    async def mark_term(
        self, principal: Principal, bulletin_id: int, version: int, term: str, identifying: bool, request_id: str | None
    ) -> None:
        """Mark a name the table replaces as not identifying (it is then shown as written), or
        take the mark back. Audited: who let which name through."""
        async with self._locked(principal, bulletin_id, version, MARK_TERM, request_id) as (move, publisher):
            open_terms = list(move.row.open_terms)
            if identifying:
                if term not in open_terms:
                    raise DomainError("TERM_NOT_MARKED", f"“{term}”未被标注为不具识别性", field="term")
                open_terms.remove(term)
            else:
                if term not in {mask["term"] for mask in move.row.masks}:
                    raise DomainError("TERM_NOT_MASKED", f"“{term}”不在本期的脱敏对照表中", field="term")
                open_terms.append(term)
            await move.apply({"open_terms": open_terms}, after={"term": term, "identifying": identifying})
            await refresh_text(move.connection, publisher, bulletin_id)

    async def preview(self, principal: Principal, bulletin_id: int) -> tuple[Readable, Preview]:
        """The recipients' view as it would be published now (the publisher's readers only)."""
        readable = await self.readable(principal, bulletin_id)
        if not readable.whole:
            raise not_found()
        async with reading(self.engine).connect() as connection:
            return readable, await preview(connection, place_of(readable.row), readable.row)

    # --- the workflow ----------------------------------------------------------------------

    async def submit(self, principal: Principal, bulletin_id: int, version: int, request_id: str | None) -> None:
        async with self._locked(principal, bulletin_id, version, SUBMIT, request_id) as (move, publisher):
            await refresh_text(move.connection, publisher, bulletin_id)
            await move.apply({"note": None})

    async def approve(self, principal: Principal, bulletin_id: int, version: int, request_id: str | None) -> None:
        async with self._locked(principal, bulletin_id, version, APPROVE, request_id) as (move, _publisher):
            await move.apply({"approved_by": principal.username, "note": None})

    async def send_back(self, principal: Principal, bulletin_id: int, version: int, reason: str, request_id: str | None) -> None:
        """退回修改: the office's approval and the joint organs' 会签 go with it."""
        async with self._locked(principal, bulletin_id, version, RETURN, request_id, note=reason) as (move, _publisher):
            await clear_approvals(move.connection, bulletin_id)
            await move.apply({"approved_by": None, "note": reason})

    async def set_joint(self, principal: Principal, bulletin_id: int, version: int, organ_ids: list[int], request_id: str | None) -> None:
        async with self._locked(principal, bulletin_id, version, SET_JOINT, request_id) as (move, publisher):
            await set_joint_organs(move, publisher.code, organ_ids)

    async def approve_jointly(self, principal: Principal, bulletin_id: int, organ_id: int, request_id: str | None) -> None:
        async with self.engine.begin() as connection:
            await approve_jointly(connection, principal, bulletin_id, organ_id, request_id)

    async def of_joint_organ(self, principal: Principal, organ_id: int) -> list[Readable]:
        """The bulletins an organ issues jointly, as its members read them (newest first)."""
        if organ_id not in readers_of(principal):
            raise not_found()
        async with reading(self.engine).connect() as connection:
            rows = (
                await connection.execute(_with_publisher(select(Bulletin)).where(issued_jointly_by(organ_id)).order_by(Bulletin.id.desc()))
            ).all()
        return [Readable(row, False, frozenset()) for row in rows]

    async def publish(self, principal: Principal, bulletin_id: int, version: int, now: datetime, request_id: str | None) -> None:
        """Number the issue (in the year of `now`, office time), freeze its published text, send it
        to its scope and notify it."""
        year = now.astimezone(CHINA_STANDARD_TIME).year
        async with self._locked(principal, bulletin_id, version, PUBLISH, request_id) as (move, publisher):
            connection, row = move.connection, move.row
            recipients = await _recipients(connection, publisher, row)
            if not recipients:
                raise DomainError("NO_RECIPIENTS", "通报范围内没有下级机构", field="officeCodes")
            shown = await refresh_text(connection, publisher, bulletin_id)  # the last rendering: frozen from now on
            number = (
                await connection.execute(
                    upsert(BulletinCounter)
                    .values(publisher_code=publisher.code, year=year, last_number=1)
                    .on_conflict_do_update(
                        index_elements=[BulletinCounter.publisher_code, BulletinCounter.year],
                        set_={"last_number": BulletinCounter.last_number + 1},
                    )
                    .returning(BulletinCounter.last_number)
                )
            ).scalar_one()
            await connection.execute(
                insert(BulletinRecipient),
                [{"bulletin_id": bulletin_id, "office_code": code, "office_name": name} for code, name in recipients.items()],
            )
            await move.apply(
                {
                    "year": year,
                    "number": number,
                    "published_by": principal.username,
                    "published_at": now,
                    "note": None,
                },
                after={"number": number, "year": year},
                event_payload={
                    "bulletin_id": bulletin_id,
                    "publisher_name": row.publisher_name,
                    "issue": f"{year}年第{number}期",
                    "title": shown.title,
                    "tenant_codes": list(recipients),
                },
            )

    async def withdraw(self, principal: Principal, bulletin_id: int, version: int, reason: str, request_id: str | None) -> None:
        """撤回: its shared cases leave the library; recipients of a published issue are told."""
        async with self._locked(principal, bulletin_id, version, WITHDRAW, request_id, note=reason) as (move, _publisher):
            connection, row = move.connection, move.row
            await connection.execute(
                update(BulletinCase).where(BulletinCase.bulletin_id == bulletin_id).values(shared_at=None, shared_by=None)
            )
            offices = list(
                (
                    await connection.execute(select(BulletinRecipient.office_code).where(BulletinRecipient.bulletin_id == bulletin_id))
                ).scalars()
            )
            notice = {
                "bulletin_id": bulletin_id,
                "publisher_name": row.publisher_name,
                "issue": issue_label(row),
                "title": row.published_title,
                "reason": reason,
                "tenant_codes": offices,
            }
            await move.apply({"note": reason}, event_payload=notice if offices else None)  # recipients hear of a published one

    async def share(self, principal: Principal, case_id: int, shared: bool, request_id: str | None) -> int:
        """Put a case of a published issue into the typical-case library (or take it out): the
        publisher's publishers only, de-identified cases only."""
        bulletin_id = await self._bulletin_of(case_id)
        async with self._locked(principal, bulletin_id, None, SHARE, request_id) as (move, _publisher):
            connection = move.connection
            case = (await connection.execute(select(BulletinCase).where(BulletinCase.id == case_id))).one_or_none()
            if case is None:
                raise not_found()
            if shared and not case.deidentified:
                raise DomainError("NOT_DEIDENTIFIED", "未脱敏的案例不能推送到典型案例库", field="caseId")
            if shared != (case.shared_at is not None):
                await connection.execute(
                    update(BulletinCase)
                    .where(BulletinCase.id == case_id)
                    .values(shared_at=func.now() if shared else None, shared_by=principal.username if shared else None)
                )
                await move.apply(after={"case_id": case_id, "shared": shared})
        return bulletin_id

    # --- reading ---------------------------------------------------------------------------

    async def readable(self, principal: Principal, bulletin_id: int) -> Readable:
        """The bulletin if the principal may see it (NOT_FOUND alike when missing or out of reach)."""
        async with reading(self.engine).connect() as connection:
            row = (await connection.execute(_with_publisher(select(Bulletin)).where(Bulletin.id == bulletin_id))).one_or_none()
            if row is None:
                raise not_found()
            if reads_subtree(principal, place_of(row)):
                return Readable(row, True, frozenset())
            member_of = _member_offices(principal)
            own: frozenset[str] = frozenset()
            if row.state in OUT and member_of:
                own = frozenset(
                    (
                        await connection.execute(
                            select(BulletinRecipient.office_code).where(
                                BulletinRecipient.bulletin_id == bulletin_id, BulletinRecipient.office_code.in_(member_of)
                            )
                        )
                    ).scalars()
                )
            if not own and joint_reader(principal, row.state, (await joint_organs_of_bulletins(connection, [row.id])).get(row.id, [])):
                return Readable(row, False, own)
        if not own:
            raise not_found()
        return Readable(row, False, own)

    async def issued(
        self, principal: Principal, tenant_code: str, state: BulletinState | None, *, first: int, after: str | None
    ) -> Window[Readable]:
        """A page of the office's bulletins, newest first (its readers; liaisons are refused)."""
        place = await readable_place(self.engine, principal, tenant_code)
        if not reads_subtree(principal, place):
            raise forbidden("联络员只能查看本单位的信息")
        query = _with_publisher(select(Bulletin)).where(Bulletin.publisher_code == tenant_code)
        async with reading(self.engine).connect() as connection:
            rows = (await connection.execute(_newest(query, state, first, after))).all()
        return window([Readable(row, True, frozenset()) for row in rows], first, _by_bulletin)

    async def received(
        self, principal: Principal, tenant_code: str, state: BulletinState | None, *, first: int, after: str | None
    ) -> Window[Readable]:
        """A page of the published bulletins sent to the office, newest first: its own members (not liaisons) ask."""
        place = await readable_place(self.engine, principal, tenant_code)
        if not (principal.is_superuser or place.code in _member_offices(principal)):
            raise forbidden("只有收文机构本身可以查看其收到的通报")
        query = (
            _with_publisher(select(Bulletin))
            .join(BulletinRecipient, and_(BulletinRecipient.bulletin_id == Bulletin.id, BulletinRecipient.office_code == tenant_code))
            .where(Bulletin.state.in_(OUT))
        )
        async with reading(self.engine).connect() as connection:
            rows = (await connection.execute(_newest(query, state, first, after))).all()
        return window([Readable(row, False, frozenset({tenant_code})) for row in rows], first, _by_bulletin)

    async def mark_read(self, principal: Principal, office_code: str, bulletin_id: int) -> None:
        """A member of a recipient office (RECEIPT_ROLES, declared on the operation) read the
        bulletin (first reading kept); NOT_FOUND unless the bulletin went out to that office."""
        async with self.engine.begin() as connection:
            state = (
                await connection.execute(
                    select(Bulletin.state)
                    .join(BulletinRecipient, BulletinRecipient.bulletin_id == Bulletin.id)
                    .where(Bulletin.id == bulletin_id, Bulletin.state.in_(OUT), BulletinRecipient.office_code == office_code)
                )
            ).scalar_one_or_none()
            if state is None:
                raise not_found()
            if state == WITHDRAWN:
                raise DomainError("INVALID_TRANSITION", "该通报已撤回", field="id")
            await connection.execute(
                upsert(BulletinRead)
                .values(bulletin_id=bulletin_id, office_code=office_code, username=principal.username)
                .on_conflict_do_nothing()
            )

    # --- internals -------------------------------------------------------------------------

    async def _bulletin_of(self, case_id: int) -> int:
        async with reading(self.engine).connect() as connection:
            bulletin_id = (
                await connection.execute(select(BulletinCase.bulletin_id).where(BulletinCase.id == case_id))
            ).scalar_one_or_none()
        if bulletin_id is None:
            raise not_found()
        return bulletin_id

    @contextlib.asynccontextmanager
    async def _locked(
        self,
        principal: Principal,
        bulletin_id: int,
        version: int | None,
        transition: Transition[BulletinState],
        request_id: str | None,
        *,
        note: str | None = None,
    ) -> AsyncIterator[tuple[Move[BulletinState], Place]]:
        """A transaction holding the bulletin locked, once the workflow's checks pass (version,
        state, note, guard; version None: not checked; who may take the transition in the
        publisher is declared on the operation). Audited in the publisher's trail."""
        publisher_code = await publisher_of(self.engine, bulletin_id)
        if publisher_code is None:
            raise not_found()
        publisher = await readable_place(self.engine, principal, publisher_code)
        async with tenant_engine(self.engine, publisher_code).begin() as connection:
            move = await BULLETINS.lock(
                transition,
                connection,
                _with_publisher(select(Bulletin)).where(Bulletin.id == bulletin_id).with_for_update(of=Bulletin),
                tenant_code=publisher_code,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
            )
            yield move, publisher


async def publisher_of(engine: AsyncEngine, bulletin_id: int) -> str | None:
    """The code of the office that publishes the bulletin (None: there is no such bulletin)."""
    async with reading(engine).connect() as connection:
        return (await connection.execute(select(Bulletin.publisher_code).where(Bulletin.id == bulletin_id))).scalar_one_or_none()


async def publisher_of_case(engine: AsyncEngine, case_id: int) -> str | None:
    """The code of the office that publishes the case's bulletin (None: there is no such case)."""
    query = select(Bulletin.publisher_code).join(BulletinCase, BulletinCase.bulletin_id == Bulletin.id).where(BulletinCase.id == case_id)
    async with reading(engine).connect() as connection:
        return (await connection.execute(query)).scalar_one_or_none()


def _member_offices(principal: Principal) -> set[str]:
    return {g.place.code for g in principal.grants if g.role is not Role.LIAISON}


def _with_publisher(query):
    """Bulletin rows with their publisher's name, 机关代字 and place in the hierarchy."""
    office = select(Organ.document_code).where(Organ.tenant_code == Bulletin.publisher_code, Organ.kind == OrganKind.OFFICE.value)
    return query.add_columns(
        Tenant.name.label("publisher_name"),
        office.scalar_subquery().label("publisher_document_code"),
        Tenant.code,
        Tenant.level,
        Tenant.parent_code,
        Tenant.province_code,
        Tenant.city_code,
    ).join(Tenant, Tenant.code == Bulletin.publisher_code)


def _newest(query, state: BulletinState | None, first: int, after: str | None):
    """A page of bulletins (in `state`, if given), newest first (one row more than asked: is
    there another page?)."""
    if state is not None:
        query = query.where(Bulletin.state == state)
    if (key := decode_cursor(after, int)) is not None:
        query = query.where(Bulletin.id < key[0])
    return query.order_by(Bulletin.id.desc()).limit(first + 1)


def _by_bulletin(readable: Readable) -> tuple[int]:
    return by_id(readable.row)


def _issue_fields(draft: IssueDraft) -> dict:
    return {
        "title": draft.title,
        "whole_subtree": draft.whole_subtree,
        "offices": list(draft.office_codes),
        "person_style": draft.person_style,
    }


async def _check_scope(connection: AsyncConnection, publisher: Place, draft: IssueDraft) -> None:
    if draft.whole_subtree and draft.office_codes:
        raise DomainError("INVALID_SCOPE", "发给整个辖区时不能再选定机构", field="officeCodes")
    if not draft.whole_subtree and not draft.office_codes:
        raise DomainError("NO_RECIPIENTS", "请选择发送范围：整个辖区，或至少一个下级机构", field="officeCodes")
    if len(draft.office_codes) > MAX_SCOPE:
        raise DomainError("TOO_MANY_RECIPIENTS", f"最多选定 {MAX_SCOPE} 个机构", field="officeCodes")
    await offices_below(connection, publisher, draft.office_codes, "officeCodes")


async def _set_scope(connection: AsyncConnection, bulletin_id: int, draft: IssueDraft) -> None:
    if draft.office_codes:
        await connection.execute(
            insert(BulletinScopeOffice), [{"bulletin_id": bulletin_id, "office_code": code} for code in draft.office_codes]
        )


async def _recipients(connection: AsyncConnection, publisher: Place, row) -> dict[str, str]:
    """Code → name of the offices the issue goes to: every active office below the publisher, or
    the chosen ones (checked again: the hierarchy may have changed since the draft)."""
    if not row.whole_subtree:
        chosen = select(BulletinScopeOffice.office_code).where(BulletinScopeOffice.bulletin_id == row.id)
        return await offices_below(connection, publisher, (await connection.execute(chosen)).scalars(), "officeCodes")
    below = (
        select(Tenant.code, Tenant.name)
        .where(
            in_subtree(publisher, province=Tenant.province_code, city=Tenant.city_code, code=Tenant.code),
            Tenant.code != publisher.code,
            Tenant.status == "active",
        )
        .order_by(Tenant.code)
    )
    return dict((await connection.execute(below)).all())


# --- relations of listed bulletins (DataLoader fetches: one statement each per page) -----------


async def cases_of_bulletins(connection: AsyncConnection, ids: list[int]) -> dict[int, list]:
    """bulletin id → its cases, in order."""
    cases: dict[int, list] = {}
    query = select(BulletinCase).where(BulletinCase.bulletin_id.in_(ids)).order_by(BulletinCase.bulletin_id, BulletinCase.position)
    for row in await connection.execute(query):
        cases.setdefault(row.bulletin_id, []).append(row)
    return cases


async def scope_of_bulletins(connection: AsyncConnection, ids: list[int]) -> dict[int, list[str]]:
    """bulletin id → the offices chosen as its scope (absent when it goes to the whole subtree)."""
    scope: dict[int, list[str]] = {}
    query = select(BulletinScopeOffice).where(BulletinScopeOffice.bulletin_id.in_(ids)).order_by(BulletinScopeOffice.office_code)
    for row in await connection.execute(query):
        scope.setdefault(row.bulletin_id, []).append(row.office_code)
    return scope


@dataclass(frozen=True)
class RecipientView:
    row: Any  # a bulletin_recipient row
    reads: list  # its read receipts, first reading first


async def recipients_of_bulletins(connection: AsyncConnection, ids: list[int]) -> dict[int, list[RecipientView]]:
    """bulletin id → its recipient offices with their read receipts, by office code (two statements)."""
    reads: dict[tuple[int, str], list] = {}
    for read in await connection.execute(
        select(BulletinRead).where(BulletinRead.bulletin_id.in_(ids)).order_by(BulletinRead.read_at, BulletinRead.username)
    ):
        reads.setdefault((read.bulletin_id, read.office_code), []).append(read)
    recipients: dict[int, list[RecipientView]] = {}
    query = select(BulletinRecipient).where(BulletinRecipient.bulletin_id.in_(ids)).order_by(BulletinRecipient.office_code)
    for row in await connection.execute(query):
        recipients.setdefault(row.bulletin_id, []).append(RecipientView(row, reads.get((row.bulletin_id, row.office_code), [])))
    return recipients


# --- the typical-case library ------------------------------------------------------------------


async def typical_cases(engine: AsyncEngine, principal: Principal, text: str | None, *, first: int, after: str | None) -> Window[Row]:
    """A page of the shared cases of published bulletins, newest first, as published
    (de-identified). Every office member of any tenant reads them; a caller who is only a
    liaison is refused."""
    if not (principal.is_superuser or _member_offices(principal)):
        raise forbidden("典型案例库供各级机构人员查阅，联络员无权查看")
    query = (
        select(
            BulletinCase,
            Bulletin.year,
            Bulletin.number,
            Bulletin.published_at,
            Bulletin.publisher_code,
            Tenant.name.label("publisher_name"),
        )
        .join(Bulletin, Bulletin.id == BulletinCase.bulletin_id)
        .join(Tenant, Tenant.code == Bulletin.publisher_code)
        .where(BulletinCase.shared_at.is_not(None), Bulletin.state == PUBLISHED)
    )
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                *(
                    column.ilike(pattern)
                    for column in (BulletinCase.published_title, BulletinCase.published_facts, BulletinCase.published_handling)
                )
            )
        )
    if (key := decode_cursor(after, int)) is not None:
        query = query.where(BulletinCase.id < key[0])
    async with reading(engine).connect() as connection:
        rows = (await connection.execute(query.order_by(BulletinCase.id.desc()).limit(first + 1))).all()
    return window(rows, first, by_id)
