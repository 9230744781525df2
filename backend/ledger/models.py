"""The rectification ledger (整改台账): one entry per finding, its history of actions and
progress reports (with evidence files), and deadline extension requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.findings.models import Finding
from backend.text import MAX_NOTE
from tenants.labelled import Labelled


class ExtensionState(Labelled):
    PENDING = "待审批"
    APPROVED = "已批准"
    REJECTED = "已驳回"


class LedgerEntry(TenantBase):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("state IN ('挂号', '整改中', '申请销号', '已销号')", name="ledger_entry_state"),
        CheckConstraint("(state = '已销号') = (closed_at IS NOT NULL)", name="ledger_entry_closed_at"),
        Index("ledger_entry_open_deadline_idx", "deadline", postgresql_where=text("state <> '已销号'")),
        Index("ledger_entry_state_idx", "state", "finding_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id), unique=True)
    state: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[date]
    responsible_unit: Mapped[str] = mapped_column(String(128))
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    measures: Mapped[str | None] = mapped_column(Text)
    close_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    # 整改量化指标: {kind: {"planned": n, "achieved": m}} (backend/quantities/service.py).
    quantities: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONB, server_default="{}")
    version: Mapped[int] = mapped_column(server_default="1")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LedgerEvent(TenantBase):
    """One action on a ledger entry (a progress report, a close-out, a send-back...)."""

    __tablename__ = "ledger_event"
    __table_args__ = (Index("ledger_event_finding_idx", "finding_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str] = mapped_column(String(8))
    to_state: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    actor: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EventEvidence(TenantBase):
    __tablename__ = "event_evidence"
    __table_args__ = (Index("event_evidence_sha256_idx", "sha256"),)

    event_id: Mapped[int] = mapped_column(ForeignKey(LedgerEvent.id), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # an evidence_file of this tenant
    file_name: Mapped[str] = mapped_column(String(128))


class ExtensionRequest(TenantBase):
    """A request to move a deadline (延期申请); the deadline moves only when it is approved."""

    __tablename__ = "extension_request"
    __table_args__ = (
        CheckConstraint("state IN ('待审批', '已批准', '已驳回')", name="extension_request_state"),
        Index("extension_request_finding_idx", "finding_id", "id"),
        Index("extension_request_pending_key", "finding_id", unique=True, postgresql_where=text("state = '待审批'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey(Finding.id))
    requested_deadline: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    state: Mapped[str] = mapped_column(String(8), server_default="待审批")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
