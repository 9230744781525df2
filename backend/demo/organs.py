"""双峰县's partner organs and what passes between them: its 巡察办 (with the 第一巡察组), 组织部 and
纪委监委; the 巡察办's 函请 for 双峰县财政局's materials, answered item by item and by a 复函 from the
编办; a clue the county's round handed to the 纪委监委, which reports 初步核实; a 通报 the 编办
and the 纪委监委 issued jointly; and a 12310 report waiting to be accepted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.clues.models import ClueResult, ClueSource, ClueSubject
from backend.clues.service import Clues, NewClue
from backend.correspondence.joint import JointDocuments
from backend.correspondence.models import Copy, DocumentKind
from backend.correspondence.service import Addressee, Correspondence, Draft
from backend.correspondence.workflow import HANDLE, SIGN
from backend.demo.lifecycle import ROUND_NAME
from backend.demo.offices import LIAISON_UNIT_CODE
from backend.organs.service import OrganChange, Organs
from backend.reports_12310.intake import ReportInput, store
from backend.rounds.models import InspectionRound
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from tenants.access import OrganGrant, Principal, Role
from tenants.organs import Organ, OrganKind
from tenants.registry import load_place
from tenants.scoping import reading, tenant_reader

SHUANGFENG = "431321"
PARTNERS = (OrganKind.INSPECTION_OFFICE, OrganKind.ORGANIZATION, OrganKind.DISCIPLINE)


async def organs_of(runtime: Runtime, code: str) -> dict[str, int]:
    """A region's organs by kind (the demo adds one of each)."""
    async with reading(runtime.engine).connect() as connection:
        return dict((await connection.execute(select(Organ.kind, Organ.id).where(Organ.tenant_code == code))).all())


async def load_organs(runtime: Runtime) -> None:
    if OrganKind.INSPECTION_OFFICE.value in await organs_of(runtime, SHUANGFENG):
        return
    organs = Organs(runtime.engine)
    added = {kind: (await organs.add("演示数据", SHUANGFENG, kind, OrganChange(), None)).id for kind in PARTNERS}
    team = OrganChange(name="中共双峰县委第一巡察组", short_name="县委第一巡察组", document_code="双巡一组")
    await organs.add("演示数据", SHUANGFENG, OrganKind.INSPECTION_TEAM, team, added[OrganKind.INSPECTION_OFFICE])
    ids = await organs_of(runtime, SHUANGFENG)
    async with reading(runtime.engine).connect() as connection:
        place = await load_place(connection, SHUANGFENG)
    assert place is not None

    def acting_for(kind: OrganKind, name: str) -> Principal:
        return Principal(0, name, False, (), organs=(OrganGrant(place, ids[kind.value], Role.INSPECTOR),))

    xunchaban = acting_for(OrganKind.INSPECTION_OFFICE, "双峰县委巡察办")
    office = acting_for(OrganKind.OFFICE, "双峰县委编办")
    office_id = ids[OrganKind.OFFICE.value]
    today = runtime.clock.today()
    letters = Correspondence(runtime.engine, runtime.clock)
    request = await letters.send(
        xunchaban,
        Draft(
            sender_organ_id=ids[OrganKind.INSPECTION_OFFICE.value],
            kind=DocumentKind.REQUEST,
            subject="关于调阅双峰县财政局机构编制有关资料的函",
            body="根据县委巡察工作安排，县委第一巡察组将对双峰县财政局开展巡察。请于收函后7日内提供以下资料。",
            recipients=(Addressee(office_id), Addressee(ids[OrganKind.ORGANIZATION.value], Copy.COPY)),
            items=(
                "双峰县财政局“三定”规定及历次调整文件",
                "近三年机构编制监督检查发现的问题及整改情况",
                "实名制管理信息（在编在岗人员汇总表）",
            ),
            due_on=today + timedelta(days=7),
        ),
        None,
    )
    await letters.move(office, request, office_id, SIGN, None, None)
    await letters.move(office, request, office_id, HANDLE, "已安排专人整理", None)
    for position, answer in enumerate(
        (f"“三定”规定（{await _mandate_number(runtime)}）", "2024年检查发现问题3个，均已销号", "在编在岗人员汇总表（不含身份证号）"),
        start=1,
    ):
        await letters.answer_item(office, request, office_id, position, answer)
    reply = Draft(
        sender_organ_id=office_id,
        kind=DocumentKind.REPLY,
        subject="关于提供双峰县财政局机构编制有关资料的复函",
        body="县委巡察办：来函收悉。所需资料已逐项答复，请查收。",
        recipients=(),
        replies_to_id=request,
    )
    await letters.send(office, reply, None)
    # the county's round hands a clue about a person to the 纪委监委, which reports 初步核实
    round_id = await _round_id(runtime)
    clues = Clues(runtime.engine, runtime.clock)
    clue = await clues.register(
        office,
        NewClue(
            organ_id=office_id,
            source=ClueSource.INSPECTION,
            subject_kind=ClueSubject.PERSON,
            subject_name="某单位主要负责人",
            facts="巡察中发现该单位未按用编计划进人 3 名，涉嫌违反机构编制纪律。",
            round_id=round_id,
        ),
        None,
    )
    await clues.hand_over(office, clue, ids[OrganKind.DISCIPLINE.value], None, "请依规处置并函告结果", None)
    discipline = acting_for(OrganKind.DISCIPLINE, "双峰县纪委监委")
    handover = (await clues.readable(discipline, clue)).handover_id
    await letters.move(discipline, handover, ids[OrganKind.DISCIPLINE.value], SIGN, None, None)
    await letters.move(discipline, handover, ids[OrganKind.DISCIPLINE.value], HANDLE, "初步核实中", None)
    await clues.report(discipline, clue, ids[OrganKind.DISCIPLINE.value], ClueResult.PRELIMINARY, "已开展初步核实", None)
    # a joint 通报 of the 编办 and the 纪委监委
    joint = JointDocuments(letters)
    notice = Draft(
        sender_organ_id=office_id,
        kind=DocumentKind.NOTICE,
        subject="关于违规使用编外人员典型问题的通报",
        body="近期，县委编办、县纪委监委在监督检查中发现部分单位违规使用编外人员从事行政执法。现将有关情况通报如下，请各单位引以为戒，立即自查自纠。",
        recipients=(Addressee(ids[OrganKind.ORGANIZATION.value]), Addressee(ids[OrganKind.INSPECTION_OFFICE.value], Copy.COPY)),
    )
    draft = await joint.propose(office, notice, (ids[OrganKind.DISCIPLINE.value],))
    reviewer = Principal(0, "双峰县纪委监委", False, (), organs=(OrganGrant(place, ids[OrganKind.DISCIPLINE.value], Role.REVIEWER),))
    await joint.approve(reviewer, draft, ids[OrganKind.DISCIPLINE.value])
    await joint.issue(office, draft, None)
    await store(runtime, SHUANGFENG, TRIAGE, today, None)  # waiting for the 编办's 受理


# A 12310 report in triage (待受理): the reporter's name and contact are the 编办's only.
TRIAGE = ReportInput(
    reported_unit="双峰县农业农村局",
    content="该局下属站所长期使用编外人员顶岗，部分人员未经公开招聘。",
    reporter_name="李某",
    reporter_contact="139****0000",
)


async def _mandate_number(runtime: Runtime) -> str | None:
    """The 文号 of 双峰县财政局's “三定”规定, as its record holds it."""
    async with tenant_reader(runtime.engine, SHUANGFENG).connect() as connection:
        query = select(InspectedUnit.mandate_number).where(InspectedUnit.credit_code == LIAISON_UNIT_CODE)
        return (await connection.execute(query)).scalar_one()


async def _round_id(runtime: Runtime) -> int:
    async with tenant_reader(runtime.engine, SHUANGFENG).connect() as connection:
        return (await connection.execute(select(InspectionRound.id).where(InspectionRound.name == ROUND_NAME))).scalar_one()
