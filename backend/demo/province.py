"""The demo's upper-level work, once the offices have theirs: the nightly warning run over every
office (one 超编 warning of 双峰县 turned into a finding), and the province's side — an
accountability case (追责问责) about 双峰县财政局 opened from findings of two counties, with an
interview (约谈) and a freeze still in force, and typical-case bulletin 第1期 published to the
whole province with two de-identified cases, one from the bank and one from that case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, func, select

from backend.accountability import workflow as case_workflow
from backend.accountability.models import AccountabilityCase, MeasureKind
from backend.accountability.service import AccountabilityService, CaseDraft, MeasureDraft, Subject
from backend.bulletins.service import BulletinService, CaseSourceKind, CaseText, IssueDraft
from backend.demo.facts import absorbed_by
from backend.demo.inspections import acting, office_place
from backend.demo.offices import DEMO_PROVINCE, LIAISON_UNIT_CODE
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from backend.warnings.engine import evaluate_tenant
from backend.warnings.models import StaffingWarning
from backend.warnings.service import WarningService
from problem_bank.models import Problem
from tenants.access import Principal, Role
from tenants.scoping import tenant_engine

COUNTY = "431321"  # 双峰县, where the demo's liaison works
OTHER_COUNTY = "431382"  # 涟源市, the second county of the case


async def run_warnings(runtime: Runtime, codes: list[str]) -> None:
    """What the nightly job does, now; then a 双峰县 inspector turns the first 超编 warning into a
    finding of the county's round (unless one was turned already)."""
    today = runtime.clock.today()
    for code in codes:
        await evaluate_tenant(runtime.engine, code, today)
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        if (await connection.execute(select(exists().where(StaffingWarning.finding_id.is_not(None))))).scalar():
            return
        warning = (
            await connection.execute(
                select(StaffingWarning.id, StaffingWarning.version)
                .where(StaffingWarning.rule == "over_staffing", StaffingWarning.closed_at.is_(None))
                .order_by(StaffingWarning.id)
                .limit(1)
            )
        ).one_or_none()
    if warning is not None:
        await WarningService(runtime.engine).convert(
            acting(await office_place(runtime.engine, COUNTY), Role.INSPECTOR),
            COUNTY,
            warning.id,
            warning.version,
            round_id=1,
            deadline=absorbed_by(today),  # 超编 is absorbed over years
            today=today,
            taxonomy=await runtime.taxonomy(),
            request_id=None,
        )


async def load_province_work(runtime: Runtime) -> None:
    """The case and the bulletin, once (a restarted demo finds the case and stops)."""
    async with tenant_engine(runtime.engine, DEMO_PROVINCE).connect() as connection:
        if (await connection.execute(select(exists().where(AccountabilityCase.id.is_not(None))))).scalar():
            return
    province = acting(await office_place(runtime.engine, DEMO_PROVINCE), Role.ADMIN, Role.PUBLISHER)
    case_id = await _case(runtime, province)
    await _bulletin(runtime, province, case_id)


async def _case(runtime: Runtime, province: Principal) -> int:
    cases = AccountabilityService(runtime.engine)
    async with tenant_engine(runtime.engine, COUNTY).connect() as connection:
        unit_id = (await connection.execute(select(InspectedUnit.id).where(InspectedUnit.credit_code == LIAISON_UNIT_CODE))).scalar_one()
    async with runtime.engine.connect() as connection:
        findings = [
            (tenant_code, finding_id)
            for tenant_code, finding_id in await connection.execute(  # the first finding of each county
                select(Problem.tenant_code, func.min(Problem.finding_id))
                .where(Problem.tenant_code.in_((COUNTY, OTHER_COUNTY)))
                .group_by(Problem.tenant_code)
                .order_by(Problem.tenant_code)
            )
        ]
    case_id = await cases.open(
        province,
        DEMO_PROVINCE,
        CaseDraft(
            title="双峰县财政局违规超编进人问责",
            facts="双峰县财政局 2025 年以来超编进人，整改不力，部分问题逾期未整改；涟源市存在同类问题。",
            subject=Subject(COUNTY, unit_id, leader_name="刘洋", leader_post="局长", leader_rank="正科级"),
            findings=tuple(findings),
        ),
        None,
    )
    version = 1
    for action, note in (
        (case_workflow.INVESTIGATE, None),
        (case_workflow.PROPOSE, "建议约谈局长并冻结机构编制调整事项"),
        (case_workflow.DECIDE, "约谈双峰县财政局局长刘洋，冻结该局机构编制调整事项至整改到位"),
    ):
        await cases.move(province, DEMO_PROVINCE, case_id, version, action, note, None, now=runtime.clock.now())
        version += 1
    decided_on = runtime.clock.today() - timedelta(days=7)
    for measure in (
        MeasureDraft(
            MeasureKind.INTERVIEW,
            decided_on,
            "省委编办",
            "约谈双峰县财政局局长刘洋",
            attendees=("刘洋", "省委编办监督检查处"),
            minutes="刘洋表示将于两个月内清退超编人员",
        ),
        MeasureDraft(
            MeasureKind.FREEZE,
            decided_on,
            "省委编办",
            "冻结双峰县财政局机构编制调整事项",
            lift_conditions="超编人员全部清退并经检查验收",
        ),
    ):
        await cases.record_measure(province, DEMO_PROVINCE, case_id, version, measure, None)
        version += 1
    await cases.move(province, DEMO_PROVINCE, case_id, version, case_workflow.CARRY_OUT, None, None, now=runtime.clock.now())
    return case_id


async def _bulletin(runtime: Runtime, province: Principal, case_id: int) -> None:
    """Issue 第1期: the case under its own title, and 涟源市's first problem under its unit's name
    and its taxonomy node's (both de-identified in the published text)."""
    bulletins = BulletinService(runtime.engine)
    bulletin_id = await bulletins.create(
        province,
        DEMO_PROVINCE,
        IssueDraft(
            title="关于机构编制违规违纪典型案例的通报",
            preface="现将近期查处的两起机构编制违规违纪典型案例通报如下，各地要引以为戒、举一反三。",
            whole_subtree=True,
            office_codes=(),
        ),
        None,
    )
    taxonomy = await runtime.taxonomy()
    async with tenant_engine(runtime.engine, DEMO_PROVINCE).connect() as connection:
        case_title = (await connection.execute(select(AccountabilityCase.title).where(AccountabilityCase.id == case_id))).scalar_one()
    async with runtime.engine.connect() as connection:
        other = (
            await connection.execute(
                select(Problem.finding_id, Problem.unit_name, Problem.taxonomy_code)
                .where(Problem.tenant_code == OTHER_COUNTY)
                .order_by(Problem.finding_id)
                .limit(1)
            )
        ).one()
    version = 1
    for kind, code, source, title in (
        (CaseSourceKind.ACCOUNTABILITY_CASE, DEMO_PROVINCE, case_id, case_title),
        (CaseSourceKind.PROBLEM, OTHER_COUNTY, other.finding_id, other.unit_name + taxonomy.name(other.taxonomy_code)),
    ):
        await bulletins.add_case(province, bulletin_id, version, kind, code, source, CaseText(title, None, None, True, None, None), None)
        version += 1
    for move in (bulletins.submit, bulletins.approve):
        await move(province, bulletin_id, version, None)
        version += 1
    await bulletins.publish(province, bulletin_id, version, runtime.clock.now(), None)
