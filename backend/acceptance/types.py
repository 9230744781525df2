"""GraphQL for 验收: the office records a unit's 验收 and closes the problems it finds rectified."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from backend.acceptance.service import AcceptanceService, check_acceptance
from backend.context import Context
from backend.ids import parse_id
from backend.ledger.workflow import REVIEWERS
from backend.permissions import mutation, query, read, write
from backend.rounds.leading import BY_ROUND


@strawberry.type(description="一个单位本轮次的验收：验收日期、结论、得分，销号与仍在整改的问题数")
class Acceptance:
    id: strawberry.ID
    round_id: strawberry.ID
    unit_id: strawberry.ID
    accepted_on: date
    conclusion: str
    score: Decimal | None = strawberry.field(description="验收得分（0–100，省里要求打分时填写）")
    closed: int = strawberry.field(description="本次验收销号的问题数")
    left_open: int = strawberry.field(description="验收后仍在整改的问题数")
    recorded_by: str
    created_at: datetime

    @classmethod
    def from_row(cls, row) -> Acceptance:
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            accepted_on=row.accepted_on,
            conclusion=row.conclusion,
            score=row.score,
            closed=row.closed,
            left_open=row.left_open,
            recorded_by=row.recorded_by,
            created_at=row.created_at,
        )


def acceptances(info: Info[Context, None]) -> AcceptanceService:
    return AcceptanceService(info.context.runtime.engine)


@strawberry.type
class AcceptanceQuery:
    @query("某轮次各单位的验收记录，按单位；联络员只看到本单位的", read())
    async def acceptances(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> list[Acceptance]:
        principal = await info.context.principal()
        rows = await acceptances(info).of_round(principal, tenant_code, parse_id(round_id, "roundId"))
        return [Acceptance.from_row(row) for row in rows]


@strawberry.type
class AcceptanceMutation:
    @mutation(
        "验收一个单位：对号结账，把核实已整改到位的问题销号（验收销号），记录验收日期、结论和得分；轮次处于整改阶段时随之进入验收",
        write(REVIEWERS, locate=BY_ROUND),
    )
    async def record_acceptance(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        unit_id: strawberry.ID,
        accepted_on: date,
        conclusion: str,
        close: list[strawberry.ID],
        score: Decimal | None = None,
    ) -> Acceptance:
        principal = await info.context.principal()
        order = check_acceptance(
            round_id=parse_id(round_id, "roundId"),
            unit_id=parse_id(unit_id, "unitId"),
            accepted_on=accepted_on,
            conclusion=conclusion,
            score=score,
            close=[parse_id(finding, "close") for finding in close],
            today=info.context.clock.today(),
        )
        row = await acceptances(info).record(principal, tenant_code, order, info.context.request_id, now=info.context.clock.now())
        return Acceptance.from_row(row)
