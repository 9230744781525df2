"""Evidence files (佐证材料) uploaded in a tenant, one row per file and uploader. The bytes
live in the content-addressed store, once however many times they are uploaded; these rows
are what make a file a tenant's, and say who may attach it (a liaison, only its own)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.sensitivity import Sensitivity, marking_check, marking_column


class EvidenceFile(TenantBase):
    __tablename__ = "evidence_file"
    __table_args__ = (marking_check("evidence_file"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploaded_by: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(80))
    file_name: Mapped[str | None] = mapped_column(String(128))  # as uploaded; the download's name
    sensitivity: Mapped[str] = marking_column(Sensitivity.INTERNAL)  # 公开 / 内部 / 敏感
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now())
