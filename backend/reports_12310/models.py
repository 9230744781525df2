"""12310 reports (机构编制违规违纪举报): what anyone may send a region's office without an account,
kept in the region's schema. The reporter's name and contact details are personal data: only the
handling organ's staff read them (backend/reports_12310/service.py). The reporter's query code is
kept only as a keyed digest (backend/reports_12310/codes.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.history import MoveRecord
from tenants.labelled import Labelled


class ReportState(Labelled):
    RECEIVED = "待受理"
    ACCEPTED = "已受理"
    REJECTED = "不予受理"
    VERIFIED = "已核查"
    ANSWERED = "已办结"
    TRANSFERRED = "已转办"  # moved to another region's office, which holds the report now


STATES_SQL = ", ".join(f"'{state.value}'" for state in ReportState)


class Report12310(TenantBase):
    __tablename__ = "report_12310"
    __table_args__ = (
        CheckConstraint(f"state IN ({STATES_SQL})", name="report_12310_state"),
        CheckConstraint("(state = '已转办') = (transferred_to IS NOT NULL)", name="report_12310_transferred_to"),
        Index("report_12310_digest_idx", "query_digest"),  # a transfer back keeps the digest in both rows
        Index("report_12310_state_idx", "state", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    query_digest: Mapped[bytes] = mapped_column(LargeBinary)
    reported_unit: Mapped[str] = mapped_column(String(100))  # 被举报单位, as sent
    content: Mapped[str] = mapped_column(Text)  # 举报内容, as sent (never rendered as HTML)
    reporter_name: Mapped[str | None] = mapped_column(String(50))  # personal data; None: anonymous
    reporter_contact: Mapped[str | None] = mapped_column(String(100))  # personal data
    handling_organ_id: Mapped[int] = mapped_column(
        BigInteger
    )  # tenancy.organ; no key across schemas (the shared stream stays downgradable)
    state: Mapped[str] = mapped_column(String(8), server_default=ReportState.RECEIVED.value)
    version: Mapped[int] = mapped_column(server_default="1")
    due_on: Mapped[date]  # the current step's time limit: 受理 (拟办), then 办结
    verification: Mapped[str | None] = mapped_column(Text)  # 核查结论 (the office's, not the reporter's)
    public_answer: Mapped[str | None] = mapped_column(Text)  # 答复意见 or 不予受理's reason: what the reporter reads
    transferred_to: Mapped[str | None] = mapped_column(String(6))  # the region holding the report now
    transferred_from: Mapped[str | None] = mapped_column(String(6))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    closed_at: Mapped[datetime | None]


class Report12310Event(MoveRecord, TenantBase):
    __tablename__ = "report_12310_event"
    __table_args__ = (Index("report_12310_event_report_idx", "report_id", "id"),)

    report_id: Mapped[int] = mapped_column(ForeignKey(Report12310.id))
