"""Accountability cases (追责问责): registering a case from problem-bank findings of the office's
subtree, moving it through its states (workflow.py) with optimistic locking, recording the
office's own measures, freezing or locking a unit and lifting it, referring the case to the
region's 纪委监委 or 组织部 (a 移送 or 问责建议 through correspondence) and recording that organ's
answer, and reading cases, their statistics (over the office's subtree) and the unit's standing
(`unit_status`). Who may call each operation is declared on
it (backend/permissions.py); `unit_status` applies its own rule (the units the caller reads).

A case is written in its office's schema only; a freeze or lock goes to the shared
`supervision.unit_restriction` (in the same transaction), and the unit's office hears of it
through the outbox. Every change is audited in the opening office's trail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, Select, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.accountability import workflow
from backend.accountability.models import (
    AccountabilityCase,
    CaseFinding,
    CaseMeasure,
    CaseState,
    MeasureKind,
    PersonalMeasureKind,
    ReferralKind,
    RestrictionKind,
    UnitRestriction,
)
from backend.audit.service import record_audit
from backend.clock import Clock
from backend.correspondence.models import DocumentKind
from backend.correspondence.service import Addressee, Correspondence, Draft, require_handler
from backend.cursors import Window, by_id, decode_cursor, window
from backend.db import violated_constraint
from backend.markings.service import refuse_below_findings
from backend.notifications.outbox import emit
from backend.sensitivity import Sensitivity
from backend.workflow import Move, Transition
from problem_bank.models import BankUnit, Problem
from problem_bank.search import in_region, overdue
from tenants.access import Place, Principal, can_read, not_found, visible_units
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.models import Tenant
from tenants.organs import Organ, OrganKind
from tenants.registry import in_subtree, load_place, place_of, readable_place
from tenants.scoping import reading, summed_across, tenant_engine, tenant_reader

MAX_FINDINGS = 50
MAX_ATTENDEES = 30
MAX_EXPORT_ROWS = 10_000
MAX_PERSONAL_MEASURES = 10
REFERRAL_ORGANS = frozenset({OrganKind.DISCIPLINE, OrganKind.ORGANIZATION})  # who decides on people


@dataclass(frozen=True)
class Subject:
    """问责对象: a unit (of the office or one below it), or a leader of that unit."""

    tenant_code: str
    unit_id: int
    leader_name: str | None = None
    leader_post: str | None = None
    leader_rank: str | None = None


@dataclass(frozen=True)
class CaseDraft:
    title: str
    facts: str
    subject: Subject
    findings: tuple[tuple[str, int], ...]  # problem-bank keys: (tenant code, finding id)
    sensitivity: str = Sensitivity.SENSITIVE  # never below its findings' (backend/markings)


class CaseBreakdown(Labelled):
    """How the statistics count cases."""

    STATE = "state", "案件状态"
    MEASURE = "measure", "问责措施（采取该措施的案件数）"
    REGION = "region", "问责对象所在地区"


@dataclass(frozen=True)
class Tally:
    key: str  # a state's or measure's name (DECIDED, INTERVIEW), or a region's code
    label: str
    count: int


@dataclass(frozen=True)
class MeasureDraft:
    kind: MeasureKind
    decided_on: date
    decided_by: str
    content: str
    attendees: tuple[str, ...] = ()
    minutes: str | None = None
    lift_conditions: str | None = None  # a freeze or lock: what must happen before it is lifted


@dataclass(frozen=True)
class PersonalMeasureDraft:
    """A personal measure the deciding organ records in its answer to a referral."""

    kind: PersonalMeasureKind
    decided_on: date
    content: str


def check_measure(draft: MeasureDraft, today: date) -> MeasureDraft:
    """The fields a kind of the office's own measures needs; refuses what does not belong to
    it, and what is not the office's own to record (a personal measure, a referral)."""
    if draft.kind.value in set(PersonalMeasureKind):
        raise DomainError(
            "PERSONAL_MEASURE",
            f"{draft.kind.label}由作出决定的党委、纪委监委或组织部决定并记录，编办不能作为本机构的措施记录；请提出问责建议或移送",
            field="kind",
        )
    if draft.kind.value in set(ReferralKind):
        raise DomainError("INVALID_MEASURE", f"{draft.kind.label}见 referAccountabilityCase", field="kind")
    if draft.decided_on > today:
        raise DomainError("INVALID_DATE", "决定日期不能晚于今天", field="decidedOn")
    if draft.kind == MeasureKind.INTERVIEW:
        if not draft.attendees or not draft.minutes:
            raise DomainError("INVALID_MEASURE", "约谈须写明参加人员和谈话记录", field="attendees" if not draft.attendees else "minutes")
        if len(draft.attendees) > MAX_ATTENDEES or len(set(draft.attendees)) != len(draft.attendees):
            raise DomainError("INVALID_MEASURE", f"参加人员最多 {MAX_ATTENDEES} 人，且不能重复", field="attendees")
    elif draft.attendees or draft.minutes:
        raise DomainError("INVALID_MEASURE", "只有约谈才有参加人员和谈话记录", field="attendees" if draft.attendees else "minutes")
    if restricts(draft.kind) != (draft.lift_conditions is not None):
        if restricts(draft.kind):
            raise DomainError("INVALID_MEASURE", f"{draft.kind.label}须写明解除条件", field="liftConditions")
        raise DomainError("INVALID_MEASURE", "只有冻结或锁定才有解除条件", field="liftConditions")
    return draft


def restricts(kind: MeasureKind) -> bool:
    """Whether the measure puts a restriction on the unit (a freeze or a lock)."""
    return kind in {MeasureKind(restriction) for restriction in RestrictionKind}


def subject_label(row) -> str:
    """The subject as people write it: the unit, or the unit's post holder with name and rank."""
    if row.leader_name is None:
        return row.subject_unit_name
    rank = f"（{row.leader_rank}）" if row.leader_rank else ""
    return f"{row.subject_unit_name}{row.leader_post}{row.leader_name}{rank}"


class AccountabilityService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # Writing -------------------------------------------------------------------------------

    async def open(self, principal: Principal, tenant_code: str, draft: CaseDraft, request_id: str | None) -> int:
        """立案: the subject and the findings must be in the office's subtree (else NOT_FOUND)."""
        place = await readable_place(self.engine, principal, tenant_code)
        if len(draft.findings) > MAX_FINDINGS or len(set(draft.findings)) != len(draft.findings):
            raise DomainError("INVALID_FINDINGS", f"关联问题最多 {MAX_FINDINGS} 个，且不能重复", field="findings")
        subject = draft.subject
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            subject_place = await load_place(connection, subject.tenant_code)
            if subject_place is None or not place.contains(subject_place):
                raise DomainError("NOT_FOUND", not_found().message, field="subject.tenantCode")
            unit = (
                await connection.execute(
                    select(BankUnit).where(BankUnit.tenant_code == subject.tenant_code, BankUnit.unit_id == subject.unit_id)
                )
            ).one_or_none()
            if unit is None:
                raise DomainError("NOT_FOUND", "被检查单位不存在", field="subject.unitId")
            if draft.findings:
                found = {
                    tuple(row)
                    for row in await connection.execute(
                        select(Problem.tenant_code, Problem.finding_id).where(
                            tuple_(Problem.tenant_code, Problem.finding_id).in_(list(draft.findings)), in_region(place)
                        )
                    )
                }
                if missing := [key for key in draft.findings if key not in found]:
                    raise DomainError(
                        "NOT_FOUND", f"问题库中没有 {missing[0][0]} 的问题 {missing[0][1]}，或不在本机构辖区内", field="findings"
                    )
            await refuse_below_findings(connection, draft.sensitivity, draft.findings)
            case_id = (
                await connection.execute(
                    insert(AccountabilityCase)
                    .values(
                        sensitivity=draft.sensitivity,
                        title=draft.title,
                        facts=draft.facts,
                        subject_tenant_code=subject.tenant_code,
                        subject_unit_id=subject.unit_id,
                        subject_unit_name=unit.name,
                        subject_credit_code=unit.credit_code,
                        leader_name=subject.leader_name,
                        leader_post=subject.leader_post,
                        leader_rank=subject.leader_rank,
                        opened_by=principal.username,
                    )
                    .returning(AccountabilityCase.id)
                )
            ).scalar_one()
            if draft.findings:
                await connection.execute(
                    insert(CaseFinding),
                    [{"case_id": case_id, "tenant_code": code, "finding_id": finding} for code, finding in draft.findings],
                )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="case.opened",
                entity="accountability_case",
                entity_id=str(case_id),
                after={
                    "title": draft.title,
                    "subject": [subject.tenant_code, subject.unit_id, subject.leader_name],
                    "findings": [list(key) for key in draft.findings],
                },
                request_id=request_id,
            )
        return case_id

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        case_id: int,
        version: int,
        transition: Transition[CaseState],
        note: str | None,
        request_id: str | None,
        *,
        now: datetime,
    ) -> None:
        """A transition of workflow.py; the note becomes the determination, decision or conclusion."""
        async with self._locked(principal, tenant_code, case_id, version, transition, note, request_id) as move:
            values: dict = {}
            if transition in workflow.NOTE_COLUMNS:
                values[workflow.NOTE_COLUMNS[transition]] = note
            if transition.target in workflow.FINAL_STATES:
                values["closed_at"] = now
            case = move.row
            await move.apply(
                values,
                event_tenant=case.subject_tenant_code,
                event_payload={"unit_id": case.subject_unit_id, "title": case.title, "subject": subject_label(case), "decision": note},
            )

    async def record_measure(
        self,
        principal: Principal,
        tenant_code: str,
        case_id: int,
        version: int,
        draft: MeasureDraft,
        request_id: str | None,
    ) -> None:
        """A measure of a decided case; a freeze or lock also puts the restriction on the unit."""
        restriction = restricts(draft.kind)
        transition = workflow.RECORD_RESTRICTION if restriction else workflow.RECORD_MEASURE
        async with self._locked(principal, tenant_code, case_id, version, transition, None, request_id) as move:
            case = move.row
            measure_id = (
                await move.connection.execute(
                    insert(CaseMeasure)
                    .values(
                        case_id=case_id,
                        kind=draft.kind,
                        decided_on=draft.decided_on,
                        decided_by=draft.decided_by,
                        content=draft.content,
                        attendees=list(draft.attendees),
                        minutes=draft.minutes,
                        recorded_by=principal.username,
                    )
                    .returning(CaseMeasure.id)
                )
            ).scalar_one()
            after = {
                "measure_id": measure_id,
                "kind": draft.kind,
                "decided_on": draft.decided_on.isoformat(),
                "decided_by": draft.decided_by,
                "content": draft.content,
            }
            notice = None
            if restriction:
                after["restriction_id"], notice = await self._restrict(move.connection, tenant_code, case, measure_id, draft, principal)
            await move.apply(after=after, event_tenant=case.subject_tenant_code, event_payload=notice)

    async def _restrict(
        self,
        connection: AsyncConnection,
        tenant_code: str,
        case,
        measure_id: int,
        draft: MeasureDraft,
        principal: Principal,
    ) -> tuple[int, dict]:
        """The restriction on the case's unit, and what its office is told of it."""
        try:
            restriction_id = (
                await connection.execute(
                    insert(UnitRestriction)
                    .values(
                        tenant_code=case.subject_tenant_code,
                        unit_id=case.subject_unit_id,
                        credit_code=case.subject_credit_code,
                        unit_name=case.subject_unit_name,
                        kind=draft.kind,
                        imposed_by_code=tenant_code,
                        case_id=case.id,
                        measure_id=measure_id,
                        starts_on=draft.decided_on,
                        lift_conditions=draft.lift_conditions,
                        imposed_by=principal.username,
                    )
                    .returning(UnitRestriction.id)
                )
            ).scalar_one()
        except IntegrityError as error:
            if violated_constraint(error) != "unit_restriction_active_key":
                raise
            raise DomainError("ALREADY_RESTRICTED", f"该单位已处于{draft.kind.label}状态，须先解除", field="kind") from None
        await connection.execute(update(CaseMeasure).where(CaseMeasure.id == measure_id).values(restriction_id=restriction_id))
        office = (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()
        notice = {
            "unit_id": case.subject_unit_id,
            "unit_name": case.subject_unit_name,
            "kind": draft.kind,
            "office_name": office,
            "starts_on": draft.decided_on.isoformat(),
            "conditions": draft.lift_conditions,
        }
        return restriction_id, notice

    async def refer(
        self,
        principal: Principal,
        tenant_code: str,
        case_id: int,
        version: int,
        referral: ReferralKind,
        organ_id: int,
        note: str,
        request_id: str | None,
        *,
        clock: Clock,
    ) -> int:
        """提出问责建议 or 移送: a 移交 from the office's 编办 to the region's 纪委监委 or 组织部
        carries the case; the case waits (移送) for that organ's answer. Answers the document's id."""
        async with self._locked(principal, tenant_code, case_id, version, workflow.REFER, note, request_id) as move:
            organs = {
                row.id: row
                for row in await move.connection.execute(
                    select(Organ.id, Organ.kind, Organ.name).where(
                        Organ.tenant_code == tenant_code, (Organ.id == organ_id) | (Organ.kind == OrganKind.OFFICE.value)
                    )
                )
            }
            organ = organs.get(organ_id)
            if organ is None or organ.kind not in REFERRAL_ORGANS:
                raise DomainError("INVALID_ORGAN", "问责建议或移送须送本地区的纪委监委或组织部", field="organId")
            office = next(row for row in organs.values() if row.kind == OrganKind.OFFICE.value)
            case = move.row
            label = subject_label(case)
            title = f"关于对{label}提出问责建议的函" if referral is ReferralKind.ACCOUNTABILITY_PROPOSAL else f"关于移送{label}问题的函"
            document = Draft(
                sender_organ_id=office.id,
                kind=DocumentKind.HANDOVER,
                subject=title[:200],
                body=f"{case.facts}\n认定意见：{case.determination or ''}\n{referral.label}：{note}",
                recipients=(Addressee(organ_id),),
                sensitivity=Sensitivity(case.sensitivity),
                concerns=f"case:{tenant_code}:{case_id}",
            )
            document_id = await Correspondence(self.engine, clock).issue(move.connection, principal, document, request_id, authorized=True)
            await move.connection.execute(
                insert(CaseMeasure).values(
                    case_id=case_id,
                    kind=referral.value,
                    decided_on=clock.today(),
                    decided_by=office.name,
                    content=note,
                    organ_id=organ_id,
                    document_id=document_id,
                    recorded_by=principal.username,
                )
            )
            await move.apply(after={"kind": referral.value, "organ_id": organ_id, "document_id": document_id})
        return document_id

    async def answer(
        self,
        principal: Principal,
        document_id: int,
        organ_id: int,
        measures: tuple[PersonalMeasureDraft, ...],
        note: str,
        request_id: str | None,
        *,
        clock: Clock,
    ) -> tuple[str, int]:
        """The organ a case was referred to records its decision: its personal measures (none:
        it holds no one accountable), each under its own name, and a 复函 to the 编办 that
        finishes its handling; the case goes on to 落实. Answers the case's (office, id)."""
        require_handler(principal, organ_id)
        if len(measures) > MAX_PERSONAL_MEASURES:
            raise DomainError("INVALID_MEASURE", f"最多记录 {MAX_PERSONAL_MEASURES} 项问责措施", field="measures")
        if any(measure.decided_on > clock.today() for measure in measures):
            raise DomainError("INVALID_DATE", "决定日期不能晚于今天", field="measures")
        async with reading(self.engine).connect() as connection:
            organ = (await connection.execute(select(Organ.tenant_code, Organ.name).where(Organ.id == organ_id))).one()
        tenant_code = organ.tenant_code
        referred = select(CaseMeasure.case_id).where(
            CaseMeasure.document_id == document_id, CaseMeasure.organ_id == organ_id, CaseMeasure.kind.in_(list(ReferralKind))
        )
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            case_id = (await connection.execute(referred)).scalar_one_or_none()
        if case_id is None:
            raise DomainError("NOT_A_REFERRAL", "这份公文不是向本机关提出的问责建议或移送", field="documentId")
        async with self._locked(principal, tenant_code, case_id, None, workflow.ANSWER, note, request_id) as move:
            connection = move.connection
            decided = "；".join(f"{m.kind.label}（{m.decided_on.isoformat()}）：{m.content}" for m in measures) or "不予问责"
            reply = Draft(
                sender_organ_id=organ_id,
                kind=DocumentKind.REPLY,
                subject=f"关于{move.row.title}的处理结果"[:200],
                body=f"{note}\n处理结果：{decided}",
                recipients=(),
                replies_to_id=document_id,
                sensitivity=Sensitivity(move.row.sensitivity),
                concerns=f"case:{tenant_code}:{case_id}",
            )
            reply_id = await Correspondence(self.engine, clock).issue(connection, principal, reply, request_id)
            if measures:
                await connection.execute(
                    insert(CaseMeasure),
                    [
                        {
                            "case_id": case_id,
                            "kind": measure.kind.value,
                            "decided_on": measure.decided_on,
                            "decided_by": organ.name,
                            "content": measure.content,
                            "organ_id": organ_id,
                            "document_id": reply_id,
                            "recorded_by": principal.username,
                        }
                        for measure in measures
                    ],
                )
            await move.apply(after={"organ_id": organ_id, "reply_id": reply_id, "measures": [m.kind.value for m in measures]})
        return tenant_code, case_id

    async def imposing_office(self, restriction_id: int) -> str | None:
        """The office whose case imposed the restriction (the one that lifts it); None: there is no such restriction."""
        async with reading(self.engine).connect() as connection:
            return (
                await connection.execute(select(UnitRestriction.imposed_by_code).where(UnitRestriction.id == restriction_id))
            ).scalar_one_or_none()

    async def lift(self, principal: Principal, restriction_id: int, note: str, request_id: str | None):
        """解除, once, in the imposing office's trail; the lifted restriction."""
        async with reading(self.engine).connect() as connection:
            restriction = (await connection.execute(select(UnitRestriction).where(UnitRestriction.id == restriction_id))).one_or_none()
        if restriction is None:
            raise not_found()
        office = restriction.imposed_by_code
        async with tenant_engine(self.engine, office).begin() as connection:
            lifted = (
                await connection.execute(
                    update(UnitRestriction)
                    .where(UnitRestriction.id == restriction_id, UnitRestriction.lifted_at.is_(None))
                    .values(lifted_at=func.now(), lifted_by=principal.username, lift_note=note)
                    .returning(UnitRestriction)
                )
            ).one_or_none()
            if lifted is None:
                raise DomainError("ALREADY_LIFTED", f"该{RestrictionKind(restriction.kind).label}已经解除", field="restrictionId")
            await record_audit(
                connection,
                office,
                actor=principal.username,
                action="case.restriction_lifted",
                entity="accountability_case",
                entity_id=str(restriction.case_id),
                after={"restriction_id": restriction_id, "kind": restriction.kind, "note": note},
                request_id=request_id,
            )
            await emit(
                connection,
                restriction.tenant_code,
                "accountability.restriction_lifted",
                {"unit_id": restriction.unit_id, "unit_name": restriction.unit_name, "kind": restriction.kind, "note": note},
            )
        return lifted

    @asynccontextmanager
    async def _locked(
        self,
        principal: Principal,
        tenant_code: str,
        case_id: int,
        version: int | None,
        transition: Transition[CaseState],
        note: str | None,
        request_id: str | None,
    ) -> AsyncIterator[Move[CaseState]]:
        """A transaction holding the case locked, once the workflow's checks pass (version — None:
        the act takes none, as an organ's answer —, state, note, guard; who may take the
        transition is declared on the operation)."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            yield await workflow.CASES.lock(
                transition,
                connection,
                select(AccountabilityCase).where(AccountabilityCase.id == case_id).with_for_update(),
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
            )

    # Reading -------------------------------------------------------------------------------

    async def cases(self, tenant_code: str, state: CaseState | None, *, first: int, after: str | None) -> Window[Row]:
        """A page of the office's cases, newest first."""
        query = _with_subject_office()
        if state is not None:
            query = query.where(AccountabilityCase.state == state)
        if after is not None:
            (before,) = decode_cursor(after, int) or ()
            query = query.where(AccountabilityCase.id < before)
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            rows = (await connection.execute(query.order_by(AccountabilityCase.id.desc()).limit(first + 1))).all()
        return window(rows, first, by_id)

    async def case(self, tenant_code: str, case_id: int) -> Row:
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            row = (await connection.execute(_with_subject_office().where(AccountabilityCase.id == case_id))).one_or_none()
        if row is None:
            raise not_found()
        return row

    async def statistics(self, tenant_code: str, by: CaseBreakdown) -> list[Tally]:
        """The number of cases of the office and the offices below it by state or by region (the
        subject unit's office), or of the cases that took each measure; states and measures in
        their declared order, regions by code. Two statements (three by region), whatever the
        subtree: its offices, then one over their schemas."""
        async with reading(self.engine).connect() as connection:
            region = await load_place(connection, tenant_code)
            if region is None:
                raise not_found()
            codes = (
                (
                    await connection.execute(
                        select(Tenant.code).where(
                            in_subtree(region, province=Tenant.province_code, city=Tenant.city_code, code=Tenant.code)
                        )
                    )
                )
                .scalars()
                .all()
            )
            counted = await summed_across(connection, _COUNTED[by], codes, {})
            if by is CaseBreakdown.REGION:
                names = dict((await connection.execute(select(Tenant.code, Tenant.name).where(Tenant.code.in_(counted)))).all())
                return [Tally(code, names.get(code, code), count) for code, count in sorted(counted.items())]
        vocabulary: type[Labelled] = CaseState if by is CaseBreakdown.STATE else MeasureKind
        return [Tally(member.name, member.label, counted[member]) for member in vocabulary if member in counted]

    async def ledger(self, tenant_code: str) -> tuple[str, Sequence[Row]]:
        """The office's name and its case ledger (问责台账), oldest first, with each case's
        findings count, measure kinds and subject office name."""
        measures = (
            select(func.string_agg(CaseMeasure.kind.distinct(), "、")).where(CaseMeasure.case_id == AccountabilityCase.id).scalar_subquery()
        )
        findings = select(func.count()).where(CaseFinding.case_id == AccountabilityCase.id).scalar_subquery()
        query = (
            _with_subject_office()
            .add_columns(measures.label("measure_kinds"), findings.label("finding_count"))
            .order_by(AccountabilityCase.id)
            .limit(MAX_EXPORT_ROWS)
        )
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            office = (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()
            return office, (await connection.execute(query)).all()

    async def unit_status(self, principal: Principal, credit_code: str, today: date) -> list:
        """The units with this credit code the caller may see (credit codes are unique within an
        office only), each with its office, overdue bank findings and active restrictions;
        NOT_FOUND when there is none."""
        async with reading(self.engine).connect() as connection:
            candidates = (
                await connection.execute(
                    select(
                        BankUnit.tenant_code,
                        BankUnit.unit_id,
                        BankUnit.credit_code,
                        BankUnit.name,
                        Tenant.code,
                        Tenant.name.label("office_name"),
                        Tenant.level,
                        Tenant.parent_code,
                        Tenant.province_code,
                        Tenant.city_code,
                    )
                    .join(Tenant, Tenant.code == BankUnit.tenant_code)
                    .where(BankUnit.credit_code == credit_code)
                    .order_by(BankUnit.tenant_code)
                )
            ).all()
            seen = [row for row in candidates if _sees_unit(principal, place_of(row), row.unit_id)]
            if not seen:
                raise not_found()
            keys = [(row.tenant_code, row.unit_id) for row in seen]
            late = {
                (tenant_code, unit_id): count
                for tenant_code, unit_id, count in await connection.execute(
                    select(Problem.tenant_code, Problem.unit_id, func.count().label("count"))
                    .where(tuple_(Problem.tenant_code, Problem.unit_id).in_(keys), overdue(today))
                    .group_by(Problem.tenant_code, Problem.unit_id)
                )
            }
            restrictions = await active_restrictions(connection, keys)
        return [UnitStanding(row, late.get(key, 0), restrictions.get(key, [])) for row, key in zip(seen, keys, strict=True)]


# Per schema, the (key, n) rows a breakdown counts (summed over the subtree).
_COUNTED = {
    CaseBreakdown.STATE: "SELECT state AS key, count(*) AS n FROM {schema}.accountability_case GROUP BY state",
    CaseBreakdown.MEASURE: "SELECT kind AS key, count(DISTINCT case_id) AS n FROM {schema}.case_measure GROUP BY kind",
    CaseBreakdown.REGION: "SELECT subject_tenant_code AS key, count(*) AS n FROM {schema}.accountability_case GROUP BY subject_tenant_code",
}


def _with_subject_office() -> Select:
    return select(AccountabilityCase, Tenant.name.label("subject_office")).join(
        Tenant, Tenant.code == AccountabilityCase.subject_tenant_code
    )


@dataclass(frozen=True)
class UnitStanding:
    unit: Row  # the register's row with its office's name (office_name)
    overdue_findings: int
    restrictions: list[Row]  # active UnitRestriction rows


def _sees_unit(principal: Principal, place: Place, unit_id: int) -> bool:
    if not can_read(principal, place):
        return False
    units = visible_units(principal, place)
    return units is None or unit_id in units


# Batched relations (the GraphQL types' DataLoaders call these) ----------------------------------


def _grouped(rows, key) -> dict:
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


@dataclass(frozen=True)
class MeasureView:
    row: Row  # the case_measure row
    restriction: Row | None  # the freeze or lock it imposed


async def measure_rows(connection: AsyncConnection, case_ids: list[int]) -> dict[int, list[MeasureView]]:
    """case id → its measures in order, each with the restriction it imposed: two statements."""
    rows = (await connection.execute(select(CaseMeasure).where(CaseMeasure.case_id.in_(case_ids)).order_by(CaseMeasure.id))).all()
    imposed = [row.restriction_id for row in rows if row.restriction_id is not None]
    restrictions = {}
    if imposed:
        restrictions = {r.id: r for r in await connection.execute(select(UnitRestriction).where(UnitRestriction.id.in_(imposed)))}
    return _grouped((MeasureView(row, restrictions.get(row.restriction_id)) for row in rows), lambda view: view.row.case_id)


def _bank_rows() -> Select:
    return select(Problem, Tenant.name.label("office_name")).join(Tenant, Tenant.code == Problem.tenant_code)


async def linked_finding_rows(connection: AsyncConnection, case_ids: list[int]) -> dict[int, list]:
    """case id → the problem-bank rows of its findings (with office_name)."""
    query = (
        _bank_rows()
        .add_columns(CaseFinding.case_id)
        .join(CaseFinding, (CaseFinding.tenant_code == Problem.tenant_code) & (CaseFinding.finding_id == Problem.finding_id))
        .where(CaseFinding.case_id.in_(case_ids))
        .order_by(Problem.tenant_code, Problem.finding_id)
    )
    return _grouped(await connection.execute(query), lambda row: row.case_id)


async def earlier_case_rows(connection: AsyncConnection, case_ids: list[int]) -> dict[int, list]:
    """case id → the office's earlier cases (opened before it) about the same subject: the
    same unit (a unit subject: any case about the unit), or the same leader of that unit."""
    case, earlier = AccountabilityCase.__table__.alias("c"), AccountabilityCase.__table__.alias("e")
    query = (
        select(earlier, case.c.id.label("later_id"))
        .join(
            case,
            (case.c.subject_tenant_code == earlier.c.subject_tenant_code)
            & (case.c.subject_unit_id == earlier.c.subject_unit_id)
            & (earlier.c.id < case.c.id)
            & (case.c.leader_name.is_(None) | (case.c.leader_name == earlier.c.leader_name)),
        )
        .where(case.c.id.in_(case_ids))
        .order_by(earlier.c.id.desc())
    )
    return _grouped(await connection.execute(query), lambda row: row.later_id)


async def unit_finding_rows(connection: AsyncConnection, units: list[tuple[str, int]]) -> dict[tuple[str, int], list]:
    """(office, unit id) → the unit's problem-bank rows, newest first."""
    query = (
        _bank_rows()
        .where(tuple_(Problem.tenant_code, Problem.unit_id).in_(units))
        .order_by(Problem.found_on.desc(), Problem.finding_id.desc())
    )
    return _grouped(await connection.execute(query), lambda row: (row.tenant_code, row.unit_id))


async def active_restrictions(connection: AsyncConnection, units: list[tuple[str, int]]) -> dict[tuple[str, int], list]:
    """(office, unit id) → the freezes and locks holding on the unit."""
    query = (
        select(UnitRestriction)
        .where(tuple_(UnitRestriction.tenant_code, UnitRestriction.unit_id).in_(units), UnitRestriction.lifted_at.is_(None))
        .order_by(UnitRestriction.id)
    )
    return _grouped(await connection.execute(query), lambda row: (row.tenant_code, row.unit_id))
