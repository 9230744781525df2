"""What a round asks of a unit before and during 进驻, item by item (backend/checklists/): the
调阅材料清单 (materials the unit provides) and the 自查表 (questions it answers about itself)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import TenantBase
from backend.rounds.models import InspectionRound
from backend.units.models import InspectedUnit
from tenants.labelled import Labelled


class ChecklistKind(Labelled):
    MATERIALS = "materials", "调阅材料清单"
    SELF_CHECK = "self_check", "自查表"


class ItemAnswer(Labelled):
    """What the unit says of an item: of a material, provided or not available; of a self-check
    question, whether the unit complies."""

    PROVIDED = "已提供", "已提供"
    UNAVAILABLE = "无法提供", "无法提供（须说明原因）"
    COMPLIES = "符合", "符合"
    FALLS_SHORT = "不符合", "不符合（须说明情况）"
    NOT_APPLICABLE = "不适用", "不适用"


ANSWERS_OF = {
    ChecklistKind.MATERIALS: frozenset({ItemAnswer.PROVIDED, ItemAnswer.UNAVAILABLE}),
    ChecklistKind.SELF_CHECK: frozenset({ItemAnswer.COMPLIES, ItemAnswer.FALLS_SHORT, ItemAnswer.NOT_APPLICABLE}),
}
EXPLAINED = frozenset({ItemAnswer.UNAVAILABLE, ItemAnswer.FALLS_SHORT})  # answers that need a reason


class ItemReview(Labelled):
    ACCEPTED = "已收到", "已收到（认可）"
    MORE_NEEDED = "需补充", "需补充（须写明要求）"


class ChecklistItem(TenantBase):
    __tablename__ = "checklist_item"
    __table_args__ = (
        CheckConstraint("kind IN ('materials', 'self_check')", name="checklist_item_kind"),
        CheckConstraint("answer IS NULL OR answer IN ('已提供', '无法提供', '符合', '不符合', '不适用')", name="checklist_item_answer"),
        CheckConstraint("review IS NULL OR review IN ('已收到', '需补充')", name="checklist_item_review"),
        Index("checklist_item_round_idx", "round_id", "unit_id", "kind", "position"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey(InspectionRound.id))
    unit_id: Mapped[int] = mapped_column(ForeignKey(InspectedUnit.id))
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]
    prompt: Mapped[str] = mapped_column(Text)  # the material asked for, or the question
    taxonomy_code: Mapped[str | None] = mapped_column(String(16))  # what a self-check question is about
    answer: Mapped[str | None] = mapped_column(String(4))
    explanation: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # sha256 of uploaded files
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]
    review: Mapped[str | None] = mapped_column(String(4))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    draft_id: Mapped[int | None] = mapped_column(BigInteger)  # the 自查发现 draft made of a 不符合 answer
    version: Mapped[int] = mapped_column(server_default="1")
