"""The columns of a workflow's own history rows (what `backend.workflow.HistoryTable` writes):
the act as offices name it, the states it went from and to, the note, who and when. A history
table adds the key of the object it records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.text import MAX_NOTE


class MoveRecord:
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(8))
    to_state: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    actor: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
