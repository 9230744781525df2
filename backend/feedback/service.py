"""The 统一反馈: in one transaction, a unit's confirmed drafts become findings with their ledger
entries and problem-bank rows, the numbered 反馈意见 is issued to the unit's 主要负责人, the
clocks of its 整改方案 and 整改情况报告 start, and its liaison is told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, Select, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.drafts.models import FindingDraft
from backend.drafts.workflow import CONFIRMED, DRAFTS, FEED_BACK, UNSETTLED
from backend.feedback.models import RoundFeedback
from backend.feedback.terms import Terms, terms_of
from backend.findings.models import Finding
from backend.findings.service import FindingData, insert_finding
from backend.notifications.outbox import emit
from backend.numbering import Series, next_number, office_document_code
from backend.rounds.models import RoundUnit
from backend.rounds.workflow import FEEDING_BACK, REPORTING, lock_round_at, move_round_on
from backend.supervision.answers import expect_answers
from backend.workflow import Move
from tenants.access import Principal, visible_units
from tenants.errors import DomainError
from tenants.registry import clean_name, readable_place
from tenants.scoping import tenant_engine, tenant_reader


@dataclass(frozen=True)
class FeedbackOrder:
    round_id: int
    unit_id: int | None  # None: every unit of the round not fed back yet
    addressee: str  # the unit's 主要负责人
    given_on: date


def check_feedback(*, round_id: int, unit_id: int | None, addressee: str, given_on: date | None, today: date) -> FeedbackOrder:
    given_on = given_on or today
    if given_on > today:
        raise DomainError("INVALID_DATE", "反馈日期不能晚于今天", field="givenOn")
    return FeedbackOrder(round_id, unit_id, clean_name(addressee, field="addressee"), given_on)


class FeedbackService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def feed_back(self, principal: Principal, tenant_code: str, order: FeedbackOrder, request_id: str | None) -> list[Row]:
        """Give the unit (or each unit not yet fed back) its 反馈意见; the round, at 报告, moves on
        to 反馈. Refused, changing nothing, while a unit has a draft not yet settled."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            round_row = await lock_round_at(connection, order.round_id, FEEDING_BACK, "统一反馈")
            if order.given_on < round_row.starts_on:
                raise DomainError("INVALID_DATE", "反馈日期不能早于轮次开始日期", field="givenOn")
            units = await _units_to_feed_back(connection, order)
            unsettled = (
                await connection.execute(
                    select(func.count()).where(
                        FindingDraft.round_id == order.round_id,
                        FindingDraft.unit_id.in_(units),
                        FindingDraft.state.in_(sorted(UNSETTLED)),
                    )
                )
            ).scalar_one()
            if unsettled:
                raise DomainError(
                    "DRAFTS_UNSETTLED", f"尚有 {unsettled} 条问题底稿未定稿（待确认、有异议或未送确认），请先处理", field="unitId"
                )
            issuer = round_row.led_by or tenant_code  # a led round's 反馈意见 are the leading office's
            office = (issuer, await office_document_code(connection, issuer))
            terms = await terms_of(connection, tenant_code)
            given = [await self._give(connection, principal, tenant_code, office, order, terms, unit_id, request_id) for unit_id in units]
            if round_row.state == REPORTING:
                note = "、".join(row.document_number for row in given)
                await move_round_on(
                    connection, round_row, "feed_back", tenant_code=tenant_code, actor=principal.username, note=note, request_id=request_id
                )
        return given

    async def _give(
        self,
        connection: AsyncConnection,
        principal: Principal,
        tenant_code: str,
        office: tuple[str, str],
        order: FeedbackOrder,
        terms: Terms,
        unit_id: int,
        request_id: str | None,
    ) -> Row:
        """One unit's 反馈意见, its findings and the event telling its liaison, with its
        province's terms for the 整改方案 and the 整改情况报告."""
        report_due = terms.report_due(order.given_on)
        drafts = (
            await connection.execute(
                select(FindingDraft)
                .where(FindingDraft.round_id == order.round_id, FindingDraft.unit_id == unit_id, FindingDraft.state == CONFIRMED)
                .order_by(FindingDraft.id)
                .with_for_update()
            )
        ).all()
        for draft in drafts:
            finding_id = await insert_finding(
                connection, tenant_code, _finding_of(draft, report_due), principal.username, request_id, by_stage=False, tell_unit=False
            )
            move = await Move.start(
                DRAFTS,
                FEED_BACK,
                connection,
                tenant_code=tenant_code,
                row=draft,
                expected_version=None,
                actor=principal.username,
                note=None,
                request_id=request_id,
            )
            await move.apply({"finding_id": finding_id})
        issuer, document_code = office
        number = await next_number(connection, Series.FEEDBACK, order.given_on.year, office=issuer)
        row = (
            await connection.execute(
                insert(RoundFeedback)
                .values(
                    round_id=order.round_id,
                    unit_id=unit_id,
                    year=order.given_on.year,
                    number=number,
                    document_number=f"{document_code}反馈〔{order.given_on.year}〕{number}号",
                    addressee=order.addressee,
                    given_on=order.given_on,
                    findings=len(drafts),
                    plan_due=terms.plan_due(order.given_on),
                    report_due=report_due,
                    given_by=principal.username,
                )
                .returning(RoundFeedback)
            )
        ).one()
        await expect_answers(connection, tenant_code, order.round_id, unit_id, plan_due=row.plan_due, report_due=row.report_due)
        await emit(
            connection,
            tenant_code,
            "feedback.given",
            {
                "unit_id": unit_id,
                "document_number": row.document_number,
                "count": row.findings,
                "plan_due": row.plan_due.isoformat(),
                "report_due": row.report_due.isoformat(),
            },
        )
        return row

    async def feedbacks(self, principal: Principal, tenant_code: str, round_id: int) -> Sequence[Row]:
        """A round's 反馈意见, by unit (a liaison: its unit's)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        query = select(RoundFeedback).where(RoundFeedback.round_id == round_id).order_by(RoundFeedback.unit_id)
        if units is not None:
            query = query.where(RoundFeedback.unit_id.in_(units))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return (await connection.execute(query)).all()


async def _units_to_feed_back(connection: AsyncConnection, order: FeedbackOrder) -> list[int]:
    fed_back = select(RoundFeedback.unit_id).where(RoundFeedback.round_id == order.round_id)
    covered = select(RoundUnit.unit_id).where(RoundUnit.round_id == order.round_id)
    if order.unit_id is not None:
        if (await connection.execute(covered.where(RoundUnit.unit_id == order.unit_id))).first() is None:
            raise DomainError("NOT_FOUND", "该轮次未覆盖该单位", field="unitId")
        if (await connection.execute(fed_back.where(RoundFeedback.unit_id == order.unit_id))).first() is not None:
            raise DomainError("ALREADY_FED_BACK", "该单位已统一反馈", field="unitId")
        return [order.unit_id]
    units = list((await connection.execute(covered.where(RoundUnit.unit_id.not_in(fed_back)).order_by(RoundUnit.unit_id))).scalars())
    if not units:
        raise DomainError("ALREADY_FED_BACK", "该轮次的单位均已统一反馈", field="roundId")
    return units


def _finding_of(draft: Row, report_due: date) -> FindingData:
    """The finding a confirmed draft becomes (its deadline, unless the team set one: the 整改情况报告's).
    A 立行立改 whose fix another team member confirmed is registered as rectified on the spot (its
    ledger entry closed, the fix and its confirmer as the close note)."""
    if draft.fix_confirmed_by is not None:
        fixed = {
            "fixed_on_spot": True,
            "deadline": draft.found_on,
            "close_note": f"立行立改：{draft.fix_note}（{draft.fix_confirmed_by}确认）",
        }
    else:
        fixed = {"fixed_on_spot": False, "deadline": draft.deadline or report_due, "close_note": None}
    return FindingData(
        code=draft.code,
        round_id=draft.round_id,
        unit_id=draft.unit_id,
        taxonomy_code=draft.taxonomy_code,
        taxonomy_version=draft.taxonomy_version,
        description=draft.description,
        evidence_sources=draft.evidence_sources,
        severity=draft.severity,
        rectification_class=draft.rectification_class,
        found_on=draft.found_on,
        responsible_unit=None,
        responsible_person=draft.responsible_person,
        measures=None,
        sensitivity=draft.sensitivity,
        **fixed,
    )


# What the unit's answers to its 反馈意见 (its 整改方案, its 整改情况报告) are checked against.


async def feedback_day(connection: AsyncConnection, round_id: int, unit_id: int) -> date:
    """The day the round gave the unit its 反馈意见; NOT_FED_BACK before."""
    given_on = (
        await connection.execute(select(RoundFeedback.given_on).where(RoundFeedback.round_id == round_id, RoundFeedback.unit_id == unit_id))
    ).scalar_one_or_none()
    if given_on is None:
        raise DomainError("NOT_FED_BACK", "该单位尚未统一反馈，还没有需要整改的问题", field="unitId")
    return given_on


async def require_problems_given(connection: AsyncConnection, round_id: int, unit_id: int, finding_ids: Sequence[int], field: str) -> None:
    """NOT_FOUND unless every finding is a problem the round gave the unit."""
    given = select(Finding.id).where(Finding.id.in_(finding_ids), Finding.round_id == round_id, Finding.unit_id == unit_id)
    known = set((await connection.execute(given)).scalars())
    if missing := [finding for finding in finding_ids if finding not in known]:
        raise DomainError("NOT_FOUND", f"问题 {missing[0]} 不是本轮次反馈给该单位的问题", field=field)


async def problems_left_out(connection: AsyncConnection, round_id: int, unit_id: int, answered: Select) -> int:
    """How many problems the round gave the unit are not among `answered` (a select of finding ids)."""
    query = select(func.count()).where(Finding.round_id == round_id, Finding.unit_id == unit_id, Finding.id.not_in(answered))
    return (await connection.execute(query)).scalar_one()
