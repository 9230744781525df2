"""Discipline notification letters (函告): an office writes to the head of an inspected unit
on appointment (任初函告), once a year (年度函告) or when something calls for it (临机函告).
Letters are numbered per office and year without gaps (文号) and, once issued, never change;
each reader's first reading is kept (read receipts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.sensitivity import Sensitivity, marking_check, marking_column
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class LetterKind(Labelled):
    APPOINTMENT = "任初函告"  # to a newly appointed unit head
    ANNUAL = "年度函告"
    AD_HOC = "临机函告"  # when something calls for it


class DisciplineLetter(TenantBase):
    __tablename__ = "discipline_letter"
    __table_args__ = (
        marking_check("discipline_letter"),
        UniqueConstraint("year", "number", name="discipline_letter_number"),
        CheckConstraint("kind IN ('任初函告', '年度函告', '临机函告')", name="discipline_letter_kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sensitivity: Mapped[str] = marking_column(Sensitivity.INTERNAL)  # 公开 / 内部 / 敏感
    kind: Mapped[str] = mapped_column(String(8))
    year: Mapped[int]
    number: Mapped[int]
    document_number: Mapped[str] = mapped_column(String(128))  # 文号, e.g. 双编办函告〔2026〕3号
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    recipient_name: Mapped[str] = mapped_column(String(64))  # the unit head
    recipient_post: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LetterRead(TenantBase):
    __tablename__ = "letter_read"

    letter_id: Mapped[int] = mapped_column(ForeignKey(DisciplineLetter.id), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(server_default=func.now())
