"""双峰县's 日常监督, findings that belong to no round: a 12310 report about 双峰县财政局 (its
liaison is told at once, with no 统一反馈 to wait for) and an 审计 clue about another unit, both
in the ledger and the bank with their source, and with their 整改量化指标 (planned; the 审计 clue's
超编 half absorbed already)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from backend.demo.inspections import acting, office_place
from backend.demo.offices import LIAISON_UNIT_CODE
from backend.findings.models import Finding, FindingSource
from backend.findings.service import FindingService, check_finding
from backend.quantities.service import Quantity
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from tenants.access import Role
from tenants.scoping import tenant_engine

COUNTY = "431321"
# (source, reference, taxonomy code, description, days ago found, quantities)
DAILY_FINDINGS = (
    (
        FindingSource.REPORT_12310,
        "12310-2026-0815",
        "C03.K10.M02",
        "群众举报：借调乡镇工作人员 2 名在局机关长期工作，经核查属实",
        40,
        [Quantity("建章立制", planned=1)],
    ),
    (
        FindingSource.AUDIT_REFERRAL,
        "双审移〔2026〕7号",
        "C03.K01.M01",
        "县审计局移送线索：财政供养人员超出核定编制 2 名",
        25,
        [Quantity("消化超编", planned=2, achieved=1)],
    ),
)


async def load_daily_supervision(runtime: Runtime) -> None:
    """Once: a restarted demo finds a daily finding and stops."""
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        if (await connection.execute(select(exists().where(Finding.source != FindingSource.ROUND.value)))).scalar():
            return
        units = list(
            (
                await connection.execute(
                    select(InspectedUnit.id).order_by((InspectedUnit.credit_code != LIAISON_UNIT_CODE), InspectedUnit.id).limit(2)
                )
            ).scalars()
        )
    inspector = acting(await office_place(runtime.engine, COUNTY), Role.INSPECTOR)
    taxonomy, today = await runtime.taxonomy(), runtime.clock.today()
    for unit_id, (source, reference, code, description, days_ago, quantities) in zip(units, DAILY_FINDINGS, strict=True):
        found_on = today - timedelta(days=days_ago)
        data = check_finding(
            round_id=None,
            daily_source=source,
            source_reference=reference,
            unit_id=unit_id,
            taxonomy_code=code,
            description=description,
            evidence_sources=[],
            severity="一般",
            fixed_on_spot=False,
            found_on=found_on,
            deadline=found_on + timedelta(days=90),
            responsible_person=None,
            measures=None,
            close_note=None,
            quantities=quantities,
            today=today,
            taxonomy=taxonomy,
            tenant_code=COUNTY,
        )
        await FindingService(runtime.engine).log(inspector, COUNTY, data, None)
