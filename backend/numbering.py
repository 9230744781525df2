"""Document numbers (文号): each office numbers a series of its documents (函告, 反馈意见) per year
from 1 without gaps; the counter's row lock makes concurrent issues wait for each other, and a
rolled-back issue gives its number back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, String, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from backend.db import TenantBase
from tenants.labelled import Labelled
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code
from tenants.organs import Organ, OrganKind


class Series(Labelled):
    """The numbered series of an office's documents (stored as their names)."""

    LETTER = "函告"
    FEEDBACK = "反馈意见"


class DocumentCounter(TenantBase):
    """The last number given in a series and year."""

    __tablename__ = "document_counter"

    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int]


def counting(counter: Any, *keys: InstrumentedAttribute[Any]) -> Insert:
    """The statement giving the next number of a counter table keyed by `keys`: it inserts 1 or
    adds one, and answers the number (the row stays locked until the transaction ends)."""
    return (
        upsert(counter)
        .on_conflict_do_update(index_elements=list(keys), set_={"last_number": counter.last_number + 1})
        .returning(counter.last_number)
    )


_NEXT = counting(DocumentCounter, DocumentCounter.series, DocumentCounter.year)


async def next_number(connection: AsyncConnection, series: Series, year: int, *, office: str | None = None) -> int:
    """The next number of `series` in `year`, in the caller's transaction: in the series of the
    office the connection is in, or of `office` (a led round's 反馈意见 are the leader's)."""
    options = {"schema_translate_map": {TENANT_SCHEMA_PLACEHOLDER: schema_for_code(office)}} if office else {}
    return (await connection.execute(_NEXT.values(series=series.value, year=year, last_number=1), execution_options=options)).scalar_one()


async def office_document_code(connection: AsyncConnection, tenant_code: str) -> str:
    """The 机关代字 an office's documents are numbered under: its 编办's (双编办)."""
    return (
        await connection.execute(select(Organ.document_code).where(Organ.tenant_code == tenant_code, Organ.kind == OrganKind.OFFICE.value))
    ).scalar_one()
