"""Indicator systems: which one an office evaluates with (the latest its city publishes, else its
province's, else the example), and publishing a new version (a province's or a city's admin) —
checked as a whole: a tree of 一级 → 二级 → 三级 → 要点 with unique codes, points only on 要点,
100 points in all. Evaluations keep the version they began with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import ARRAY, Row, String, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.evaluation.models import Indicator, IndicatorLevel, IndicatorSystem
from backend.evaluation.scoring import Point
from backend.text import clean_text
from tenants.access import Place, not_found
from tenants.errors import DomainError

MAX_INDICATORS = 400
TOTAL_POINTS = Decimal(100)
DEPTH = {IndicatorLevel.FIRST: 1, IndicatorLevel.SECOND: 2, IndicatorLevel.THIRD: 3, IndicatorLevel.POINT: 4}


@dataclass(frozen=True)
class IndicatorText:
    code: str
    parent_code: str | None
    level: IndicatorLevel
    name: str
    max_score: float | None
    personal: bool
    satisfaction: bool


def _refused(message: str) -> DomainError:
    return DomainError("INVALID_INDICATORS", message, field="indicators")


def check_indicators(texts: Sequence[IndicatorText]) -> list[dict]:
    """The rows of a new version, or INVALID_INDICATORS naming the first fault."""
    if not 1 <= len(texts) <= MAX_INDICATORS:
        raise _refused(f"指标须有 1 到 {MAX_INDICATORS} 项")
    levels: dict[str, IndicatorLevel] = {}
    rows, total = [], Decimal(0)
    for position, text in enumerate(texts):
        code = text.code.strip()
        if not code or len(code) > 24 or code in levels:
            raise _refused(f"指标代码“{code}”为空、过长或重复")
        if (text.parent_code is None) != (text.level is IndicatorLevel.FIRST):
            raise _refused(f"{code}：只有一级指标没有上级指标")
        if text.parent_code is not None and DEPTH.get(levels.get(text.parent_code)) != DEPTH[text.level] - 1:  # type: ignore[arg-type]
            raise _refused(f"{code}：上级指标须为先列出的、高一级的指标")
        if (text.max_score is not None) != (text.level is IndicatorLevel.POINT):
            raise _refused(f"{code}：只有评估要点计分，且每个要点都须有分值")
        score = None
        if text.max_score is not None:
            try:
                score = Decimal(str(text.max_score)).quantize(Decimal("0.01"))
            except InvalidOperation:
                raise _refused(f"{code}：分值无效") from None
            if score <= 0:
                raise _refused(f"{code}：分值须大于 0")
            total += score
        levels[code] = text.level
        rows.append(
            {
                "code": code,
                "parent_code": text.parent_code,
                "level": text.level.value,
                "name": clean_text(text.name, "indicators", required=True)[:200],
                "max_score": score,
                "personal": text.personal,
                "satisfaction": text.satisfaction,
                "position": position,
            }
        )
    if total != TOTAL_POINTS:
        raise _refused(f"各评估要点分值合计须为 100 分（现为 {total} 分）")
    return rows


def _owners(place: Place) -> list[str]:
    """The offices whose systems apply to `place`, nearest first: its city, its province (an office
    that publishes applies its own)."""
    return [code for code in (place.code, place.city_code, place.province_code) if code]


async def system_in_force(connection: AsyncConnection, place: Place) -> Row:
    """The latest version the nearest owner published, else the example."""
    owners = _owners(place)
    nearest = func.array_position(literal(owners, ARRAY(String)), IndicatorSystem.owner_code)
    query = (
        select(IndicatorSystem)
        .where(or_(IndicatorSystem.owner_code.in_(owners), IndicatorSystem.owner_code.is_(None)))
        .order_by(nearest.nulls_last(), IndicatorSystem.version.desc())
        .limit(1)
    )
    return (await connection.execute(query)).one()


async def system(connection: AsyncConnection, system_id: int) -> Row:
    found = (await connection.execute(select(IndicatorSystem).where(IndicatorSystem.id == system_id))).one_or_none()
    if found is None:
        raise not_found()
    return found


async def indicators_of(connection: AsyncConnection, system_id: int) -> list[Row]:
    query = select(Indicator).where(Indicator.system_id == system_id).order_by(Indicator.position)
    return list((await connection.execute(query)).all())


def points_of(indicators: Sequence[Row]) -> list[Point]:
    """The scored 要点, each with its 一级 indicator (codes nest by their dots)."""
    return [
        Point(row.code, row.code.split(".")[0], row.max_score, row.personal, row.satisfaction)
        for row in indicators
        if row.level == IndicatorLevel.POINT.value
    ]


async def publish(connection: AsyncConnection, owner_code: str, name: str, rows: list[dict], actor: str) -> Row:
    """A new version of the owner's system (numbered after its last)."""
    last = select(func.coalesce(func.max(IndicatorSystem.version), 0)).where(IndicatorSystem.owner_code == owner_code)
    version = (await connection.execute(last)).scalar_one() + 1
    published = (
        await connection.execute(
            insert(IndicatorSystem).values(owner_code=owner_code, version=version, name=name, published_by=actor).returning(IndicatorSystem)
        )
    ).one()
    await connection.execute(insert(Indicator), [{"system_id": published.id, **row} for row in rows])
    return published
