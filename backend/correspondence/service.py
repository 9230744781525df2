"""Sending documents between organs and handling them (公文往来).

Who sees a document: the users of the organ that sent it and of the organs it was sent to
(主送 and 抄送) — liaisons never (they answer the 编办 for their unit; they are not the 编办).
Nobody else: not the platform superuser, not an upper office reading its subtree (a county's
纪委监委 writes to its 编办, not to the province). Who acts: an organ's admins, 经办 (inspectors)
and reviewers send from it and handle what it received; its auditors only read.

A document goes to organs of the sender's region, of its parent region and of its child regions.
It is numbered without gaps per sending organ, kind and year (机关代字 + series mark〔year〕n号).
A 复函 answers a document its organ received as 主送: it goes back to the sender and finishes the
organ's handling of the document it answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, and_, exists, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.clock import Clock
from backend.correspondence.models import (
    SERIES_MARK,
    Copy,
    Document,
    DocumentAttachment,
    DocumentCounter,
    DocumentItem,
    DocumentKind,
    OrganFile,
    Recipient,
)
from backend.correspondence.workflow import FINISH, HANDLERS, HANDLING_WORKFLOW, IN_HAND, RETURN, SIGNED
from backend.evidence.store import EvidenceStore, StoredFile
from backend.notifications.events import EventKind
from backend.notifications.outbox import emit
from backend.numbering import counting
from backend.sensitivity import Sensitivity
from backend.text import clean_text
from backend.workflow import Transition
from tenants.access import Principal, Role, Scope, forbidden, not_found, require_scope
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.organs import Organ
from tenants.scoping import reading

MAX_RECIPIENTS = 30
MAX_ITEMS = 50
MAX_ATTACHMENTS = 20
OPEN = frozenset({"已发送", "已签收", "办理中"})  # a 主送 recipient still owes its handling
_NEXT = counting(DocumentCounter, DocumentCounter.organ_id, DocumentCounter.kind, DocumentCounter.year)


@dataclass(frozen=True)
class Addressee:
    organ_id: int
    copy: Copy = Copy.MAIN


@dataclass(frozen=True)
class Draft:
    """A document as its sender writes it."""

    sender_organ_id: int
    kind: DocumentKind
    subject: str
    body: str
    recipients: tuple[Addressee, ...]
    items: tuple[str, ...] = ()
    due_on: date | None = None
    sensitivity: Sensitivity = Sensitivity.INTERNAL
    replies_to_id: int | None = None
    concerns: str | None = None
    joint_organ_ids: tuple[int, ...] = ()  # 联合发文: the organs issuing it with the sender, each having approved it
    attachments: tuple[str, ...] = ()  # files the sender organ uploaded (their SHA-256)


@dataclass(frozen=True)
class Checked:
    """A draft that may be sent: its sender, its recipient organs, its cleaned text and, for a
    复函, the handling it finishes."""

    sender: Row
    recipients: list[tuple[Row, Copy]]
    subject: str
    body: str
    items: tuple[str, ...]
    replying_to: int | None
    attachments: list[Row]  # the sender organ's uploads it carries


def readers_of(principal: Principal) -> frozenset[int]:
    """The organs whose documents the principal reads."""
    return frozenset(grant.organ_id for grant in principal.organs if grant.role is not Role.LIAISON)


def require_handler(principal: Principal, organ_id: int) -> None:
    """The principal acts for organ `organ_id`: NOT_FOUND if it is not of it, FORBIDDEN if it only reads."""
    roles = principal.organ_roles(organ_id)
    if not roles - {Role.LIAISON}:
        raise not_found()
    require_scope(principal, Scope.WRITE)
    if not roles & HANDLERS:
        raise forbidden("只读账号不能收发公文")


class Correspondence:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    async def send(self, principal: Principal, draft: Draft, request_id: str | None) -> int:
        async with self.engine.begin() as connection:
            return await self.issue(connection, principal, draft, request_id)

    async def check(self, connection: AsyncConnection, principal: Principal, draft: Draft, *, authorized: bool = False) -> Checked:
        """`draft` as it would be sent by `principal`, or the refusal (nothing is written);
        `authorized`: the operation sending it already decided the principal acts for the sender
        (a case's referral, sent for the 编办 by those who sign its decisions)."""
        if not authorized:
            require_handler(principal, draft.sender_organ_id)
        subject = clean_text(draft.subject, "subject", required=True)[:200]
        body = clean_text(draft.body, "body", required=True)
        items = tuple(clean_text(item, "items", required=True)[:500] for item in draft.items)
        self._check_shape(draft, items)
        if draft.due_on is not None and draft.due_on < self.clock.today():
            raise DomainError("INVALID_DATE", "办理时限不能早于今天", field="dueOn")
        sender = (
            await connection.execute(
                select(Organ, Tenant.parent_code).join(Tenant, Tenant.code == Organ.tenant_code).where(Organ.id == draft.sender_organ_id)
            )
        ).one()
        recipients = await self._recipients(connection, draft, sender)
        replying_to = await self._answered(connection, draft) if draft.kind is DocumentKind.REPLY else None
        return Checked(sender, recipients, subject, body, items, replying_to, await _uploads(connection, draft))

    async def issue(
        self, connection: AsyncConnection, principal: Principal, draft: Draft, request_id: str | None, *, authorized: bool = False
    ) -> int:
        """Send `draft` in the caller's transaction (a clue handed over sends its 移交 with it)."""
        checked = await self.check(connection, principal, draft, authorized=authorized)
        sender, recipients = checked.sender, checked.recipients
        today = self.clock.today()
        number = (
            await connection.execute(_NEXT.values(organ_id=sender.id, kind=draft.kind.value, year=today.year, last_number=1))
        ).scalar_one()
        document_number = f"{sender.document_code}{SERIES_MARK[draft.kind]}〔{today.year}〕{number}号"
        document_id = (
            await connection.execute(
                insert(Document)
                .values(
                    kind=draft.kind.value,
                    sender_organ_id=sender.id,
                    sender_tenant_code=sender.tenant_code,
                    year=today.year,
                    number=number,
                    document_number=document_number,
                    subject=checked.subject,
                    body=checked.body,
                    sensitivity=draft.sensitivity.value,
                    due_on=draft.due_on,
                    replies_to_id=draft.replies_to_id,
                    concerns=draft.concerns,
                    joint_organ_ids=list(draft.joint_organ_ids),
                    sent_by=principal.username,
                )
                .returning(Document.id)
            )
        ).scalar_one()
        await connection.execute(
            insert(Recipient),
            [
                {"document_id": document_id, "organ_id": organ.id, "tenant_code": organ.tenant_code, "copy": copy.value}
                for organ, copy in recipients
            ],
        )
        if checked.attachments:
            await connection.execute(
                insert(DocumentAttachment),
                [
                    {"document_id": document_id, **{key: getattr(f, key) for key in ("sha256", "file_name", "size", "content_type")}}
                    for f in checked.attachments
                ],
            )
        if checked.items:
            await connection.execute(
                insert(DocumentItem),
                [{"document_id": document_id, "position": n, "request": text} for n, text in enumerate(checked.items, start=1)],
            )
        await record_audit(
            connection,
            sender.tenant_code,
            actor=principal.username,
            action="correspondence.sent",
            entity="correspondence_document",
            entity_id=str(document_id),
            after={"kind": draft.kind.value, "document_number": document_number, "recipients": [organ.id for organ, _ in recipients]},
            request_id=request_id,
        )
        await emit(
            connection,
            sender.tenant_code,
            EventKind.DOCUMENT_RECEIVED.value,
            {
                "organ_ids": [organ.id for organ, _ in recipients],
                "document_id": document_id,
                "document_number": document_number,
                "kind": draft.kind.label,
                "sender": sender.short_name,
                "subject": checked.subject,
                "due_on": None if draft.due_on is None else draft.due_on.isoformat(),
            },
        )
        if checked.replying_to is not None:
            move = await HANDLING_WORKFLOW.lock(
                FINISH,
                connection,
                select(Recipient).where(Recipient.id == checked.replying_to).with_for_update(),
                tenant_code=sender.tenant_code,
                expected_version=None,
                actor=principal.username,
                note=f"以{document_number}复函",
                request_id=request_id,
            )
            await move.apply({"answer_id": document_id, "finished_at": self.clock.now()})
        return document_id

    def _check_shape(self, draft: Draft, items: tuple[str, ...]) -> None:
        if not draft.recipients and draft.kind is not DocumentKind.REPLY:
            raise DomainError("NO_RECIPIENT", "请选择主送机关", field="recipients")
        if len(draft.recipients) > MAX_RECIPIENTS:
            raise DomainError("TOO_MANY_RECIPIENTS", f"收文机关最多 {MAX_RECIPIENTS} 个", field="recipients")
        if len({r.organ_id for r in draft.recipients}) != len(draft.recipients):
            raise DomainError("DUPLICATE", "同一机关只能出现一次", field="recipients")
        if draft.kind is not DocumentKind.REPLY and not any(r.copy is Copy.MAIN for r in draft.recipients):
            raise DomainError("NO_RECIPIENT", "至少要有一个主送机关", field="recipients")
        if (draft.kind is DocumentKind.REPLY) != (draft.replies_to_id is not None):
            raise DomainError("INVALID_REPLY", "复函须指明所答复的公文，其他公文不指明", field="repliesToId")
        if items and draft.kind is not DocumentKind.REQUEST:
            raise DomainError("INVALID_ITEMS", "只有函请列出调阅材料清单", field="items")
        if len(items) > MAX_ITEMS:
            raise DomainError("INVALID_ITEMS", f"清单最多 {MAX_ITEMS} 项", field="items")

    async def _recipients(self, connection: AsyncConnection, draft: Draft, sender: Row) -> list[tuple[Row, Copy]]:
        """The addressed organs, each of the sender's region, its parent or its children; a 复函
        goes (主送) to the organ that sent what it answers."""
        addressed = {r.organ_id: r.copy for r in draft.recipients}
        if draft.kind is DocumentKind.REPLY:
            original_sender = (
                await connection.execute(select(Document.sender_organ_id).where(Document.id == draft.replies_to_id))
            ).scalar_one_or_none()
            if original_sender is not None:
                addressed = {original_sender: Copy.MAIN, **{k: v for k, v in addressed.items() if k != original_sender}}
        organs = (
            await connection.execute(
                select(Organ.id, Organ.tenant_code)
                .join(Tenant, Tenant.code == Organ.tenant_code)
                .where(
                    Organ.id.in_(list(addressed)),
                    Organ.id != sender.id,
                    or_(Tenant.code == sender.tenant_code, Tenant.code == sender.parent_code, Tenant.parent_code == sender.tenant_code),
                )
            )
        ).all()
        if len(organs) != len(addressed):
            raise DomainError("INVALID_RECIPIENT", "收文机关须为本地区、上级地区或下级地区的其他机关", field="recipients")
        return [(organ, addressed[organ.id]) for organ in organs]

    async def _answered(self, connection: AsyncConnection, draft: Draft) -> int:
        """The sender's own 主送 handling of the document a 复函 answers, still open."""
        row = (
            await connection.execute(
                select(Recipient.id, Recipient.state).where(
                    Recipient.document_id == draft.replies_to_id,
                    Recipient.organ_id == draft.sender_organ_id,
                    Recipient.copy == Copy.MAIN.value,
                )
            )
        ).one_or_none()
        if row is None:
            raise DomainError("INVALID_REPLY", "只能答复本机关作为主送机关收到的公文", field="repliesToId")
        if row.state not in (SIGNED.value, IN_HAND.value):
            raise DomainError("INVALID_TRANSITION", "请先签收；已办结或已退回的公文不再复函", field="repliesToId")
        return row.id

    async def move(
        self, principal: Principal, document_id: int, organ_id: int, transition: Transition, note: str | None, request_id: str | None
    ) -> None:
        """A recipient organ signs for, handles, finishes or returns a document."""
        require_handler(principal, organ_id)
        async with self.engine.begin() as connection:
            query = select(Recipient).where(Recipient.document_id == document_id, Recipient.organ_id == organ_id).with_for_update()
            recipient = (await connection.execute(query)).one_or_none()
            if recipient is None:
                raise not_found()
            if recipient.copy == Copy.COPY.value and transition.action != "sign":
                raise DomainError("COPY_ONLY", "抄送机关只签收，不办理", field="organId")
            move = await HANDLING_WORKFLOW.lock(
                transition,
                connection,
                query,
                tenant_code=recipient.tenant_code,
                expected_version=None,
                actor=principal.username,
                note=clean_text(note, "note", required=False),
                request_id=request_id,
            )
            now = self.clock.now()
            values = {"signed_by": principal.username, "signed_at": now} if transition.action == "sign" else {}
            values |= {"finished_at": now} if transition is FINISH else {}
            values |= {"note": move.note} if transition.action == "return" else {}
            returned = await _returned(connection, document_id, organ_id, move.note) if transition is RETURN else None
            await move.apply(values, event_payload=returned)

    async def answer_item(self, principal: Principal, document_id: int, organ_id: int, position: int, answer: str) -> None:
        """A 主送 recipient answers one item of a 函请's list while handling it."""
        require_handler(principal, organ_id)
        answer = clean_text(answer, "answer", required=True)
        async with self.engine.begin() as connection:
            handling = (
                await connection.execute(
                    select(Recipient.state)
                    .where(Recipient.document_id == document_id, Recipient.organ_id == organ_id, Recipient.copy == Copy.MAIN.value)
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if handling is None:
                raise not_found()
            if handling not in (SIGNED.value, IN_HAND.value):
                raise DomainError("INVALID_TRANSITION", "签收后、办结前逐项答复", field="documentId")
            answered = await connection.execute(
                update(DocumentItem)
                .where(DocumentItem.document_id == document_id, DocumentItem.position == position)
                .values(answer=answer, answered_by=principal.username, answered_at=self.clock.now())
            )
            if answered.rowcount != 1:
                raise DomainError("NOT_FOUND", "清单中没有这一项", field="position")

    # ---- reading --------------------------------------------------------------------------

    async def readable(self, principal: Principal, document_id: int) -> Row:
        organs = readers_of(principal)
        async with reading(self.engine).connect() as connection:
            row = (await connection.execute(select(Document).where(Document.id == document_id, _seen_by(organs)))).one_or_none()
        if row is None:
            raise not_found()
        return row

    async def printable(self, principal: Principal, document_id: int) -> tuple[Row, list[Row], list[Row], list[Row]]:
        """A document the principal reads, with its issuing organs (the sender first, then those
        issuing it jointly), its recipients (short name and 主送/抄送) and its items: what its
        printed 公文 shows."""
        document = await self.readable(principal, document_id)
        issuers = [document.sender_organ_id, *document.joint_organ_ids]
        async with reading(self.engine).connect() as connection:
            found = {row.id: row for row in await connection.execute(select(Organ).where(Organ.id.in_(issuers)))}
            recipients = (
                await connection.execute(
                    select(Organ, Recipient.copy)
                    .join(Recipient, Recipient.organ_id == Organ.id)
                    .where(Recipient.document_id == document_id)
                    .order_by(Recipient.id)
                )
            ).all()
            items = (
                await connection.execute(
                    select(DocumentItem).where(DocumentItem.document_id == document_id).order_by(DocumentItem.position)
                )
            ).all()
        return document, [found[organ] for organ in issuers], list(recipients), list(items)

    async def upload(
        self, principal: Principal, organ_id: int, file_name: str, chunks: AsyncIterator[bytes], store: EvidenceStore, max_bytes: int
    ) -> StoredFile:
        """A file an organ will attach to its documents: checked like evidence (type, size, no
        身份证号) and kept once by its content."""
        require_handler(principal, organ_id)
        stored = await store.put(file_name, chunks, max_bytes)
        async with self.engine.begin() as connection:
            await connection.execute(
                pg_insert(OrganFile)
                .values(
                    organ_id=organ_id,
                    sha256=stored.sha256,
                    file_name=file_name.strip(),
                    size=stored.size,
                    content_type=stored.content_type,
                    uploaded_by=principal.username,
                )
                .on_conflict_do_nothing()
            )
        return stored

    async def attachment(self, principal: Principal, document_id: int, sha256: str) -> Row:
        """An attachment of a document the principal reads."""
        await self.readable(principal, document_id)
        async with reading(self.engine).connect() as connection:
            query = select(DocumentAttachment).where(DocumentAttachment.document_id == document_id, DocumentAttachment.sha256 == sha256)
            found = (await connection.execute(query)).one_or_none()
        if found is None:
            raise not_found()
        return found

    async def box(
        self, principal: Principal, organ_id: int, sent: bool, open_only: bool, limit: int, concerns: str | None = None
    ) -> list[Row]:
        """An organ's documents, the newest first: what it sent, or what it received; `concerns`:
        only those about that matter (round:3 — what a round handed over, with each organ's handling)."""
        if organ_id not in readers_of(principal):
            raise not_found()
        query = select(Document) if concerns is None else select(Document).where(Document.concerns == concerns)
        if sent:
            query = query.where(Document.sender_organ_id == organ_id)
        else:
            received = and_(Recipient.document_id == Document.id, Recipient.organ_id == organ_id)
            if open_only:
                received = and_(received, Recipient.state.in_(OPEN))
            query = query.where(exists().where(received))
        async with reading(self.engine).connect() as connection:
            return list((await connection.execute(query.order_by(Document.id.desc()).limit(limit))).all())


async def _uploads(connection: AsyncConnection, draft: Draft) -> list[Row]:
    """The files a draft attaches: each uploaded by its sender organ."""
    if len(draft.attachments) > MAX_ATTACHMENTS:
        raise DomainError("TOO_MANY_FILES", f"附件最多 {MAX_ATTACHMENTS} 个", field="attachments")
    wanted = list(dict.fromkeys(draft.attachments))
    found = (
        await connection.execute(select(OrganFile).where(OrganFile.organ_id == draft.sender_organ_id, OrganFile.sha256.in_(wanted)))
    ).all()
    if len(found) != len(wanted):
        raise DomainError("NOT_FOUND", "附件须先由本机关上传（POST /correspondence/files）", field="attachments")
    order = {sha: n for n, sha in enumerate(wanted)}
    return sorted(found, key=lambda row: order[row.sha256])


def _seen_by(organs: frozenset[int]):
    """Sent by one of `organs`, issued jointly with one, or sent to one."""
    sent_to = exists().where(Recipient.document_id == Document.id, Recipient.organ_id.in_(organs))
    return or_(Document.sender_organ_id.in_(organs), Document.joint_organ_ids.overlap(list(organs)), sent_to)


async def _returned(connection: AsyncConnection, document_id: int, organ_id: int, note: str | None) -> dict:
    """What the sender is told when a recipient returns its document."""
    document = (
        await connection.execute(select(Document.sender_organ_id, Document.document_number).where(Document.id == document_id))
    ).one()
    by = (await connection.execute(select(Organ.short_name).where(Organ.id == organ_id))).scalar_one()
    return {"organ_ids": [document.sender_organ_id], "document_number": document.document_number, "by": by, "note": note}
