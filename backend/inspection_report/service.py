"""The 检查情况报告 of a round (or of one of its units), generated from the confirmed drafts —
the problems grouped by the taxonomy's categories, each with its facts, the rule it breaks and
what must be done — between the team's own words (基本情况, 意见建议), as an official document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.documents.official import OfficialDocument, Section, chinese_date
from backend.drafts.models import DraftState, FindingDraft
from backend.inspection_report.models import ReportText
from backend.rounds.models import InspectionRound, RoundMember, RoundUnit, TeamDuty
from backend.sensitivity import strictest
from backend.text import clean_text
from backend.units.models import InspectedUnit
from problem_bank.taxonomy import Taxonomy
from tenants.access import Principal, not_found
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import clean_name
from tenants.scoping import tenant_engine, tenant_reader

CONFIRMED = (DraftState.CONFIRMED.value, DraftState.FED_BACK.value)  # what the report may state as found


@dataclass(frozen=True)
class Wording:
    addressee: str
    opening: str
    closing: str


def check_wording(addressee: str, opening: str, closing: str) -> Wording:
    return Wording(
        clean_name(addressee, field="addressee"),
        clean_text(opening, "opening", required=True),
        clean_text(closing, "closing", required=True),
    )


class InspectionReports:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def save_wording(
        self, principal: Principal, tenant_code: str, round_id: int, unit_id: int | None, wording: Wording, request_id: str | None
    ) -> None:
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await _require_round(connection, round_id, unit_id)
            values = {"addressee": wording.addressee, "opening": wording.opening, "closing": wording.closing}
            await connection.execute(
                upsert(ReportText)
                .values(round_id=round_id, unit_id=unit_id, updated_by=principal.username, **values)
                .on_conflict_do_update(constraint="inspection_report_text_key", set_={**values, "updated_by": principal.username})
            )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="inspection_report.worded",
                entity="round",
                entity_id=str(round_id),
                after={"unit_id": unit_id, **values},
                request_id=request_id,
            )

    async def document(self, tenant_code: str, round_id: int, unit_id: int | None, taxonomy: Taxonomy, today: date) -> OfficialDocument:
        """The report as it stands today (the team's words, or a first wording to edit)."""
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            round_row = await _require_round(connection, round_id, unit_id)
            office = (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()
            units = await _unit_names(connection, round_id, unit_id)
            drafts = await _confirmed(connection, round_id, unit_id)
            wording = (
                await connection.execute(
                    select(ReportText).where(
                        ReportText.round_id == round_id,
                        ReportText.unit_id == unit_id if unit_id is not None else ReportText.unit_id.is_(None),
                    )
                )
            ).one_or_none()
            leader = (
                await connection.execute(
                    select(RoundMember.name).where(RoundMember.round_id == round_id, RoundMember.duty == TeamDuty.LEADER.value)
                )
            ).scalar()
        subject = units[unit_id] if unit_id is not None else round_row.name
        found = _found(drafts, taxonomy, units, whole_round=unit_id is None)
        return OfficialDocument(
            title=f"关于{subject}机构编制监督检查情况的报告",
            addressee=wording.addressee if wording else None,
            sections=[
                Section("基本情况", (wording.opening if wording else _first_opening(round_row, units, leader)).splitlines()),
                Section(f"发现的主要问题（{len(drafts)} 个）", [] if drafts else ["未发现机构编制方面的问题。"], found),
                Section(
                    "意见建议", (wording.closing if wording else "请被检查单位对照反馈意见逐项制定整改方案，按期整改到位。").splitlines()
                ),
            ],
            issuer=office,
            dated=today,
            file_name=f"inspection-report-{tenant_code}-{round_id}" + (f"-{unit_id}" if unit_id is not None else ""),
            marking=strictest(*(draft.sensitivity for draft in drafts)).value,  # the strictest of the problems it reports
        )


async def _require_round(connection: AsyncConnection, round_id: int, unit_id: int | None) -> Row:
    round_row = (await connection.execute(select(InspectionRound).where(InspectionRound.id == round_id))).one_or_none()
    if round_row is None:
        raise not_found()
    if unit_id is not None:
        covered = select(RoundUnit.unit_id).where(RoundUnit.round_id == round_id, RoundUnit.unit_id == unit_id)
        if (await connection.execute(covered)).first() is None:
            raise DomainError("NOT_FOUND", "该轮次未覆盖该单位", field="unitId")
    return round_row


async def _unit_names(connection: AsyncConnection, round_id: int, unit_id: int | None) -> dict[int, str]:
    query = select(InspectedUnit.id, InspectedUnit.name).join(RoundUnit, RoundUnit.unit_id == InspectedUnit.id)
    query = query.where(RoundUnit.round_id == round_id).order_by(InspectedUnit.id)
    if unit_id is not None:
        query = query.where(InspectedUnit.id == unit_id)
    return {row.id: row.name for row in await connection.execute(query)}


async def _confirmed(connection: AsyncConnection, round_id: int, unit_id: int | None) -> Sequence[Row]:
    query = select(FindingDraft).where(FindingDraft.round_id == round_id, FindingDraft.state.in_(CONFIRMED))
    if unit_id is not None:
        query = query.where(FindingDraft.unit_id == unit_id)
    return (await connection.execute(query.order_by(FindingDraft.taxonomy_code, FindingDraft.unit_id, FindingDraft.id))).all()


def _found(drafts: Sequence[Row], taxonomy: Taxonomy, units: dict[int, str], *, whole_round: bool) -> list[Section]:
    """The problems by category: each its facts (and unit, in a round's report), basis and requirement."""
    sections = []

    def category(draft: Row) -> str:
        return taxonomy.category(draft.taxonomy_code, draft.taxonomy_version)

    for category_code, grouped in groupby(sorted(drafts, key=category), key=category):
        paragraphs = []
        for n, draft in enumerate(grouped, start=1):
            unit = f"{units.get(draft.unit_id, '')}：" if whole_round else ""
            text = f"{n}. {unit}{draft.description.rstrip('。')}。"
            if draft.basis:
                text += f"认定依据：{draft.basis.rstrip('。')}。"
            if draft.requirement:
                text += f"整改要求：{draft.requirement.rstrip('。')}。"
            paragraphs.append(text)
        sections.append(Section(taxonomy.name(category_code) or category_code, paragraphs))
    return sections


def _first_opening(round_row: Row, units: dict[int, str], leader: str | None) -> str:
    """A first 基本情况 for the team to edit."""
    period = chinese_date(round_row.starts_on) + (f"至{chinese_date(round_row.ends_on)}" if round_row.ends_on else "起")
    led = f"检查组（组长：{leader}）" if leader else "检查组"
    methods = "、".join(round_row.methods) if round_row.methods else "听取汇报、调阅资料、个别谈话"
    return f"根据工作安排，{led}于{period}对{'、'.join(units.values())}开展了{round_row.name}，采取{methods}等方式了解情况。"
