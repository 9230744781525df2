"""Tables of the shared schema `supervision` (督办): the working-day calendar, the reminders
already sent, the documents units owe after their 统一反馈, and escalations up the hierarchy
with what the upper office did about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tenants.labelled import Labelled

SUPERVISION_SCHEMA = "supervision"


class SupervisionBase(DeclarativeBase):
    metadata = MetaData(schema=SUPERVISION_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class CalendarDay(SupervisionBase):
    """A day that breaks the Monday-to-Friday rule: a statutory holiday (法定节假日, not a
    working day) or a make-up working day (调休上班, a working Saturday or Sunday)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(64), server_default="")


class Reminder(SupervisionBase):
    """A reminder sent about one ledger entry and one deadline ('near' before it, 'overdue'
    after it): a second run of the engine, or a deadline that stayed put, sends nothing twice;
    a moved deadline is a new key."""

    __tablename__ = "reminder"

    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    finding_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    deadline: Mapped[date] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AnswerDocument(Labelled):
    """What a unit owes after its 统一反馈."""

    PLAN = "整改方案"
    REPORT = "整改情况报告"


class AnswerDue(SupervisionBase):
    """A document a unit owes the office that fed it back, and by when: in the shared schema so
    the morning run finds every office's late ones in one statement; reminded once when late."""

    __tablename__ = "answer_due"

    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    round_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document: Mapped[str] = mapped_column(String(8), primary_key=True)
    due_on: Mapped[date]
    answered_at: Mapped[datetime | None]  # in (a plan submitted and not returned; a report submitted once)
    reminded_at: Mapped[datetime | None]


class Escalation(SupervisionBase):
    """督办: an office whose overdue findings passed a threshold, raised to an upper office
    (rung 1: its parent; rung 2: its province). Open until its overdue count falls back below
    the threshold, when it closes itself with a note."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6))  # the lagging office
    rung: Mapped[int]
    escalated_to: Mapped[str] = mapped_column(String(6))
    overdue_at_opening: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    closed_at: Mapped[datetime | None]
    close_note: Mapped[str | None] = mapped_column(Text)


class EscalationActionKind(Labelled):
    PHONE_REMINDER = "电话提醒"
    INTERVIEW_PROPOSED = "约谈建议"


class EscalationAction(SupervisionBase):
    """What the upper office did: a phone reminder (电话提醒) logged, an interview (约谈) proposed."""

    __tablename__ = "escalation_action"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey(Escalation.id))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ReportUpReminder(SupervisionBase):
    """An office reminded that its periodic rectification report (backend/reporting/) of a period
    is late: once per office and period."""

    __tablename__ = "report_up_reminder"

    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    reminded_at: Mapped[datetime] = mapped_column(server_default=func.now())
