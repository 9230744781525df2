"""What an evaluation gives on paper: the results table for the annual 综合考核 (Excel: each
department's 一级 indicator scores, 满意度, total and grade), the 评估结果反馈 to a department
(its total and grade, its score under each 一级 indicator and each deduction with its reason) and
the summary over all departments (how many in each grade, the ranking) — the last two as 公文
(.docx and PDF through backend/documents/official.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import Row

from backend.documents.official import OfficialDocument, Section
from backend.evaluation.indicators import points_of
from backend.evaluation.models import EvaluationKind, Grade, IndicatorLevel
from backend.evaluation.scoring import result
from backend.evaluation.service import EvaluationView
from backend.findings.excel import ExportColumn
from tenants.errors import DomainError


def _firsts(view: EvaluationView) -> list[Row]:
    return [i for i in view.indicators if i.level == IndicatorLevel.FIRST.value]


def result_columns(view: EvaluationView) -> tuple[ExportColumn, ...]:
    return (
        ExportColumn("序号", 6),
        ExportColumn("被评估部门", 24),
        *(ExportColumn(f"{first.name}", 10) for first in _firsts(view)),
        ExportColumn("满意度", 8),
        ExportColumn("总分", 8),
        ExportColumn("等次", 8),
    )


def result_rows(view: EvaluationView) -> list[tuple]:
    """One row per department, the highest total first (unassessed last)."""
    points = points_of(view.indicators)
    ranked = sorted(view.units, key=lambda d: (d.total is None, -(d.total or 0), d.unit_id))
    rows = []
    for n, department in enumerate(ranked, start=1):
        earned = result(points, department.scores, department.satisfaction).earned
        rows.append(
            (
                n,
                department.unit_name,
                *(str(earned.get(first.code, "")) for first in _firsts(view)),
                _number(department.satisfaction),
                _number(department.total),
                department.grade or "",
            )
        )
    return rows


def _number(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def department_feedback(view: EvaluationView, unit_id: int, issuer: str, today: date) -> OfficialDocument:
    """The 评估结果反馈 to one department (fed back or not: the office reads its drafts too)."""
    department = next((d for d in view.units if d.unit_id == unit_id), None)
    if department is None:
        raise DomainError("NOT_FOUND", "该部门不在本次评估中", field="unit")
    outcome = result(points_of(view.indicators), department.scores, department.satisfaction)
    names = {i.code: i for i in view.indicators}
    deductions = [
        f"{names[code].name}（{names[code].max_score} 分）：得 {given['score']} 分。{given['reason']}"
        for code, given in sorted(department.scores.items(), key=lambda item: names[item[0]].position)
        if given["score"] is not None and Decimal(str(given["score"])) < names[code].max_score
    ]
    total = f"总分 {department.total} 分，等次为“{department.grade}”。" if department.total is not None else "尚未评出总分。"
    return OfficialDocument(
        title=f"关于{department.unit_name}{view.row.name}结果的反馈",
        addressee=department.unit_name,
        sections=[
            Section(
                "评估结果",
                [
                    f"按照{view.system.name}（第 {view.system.version} 版），对你单位开展了{EvaluationKind(view.row.kind).label}。{total}",
                    *(
                        f"{names[code].name}：{outcome.earned.get(code, 0)} 分（满分 {possible} 分）。"
                        for code, possible in outcome.applicable.items()
                    ),
                    *([f"满意度测评结果 {department.satisfaction} 分。"] if department.satisfaction is not None else []),
                ],
            ),
            Section("扣分情况", deductions or ["无扣分项。"]),
            Section("整改要求", ["请对照扣分情况认真整改，整改情况纳入下一年度评估。"]),
        ],
        issuer=issuer,
        dated=today,
        file_name=f"evaluation-{view.row.id}-{unit_id}",
        masthead=(issuer,),
    )


def summary(view: EvaluationView, issuer: str, today: date) -> OfficialDocument:
    """The evaluation's summary: the departments by grade and the ranking."""
    grades = Counter(d.grade for d in view.units if d.grade)
    ranking = [f"{row[0]}. {row[1]}：{row[-2] or '未评完'}{f'（{row[-1]}）' if row[-1] else ''}" for row in result_rows(view)]
    return OfficialDocument(
        title=f"关于{view.row.name}情况的报告",
        addressee=None,
        sections=[
            Section(
                "基本情况",
                [
                    f"按照{view.system.name}（第 {view.system.version} 版），对 {len(view.units)} 个部门开展了"
                    f"{EvaluationKind(view.row.kind).label}。"
                    + "，".join(f"{grade.value} {grades[grade.value]} 个" for grade in Grade if grades[grade.value])
                    + "。"
                ],
            ),
            Section("评估结果", ranking),
        ],
        issuer=issuer,
        dated=today,
        file_name=f"evaluation-{view.row.id}",
        masthead=(issuer,),
    )
