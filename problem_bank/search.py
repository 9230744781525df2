"""Reading the problem bank for a region: every row of the region's subtree, filtered, newest
first, a page at a time after a row's key (`page_key`; the API encodes it as its cursor).

Text matching is a substring match on the description (ILIKE), which is what a user means by
a Chinese term such as 超编 or 借调. A term of two or more characters is first narrowed by the
bigram index (migration 0005: the rows whose descriptions hold the term's first bigram).

The statements are built once per shape (the region's level, the criteria, the page size) and
the region's code, today's date and the key of the page before are bound when they run:
building one of them and its cache key cost ~1 ms, more than running it, and the bank's readers
ask the same few shapes for thousands of regions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol, TypeAlias, TypeVarTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Row,
    Select,
    SQLColumnExpression,
    String,
    Text,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from problem_bank import rectification
from problem_bank.models import Problem
from problem_bank.rectification import LedgerState
from problem_bank.taxonomy import under
from tenants.access import Place
from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.registry import in_subtree, subtree_column

MAX_TEXT_QUERY = 50
# What a statement built once per shape leaves to its execution (`region_values`).
REGION_CODE = bindparam("region_code", type_=String)
TODAY = bindparam("today", type_=Date)

# What a statement reads: the bank's rows (Problem), or a table of them counted (problem_bank.models),
# with the same column names but, of the dimensions, only the one it counts by. Which columns a
# statement reads follows from the criteria (problem_bank.counts picks a table that has them),
# which no type says: Any.
BankRows: TypeAlias = Any
# A row read through a connection, by column name (an entity selected comes as its columns).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class ProblemFilter:
    text: str | None = None
    taxonomy_code: str | None = None  # a node: everything under it
    unit_types: frozenset[str] = field(default_factory=frozenset)
    round_kinds: frozenset[str] = field(default_factory=frozenset)
    sources: frozenset[str] = field(default_factory=frozenset)  # a round's, or a channel of 日常监督
    states: frozenset[LedgerState] = field(default_factory=frozenset)
    overdue: bool | None = None
    found_from: date | None = None
    found_to: date | None = None

    def __post_init__(self) -> None:
        if self.text is not None and not 1 <= len(self.text.strip()) <= MAX_TEXT_QUERY:
            raise DomainError("INVALID_TEXT", f"检索词须为 1 到 {MAX_TEXT_QUERY} 个字符", field="text")
        # PostgreSQL refuses NUL in text: a term holding one matches nothing, and is said so.
        for name, values in (
            ("text", [self.text or ""]),
            ("unitTypes", self.unit_types),
            ("roundKinds", self.round_kinds),
            ("sources", self.sources),
        ):
            if any("\x00" in value for value in values):
                raise DomainError("INVALID_TEXT", "检索条件不能含有空字符（\\x00）", field=name)
        if self.found_from and self.found_to and self.found_from > self.found_to:
            raise DomainError("INVALID_PERIOD", "时间范围的起点不能晚于终点", field="foundFrom")


def bigrams(body: SQLColumnExpression[str]) -> ColumnElement[list[str]]:
    """The expression the text index is built on (problem_bank.bigrams, migration 0005)."""
    return func.problem_bank.bigrams(body, type_=ARRAY(Text))


def overdue(today: date | ColumnElement[date], rows: BankRows = Problem) -> ColumnElement[bool]:
    """逾期 (problem_bank.rectification) of the bank's rows, or of a table of them counted
    (problem_bank.models, same column names), as of today or TODAY bound later."""
    return rectification.overdue(rows.state, rows.deadline, today)


def in_region(region: Place, rows: BankRows = Problem) -> ColumnElement[bool]:
    """The rows of `region` and everything below it."""
    return in_subtree(region, province=rows.province_code, city=rows.city_code, code=rows.tenant_code)


def in_bound_region(level: Level, rows: BankRows = Problem) -> ColumnElement[bool]:
    """The rows of the region of `level` whose code REGION_CODE binds, and everything below it."""
    return subtree_column(level, province=rows.province_code, city=rows.city_code, code=rows.tenant_code) == REGION_CODE


def region_values(region: Place, today: date) -> dict[str, object]:
    """The values a statement built with `in_bound_region` and TODAY runs with."""
    return {"region_code": region.code, "today": today}


def filtered(
    query: Select[*Columns], criteria: ProblemFilter, today: date | ColumnElement[date], rows: BankRows = Problem
) -> Select[*Columns]:
    """`query` narrowed to the criteria; on counted rows, only criteria their columns answer
    (problem_bank.statistics chooses)."""
    if criteria.text:
        term = criteria.text.strip()
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(rows.description.ilike(pattern, escape="\\"))
        if len(term) >= 2:
            # The term's first bigram only: PostgreSQL estimates several bigrams as if they were
            # independent (far too few rows) and then skips the region's index.
            query = query.where(bigrams(rows.description).contains(bigrams(literal(term[:2]))))
    if criteria.taxonomy_code:
        query = query.where(under(rows.taxonomy_code, criteria.taxonomy_code))
    if criteria.unit_types:
        query = query.where(rows.unit_type.in_(sorted(criteria.unit_types)))
    if criteria.round_kinds:
        query = query.where(rows.round_kind.in_(sorted(criteria.round_kinds)))
    if criteria.sources:
        query = query.where(rows.source.in_(sorted(criteria.sources)))
    if criteria.states:
        query = query.where(rows.state.in_(sorted(criteria.states)))
    if criteria.overdue is not None:
        query = query.where(overdue(today, rows) if criteria.overdue else ~overdue(today, rows))
    if criteria.found_from:
        query = query.where(rows.found_on >= criteria.found_from)
    if criteria.found_to:
        query = query.where(rows.found_on <= criteria.found_to)
    return query


def newest_first() -> list[SQLColumnExpression[Any]]:
    """The bank's reading order (`page_key` gives a row's place in it)."""
    return [Problem.found_on.desc(), Problem.tenant_code, Problem.finding_id.desc()]


PageKey: TypeAlias = tuple[date, str, int]


class Placed(Protocol):
    """What `page_key` reads: a row of the bank (or anything with its key columns)."""

    found_on: date
    tenant_code: str
    finding_id: int


def page_key(row: Placed) -> PageKey:
    """A row's place in `newest_first` order: where the next page starts."""
    return row.found_on, row.tenant_code, row.finding_id


# The rows after a page key's, in `newest_first` order.
_FOUND_ON, _TENANT, _FINDING = (
    bindparam("after_found_on", type_=Date),
    bindparam("after_tenant", type_=String),
    bindparam("after_finding", type_=BigInteger),
)
_AFTER = or_(
    Problem.found_on < _FOUND_ON,
    and_(
        Problem.found_on == _FOUND_ON,
        or_(Problem.tenant_code > _TENANT, and_(Problem.tenant_code == _TENANT, Problem.finding_id < _FINDING)),
    ),
)


async def search(
    connection: AsyncConnection, region: Place, criteria: ProblemFilter, *, first: int, after: PageKey | None, today: date
) -> Sequence[AnyRow]:
    """The region's rows after `after` (None: from the newest), newest found first: `first` of
    them and one more if there is, which says another page follows (the caller has checked the
    region may be read)."""
    values = region_values(region, today)
    if after is not None:
        values |= dict(zip(("after_found_on", "after_tenant", "after_finding"), after, strict=True))
    return (await connection.execute(_search_query(region.level, criteria, first, after is not None), values)).all()


@lru_cache(maxsize=1024)
def _search_query(level: Level, criteria: ProblemFilter, first: int, paged: bool) -> Select[Problem, str]:
    """`search`'s statement per shape; one row more than asked says whether another page follows."""
    query = select(Problem, Tenant.name.label("office_name")).join(Tenant, Tenant.code == Problem.tenant_code)
    query = filtered(query.where(in_bound_region(level)), criteria, TODAY)
    if paged:
        query = query.where(_AFTER)
    return query.order_by(*newest_first()).limit(first + 1)


def highlight(description: str, term: str | None, width: int = 40) -> str:
    """The description around the first match of `term`, the match in 【】."""
    at = description.lower().find(term.strip().lower()) if term else -1
    if at < 0 or not term:
        return description[: width * 2] + ("…" if len(description) > width * 2 else "")
    end = at + len(term.strip())
    start = max(0, at - width)
    return (
        ("…" if start else "")
        + description[start:at]
        + "【"
        + description[at:end]
        + "】"
        + description[end : end + width]
        + ("…" if end + width < len(description) else "")
    )
