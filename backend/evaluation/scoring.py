"""A department's score, the one rule: every 要点 that applies is scored (a 个性 要点 applies
when the 评估组 scores it; the 满意度 要点 are scored from the survey result, points × result ÷
100); the total is the points earned over the points that apply, on 100; the grade follows the
total (优秀 ≥ 90, 良好 ≥ 80, 一般 ≥ 60, else 较差). No total until every applicable 要点 has a
score and, if the system has a 满意度 要点, the survey result is in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.evaluation.models import Grade

GRADES = ((Decimal(90), Grade.EXCELLENT), (Decimal(80), Grade.GOOD), (Decimal(60), Grade.FAIR))
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Point:
    code: str
    first: str  # the code of its 一级 indicator
    max_score: Decimal
    personal: bool
    satisfaction: bool


@dataclass(frozen=True)
class Result:
    earned: dict[str, Decimal]  # 一级 code → points earned (of the 要点 that apply)
    applicable: dict[str, Decimal]  # 一级 code → points that apply
    total: Decimal | None  # on 100; None while a 要点 or the survey is missing
    grade: Grade | None


def grade_of(total: Decimal) -> Grade:
    return next((grade for floor, grade in GRADES if total >= floor), Grade.POOR)


def result(points: Sequence[Point], scores: Mapping[str, Any], satisfaction: Decimal | None) -> Result:
    """The department's result from its scores ({code: {"score": number | None}})."""
    earned: dict[str, Decimal] = {}
    applicable: dict[str, Decimal] = {}
    complete = True
    for point in points:
        if point.satisfaction:
            score = None if satisfaction is None else point.max_score * satisfaction / HUNDRED
            complete &= satisfaction is not None
        else:
            given = scores.get(point.code)
            if given is None:  # not scored yet: a 个性 要点 left unscored does not apply
                complete &= point.personal
                continue
            if given["score"] is None:  # scored as not applying
                continue
            score = Decimal(str(given["score"]))
        applicable[point.first] = applicable.get(point.first, Decimal(0)) + point.max_score
        earned[point.first] = earned.get(point.first, Decimal(0)) + (score or Decimal(0))
    earned = {first: value.quantize(CENT, ROUND_HALF_UP) for first, value in earned.items()}
    possible = sum(applicable.values(), Decimal(0))
    if not complete or not possible:
        return Result(earned, applicable, None, None)
    total = (sum(earned.values(), Decimal(0)) / possible * HUNDRED).quantize(CENT, ROUND_HALF_UP)
    return Result(earned, applicable, total, grade_of(total))
