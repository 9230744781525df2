"""双峰县's partner organs and what passes between them: its 巡察办 (with the 第一巡察组), 组织部 and
纪委监委; the 巡察办's 函请 for 双峰县财政局's materials, answered item by item and by a 复函 from the
编办; and a 移交 from the 编办 to the 纪委监委, which is handling it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.correspondence.models import Copy, DocumentKind
from backend.correspondence.service import Addressee, Correspondence, Draft
from backend.correspondence.workflow import HANDLE, SIGN
from backend.organs.service import OrganChange, Organs
from backend.runtime import Runtime
from backend.sensitivity import Sensitivity
from tenants.access import OrganGrant, Principal, Role
from tenants.organs import Organ, OrganKind
from tenants.registry import load_place
from tenants.scoping import reading

SHUANGFENG = "431321"
PARTNERS = (OrganKind.INSPECTION_OFFICE, OrganKind.ORGANIZATION, OrganKind.DISCIPLINE)


async def organs_of(runtime: Runtime, code: str) -> dict[str, int]:
    """A region's organs by kind (the demo adds one of each)."""
    async with reading(runtime.engine).connect() as connection:
        return dict((await connection.execute(select(Organ.kind, Organ.id).where(Organ.tenant_code == code))).tuples().all())


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
        ("“三定”规定（双编发〔2019〕12号）及2022年调整通知", "2024年检查发现问题3个，均已销号", "在编在岗人员汇总表（不含身份证号）"),
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
    handover = await letters.send(
        office,
        Draft(
            sender_organ_id=office_id,
            kind=DocumentKind.HANDOVER,
            subject="关于移交双峰县某单位违规进人问题线索的函",
            body="我办在日常监督中发现某单位未按用编计划进人，涉嫌违反机构编制纪律，现移交你委依规处理，请将办理结果函告我办。",
            recipients=(Addressee(ids[OrganKind.DISCIPLINE.value]),),
            due_on=today + timedelta(days=180),
            sensitivity=Sensitivity.SENSITIVE,
        ),
        None,
    )
    discipline = acting_for(OrganKind.DISCIPLINE, "双峰县纪委监委")
    await letters.move(discipline, handover, ids[OrganKind.DISCIPLINE.value], SIGN, None, None)
    await letters.move(discipline, handover, ids[OrganKind.DISCIPLINE.value], HANDLE, "初步核实中", None)
