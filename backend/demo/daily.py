"""双峰县's 日常监督, findings that belong to no round: a 12310 report about 双峰县财政局 (its
liaison is told at once, with no 统一反馈 to wait for) and an 审计 clue about another unit's 超编
(to be absorbed over years, its plan in the ledger), both in the ledger and the bank with their
source, and with their 整改量化指标 (planned; one of the 超编 absorbed already)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Row, exists, select

from backend.demo.facts import OVER_STAFFING, absorbed_by, absorbing_plan
from backend.demo.inspections import acting, office_place, template_of
from backend.demo.offices import LIAISON_UNIT_CODE
from backend.findings.models import Finding, FindingSource
from backend.findings.service import FindingService, check_finding
from backend.quantities.service import Quantity
from backend.reviews.models import Leader
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from tenants.access import Role
from tenants.scoping import tenant_engine

COUNTY = "431321"


def daily_findings(liaison: Row, other: Row, year: int) -> tuple[Daily, Daily]:
    """A 12310 report about the liaison's unit and an 审计 clue about the other's 超编, in its figures."""
    category, approved = next(iter(other.approved_staffing.items()))
    actual = other.actual_staffing[category]
    prefix = f"双{template_of(other.name).abbreviation}发"
    return (
        Daily(
            liaison.id,
            FindingSource.REPORT_12310,
            f"12310-{year}-0815",
            "C03.K09.M01",
            f"群众举报：局机关在编人员 1 名自{year - 2}年起长期不在岗，实名制系统仍登记在岗，请假审批（双财发〔{year - 2}〕15号）期限早已届满，经核查属实",
            ("实名制数据", "钉钉数据"),
            40,
            [Quantity("建章立制", planned=1)],
        ),
        Daily(
            other.id,
            FindingSource.AUDIT_REFERRAL,
            f"双审移〔{year}〕7号",
            OVER_STAFFING,
            f"县审计局移送线索：实有在编人员 {actual} 名，超过“三定”规定（{other.mandate_number}）核定的 {approved} 名，"
            f"超编 {actual - approved} 名，系{year - 1}年以{prefix}〔{year - 1}〕4号等文件调入",
            ("实名制数据",),
            25,
            [Quantity("消化超编", planned=actual - approved, achieved=1)],
        ),
    )


@dataclass(frozen=True)
class Daily:
    unit_id: int
    source: FindingSource
    reference: str
    code: str
    description: str
    evidence: tuple[str, ...]
    days_ago: int
    quantities: list[Quantity]


async def load_daily_supervision(runtime: Runtime) -> None:
    """Once: a restarted demo finds a daily finding and stops."""
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        if (await connection.execute(select(exists().where(Finding.source != FindingSource.ROUND.value)))).scalar():
            return
        units = (
            await connection.execute(
                select(InspectedUnit).order_by((InspectedUnit.credit_code != LIAISON_UNIT_CODE), InspectedUnit.id).limit(2)
            )
        ).all()
        heads = dict((await connection.execute(select(Leader.unit_id, Leader.name).where(Leader.left_on.is_(None)))).all())
        liaison, other = units
        findings = daily_findings(liaison, other, runtime.clock.today().year)
    inspector = acting(await office_place(runtime.engine, COUNTY), Role.INSPECTOR)
    taxonomy, today = await runtime.taxonomy(), runtime.clock.today()
    for finding in findings:
        found_on = today - timedelta(days=finding.days_ago)
        over = finding.code == OVER_STAFFING
        data = check_finding(
            round_id=None,
            daily_source=finding.source,
            source_reference=finding.reference,
            unit_id=finding.unit_id,
            taxonomy_code=finding.code,
            description=finding.description,
            evidence_sources=finding.evidence,
            severity="一般",
            fixed_on_spot=False,
            found_on=found_on,
            deadline=absorbed_by(found_on) if over else found_on + timedelta(days=90),
            responsible_person=heads[finding.unit_id],
            measures=absorbing_plan(finding.quantities[0].planned or 0, found_on) if over else None,
            close_note=None,
            quantities=finding.quantities,
            today=today,
            taxonomy=taxonomy,
            tenant_code=COUNTY,
            rectification_class="长期整改" if over else None,
        )
        await FindingService(runtime.engine).log(inspector, COUNTY, data, None)
