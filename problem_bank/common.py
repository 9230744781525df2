"""共性问题 (common problems): a taxonomy kind that at least N offices of a region found within
a period. Within each such kind, the findings whose descriptions read alike are grouped, so
an upper office sees "twelve counties wrote much the same thing" rather than 300 rows.

Grouping is greedy (the newest finding of a group represents it) over the kind's newest
findings, with the Jaccard similarity of the descriptions' character bigrams, the same
bigrams the text index is built on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from problem_bank.models import Problem, TaxonomyLevel
from problem_bank.search import AnyRow, ProblemFilter, bigrams, filtered, in_region, newest_first
from problem_bank.taxonomy import ancestor
from tenants.access import Place
from tenants.models import Tenant

SIMILARITY = 0.5  # bigram Jaccard at which two descriptions count as the same problem
SAMPLE_PER_KIND = 300  # the newest findings of a kind that are grouped
GROUPS_PER_KIND = 10
EXAMPLES_PER_GROUP = 5


@dataclass(frozen=True)
class CommonKind:
    kind_code: str
    offices: int
    findings: int


@dataclass
class SimilarGroup:
    grams: frozenset[str]  # the representative's bigrams
    rows: list[AnyRow] = field(default_factory=list)  # newest first; the first represents the group

    @property
    def offices(self) -> int:
        return len({row.tenant_code for row in self.rows})


async def common_kinds(
    connection: AsyncConnection, region: Place, criteria: ProblemFilter, min_offices: int, today: date
) -> list[CommonKind]:
    """The kinds found by at least `min_offices` offices of the region, the most widespread first."""
    kind = ancestor(Problem.taxonomy_code, TaxonomyLevel.KIND).label("kind_code")
    offices = func.count(Problem.tenant_code.distinct())
    query = filtered(select(kind, offices.label("offices"), func.count().label("findings")).where(in_region(region)), criteria, today)
    rows = await connection.execute(query.group_by(kind).having(offices >= min_offices).order_by(offices.desc(), func.count().desc(), kind))
    return [CommonKind(row.kind_code, row.offices, row.findings) for row in rows]


async def similar_groups(
    connection: AsyncConnection, region: Place, criteria: ProblemFilter, kind_codes: Sequence[str], today: date
) -> dict[str, list[SimilarGroup]]:
    """For each kind, its newest findings grouped by description, the biggest groups first
    (one query for all kinds)."""
    if not kind_codes:
        return {}
    kind = ancestor(Problem.taxonomy_code, TaxonomyLevel.KIND)
    rank = func.row_number().over(partition_by=kind, order_by=newest_first())
    ranked = filtered(
        select(
            Problem,
            Tenant.name.label("office_name"),
            kind.label("kind_code"),
            bigrams(Problem.description).label("grams"),
            rank.label("rank"),
        )
        .join(Tenant, Tenant.code == Problem.tenant_code)
        .where(in_region(region), kind.in_(list(kind_codes))),
        criteria,
        today,
    ).subquery()
    rows = await connection.execute(select(ranked).where(ranked.c.rank <= SAMPLE_PER_KIND).order_by(ranked.c.kind_code, ranked.c.rank))
    by_kind: dict[str, list[AnyRow]] = {code: [] for code in kind_codes}
    for row in rows:
        by_kind[row.kind_code].append(row)
    return {code: group_alike(found) for code, found in by_kind.items()}


def group_alike(rows: list[AnyRow]) -> list[SimilarGroup]:
    """Rows (newest first, each with its description's `grams`) in groups of alike
    descriptions: the biggest groups first, at most GROUPS_PER_KIND."""
    groups: list[SimilarGroup] = []
    for row in rows:
        grams = frozenset(row.grams)
        home = next((group for group in groups if jaccard(grams, group.grams) >= SIMILARITY), None)
        if home is None:
            home = SimilarGroup(grams)
            groups.append(home)
        home.rows.append(row)
    groups.sort(key=lambda group: (-len(group.rows), -group.offices))
    return groups[:GROUPS_PER_KIND]


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
