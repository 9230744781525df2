"""The rounds dashboard: every round not yet archived, where it stands and what is late —
drafts still unsettled, units not fed back, 整改方案 and 整改情况报告 past their due dates,
problems past their deadlines, units not accepted — in one statement, whatever the number of
rounds (a liaison sees the rounds over its unit, counted for its unit only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Row, Select, and_, exists, func, select

from backend.acceptance.models import Acceptance
from backend.db import child_array
from backend.drafts.models import FindingDraft
from backend.drafts.workflow import UNSETTLED
from backend.feedback.models import RoundFeedback
from backend.findings.models import Finding
from backend.ledger.models import LedgerEntry
from backend.plans.models import PlanState, RectificationPlan
from backend.reports.models import RectificationReport
from backend.rounds.models import InspectionRound, RoundStage, RoundStageEvent, RoundUnit
from problem_bank.rectification import overdue

MAX_ROUNDS = 200
PLAN_IN = (PlanState.SUBMITTED.value, PlanState.APPROVED.value)  # a plan counts as in once submitted


def _count(table, *conditions: ColumnElement[bool]) -> ColumnElement[int]:
    return select(func.count()).select_from(table).where(*conditions).scalar_subquery()


def _of_round(column, units: frozenset[int] | None) -> ColumnElement[bool]:
    """Rows of the outer round (and of the caller's units, for a liaison)."""
    belongs = column.table.c.round_id == InspectionRound.id
    return belongs if units is None else and_(belongs, column.table.c.unit_id.in_(units))


def dashboard_query(today: date, units: frozenset[int] | None) -> Select:
    late_plan = and_(
        _of_round(RoundFeedback.unit_id, units),
        RoundFeedback.plan_due < today,
        ~exists().where(
            RectificationPlan.round_id == RoundFeedback.round_id,
            RectificationPlan.unit_id == RoundFeedback.unit_id,
            RectificationPlan.state.in_(PLAN_IN),
        ),
    )
    late_report = and_(
        _of_round(RoundFeedback.unit_id, units),
        RoundFeedback.report_due < today,
        ~exists().where(
            RectificationReport.round_id == RoundFeedback.round_id,
            RectificationReport.unit_id == RoundFeedback.unit_id,
            RectificationReport.submitted_at.is_not(None),
        ),
    )
    findings = Finding.__table__.join(LedgerEntry.__table__, LedgerEntry.finding_id == Finding.id)
    query = (
        select(
            InspectionRound,
            func.coalesce(
                select(func.max(RoundStageEvent.occurred_at)).where(RoundStageEvent.round_id == InspectionRound.id).scalar_subquery(),
                InspectionRound.created_at,
            ).label("stage_since"),
            _count(RoundUnit, _of_round(RoundUnit.unit_id, units)).label("units"),
            _count(RoundFeedback, _of_round(RoundFeedback.unit_id, units)).label("fed_back"),
            _count(Acceptance, _of_round(Acceptance.unit_id, units)).label("accepted"),
            _count(FindingDraft, _of_round(FindingDraft.unit_id, units), FindingDraft.state.in_(sorted(UNSETTLED))).label(
                "unsettled_drafts"
            ),
            child_array(RoundFeedback.unit_id, late_plan, RoundFeedback.unit_id).label("late_plans"),
            child_array(RoundFeedback.unit_id, late_report, RoundFeedback.unit_id).label("late_reports"),
            _count(findings, _of_round(Finding.unit_id, units), overdue(LedgerEntry.state, LedgerEntry.deadline, today)).label("overdue"),
        )
        .where(InspectionRound.state != RoundStage.ARCHIVED.value)
        .order_by(InspectionRound.id.desc())
        .limit(MAX_ROUNDS)
    )
    if units is not None:
        query = query.where(exists().where(RoundUnit.round_id == InspectionRound.id, RoundUnit.unit_id.in_(units)))
    return query


def late_first(rows: Sequence[Row]) -> list[Row]:
    """The rounds with the most that is late first, then the newest (a handful: sorted here)."""
    return sorted(rows, key=lambda r: (-(len(r.late_plans) + len(r.late_reports) + r.overdue), -r.id))
