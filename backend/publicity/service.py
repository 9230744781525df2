"""Writing, approving and publishing the 整改情况公开 of a round. The first text is written from
the round's figures alone — its units (public bodies), problems by category and how many are
rectified — so it names no person; an edited text is refused while it names a person the
round's ledger names or holds a 身份证号."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.documents.html import render_page
from backend.documents.official import chinese_date
from backend.findings.models import Finding, RectificationClass
from backend.id_numbers import holds_id_number
from backend.ledger.models import LedgerEntry
from backend.publicity.models import PublicNotice
from backend.publicity.workflow import EDIT, NOTICES, PUBLISH, SUBMIT
from backend.rounds.models import InspectionRound, RoundUnit
from backend.text import clean_text
from backend.units.models import InspectedUnit
from backend.workflow import Transition
from problem_bank.rectification import LedgerState
from problem_bank.taxonomy import Taxonomy
from tenants.access import Principal, not_found
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import clean_name
from tenants.scoping import tenant_engine, tenant_reader


@dataclass(frozen=True)
class NoticeText:
    title: str
    body: str

    @property
    def html(self) -> str:
        lines = [line for line in self.body.splitlines() if line.strip()]
        return render_page("notice.html", title=self.title, lines=lines).rstrip("\n")


def check_text(title: str, body: str) -> NoticeText:
    return NoticeText(clean_name(title, field="title", max_length=128), clean_text(body, "body", required=True))


class PublicNotices:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def compose(
        self, principal: Principal, tenant_code: str, round_id: int, taxonomy: Taxonomy, today: date, request_id: str | None
    ) -> Row:
        """The round's first public text, written from its figures (DUPLICATE once there is one)."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            if (await connection.execute(select(PublicNotice.id).where(PublicNotice.round_id == round_id))).first() is not None:
                raise DomainError("DUPLICATE", "该轮次已有整改情况公开稿，请修改它", field="roundId")
            text = await _first_text(connection, tenant_code, round_id, taxonomy, today)
            row = (
                await connection.execute(
                    insert(PublicNotice)
                    .values(round_id=round_id, title=text.title, body=text.body, created_by=principal.username)
                    .returning(PublicNotice)
                )
            ).one()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="public_notice.composed",
                entity="public_notice",
                entity_id=str(row.id),
                after={"round_id": round_id, "title": text.title},
                request_id=request_id,
            )
            return row

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        notice_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
        *,
        now: datetime,
        text: NoticeText | None = None,
    ) -> Row:
        """Edit (with `text`), submit, approve, return or publish the notice."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await NOTICES.lock(
                transition,
                connection,
                select(PublicNotice).where(PublicNotice.id == notice_id).with_for_update(),
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=clean_text(note, "note", required=False),
                request_id=request_id,
            )
            values: dict = {}
            if transition is EDIT and text is not None:
                await _refuse_personal_data(connection, move.row.round_id, text)
                values = {"title": text.title, "body": text.body}
            elif transition is SUBMIT:
                values = {"submitted_by": principal.username}
            elif transition is PUBLISH:
                values = {"published_at": now}
            return await move.apply(values, returning=tuple(PublicNotice.__table__.columns), after={"title": values.get("title")})

    async def of_round(self, tenant_code: str, round_id: int) -> Row:
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            row = (await connection.execute(select(PublicNotice).where(PublicNotice.round_id == round_id))).one_or_none()
        if row is None:
            raise not_found()
        return row


async def _first_text(connection: AsyncConnection, tenant_code: str, round_id: int, taxonomy: Taxonomy, today: date) -> NoticeText:
    round_row = (await connection.execute(select(InspectionRound).where(InspectionRound.id == round_id))).one_or_none()
    if round_row is None:
        raise not_found()
    office = (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()
    units = (
        await connection.execute(
            select(InspectedUnit.id, InspectedUnit.name)
            .join(RoundUnit, RoundUnit.unit_id == InspectedUnit.id)
            .where(RoundUnit.round_id == round_id)
            .order_by(InspectedUnit.id)
        )
    ).all()
    problems = (
        await connection.execute(
            select(Finding.unit_id, Finding.taxonomy_code, Finding.taxonomy_version, Finding.rectification_class, LedgerEntry.state)
            .join(LedgerEntry, LedgerEntry.finding_id == Finding.id)
            .where(Finding.round_id == round_id)
        )
    ).all()
    return compose_text(round_row, office, units, problems, taxonomy, today)


def compose_text(round_row: Row, office: str, units: Sequence[Row], problems: Sequence[Row], taxonomy: Taxonomy, today: date) -> NoticeText:
    """The figures in words: no description, no person, nothing but counts and public bodies."""
    closed = [p for p in problems if p.state == LedgerState.CLOSED.value]
    open_long = [p for p in problems if p.state != LedgerState.CLOSED.value and p.rectification_class == RectificationClass.LONG_TERM]
    by_category, closed_by_category = (
        Counter(taxonomy.category(p.taxonomy_code, p.taxonomy_version) for p in problems),
        Counter(taxonomy.category(p.taxonomy_code, p.taxonomy_version) for p in closed),
    )
    by_unit, closed_by_unit = Counter(p.unit_id for p in problems), Counter(p.unit_id for p in closed)
    period = chinese_date(round_row.starts_on) + (f"至{chinese_date(round_row.ends_on)}" if round_row.ends_on else "起")
    lines = [
        f"{office}于{period}对{'、'.join(unit.name for unit in units)}开展了{round_row.name}。",
        f"检查共反馈问题 {len(problems)} 个，截至{chinese_date(today)}，已整改完成 {len(closed)} 个，"
        f"正在整改 {len(problems) - len(closed)} 个（其中长期整改 {len(open_long)} 个）。",
    ]
    if by_category:
        lines.append(
            "按问题类别："
            + "；".join(
                f"{taxonomy.name(code) or code} {n} 个（已完成 {closed_by_category[code]} 个）" for code, n in sorted(by_category.items())
            )
            + "。"
        )
        lines.append(
            "各被检查单位："
            + "；".join(
                f"{unit.name}反馈问题 {by_unit[unit.id]} 个、已完成 {closed_by_unit[unit.id]} 个" for unit in units if by_unit[unit.id]
            )
            + "。"
        )
    lines.append("对尚未完成整改的问题，将持续跟踪督促，整改完成一个、销号一个。欢迎社会各界监督。")
    return NoticeText(f"关于{round_row.name}整改情况的公告", "\n".join(lines))


async def _refuse_personal_data(connection: AsyncConnection, round_id: int, text: NoticeText) -> None:
    """No person the round's ledger names (responsible persons), and no 身份证号."""
    everything = f"{text.title}\n{text.body}"
    if holds_id_number(everything.encode()):
        raise DomainError("PERSONAL_DATA_IN_TEXT", "公开稿中含有身份证号，请删除", field="body")
    names = (
        await connection.execute(
            select(LedgerEntry.responsible_person)
            .join(Finding, Finding.id == LedgerEntry.finding_id)
            .where(Finding.round_id == round_id, LedgerEntry.responsible_person.is_not(None))
            .distinct()
        )
    ).scalars()
    if found := sorted(name for name in names if name and name in everything):
        raise DomainError("PERSONAL_DATA_IN_TEXT", f"公开稿中含有个人姓名（{'、'.join(found)}），请删除", field="body")
