"""问题线索 (clues), in the shared schema `clues`: a clue is registered by one organ and handed to
another (纪委监委, 组织部) by a 移交 — possibly in another region — so it belongs to no one
tenant's schema. Only the organs in `clue_organ` see it. Clues name people; they never enter the
problem bank, its statistics or common problems, or a bulletin."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index, MetaData, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.sensitivity import Sensitivity, marking_check, marking_column
from tenants.labelled import Labelled, sql_values

CLUES_SCHEMA = "clues"


class ClueBase(DeclarativeBase):
    metadata = MetaData(schema=CLUES_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class ClueSource(Labelled):
    INSPECTION = "巡察", "巡视巡察"
    AUDIT = "审计移送"
    PETITION = "信访举报"
    REPORT_12310 = "12310举报"
    DAILY = "日常监督"


class ClueSubject(Labelled):
    UNIT = "单位"
    PERSON = "个人"


class ClueState(Labelled):
    REGISTERED = "已登记"
    HANDED_OVER = "已移交"
    HANDLING = "办理中"
    CONCLUDED = "已办结"


class ClueResult(Labelled):
    """What the receiving organ reports; the last four conclude the clue."""

    PRELIMINARY = "初步核实"
    CASE_OPENED = "立案"
    SANCTION = "处分"
    ORGANIZATIONAL = "组织处理"
    CLOSED = "了结"
    NOT_OPENED = "不予立案"


CONCLUDING = frozenset({ClueResult.SANCTION, ClueResult.ORGANIZATIONAL, ClueResult.CLOSED, ClueResult.NOT_OPENED})


class Clue(ClueBase):
    __tablename__ = "clue"
    __table_args__ = (
        CheckConstraint(f"source IN ({sql_values(ClueSource)})", name="clue_source"),
        CheckConstraint(f"subject_kind IN ({sql_values(ClueSubject)})", name="clue_subject_kind"),
        CheckConstraint(f"state IN ({sql_values(ClueState)})", name="clue_state"),
        CheckConstraint(f"result IS NULL OR result IN ({sql_values(ClueResult)})", name="clue_result"),
        marking_check("clue"),
        Index("clue_tenant_idx", "tenant_code", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6))  # the registering organ's region: its audit trail
    registered_by_organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"))
    source: Mapped[str] = mapped_column(String(8))
    subject_kind: Mapped[str] = mapped_column(String(4))
    subject_name: Mapped[str] = mapped_column(String(100))  # the unit, or the person (name and post)
    unit_id: Mapped[int | None] = mapped_column(BigInteger)  # an inspected unit of the region, if it is one
    round_id: Mapped[int | None] = mapped_column(BigInteger)  # the round that found it
    facts: Mapped[str] = mapped_column(Text)
    sensitivity: Mapped[str] = marking_column(Sensitivity.SENSITIVE)
    state: Mapped[str] = mapped_column(String(4), server_default=ClueState.REGISTERED.value)
    handling_organ_id: Mapped[int | None] = mapped_column(ForeignKey("tenancy.organ.id"))
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("correspondence.document.id"))  # the 移交
    due_on: Mapped[date | None]  # 办理时限
    result: Mapped[str | None] = mapped_column(String(8))  # the latest result reported
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(server_default=func.now())
    reminded_at: Mapped[datetime | None]  # when the deadline engine told the organs it is late (once)
    version: Mapped[int] = mapped_column(server_default="1")


class ClueOrgan(ClueBase):
    """The organs that see a clue: the one that registered it and those it was handed to."""

    __tablename__ = "clue_organ"

    clue_id: Mapped[int] = mapped_column(ForeignKey(Clue.id), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"), primary_key=True, index=True)


class ClueEvent(ClueBase):
    """A clue's history: its handover and each result the handling organ reported."""

    __tablename__ = "clue_event"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey(Clue.id), index=True)
    action: Mapped[str] = mapped_column(String(8))
    from_state: Mapped[str] = mapped_column(String(4))
    to_state: Mapped[str] = mapped_column(String(4))
    result: Mapped[str | None] = mapped_column(String(8))
    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
