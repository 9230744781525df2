"""A unit's written answers to its 反馈意见 (its 整改方案, its 整改情况报告): one document per unit
and round, one line per problem, written anew whole on each save while the unit may still
change it (the document's workflow says when), by the first save (no version) or by the version read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import Row, Select, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.feedback.service import feedback_day, require_problems_given
from backend.text import clean_text
from backend.workflow import Move, Transition, Workflow
from tenants.access import Principal, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader

Check = Callable[[AsyncConnection, date, "frozenset[int] | None"], Awaitable[None]]


@dataclass(frozen=True)
class AnswerView:
    row: Row  # the document
    lines: Sequence[Row]  # its lines, by problem


class Answers:
    """The reading and moving every kind of answer shares; a subclass names its `workflow` (whose
    model is the document) and its `lines` table. A liaison reaches its unit's documents only."""

    workflow: ClassVar[Workflow]
    lines: ClassVar[Any]  # a mapped class with `finding_id` and `<workflow name>_id` columns
    lines_field: ClassVar[str]  # what the operations call the lines (tasks, items)

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def units(self, principal: Principal, tenant_code: str) -> frozenset[int] | None:
        return visible_units(principal, await readable_place(self.engine, principal, tenant_code))

    async def require_unit(self, principal: Principal, tenant_code: str, unit_id: int) -> frozenset[int] | None:
        """The caller's units (None: all), NOT_FOUND unless `unit_id` is among them."""
        units = await self.units(principal, tenant_code)
        if units is not None and unit_id not in units:
            raise not_found()
        return units

    async def write(
        self,
        principal: Principal,
        tenant_code: str,
        round_id: int,
        unit_id: int,
        version: int | None,
        *,
        values: Mapping[str, Any],
        rows: Sequence[Mapping[str, Any]],
        request_id: str | None,
        check: Check | None = None,
    ) -> AnswerView:
        """The unit's document for the round written anew, once the unit has its 反馈意见 and each
        line is for a problem it was given; `check` adds the document's own checks (the day of
        the feedback and whether the caller sees only its unit are given to it)."""
        units = await self.require_unit(principal, tenant_code, unit_id)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            given_on = await feedback_day(connection, round_id, unit_id)
            finding_ids = [row["finding_id"] for row in rows]
            await require_problems_given(connection, round_id, unit_id, finding_ids, f"{self.lines_field}.findingId")
            if check is not None:
                await check(connection, given_on, units)
            document_id = await _save(
                connection,
                self.workflow,
                self.workflow.transition("save"),
                self.lines,
                principal,
                tenant_code,
                round_id=round_id,
                unit_id=unit_id,
                version=version,
                values=values,
                rows=rows,
                request_id=request_id,
            )
            return await self.view(connection, document_id)

    @asynccontextmanager
    async def locked(
        self,
        principal: Principal,
        tenant_code: str,
        document_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
    ) -> AsyncIterator[Move]:
        """A transaction holding the document locked, once the workflow's checks pass."""
        model: Any = self.workflow.model
        units = await self.units(principal, tenant_code)
        query = select(model).where(model.id == document_id).with_for_update()
        if units is not None:
            query = query.where(model.unit_id.in_(units))
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            yield await self.workflow.lock(
                transition,
                connection,
                query,
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=clean_text(note, "note", required=False),
                request_id=request_id,
            )

    async def of_round(self, principal: Principal, tenant_code: str, round_id: int) -> list[AnswerView]:
        """A round's documents with their lines, by unit (a liaison: its unit's): two statements."""
        model: Any = self.workflow.model
        query = select(model).where(model.round_id == round_id).order_by(model.unit_id)
        if (units := await self.units(principal, tenant_code)) is not None:
            query = query.where(model.unit_id.in_(units))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return await self.views(connection, query)

    async def views(self, connection: AsyncConnection, documents: Select) -> list[AnswerView]:
        rows = (await connection.execute(documents)).all()
        key = getattr(self.lines, f"{self.workflow.name}_id")
        query = select(self.lines).where(key.in_([row.id for row in rows])).order_by(self.lines.finding_id)
        lines = (await connection.execute(query)).all()
        return [AnswerView(row, [line for line in lines if getattr(line, key.key) == row.id]) for row in rows]

    async def view(self, connection: AsyncConnection, document_id: int) -> AnswerView:
        model: Any = self.workflow.model
        return (await self.views(connection, select(model).where(model.id == document_id)))[0]


async def _save(
    connection: AsyncConnection,
    workflow: Workflow,
    save: Transition,
    lines: Any,
    principal: Principal,
    tenant_code: str,
    *,
    round_id: int,
    unit_id: int,
    version: int | None,
    values: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    request_id: str | None,
) -> int:
    """Write the unit's document (`workflow.model`, its `values`) and its `lines` rows (each keyed
    to the document by the column named after the workflow, `<name>_id`); the document's id."""
    model: Any = workflow.model
    document = select(model).where(model.round_id == round_id, model.unit_id == unit_id)
    if version is None:
        if (await connection.execute(document)).first() is not None:
            raise DomainError("DUPLICATE", f"该单位本轮次的{workflow.noun}已经填报，请按读到的版本修改", field="version")
        document_id = (
            await connection.execute(
                insert(model).values(round_id=round_id, unit_id=unit_id, created_by=principal.username, **values).returning(model.id)
            )
        ).scalar_one()
        await record_audit(
            connection,
            tenant_code,
            actor=principal.username,
            action=f"{workflow.name}.created",
            entity=workflow.entity,
            entity_id=str(document_id),
            after={"round_id": round_id, "unit_id": unit_id, "lines": len(rows)},
            request_id=request_id,
        )
    else:
        move = await workflow.lock(
            save,
            connection,
            document.with_for_update(),
            tenant_code=tenant_code,
            expected_version=version,
            actor=principal.username,
            note=None,
            request_id=request_id,
        )
        await move.apply(values, after={"lines": len(rows)})
        document_id = move.row.id
    key = getattr(lines, f"{workflow.name}_id")
    await connection.execute(delete(lines).where(key == document_id))
    await connection.execute(insert(lines), [{key.key: document_id, **row} for row in rows])
    return document_id
