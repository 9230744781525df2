"""The isolation matrix: every role, placed in a county (K), its sibling county (S), its
city (C), its province (P) and another province (O), calls every operation of the schema
with ids belonging to each of those places, and gets exactly the allowed outcome. So do an
anonymous caller, the platform superuser, the city admin through a read-only API token, and
the users of another organ (the 纪委监委, which the 编办 shares nothing with): one of each role
in K's, and an inspector in C's.

An operation joins by being listed once in OPERATIONS; a test fails when the schema has an
operation the matrix does not list."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import orjson
from sqlalchemy import func, insert, select, text

from backend.app import ROUTES
from backend.clues.models import Clue, ClueOrgan
from backend.correspondence.joint import stored
from backend.correspondence.models import (
    Document,
    DocumentAttachment,
    DocumentItem,
    DocumentKind,
    JointApproval,
    JointDraft,
    Recipient,
)
from backend.correspondence.service import Addressee, Draft
from backend.evidence.location import evidence_store
from backend.findings.excel import TEMPLATE_PATH
from backend.identity.models import ApiToken, Membership
from backend.permissions import Access, Reach, declared
from backend.reports_12310.codes import QueryCode
from backend.reviews.models import STAGES
from backend.rounds.models import RoundStage
from backend.schema import schema
from backend.staff.service import STAFF_TEMPLATE_PATH
from problem_bank.models import BulletinJointOrgan
from problem_bank.projection import project
from tenants.access import Role, Scope
from tenants.divisions import Level
from tenants.models import Tenant
from tenants.organs import Organ
from tests.factories import add_round, add_unit
from tests.helpers import create_all, sheet_bytes
from tests.identity import PASSWORD, Api, add_user, error_code, token_for

CODES = {"K": "431321", "S": "431322", "C": "431300", "P": "430000", "O": "440000"}
CONTAINS = {"P": {"P", "C", "K", "S"}, "C": {"C", "K", "S"}, "K": {"K"}, "S": {"S"}, "O": {"O"}}
PARENT = {"P": None, "O": None, "C": "P", "K": "C", "S": "C"}
ROLES = ("admin", "inspector", "reviewer", "publisher", "auditor", "liaison")
# Members of the 纪委监委 of K (every role a partner organ has) and of C (a partner organ of the
# parent region), which the 编办 shares nothing with.
PARTNERS = (("admin", "K"), ("inspector", "K"), ("reviewer", "K"), ("auditor", "K"), ("inspector", "C"))
PARTNER_PLACES = frozenset(place for _, place in PARTNERS)
PLACES = tuple(CODES)


@dataclass
class Actor:
    role: str | None  # None: nobody logged in
    place: str | None
    username: str = ""
    user_id: int = 0
    token: str | None = None
    superuser: bool = False
    read_only: bool = False  # calls through an API token with the READ scope only
    partner: bool = False  # holds its role in its place's 纪委监委, which the 编办 shares nothing with

    def reads(self, target: str) -> bool:
        if self.superuser:
            return True
        if self.partner:
            return False
        if self.role == "liaison":
            return target == self.place
        return target in CONTAINS[self.place]

    def manages_members_of(self, target: str, role: str) -> bool:
        """Own admins manage every role; the parent's admins appoint admins only."""
        if self.superuser:
            return True
        return self.role == "admin" and (self.place == target or (PARENT[target] == self.place and role == "admin"))


@dataclass
class World:
    runtime: object
    grantee: dict[str, int] = field(default_factory=dict)  # place → a member's user id
    victims: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (actor, place) → membership id
    foreign_token: dict[str, int] = field(default_factory=dict)  # place → an API token id of someone there
    partner_organs: dict[str, int] = field(default_factory=dict)  # place → a partner organ's id
    offices: dict[str, int] = field(default_factory=dict)  # place → its 编办's organ id
    referral_organs: dict[str, int] = field(default_factory=dict)  # place → the 纪委监委 (or 组织部) a case is referred to
    counter: itertools.count = field(default_factory=itertools.count)


def read_outcome(actor: Actor, target: str) -> str | None:
    return None if actor.reads(target) else "NOT_FOUND"


def members_outcome(role: str) -> Callable[[Actor, str], str | None]:
    def outcome(actor: Actor, target: str) -> str | None:
        if not actor.reads(target):
            return "NOT_FOUND"
        return None if actor.manages_members_of(target, role) else "FORBIDDEN"

    return outcome


def correspondent_outcome(actor: Actor, target: str) -> str | None:
    """Organs are addressed by the members of any organ of the region, of its parent and of its
    children (liaisons excepted), and by those reading the region from above."""
    if actor.superuser:
        return None
    if actor.role == "liaison":
        return "NOT_FOUND"
    near = {actor.place, PARENT[actor.place]} | {child for child, parent in PARENT.items() if parent == actor.place}
    return None if actor.reads(target) or target in near else "NOT_FOUND"


async def audit_organ(world: World, target: str) -> int:
    """The 审计 organ of the target region (added once)."""
    if target not in world.partner_organs:
        async with world.runtime.engine.begin() as connection:
            world.partner_organs[target] = (
                await connection.execute(
                    insert(Organ).values(tenant_code=CODES[target], kind="审计", **MATRIX_ORGAN_NAMES).returning(Organ.id)
                )
            ).scalar_one()
    return world.partner_organs[target]


async def partner_organ(world: World, actor: Actor, target: str) -> dict:
    return {"id": str(await audit_organ(world, target))}


def organ_named(place: str, kind: str, document_code: str) -> dict:
    """A partner organ of the place, named after its kind."""
    return {
        "tenant_code": CODES[place],
        "kind": kind,
        "name": kind,
        "short_name": kind,
        "document_code": document_code,
        "signature_name": kind,
    }


MATRIX_ORGAN_NAMES = {"name": "审计局", "short_name": "审计局", "document_code": "审", "signature_name": "审计局"}


async def document_to_office(
    world: World, target: str, *, state: str = "已发送", items: int = 0, kind: str = "函请", from_office_to: int | None = None
) -> int:
    """A document from the target region's 审计 organ to its 编办, in `state` there; or (`from_office_to`)
    from its 编办 to that organ."""
    sender, recipient = (
        (world.offices[target], from_office_to) if from_office_to else (await audit_organ(world, target), world.offices[target])
    )
    async with world.runtime.engine.begin() as connection:
        number = 100_000 + next(world.counter)  # beyond the numbers the organs' real documents take
        document = (
            await connection.execute(
                insert(Document)
                .values(
                    kind=kind,
                    sender_organ_id=sender,
                    sender_tenant_code=CODES[target],
                    year=2026,
                    number=number,
                    document_number=f"审函〔2026〕{number}号",
                    subject="函",
                    body="正文",
                    sent_by="matrix",
                )
                .returning(Document.id)
            )
        ).scalar_one()
        await connection.execute(
            insert(Recipient).values(document_id=document, organ_id=recipient, tenant_code=CODES[target], copy="主送", state=state)
        )
        for position in range(1, items + 1):
            await connection.execute(insert(DocumentItem).values(document_id=document, position=position, request="三定规定"))
    return document


def organ_member_outcome(*roles: str) -> Callable[[Actor, str], str | None]:
    """Correspondence of the target's 编办: its members (not liaisons) read it; `roles` handle it.
    Nobody else reaches it, the platform superuser and upper offices included."""

    def outcome(actor: Actor, target: str) -> str | None:
        if actor.superuser or actor.partner or actor.place != target or actor.role == "liaison":
            return "NOT_FOUND"
        return None if not roles or actor.role in roles else "FORBIDDEN"

    return outcome


HANDLING_ROLES = ("admin", "inspector", "reviewer")


async def clue_of_office(world: World, target: str, *, handed_to_office: bool = False) -> int:
    """A clue the target's 编办 registered, or (`handed_to_office`) one its 审计 organ handed to it."""
    office, audit = world.offices[target], await audit_organ(world, target)
    registrar = audit if handed_to_office else office
    async with world.runtime.engine.begin() as connection:
        clue = (
            await connection.execute(
                insert(Clue)
                .values(
                    tenant_code=CODES[target],
                    registered_by_organ_id=registrar,
                    source="审计移送",
                    subject_kind="单位",
                    subject_name="财政局",
                    facts="超编进人",
                    registered_by="matrix",
                    state="已移交" if handed_to_office else "已登记",
                    handling_organ_id=office if handed_to_office else None,
                )
                .returning(Clue.id)
            )
        ).scalar_one()
        await connection.execute(insert(ClueOrgan), [{"clue_id": clue, "organ_id": organ} for organ in {registrar, office}])
    return clue


async def _joint(world: World, target: str, *, led_by_office: bool, approved: bool, organ: bool = False) -> dict:
    draft = await joint_draft_of(world, target, led_by_office=led_by_office, approved=approved)
    return {"id": str(draft), **({"o": str(world.offices[target])} if organ else {})}


async def _clue(world: World, target: str) -> dict:
    return {"id": str(await clue_of_office(world, target))}


async def _clue_and_audit(world: World, target: str) -> dict:
    return {"id": str(await clue_of_office(world, target)), "to": str(await audit_organ(world, target))}


async def _clue_handed_to_office(world: World, target: str) -> dict:
    return {"id": str(await clue_of_office(world, target, handed_to_office=True)), "o": str(world.offices[target])}


async def _handover_to_office(world: World, target: str) -> dict:
    document = await document_to_office(world, target, state="已签收", kind="移交")
    return {"d": str(document), "o": str(world.offices[target])}


async def joint_draft_of(world: World, target: str, *, led_by_office: bool, approved: bool) -> int:
    """A joint notice between the target's 编办 and its 审计 organ, led by one, approved or not by the other."""
    office, audit = world.offices[target], await audit_organ(world, target)
    lead, joint = (office, audit) if led_by_office else (audit, office)
    draft = Draft(lead, DocumentKind.NOTICE, "联合通报", "正文", (Addressee(joint),), joint_organ_ids=(joint,))
    async with world.runtime.engine.begin() as connection:
        draft_id = (
            await connection.execute(
                insert(JointDraft).values(lead_organ_id=lead, draft=stored(draft), proposed_by="matrix").returning(JointDraft.id)
            )
        ).scalar_one()
        await connection.execute(
            insert(JointApproval).values(
                draft_id=draft_id, organ_id=joint, approved_by="matrix" if approved else None, approved_at=func.now() if approved else None
            )
        )
    return draft_id


async def _document(world: World, target: str) -> dict:
    return {"d": str(await document_to_office(world, target))}


async def _office_and_partner(world: World, target: str) -> dict:
    return {"o": str(world.offices[target]), "r": str(await audit_organ(world, target))}


async def _handled(world: World, target: str, state: str, items: int) -> dict:
    return {"d": str(await document_to_office(world, target, state=state, items=items)), "o": str(world.offices[target])}


async def report_12310(world: World, target: str, state: str = "待受理", *, referred: bool = False) -> dict:
    """A 12310 report of the target in `state` (version 1), handled by its 编办; `referred`: by its
    纪委监委 (the partner actors' organ) where there is one, elsewhere by its 审计 organ. `q`: its query code."""
    code = QueryCode.new(CODES[target])
    kind = "纪委监委" if target in PARTNER_PLACES else "审计"
    if referred and target not in PARTNER_PLACES:
        await partner_organ(world, Actor(None, None), target)
    async with world.runtime.engine.begin() as connection:
        report = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.report_12310 (query_digest, reported_unit, content, reporter_name, reporter_contact,"
                    " handling_organ_id, state, due_on) SELECT :d, '财政局', '超编进人', '王举报', '13800000000',"
                    " min(id), :s, '2099-12-31' FROM tenancy.organ WHERE tenant_code = :c AND kind = :k RETURNING id"
                ),
                {"d": code.digest(world.runtime.settings.secret_key), "c": CODES[target], "k": kind if referred else "编办", "s": state},
            )
        ).scalar_one()
    return {"c": CODES[target], "i": str(report), "q": str(code)}


def report_12310_in(state: str, **options) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: report_12310(world, target, state, **options)


async def report_to_move_on(world: World, actor: Actor, target: str) -> dict:
    """A report at 待受理, the 审计 organ of the target to refer it to and the region to transfer
    it to (the parent, a province its child; 广东 has neither here)."""
    nearby = {"P": "C", "C": "P", "K": "C", "S": "C"}.get(target, "P")
    return {**await report_12310(world, target), **await partner_organ(world, actor, target), "r": CODES[nearby]}


def reports_12310_outcome(actor: Actor, target: str) -> str | None:
    """The region's 编办 and the offices above it read its reports (its liaisons do not); a partner
    organ's member reads those referred to its organ (in its own region)."""
    if actor.partner and target == actor.place:
        return None
    return children_outcome(actor, target)


def report_act_outcome(*roles: str) -> Callable[[Actor, str], str | None]:
    """An act on a report the target's 编办 handles: `roles` held in that 编办 (never the superuser's,
    nor a reader's above it)."""

    def outcome(actor: Actor, target: str) -> str | None:
        if not actor.reads(target):
            return "NOT_FOUND"
        return None if actor.place == target and actor.role in roles else "FORBIDDEN"

    return guarded(outcome)


def referred_act_outcome(actor: Actor, target: str) -> str | None:
    """An act on a report referred to a partner organ: its handling members only (the partner actors of that region)."""
    if actor.partner:
        if target != actor.place:
            return "NOT_FOUND"
        return None if actor.role in HANDLING_ROLES else "FORBIDDEN"
    return "FORBIDDEN" if actor.reads(target) else "NOT_FOUND"


REPORT_12310_INPUT = '{reportedUnit: "财政局", content: "超编进人 3 名", reporterName: "王举报"}'
REPORT_12310_FIELDS = "id state version reporterName reporterContact handlingOrganName transferredTo"


def children_outcome(actor: Actor, target: str) -> str | None:
    if not actor.reads(target):
        return "NOT_FOUND"
    return "FORBIDDEN" if actor.role == "liaison" else None


def create_tenant_outcome(actor: Actor, target: str) -> str | None:
    if not actor.reads(target):
        return "NOT_FOUND"
    if not actor.superuser and (actor.role != "admin" or actor.place != target):
        return "FORBIDDEN"
    return "WRONG_PARENT" if target in ("K", "S") else None  # a county has no children


def unit_write_outcome(actor: Actor, target: str) -> str | None:
    if not actor.reads(target):
        return "NOT_FOUND"
    writes = actor.superuser or (actor.place == target and actor.role in ("admin", "inspector"))
    return None if writes else "FORBIDDEN"


async def current_unit_version(world: World, actor: Actor, target: str) -> dict:
    async with world.runtime.engine.connect() as connection:
        version = (await connection.execute(text(f"SELECT version FROM t{CODES[target]}.inspected_unit WHERE id = 1"))).scalar_one()
    return {"c": CODES[target], "v": version, "u": f"UNIT{CODES[target]}"}


UNIT_INPUT = '{creditCode: $u, name: "财政局", unitType: GOVERNMENT, approvedStaffing: [{key: "行政编制", count: 12}]}'


def ledger_outcome(*roles: str) -> Callable[[Actor, str], str | None]:
    """A ledger action: the roles of workflow.py, in the target tenant itself."""

    def outcome(actor: Actor, target: str) -> str | None:
        if not actor.reads(target):
            return "NOT_FOUND"
        return None if actor.superuser or (actor.place == target and actor.role in roles) else "FORBIDDEN"

    return outcome


RECTIFIERS = ("admin", "inspector", "liaison")


async def fresh_finding(world: World, target: str, state: str, *, pending_extension: bool = False) -> dict:
    """A new finding on unit 1 (the liaisons' unit) whose ledger entry is in `state`, version 1."""
    schema = f"t{CODES[target]}"
    closed_at = "now()" if state == "已销号" else "NULL"
    async with world.runtime.engine.begin() as connection:
        finding = (
            await connection.execute(
                text(
                    f"INSERT INTO {schema}.finding (round_id, unit_id, taxonomy_code, taxonomy_version, description, severity, found_on, found_by)"
                    " VALUES (1, 1, 'C03.K01.M01', '2026.1', '超编', '一般', '2026-03-02', 'matrix') RETURNING id"
                )
            )
        ).scalar_one()
        await connection.execute(
            text(
                f"INSERT INTO {schema}.ledger_entry (finding_id, state, deadline, responsible_unit, closed_at)"
                f" VALUES ({finding}, '{state}', '2026-06-30', '财政局', {closed_at})"
            )
        )
        extension = None
        if pending_extension:
            extension = (
                await connection.execute(
                    text(
                        f"INSERT INTO {schema}.extension_request (finding_id, requested_deadline, reason, requested_by)"
                        f" VALUES ({finding}, '2026-09-30', '程序未走完', 'matrix') RETURNING id"
                    )
                )
            ).scalar_one()
    return {"c": CODES[target], "f": str(finding), "x": str(extension)}


async def import_job_of(world: World, actor: Actor, target: str) -> dict:
    """A finished dry-run import of the target's."""
    async with world.runtime.engine.begin() as connection:
        job = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.import_job (sha256, dry_run, state, total, created_by)"
                    " VALUES (repeat('0', 64), true, '完成', 1, 'matrix') RETURNING id"
                )
            )
        ).scalar_one()
    return {"c": CODES[target], "i": str(job)}


async def report_up_of(world: World, target: str, state: str) -> dict:
    """A report of the target's for a period of its own, in `state` (version 1), to its parent
    (a province's, made up, to itself)."""
    period = f"{2000 + next(world.counter) % 100}Q{1 + next(world.counter) % 4}"
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO supervision.report_up (tenant_code, parent_code, period, due_on, state, narrative, prepared_by)"
                " VALUES (:c, :p, :period, '2026-01-10', :s, '本季度整改情况', 'matrix')"
                " ON CONFLICT (tenant_code, period) DO UPDATE SET state = excluded.state, version = 1"
            ),
            {"c": CODES[target], "p": CODES[PARENT[target] or target], "period": period, "s": state},
        )
    return {"c": CODES[target], "p": period}


async def child_report(world: World, actor: Actor, target: str) -> dict:
    """A report a child of the target submitted to it (counties and 广东 have no child here)."""
    child = {"P": "C", "C": "K"}.get(target)
    if child is None:
        return {"u": CODES[target], "c": CODES[target], "p": "2026Q1"}
    return {"u": CODES[target], **await report_up_of(world, child, "已报送")}


def in_state(state: str, **options) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: fresh_finding(world, target, state, **options)


def ledger_action(name: str, arguments: str) -> str:
    return f"mutation($c: String!, $f: ID!) {{ {name}(tenantCode: $c, findingId: $f, version: 1, {arguments}) {{ ledger {{ state }} }} }}"


async def fresh_round(world: World, actor: Actor, target: str) -> dict:
    """A new round of the target office (计划, version 1) over its unit 1, for one move."""
    return await round_at(world, target, RoundStage.PLANNED)


async def round_at(world: World, target: str, stage: RoundStage) -> dict:
    """A new round of the target office over its unit 1, standing at `stage`."""
    return {"c": CODES[target], "r": str(await add_round(world.runtime, CODES[target], [1], stage=stage))}


async def evaluation_at(world: World, target: str, state: str, *, total: bool = False) -> dict:
    """A new evaluation of the target office over its unit 1 (the liaisons' unit) on the example
    system, standing at `state`, version 1; with `total`, its department already assessed."""
    async with world.runtime.engine.begin() as connection:
        evaluation = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.evaluation (kind, name, year, system_id, state, created_by) SELECT '三评合一', '评估',"
                    " 2026, id, :s, 'matrix' FROM evaluation.indicator_system WHERE owner_code IS NULL RETURNING id"
                ),
                {"s": state},
            )
        ).scalar_one()
        await connection.execute(
            text(f"INSERT INTO t{CODES[target]}.evaluation_unit (evaluation_id, unit_id, total, grade) VALUES (:e, 1, :t, :g)"),
            {"e": evaluation, "t": 90 if total else None, "g": "优秀" if total else None},
        )
    return {"c": CODES[target], "e": str(evaluation)}


def evaluation_in(state: str, **options) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: evaluation_at(world, target, state, **options)


async def annual_report_at(world: World, target: str, state: str) -> dict:
    """The target office's 2026 collection (opened once) with one report, of its unit 1, complete,
    in `state`, version 1 (each call starts it afresh)."""
    code = CODES[target]
    content = {
        "approved_staffing": 10,
        "actual_staff": 10,
        "approved_internal_bodies": 3,
        "internal_bodies": 3,
        "leadership_posts": 2,
        "actual_leaders": 2,
        "implementation": "严格执行",
        "discipline": "无违纪",
    }
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO supervision.annual_collection (tenant_code, year, parent_code, due_on, onward_due_on)"
                " SELECT code, 2026, parent_code, '2027-01-31', '2027-02-28' FROM tenancy.tenant WHERE code = :c"
                " ON CONFLICT DO NOTHING"
            ),
            {"c": code},
        )
        await connection.execute(text(f"DELETE FROM t{code}.annual_report WHERE year = 2026"))
        report = (
            await connection.execute(
                text(
                    f"INSERT INTO t{code}.annual_report (year, unit_id, state, content, due_on)"
                    " VALUES (2026, 1, :s, CAST(:b AS jsonb), '2027-01-31') RETURNING id"
                ),
                {"s": state, "b": orjson.dumps(content).decode()},
            )
        ).scalar_one()
    return {"c": code, "i": str(report)}


def annual_report_in(state: str) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: annual_report_at(world, target, state)


async def fresh_draft(world: World, target: str, state: str) -> dict:
    """A new 问题底稿 of round 1 on unit 1 (the liaisons' unit) in `state`, version 1; sent to the
    unit unless it is still 底稿."""
    sent_at = "NULL" if state == "底稿" else "now()"
    async with world.runtime.engine.begin() as connection:
        draft = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.finding_draft (round_id, unit_id, taxonomy_code, taxonomy_version, description,"
                    " severity, rectification_class, found_on, state, sent_at, created_by)"
                    f" VALUES (1, 1, 'C03.K01.M01', '2026.1', '超编', '一般', '限期整改', '2026-03-02', :s, {sent_at}, 'matrix') RETURNING id"
                ),
                {"s": state},
            )
        ).scalar_one()
    return {"c": CODES[target], "d": str(draft)}


async def checklist_item(world: World, target: str, kind: str, answer: str | None) -> dict:
    """An item asked of unit 1 (the liaisons' unit) by a new round of the target at 进驻, answered `answer`."""
    round_id = (await round_at(world, target, RoundStage.STATIONED))["r"]
    async with world.runtime.engine.begin() as connection:
        item = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.checklist_item (round_id, unit_id, kind, position, prompt, answer, explanation)"
                    " VALUES (:r, 1, :k, 1, '编制台账', :a, :e) RETURNING id"
                ),
                {"r": int(round_id), "k": kind, "a": answer, "e": "超编 2 名" if answer else None},
            )
        ).scalar_one()
    return {"c": CODES[target], "r": round_id, "i": str(item)}


def item_of(kind: str, answer: str | None) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: checklist_item(world, target, kind, answer)


async def on_the_spot_draft(world: World, actor: Actor, target: str, *, fixed: bool) -> dict:
    """A 立行立改 draft sent to unit 1 (its 初步反馈), with the unit's fix reported if `fixed`."""
    found = await fresh_draft(world, target, "待确认")
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            text(
                f"UPDATE t{CODES[target]}.finding_draft SET rectification_class = '立行立改',"
                " fix_note = CAST(:note AS text), fixed_at = CAST(:at AS timestamptz) WHERE id = :d"
            ),
            {"note": "已整改" if fixed else None, "at": world.runtime.clock.now() if fixed else None, "d": int(found["d"])},
        )
    return found


def draft_in(state: str) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: fresh_draft(world, target, state)


async def fed_back_problem(
    world: World, target: str, plan_state: str | None = None, report_state: str | None = None, stage: RoundStage = RoundStage.FEEDBACK
) -> dict:
    """A new round of the target office that gave its unit 1 one problem at its 统一反馈, and, with
    `plan_state`, the unit's 整改方案 for it in that state, with `report_state` its 整改情况报告 (version 1)."""
    variables = await round_at(world, target, stage)
    schema, round_id = f"t{CODES[target]}", variables["r"]
    async with world.runtime.engine.begin() as connection:
        finding = (
            await connection.execute(
                text(
                    f"INSERT INTO {schema}.finding (round_id, unit_id, taxonomy_code, taxonomy_version, description, severity, found_on, found_by)"
                    f" VALUES ({round_id}, 1, 'C03.K01.M01', '2026.1', '超编', '一般', '2026-03-02', 'matrix') RETURNING id"
                )
            )
        ).scalar_one()
        await connection.execute(
            text(
                f"INSERT INTO {schema}.ledger_entry (finding_id, state, deadline, responsible_unit) VALUES ({finding}, '挂号', '2026-06-30', '财政局')"
            )
        )
        number = next(world.counter)
        await connection.execute(
            text(
                f"INSERT INTO {schema}.round_feedback (round_id, unit_id, year, number, document_number, addressee, given_on, findings,"
                f" plan_due, report_due, given_by) VALUES ({round_id}, 1, 2026, {number}, '反馈{number}号', '张建华', '2026-03-10', 1,"
                " '2026-03-25', '2026-05-10', 'matrix')"
            )
        )
        plan = None
        if plan_state:
            plan = (
                await connection.execute(
                    text(
                        f"INSERT INTO {schema}.rectification_plan (round_id, unit_id, state, created_by) VALUES ({round_id}, 1, :s, 'matrix') RETURNING id"
                    ),
                    {"s": plan_state},
                )
            ).scalar_one()
            await connection.execute(
                text(
                    f"INSERT INTO {schema}.rectification_task (plan_id, finding_id, measure, responsible_leader, responsible_department, deadline)"
                    f" VALUES ({plan}, {finding}, '逐年消化', '李副局长', '人事科', '2026-12-31')"
                )
            )
        report = None
        if report_state:
            report = (
                await connection.execute(
                    text(
                        f"INSERT INTO {schema}.rectification_report (round_id, unit_id, summary, leader_report, state, created_by)"
                        f" VALUES ({round_id}, 1, '已整改', '已督促', :s, 'matrix') RETURNING id"
                    ),
                    {"s": report_state},
                )
            ).scalar_one()
            await connection.execute(
                text(
                    f"INSERT INTO {schema}.rectification_report_item (report_id, finding_id, progress, account)"
                    f" VALUES ({report}, {finding}, '已完成', '已消化')"
                )
            )
    return {**variables, "f": str(finding), "p": str(plan), "q": str(report)}


async def follow_up_of_closed(world: World, actor: Actor, target: str) -> dict:
    """A 回头看 (at 进驻) of a round whose problem on unit 1 was closed."""
    followed = await fed_back_problem(world, target, stage=RoundStage.ACCEPTANCE)
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            text(f"UPDATE t{CODES[target]}.ledger_entry SET state = '已销号', closed_at = now() WHERE finding_id = :f"),
            {"f": int(followed["f"])},
        )
    follow_up = await add_round(
        world.runtime, CODES[target], [1], kind="回头看", stage=RoundStage.STATIONED, follows_round_id=int(followed["r"])
    )
    return {"c": CODES[target], "r": str(follow_up), "f": followed["f"]}


async def notice_in(world: World, actor: Actor, target: str, state: str | None) -> dict:
    """A new round of the target office with, unless `state` is None, its public notice in that state (version 1)."""
    variables = await round_at(world, target, RoundStage.RECTIFYING)
    notice = None
    if state is not None:
        async with world.runtime.engine.begin() as connection:
            notice = (
                await connection.execute(
                    text(
                        f"INSERT INTO t{CODES[target]}.public_notice (round_id, title, body, state, submitted_by, created_by)"
                        " VALUES (:r, '公告', '正文', :s, 'matrix', 'matrix') RETURNING id"
                    ),
                    {"r": int(variables["r"]), "s": state},
                )
            ).scalar_one()
    return {**variables, "i": str(notice)}


def notice(state: str | None) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: notice_in(world, actor, target, state)


def plan_in(state: str | None) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: fed_back_problem(world, target, state)


def report_in(state: str) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: fed_back_problem(world, target, report_state=state)


TASKS = '[{findingId: $f, measure: "逐年消化", responsibleLeader: "李副局长", responsibleDepartment: "人事科", deadline: "2026-12-31"}]'
DRAFT_INPUT = '{taxonomyCode: "C03.K01.M01", description: "实有人数超过核定编制 2 名", severity: ORDINARY, foundOn: "2026-03-02"}'


async def uploaded_template(world: World, actor: Actor, target: str) -> dict:
    """A shipped import template, uploaded by the actor in the target tenant (its dry run
    reports the example row's unknown unit: a report, not a refusal)."""
    store = evidence_store(world.runtime.settings)
    stored = await store.put("模板.xlsx", _chunks(await asyncio.to_thread(TEMPLATE_PATH.read_bytes)), 1 << 20)
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            text(
                f"INSERT INTO t{CODES[target]}.evidence_file (sha256, uploaded_by, size, content_type)"
                " VALUES (:s, :u, :n, 'application/xlsx') ON CONFLICT DO NOTHING"
            ),
            {"s": stored.sha256, "u": actor.username or "anonymous", "n": stored.size},
        )
    return {"c": CODES[target], "s": stored.sha256}


async def attached_to_office_document(world: World, actor: Actor, target: str) -> dict:
    """A document to the target's 编办 with a PDF attached."""
    document = await document_to_office(world, target)
    stored = await evidence_store(world.runtime.settings).put("附件.pdf", _chunks(b"%PDF-1.4 matrix attachment"), 1 << 20)
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            insert(DocumentAttachment).values(
                document_id=document, sha256=stored.sha256, file_name="附件.pdf", size=stored.size, content_type=stored.content_type
            )
        )
    return {"d": str(document), "s": stored.sha256}


async def _chunks(content: bytes):
    yield content


async def projected_finding(world: World, actor: Actor, target: str) -> dict:
    """A finding of the target in the problem bank, so a problem list pushed from there has an item."""

    finding = await fresh_finding(world, target, "挂号")
    async with world.runtime.engine.begin() as connection:
        await project(connection, CODES[target], finding_ids=[int(finding["f"])])
    return {"c": CODES[target]}


async def problem_list(world: World, issuer: str, recipient: str, unit_id: int | None) -> tuple[int, int]:
    """A list from `issuer` with one receipt (the office `recipient`, or its unit): (list id, receipt id)."""
    async with world.runtime.engine.begin() as connection:
        list_id = (
            await connection.execute(
                text(
                    "INSERT INTO problem_bank.problem_list (issuer_code, title, taxonomy_code, found_from, found_to, note, respond_by, created_by)"
                    " VALUES (:i, '超编问题清单', 'C03.K01', '2026-01-01', '2026-11-01', '', '2099-12-31', 'matrix') RETURNING id"
                ),
                {"i": CODES[issuer]},
            )
        ).scalar_one()
        receipt_id = (
            await connection.execute(
                text(
                    "INSERT INTO problem_bank.problem_list_receipt (list_id, recipient_code, unit_id, recipient_name)"
                    " VALUES (:l, :r, :u, '收件方') RETURNING id"
                ),
                {"l": list_id, "r": CODES[recipient], "u": unit_id},
            )
        ).scalar_one()
    return list_id, receipt_id


async def list_to_unit(world: World, actor: Actor, target: str) -> dict:
    """A list the target issued to its unit 1 (the liaisons' unit): readers of the target see it whole, its liaisons as recipients."""
    return {"l": str((await problem_list(world, target, target, 1))[0])}


SIBLING = {"K": "S", "S": "K"}


async def list_with_neighbours(world: World, actor: Actor, target: str) -> dict:
    """A list from the target's parent (a province's: from itself, to its unit 1) listing a finding
    of the target, of its sibling and of the issuer: the recipient may see only its own."""
    issuer = PARENT[target] or target
    list_id, _ = await problem_list(world, issuer, target, None if PARENT[target] else 1)
    for place in dict.fromkeys(p for p in (target, SIBLING.get(target), issuer) if p):
        finding = int((await fresh_finding(world, place, "挂号"))["f"])
        async with world.runtime.engine.begin() as connection:
            await project(connection, CODES[place], finding_ids=[finding])
            await connection.execute(
                text("INSERT INTO problem_bank.problem_list_item (list_id, tenant_code, finding_id) VALUES (:l, :c, :f)"),
                {"l": list_id, "c": CODES[place], "f": finding},
            )
    return {"l": str(list_id)}


def list_read_outcome(actor: Actor, target: str) -> str | None:
    """The issuer's readers see a list whole; the recipient office's members (a province's unit: its liaison) as recipients."""
    issuer = PARENT[target] or target
    if actor.superuser or (actor.role != "liaison" and actor.reads(issuer)):
        return None
    recipient = not actor.partner and actor.place == target and (actor.role == "liaison") == (PARENT[target] is None)
    return None if recipient else "NOT_FOUND"


async def receipt_of(world: World, actor: Actor, target: str) -> dict:
    """A receipt the target answers: as an office under its parent's list, or (a province) for its unit 1;
    with a stamped statement the actor uploaded to the target."""
    parent = PARENT[target]
    _, receipt_id = await problem_list(world, parent or target, target, None if parent else 1)
    return {"r": str(receipt_id), "s": (await uploaded_template(world, actor, target))["s"]}


def taxonomy_outcome(actor: Actor, target: str) -> str | None:
    """A province's admins add manifestations for it; other offices may not."""
    outcome = ledger_outcome("admin")(actor, target)
    return "FORBIDDEN" if outcome is None and target not in ("P", "O") else outcome


def answer_outcome(actor: Actor, target: str) -> str | None:
    """An office's receipt: its admins, inspectors and reviewers; a unit's: the unit's liaison."""
    if actor.superuser or not actor.reads(target) or actor.place != target:
        return "NOT_FOUND"
    if PARENT[target] is None:
        return None if actor.role == "liaison" else "NOT_FOUND"
    if actor.role == "liaison":
        return "NOT_FOUND"
    return None if actor.role in ("admin", "inspector", "reviewer") else "FORBIDDEN"


def received_outcome(actor: Actor, target: str) -> str | None:
    """Only the recipient's own members (and the superuser) list what it received."""
    if not actor.reads(target):
        return "NOT_FOUND"
    return None if actor.superuser or actor.place == target else "FORBIDDEN"


async def notification_event(world: World, target: str) -> int:
    async with world.runtime.engine.begin() as connection:
        return (
            await connection.execute(
                text("INSERT INTO notify.outbox (tenant_code, event_type, payload) VALUES (:c, 'finding.logged', '{}') RETURNING id"),
                {"c": CODES[target]},
            )
        ).scalar_one()


async def foreign_notification(world: World, actor: Actor, target: str) -> dict:
    """A notification in the inbox of a member of the target (never the actor's own)."""
    event = await notification_event(world, target)
    async with world.runtime.engine.begin() as connection:
        notification = (
            await connection.execute(
                text(
                    "INSERT INTO notify.notification (event_id, user_id, tenant_code, event_type, title, body)"
                    " VALUES (:e, :u, :c, 'finding.logged', '问题已登记', '') RETURNING id"
                ),
                {"e": event, "u": world.grantee[target], "c": CODES[target]},
            )
        ).scalar_one()
    return {"i": str(notification)}


async def dead_delivery(world: World, actor: Actor, target: str) -> dict:
    event = await notification_event(world, target)
    async with world.runtime.engine.begin() as connection:
        delivery = (
            await connection.execute(
                text(
                    "INSERT INTO notify.delivery (event_id, tenant_code, channel, target, state, attempts)"
                    " VALUES (:e, :c, 'email', 'x@example.com', 'dead', 5) RETURNING id"
                ),
                {"e": event, "c": CODES[target]},
            )
        ).scalar_one()
    return {"i": str(delivery)}


async def office_webhook(world: World, actor: Actor, target: str) -> dict:
    async with world.runtime.engine.begin() as connection:
        webhook = (
            await connection.execute(
                text(
                    "INSERT INTO notify.webhook (tenant_code, url, secret) VALUES (:c, 'https://robot.example/send', 'SEC0123456789abcdef')"
                    " RETURNING id"
                ),
                {"c": CODES[target]},
            )
        ).scalar_one()
    return {"i": str(webhook)}


async def escalation_to(world: World, actor: Actor, target: str) -> dict:
    """An open escalation of some office to the target (of the target itself to itself, for a province)."""
    lagging = next((child for child, parent in PARENT.items() if parent == target), target)
    async with world.runtime.engine.begin() as connection:
        escalation = (
            await connection.execute(
                text(
                    "INSERT INTO supervision.escalation (tenant_code, rung, escalated_to, overdue_at_opening)"
                    " VALUES (:l, 1, :t, 12) RETURNING id"
                ),
                {"l": CODES[lagging], "t": CODES[target]},
            )
        ).scalar_one()
        await connection.execute(text("UPDATE supervision.escalation SET closed_at = now() WHERE id = :e"), {"e": escalation})
    return {"e": str(escalation)}


async def letter_to_unit(world: World, actor: Actor, target: str) -> dict:
    """A letter of the target to its unit 1 (the liaisons' unit)."""
    async with world.runtime.engine.begin() as connection:
        letter = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.discipline_letter (kind, year, number, document_number, unit_id, recipient_name,"
                    " recipient_post, subject, body, issued_by) VALUES ('年度函告', 2026, :n, '函〔2026〕', 1, '张三', '局长', '函告', '正文', 'matrix')"
                    " RETURNING id"
                ),
                {"n": next(world.counter) + 1000},
            )
        ).scalar_one()
    return {"c": CODES[target], "i": str(letter)}


async def leader_under_review(world: World, target: str, *, review: bool = True, stages: int = 0) -> dict:
    """A new county-level leader of unit 1 (the liaisons' unit) and a 三责联审 round covering
    that unit; with an open 2026 review of the leader, version 1, holding its first `stages` stages."""
    schema = f"t{CODES[target]}"
    async with world.runtime.engine.begin() as connection:
        leader = (
            await connection.execute(
                text(
                    f"INSERT INTO {schema}.leader (unit_id, name, post, level, appointed_on) VALUES (1, '张三', '局长', '县级', '2020-01-01')"
                    " RETURNING id"
                )
            )
        ).scalar_one()
        round_id = (
            await connection.execute(
                text(
                    f"INSERT INTO {schema}.inspection_round (kind, name, starts_on) VALUES ('三责联审', '三责联审', '2026-03-01') RETURNING id"
                )
            )
        ).scalar_one()
        await connection.execute(text(f"INSERT INTO {schema}.round_unit (round_id, unit_id) VALUES ({round_id}, 1)"))
        review_id = None
        if review:
            review_id = (
                await connection.execute(
                    text(
                        f"INSERT INTO {schema}.leader_review (leader_id, round_id, kind, year, opened_by)"
                        f" VALUES ({leader}, {round_id}, '任中审核', 2026, 'matrix') RETURNING id"
                    )
                )
            ).scalar_one()
            for position, stage in enumerate(STAGES[:stages], start=1):
                await connection.execute(
                    text(
                        f"INSERT INTO {schema}.review_stage (review_id, position, stage, held_on, recorded_by)"
                        f" VALUES ({review_id}, {position}, :s, '2026-03-02', 'matrix')"
                    ),
                    {"s": stage},
                )
    return {"c": CODES[target], "l": str(leader), "r": str(round_id), "i": str(review_id)}


def under_review(**options) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: leader_under_review(world, target, **options)


LEADER_INPUT = '{unitId: "1", name: "李四", post: "局长", level: COUNTY, appointedOn: "2020-01-01"}'


async def case_in(world: World, target: str, state: str, *, unit: int = 1, measured: bool = False) -> int:
    """A case of the target about its unit `unit`, in `state`, version 1; with `measured`, one measure recorded."""
    async with world.runtime.engine.begin() as connection:
        case = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.accountability_case (title, facts, subject_tenant_code, subject_unit_id, subject_unit_name,"
                    " subject_credit_code, state, opened_by) VALUES ('超编问责', '超编', :c, :n, '财政局', :u, :s, 'matrix') RETURNING id"
                ),
                {"c": CODES[target], "n": unit, "u": f"UNIT{CODES[target]}", "s": state},
            )
        ).scalar_one()
        if measured:
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.case_measure (case_id, kind, decided_on, decided_by, content, recorded_by)"
                    " VALUES (:k, '电话提醒', '2026-11-20', '主任办公会', '电话提醒', 'matrix')"
                ),
                {"k": case},
            )
    return case


def case_of(state: str, *, measured: bool = False, fresh_unit: bool = False) -> Callable[[World, Actor, str], Awaitable[dict]]:
    """A case in `state`; with `fresh_unit`, about a unit no other case restricts (one freeze per unit)."""

    async def variables(world: World, actor: Actor, target: str) -> dict:
        unit = 1000 + next(world.counter) if fresh_unit else 1
        return {"c": CODES[target], "i": str(await case_in(world, target, state, unit=unit, measured=measured))}

    return variables


async def referral_organ(world: World, target: str) -> int:
    """The organ a case of the target is referred to: its 纪委监委 where the matrix has one
    (with members), else a 组织部 nobody belongs to (added once)."""
    if target not in world.referral_organs:
        async with world.runtime.engine.begin() as connection:
            world.referral_organs[target] = (
                await connection.execute(insert(Organ).values(organ_named(target, "组织部", "组")).returning(Organ.id))
            ).scalar_one()
    return world.referral_organs[target]


async def case_referable(world: World, actor: Actor, target: str) -> dict:
    """A case of the target in 认定, and the organ it may be referred to."""
    return {"c": CODES[target], "i": str(await case_in(world, target, "认定")), "o": str(await referral_organ(world, target))}


async def case_referred(world: World, actor: Actor, target: str, handling: str = "已签收") -> dict:
    """A case of the target waiting (移送) on the organ its 移交 went to, which signed for it (or: `handling`)."""
    case, organ = await case_in(world, target, "移送"), await referral_organ(world, target)
    document = await document_to_office(world, target, state=handling, kind="移交", from_office_to=organ)
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            text(
                f"INSERT INTO t{CODES[target]}.case_measure (case_id, kind, decided_on, decided_by, content, organ_id, document_id,"
                " recorded_by) VALUES (:k, '移送', '2026-11-20', '编办', '移送', :o, :d, 'matrix')"
            ),
            {"k": case, "o": organ, "d": document},
        )
    return {"c": CODES[target], "i": str(case), "d": str(document), "o": str(organ)}


def referred_organ_outcome(actor: Actor, target: str) -> str | None:
    """The receiving organ's handlers answer; its read-only members may not; nobody else reaches it."""
    if not actor.partner or actor.place != target:
        return "NOT_FOUND"
    return None if actor.role in HANDLING_ROLES else "FORBIDDEN"


def case_act(name: str, note: str = "") -> str:
    return f"mutation($c: String!, $i: ID!) {{ {name}(tenantCode: $c, id: $i, version: 1{note}) {{ state }} }}"


async def restriction_by(world: World, actor: Actor, target: str) -> dict:
    """An active freeze the target imposed (on a unit of its own, a new one each time)."""
    case = await case_in(world, target, "处理")
    async with world.runtime.engine.begin() as connection:
        restriction = (
            await connection.execute(
                text(
                    "INSERT INTO supervision.unit_restriction (tenant_code, unit_id, credit_code, unit_name, kind, imposed_by_code, case_id,"
                    " measure_id, starts_on, lift_conditions, imposed_by) VALUES (:c, :n, 'UNITX', '财政局', '冻结机构编制调整事项', :c, :k, 1,"
                    " '2026-11-20', '整改到位', 'matrix') RETURNING id"
                ),
                {"c": CODES[target], "n": 1000 + next(world.counter), "k": case},
            )
        ).scalar_one()
    return {"r": str(restriction)}


CASE_INPUT = '{title: "超编问责", facts: "超编", subject: {tenantCode: $c, unitId: "1"}}'
PHONE_REMINDER = '{kind: PHONE_REMINDER, decidedOn: "2026-11-20", decidedBy: "主任办公会", content: "电话提醒"}'
FREEZE = '{kind: FREEZE, decidedOn: "2026-11-20", decidedBy: "主任办公会", content: "冻结", liftConditions: "整改到位"}'


async def bulletin_of(world: World, target: str, state: str, *, recipient: bool = False, scope: str | None = None) -> dict:
    """A bulletin of the target in `state` (version 1) with one de-identified case; with `recipient`,
    published by the target's parent (a province: by itself) to the target; with `scope`, sent to that office only."""
    publisher = (PARENT[target] or target) if recipient else target
    published = state in ("已发布", "已撤回")
    async with world.runtime.engine.begin() as connection:
        bulletin = (
            await connection.execute(
                text(
                    "INSERT INTO problem_bank.bulletin (publisher_code, state, title, preface, whole_subtree, year, number, published_at,"
                    " published_title, published_preface, created_by, masks) VALUES (:p, :s, '通报', '导语', :w, :y, :n, :at, :t, :f, 'matrix',"
                    """ '[{"term": "财政局", "placeholder": "某局", "kind": "unit"}]') RETURNING id"""
                ),
                {
                    "p": CODES[publisher],
                    "s": state,
                    "w": scope is None,
                    "y": 2026 if published else None,
                    "n": next(world.counter) + 100_000 if published else None,
                    "at": datetime.now(UTC) if published else None,
                    "t": "通报" if published else None,
                    "f": "导语" if published else None,
                },
            )
        ).scalar_one()
        case = (
            await connection.execute(
                text(
                    "INSERT INTO problem_bank.bulletin_case (bulletin_id, position, source_kind, source_tenant_code, source_id, unit_name,"
                    " unit_placeholder, title, facts, handling, published_unit, published_title, published_facts, published_handling)"
                    " VALUES (:b, 1, 'problem', :c, 1, '财政局', '某县某局', '案例', '案情', '', :u, :t, :f, :h) RETURNING id"
                ),
                {
                    "b": bulletin,
                    "c": CODES[target],
                    "u": "某县某局" if published else None,
                    "t": "案例" if published else None,
                    "f": "案情" if published else None,
                    "h": "" if published else None,
                },
            )
        ).scalar_one()
        if scope is not None:
            await connection.execute(text("INSERT INTO problem_bank.bulletin_scope_office VALUES (:b, :o)"), {"b": bulletin, "o": scope})
        if recipient:
            await connection.execute(
                text("INSERT INTO problem_bank.bulletin_recipient VALUES (:b, :o, '收文机构')"), {"b": bulletin, "o": CODES[target]}
            )
    return {"b": str(bulletin), "k": str(case), "c": CODES[target]}


async def joint_bulletin_of(world: World, target: str) -> dict:
    """An approved bulletin of the target that its own 编办 organ is to co-sign (so the office's
    members stand for a joint organ's)."""
    bulletin = await bulletin_of(world, target, "已审核")
    async with world.runtime.engine.begin() as connection:
        await connection.execute(
            insert(BulletinJointOrgan).values(bulletin_id=int(bulletin["b"]), organ_id=world.offices[target], position=0)
        )
    return {**bulletin, "o": str(world.offices[target])}


async def _office_organ(world: World, target: str) -> dict:
    return {"o": str(world.offices[target])}


def bulletin_in(state: str, **options) -> Callable[[World, Actor, str], Awaitable[dict]]:
    return lambda world, actor, target: bulletin_of(world, target, state, **options)


async def publishable(world: World, actor: Actor, target: str) -> dict:
    """An approved bulletin of the target sent to a child of it (a county or 广东 has none here: NOT_BELOW)."""
    child = {"P": "C", "C": "K"}.get(target, target)
    return await bulletin_of(world, target, "已审核", scope=CODES[child])


async def bank_problem(world: World, actor: Actor, target: str) -> dict:
    """A draft bulletin of the target and a problem of the target's own in the bank to add to it."""

    finding = await fresh_finding(world, target, "挂号")
    async with world.runtime.engine.begin() as connection:
        await project(connection, CODES[target], finding_ids=[int(finding["f"])])
    return {**await bulletin_of(world, target, "草稿"), "f": finding["f"]}


def bulletin_read_outcome(actor: Actor, target: str) -> str | None:
    """A bulletin published to the target: the publisher's readers and the target's own members (not liaisons)."""
    if actor.superuser:
        return None
    if actor.role == "liaison" or actor.role is None or actor.partner:
        return "NOT_FOUND"
    publisher = PARENT[target] or target
    return None if publisher in CONTAINS[actor.place] or actor.place == target else "NOT_FOUND"


def bulletin_received_outcome(actor: Actor, target: str) -> str | None:
    """Only the recipient's own members (not its liaisons) list the bulletins it received."""
    if not actor.reads(target):
        return "NOT_FOUND"
    return None if actor.superuser or (actor.place == target and actor.role != "liaison") else "FORBIDDEN"


async def open_warning(world: World, actor: Actor, target: str) -> dict:
    """A fresh open warning of the target's unit 1 (which its round 1 covers), version 1."""
    async with world.runtime.engine.begin() as connection:
        warning = (
            await connection.execute(
                text(
                    f"INSERT INTO t{CODES[target]}.staffing_warning (unit_id, rule, subject_key, level, measured, allowed)"
                    " VALUES (1, 'over_staffing', :k, 'yellow', 12, 10) RETURNING id"
                ),
                {"k": f"K{next(world.counter)}"},
            )
        ).scalar_one()
    return {"c": CODES[target], "i": str(warning)}


def new_child_code(world: World, target: str) -> str:
    n = next(world.counter) % 60
    return {"P": f"43{40 + n}00", "O": f"44{40 + n}00", "C": f"4313{40 + n}"}.get(target, "431399")


@dataclass(frozen=True)
class Operation:
    name: str
    document: str
    # The outcome for an actor on a target: derived from the operation's declared access (None),
    # or written by hand for a rule the declarations do not say (Reach.SPECIAL, or undeclared).
    expected: Callable[[Actor, str], str | None] | None
    variables: Callable[[World, Actor, str], Awaitable[dict] | dict] = lambda world, actor, target: {}
    targeted: bool = True
    bearer: Callable[[World, Actor], Awaitable[str | None]] | None = None  # default: the actor's token
    then: Callable[[Actor, str], str | None] | None = None  # a domain refusal once the access is granted

    def outcome(self, actor: Actor, target: str) -> str | None:
        if self.expected is not None:
            return self.expected(actor, target)
        return declared_outcome(DECLARED[self.name], actor, target) or (self.then(actor, target) if self.then else None)


LEVELS = {"P": Level.PROVINCE, "O": Level.PROVINCE, "C": Level.CITY, "K": Level.COUNTY, "S": Level.COUNTY}
DECLARED = declared(schema)


def declared_outcome(access: Access, actor: Actor, target: str) -> str | None:
    """What tenants/access.py answers an actor calling an operation declared with `access` on a
    target, written out independently of backend/permissions.py."""
    if access.reach is Reach.ANYONE:
        return None
    if actor.role is None and not actor.superuser:
        return "UNAUTHENTICATED"
    if access.writes and actor.read_only:
        return "FORBIDDEN"
    if access.reach is Reach.OWN:
        return None
    if not actor.reads(target):
        return "NOT_FOUND"
    if access.reach is Reach.SUBTREE and actor.role == "liaison":
        return "FORBIDDEN"
    if access.reach is Reach.OFFICE and not (actor.superuser or (actor.place == target and Role(actor.role) in access.roles)):
        return "FORBIDDEN"
    if access.levels and LEVELS[target] not in access.levels:
        return "FORBIDDEN"
    return None


async def fresh_session(world: World, actor: Actor) -> str | None:
    if actor.read_only:
        return actor.token
    return await token_for(world.runtime, actor.user_id) if actor.username else None


async def refresh_variables(world: World, actor: Actor, target: str) -> dict:
    if not actor.username:
        return {"r": "xrt_not-a-token"}
    pair = await world.runtime.identity().login(actor.username, PASSWORD, None)
    return {"r": pair.refresh_token}


def signed_in(outcome: str | None, *, writes: bool = True) -> Callable[[Actor, str], str | None]:
    return guarded(lambda actor, target: outcome, writes=writes)


def guarded(rule: Callable[[Actor, str], str | None], *, writes: bool = True) -> Callable[[Actor, str], str | None]:
    """Anonymous callers are UNAUTHENTICATED; a read-only token may not call a mutation."""

    def outcome(actor: Actor, target: str) -> str | None:
        if actor.role is None and not actor.superuser:
            return "UNAUTHENTICATED"
        if writes and actor.read_only:
            return "FORBIDDEN"
        return rule(actor, target)

    return outcome


OPERATIONS = [
    Operation("me", "{ me { username } }", None, targeted=False),
    Operation("taxonomy", "{ taxonomy { version categories { code } } }", signed_in(None, writes=False), targeted=False),
    Operation(
        "problems",
        "query($c: String!) { problems(regionCode: $c) { items { tenantCode unitRestrictions { tenantCode unitId } } pageInfo { endCursor } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "bankStatistics",
        "query($c: String!) { bankStatistics(regionCode: $c, by: REGION) { tenantCode: key total } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation("bankTrend", "query($c: String!) { bankTrend(regionCode: $c) { month total } }", None, lambda w, a, t: {"c": CODES[t]}),
    Operation(
        "overdueRanking",
        "query($c: String!) { overdueRanking(regionCode: $c) { items { tenantCode: key overdue } pageInfo { hasNextPage } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "addManifestation",
        'mutation($c: String!, $n: String!) { addManifestation(provinceCode: $c, kindCode: "C03.K01", '
        'name: $n, legalBasis: "省级规定") { code level } }',
        None,
        lambda w, a, t: {"c": CODES[t], "n": f"省增具体表现{next(w.counter)}"},
    ),
    Operation(
        "addKind",
        'mutation($c: String!, $n: String!) { addKind(provinceCode: $c, categoryCode: "C03", name: $n, legalBasis: "省级规定") { code level } }',
        None,
        lambda w, a, t: {"c": CODES[t], "n": f"省增种类{next(w.counter)}"},
    ),
    Operation(
        "quantityKinds",
        "query($c: String!) { quantityKinds(tenantCode: $c) { name unit } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "addQuantityKind",
        'mutation($c: String!, $n: String!) { addQuantityKind(provinceCode: $c, name: $n, unit: "项") { name } }',
        None,
        lambda w, a, t: {"c": CODES[t], "n": f"省增指标{next(w.counter)}"},
    ),
    Operation(
        "commonProblems",
        "query($c: String!) { commonProblems(regionCode: $c, minOffices: 2) { kindCode groups { representative { tenantCode } examples { tenantCode } } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "problemLists",
        "query($c: String!) { problemLists(tenantCode: $c, direction: ISSUED) { items { id } } }",
        guarded(children_outcome, writes=False),
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "problemLists",
        "query($c: String!) { problemLists(tenantCode: $c, direction: RECEIVED) { items { id receipts { state } } } }",
        guarded(received_outcome, writes=False),
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "problemList",
        "query($l: ID!) { problemList(id: $l) { title problems { tenantCode } receipts { recipientCode unitId state } } }",
        guarded(read_outcome, writes=False),
        list_to_unit,
    ),
    Operation(
        "problemList",
        "query($l: ID!) { problemList(id: $l) { problems { tenantCode } elsewhere { taxonomyCode } receipts { recipientCode unitId } } }",
        guarded(list_read_outcome, writes=False),
        list_with_neighbours,
    ),
    Operation(
        "pushProblemList",
        'mutation($c: String!) { pushProblemList(input: {issuerCode: $c, title: "超编问题清单", '
        'taxonomyCode: "C03.K01", foundFrom: "2026-01-01", foundTo: "2026-12-31", respondBy: "2099-12-31", '
        'unitIds: ["1"]}) { id receipts { state } } }',
        None,
        projected_finding,
    ),
    Operation(
        "acknowledgeProblemList",
        "mutation($r: ID!) { acknowledgeProblemList(receiptId: $r, version: 1) { id } }",
        guarded(answer_outcome),
        receipt_of,
    ),
    Operation(
        "fileNilReturn",
        'mutation($r: ID!, $s: String!) { fileNilReturn(receiptId: $r, version: 1, statement: "经自查，无此问题", '
        "stampedScanSha256: $s) { id } }",
        guarded(answer_outcome),
        receipt_of,
    ),
    Operation(
        "disciplineLetters",
        "query($c: String!) { disciplineLetters(tenantCode: $c) { items { id } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "disciplineLetter",
        "query($c: String!, $i: ID!) { disciplineLetter(tenantCode: $c, id: $i) { id readings { username } } }",
        None,
        letter_to_unit,
    ),
    Operation(
        "issueDisciplineLetter",
        'mutation($c: String!) { issueDisciplineLetter(tenantCode: $c, input: {kind: AD_HOC, unitId: "1", '
        'recipientName: "张三", recipientPost: "局长", subject: "函告", body: "正文"}) { id kind } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "markLetterRead",
        "mutation($c: String!, $i: ID!) { markLetterRead(tenantCode: $c, id: $i) { id } }",
        None,
        letter_to_unit,
    ),
    Operation(
        "leaders",
        "query($c: String!) { leaders(tenantCode: $c) { items { id unit { name } } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "reviewPlan",
        "query($c: String!) { reviewPlan(tenantCode: $c, year: 2026) { leader { name } required reason } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "leaderReviews",
        "query($c: String!) { leaderReviews(tenantCode: $c) { items { id leader { name } stages { stage } problems { code } } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "leaderReview",
        "query($c: String!, $i: ID!) { leaderReview(tenantCode: $c, id: $i) { id stages { stage } } }",
        None,
        under_review(),
    ),
    Operation(
        "addLeader",
        "mutation($c: String!) { addLeader(tenantCode: $c, input: " + LEADER_INPUT + ") { id } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "updateLeader",
        "mutation($c: String!, $l: ID!) { updateLeader(tenantCode: $c, id: $l, version: 1, input: " + LEADER_INPUT + ") { version } }",
        None,
        under_review(review=False),
    ),
    Operation(
        "recordLeaderLeaving",
        "mutation($c: String!, $l: ID!) { recordLeaderLeaving(tenantCode: $c, id: $l, version: 1, "
        'leftOn: "2026-03-01", reason: PROMOTED) { version } }',
        None,
        under_review(review=False),
    ),
    Operation(
        "recordDisciplineTalk",
        "mutation($c: String!, $l: ID!) { recordDisciplineTalk(tenantCode: $c, id: $l, version: 1, "
        'input: {heldOn: "2026-03-01", conductedBy: "县委编办主任 李某"}) { version } }',
        None,
        under_review(review=False),
    ),
    Operation(
        "openLeaderReview",
        "mutation($c: String!, $l: ID!, $r: ID!) { openLeaderReview(tenantCode: $c, input: {leaderId: $l, "
        "roundId: $r, year: 2026, kind: IN_TERM}) { id } }",
        None,
        under_review(review=False),
    ),
    Operation(
        "recordReviewStage",
        "mutation($c: String!, $i: ID!) { recordReviewStage(tenantCode: $c, id: $i, version: 1, stage: PRE_NOTICE, "
        'heldOn: "2026-03-02") { version } }',
        None,
        under_review(),
    ),
    Operation(
        "recordReviewProblem",
        "mutation($c: String!, $i: ID!) { recordReviewProblem(tenantCode: $c, id: $i, input: {taxonomyCode: "
        '"C03.K01.M01", description: "超职数配备", severity: ORDINARY, foundOn: "2026-03-02", deadline: "2026-06-30"}) { id } }',
        None,
        under_review(),
    ),
    Operation(
        "closeLeaderReview",
        'mutation($c: String!, $i: ID!) { closeLeaderReview(tenantCode: $c, id: $i, version: 1, conclusion: "履职良好", grade: GOOD) { state } }',
        None,
        under_review(stages=len(STAGES)),
    ),
    Operation(
        "bulletins",
        "query($c: String!) { bulletins(tenantCode: $c, direction: ISSUED) { items { id cases { title } } } }",
        guarded(children_outcome, writes=False),
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "bulletins",
        "query($c: String!) { bulletins(tenantCode: $c, direction: RECEIVED) { items { id recipients { officeCode } } } }",
        guarded(bulletin_received_outcome, writes=False),
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "bulletin",
        "query($b: ID!) { bulletin(id: $b) { title cases { facts original { sourceTenantCode } } recipients { officeCode read } } }",
        guarded(bulletin_read_outcome, writes=False),
        bulletin_in("已发布", recipient=True),
    ),
    Operation(
        "typicalCases",
        "{ typicalCases { items { id title } } }",
        guarded(lambda a, t: "FORBIDDEN" if a.role == "liaison" or a.partner else None, writes=False),
        targeted=False,
    ),
    Operation(
        "createBulletin",
        'mutation($c: String!) { createBulletin(publisherCode: $c, input: {title: "通报", preface: "导语"}) { id } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "updateBulletin",
        'mutation($b: ID!) { updateBulletin(id: $b, version: 1, input: {title: "通报", preface: "新导语"}) { id } }',
        None,
        bulletin_in("草稿"),
    ),
    Operation(
        "addBulletinCase",
        "mutation($b: ID!, $c: String!, $f: ID!) { addBulletinCase(bulletinId: $b, version: 1, "
        'source: {tenantCode: $c, id: $f}, input: {title: "案例"}) { id } }',
        None,
        bank_problem,
    ),
    Operation(
        "updateBulletinCase",
        'mutation($k: ID!) { updateBulletinCase(caseId: $k, version: 1, input: {handling: "诫勉"}) { id } }',
        None,
        bulletin_in("草稿"),
    ),
    Operation(
        "removeBulletinCase",
        "mutation($k: ID!) { removeBulletinCase(caseId: $k, version: 1) { id } }",
        None,
        bulletin_in("草稿"),
    ),
    Operation(
        "ledRounds",
        "query($l: String!) { ledRounds(leaderCode: $l) { tenantCode round { roundId } } }",
        None,
        lambda w, a, t: {"l": CODES[t]},
    ),
    Operation(
        "reportOnSpotFix",
        'mutation($c: String!, $d: ID!) { reportOnSpotFix(tenantCode: $c, id: $d, version: 1, note: "已整改") { version } }',
        None,
        lambda w, a, t: on_the_spot_draft(w, a, t, fixed=False),
    ),
    Operation(
        "confirmOnSpotFix",
        "mutation($c: String!, $d: ID!) { confirmOnSpotFix(tenantCode: $c, id: $d, version: 1) { fixConfirmedBy } }",
        None,
        lambda w, a, t: on_the_spot_draft(w, a, t, fixed=True),
    ),
    Operation(
        "roundChecklist",
        'query($c: String!) { roundChecklist(tenantCode: $c, roundId: "1", kind: MATERIALS) { total items { prompt } } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "setRoundChecklist",
        'mutation($c: String!, $r: ID!) { setRoundChecklist(tenantCode: $c, roundId: $r, unitId: "1", kind: MATERIALS) { total } }',
        None,
        lambda w, a, t: round_at(w, t, RoundStage.STATIONED),
    ),
    Operation(
        "answerChecklistItem",
        "mutation($c: String!, $i: ID!) { answerChecklistItem(tenantCode: $c, id: $i, version: 1, answer: PROVIDED) { answer } }",
        None,
        item_of("materials", None),
    ),
    Operation(
        "reviewChecklistItem",
        "mutation($c: String!, $i: ID!) { reviewChecklistItem(tenantCode: $c, id: $i, version: 1, review: ACCEPTED) { review } }",
        None,
        item_of("materials", "已提供"),
    ),
    Operation(
        "takeUpSelfCheckFinding",
        'mutation($c: String!, $i: ID!) { takeUpSelfCheckFinding(tenantCode: $c, id: $i, version: 1, taxonomyCode: "C03.K01.M01",'
        " severity: ORDINARY) { selfFound } }",
        None,
        item_of("self_check", "不符合"),
    ),
    Operation(
        "reportsUp",
        'query($c: String!) { reportsUp(tenantCode: $c, period: "2026Q3") { own { state } children { tenantCode late } } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "reviewPlanProgress",
        "query($c: String!) { reviewPlanProgress(tenantCode: $c, year: 2026) { code required } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation("reportCalendar", "query($c: String!) { reportCalendar(tenantCode: $c) { cadence } }", None, lambda w, a, t: {"c": CODES[t]}),
    Operation(
        "setReportCalendar",
        "mutation($c: String!) { setReportCalendar(tenantCode: $c, cadence: QUARTERLY, dueDays: 10) { cadence } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "writeReportUp",
        'mutation($c: String!) { writeReportUp(tenantCode: $c, period: "2026Q3", narrative: "本季度整改情况") { own { state } } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
        then=lambda actor, target: "NO_PARENT" if target in ("P", "O") else None,  # a province reports to nobody
    ),
    Operation(
        "submitReportUp",
        "mutation($c: String!, $p: String!) { submitReportUp(tenantCode: $c, period: $p, version: 1) { own { state } } }",
        None,
        lambda w, a, t: report_up_of(w, t, "草稿"),
    ),
    Operation(
        "decideReportUp",
        "mutation($u: String!, $c: String!, $p: String!) { decideReportUp(parentCode: $u, tenantCode: $c, period: $p, version: 1,"
        " accept: true) { children { tenantCode } } }",
        None,
        child_report,
        then=lambda actor, target: "NOT_FOUND" if target in ("K", "S", "O") else None,  # nothing reported to them
    ),
    Operation(
        "roundTerms",
        "query($c: String!) { roundTerms(tenantCode: $c) { planDays } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "setRoundTerms",
        "mutation($c: String!) { setRoundTerms(tenantCode: $c, planDays: 20, reportMonths: 2, acceptanceScored: false) { planDays } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "findingImport",
        "query($c: String!, $i: ID!) { findingImport(tenantCode: $c, id: $i) { state total } }",
        None,
        import_job_of,
    ),
    Operation(
        "markSensitivity",
        "mutation($c: String!, $f: String!) { markSensitivity(tenantCode: $c, kind: FINDING, id: $f, sensitivity: SENSITIVE) }",
        None,
        in_state("挂号"),
    ),
    Operation(
        "auditTrail",
        "query($c: String!) { auditTrail(tenantCode: $c) { items { seq actor action } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "bulletinPreview",
        "query($b: ID!) { bulletinPreview(id: $b) { title masks { term } remainingNames } }",
        guarded(
            lambda actor, target: None if actor.superuser or (actor.role != "liaison" and actor.reads(target)) else "NOT_FOUND",
            writes=False,
        ),
        bulletin_in("草稿"),
    ),
    Operation(
        "markBulletinTerm",
        'mutation($b: ID!) { markBulletinTerm(id: $b, version: 1, term: "财政局", identifying: false) { id } }',
        None,
        bulletin_in("草稿"),
    ),
    Operation(
        "submitBulletin",
        "mutation($b: ID!) { submitBulletin(id: $b, version: 1) { id } }",
        None,
        bulletin_in("草稿"),
    ),
    Operation(
        "approveBulletin",
        "mutation($b: ID!) { approveBulletin(id: $b, version: 1) { id } }",
        None,
        bulletin_in("待审核"),
    ),
    Operation(
        "returnBulletin",
        'mutation($b: ID!) { returnBulletin(id: $b, version: 1, reason: "事实不清") { id } }',
        None,
        bulletin_in("待审核"),
    ),
    Operation(
        "setBulletinJointOrgans",
        "mutation($b: ID!) { setBulletinJointOrgans(id: $b, version: 1, organIds: []) { id } }",
        None,
        bulletin_in("草稿"),
    ),
    Operation(
        "approveJointBulletin",
        "mutation($b: ID!, $o: ID!) { approveJointBulletin(id: $b, organId: $o) { id } }",
        guarded(organ_member_outcome("admin", "reviewer")),
        lambda w, a, t: joint_bulletin_of(w, t),
    ),
    Operation(
        "jointBulletins",
        "query($o: ID!) { jointBulletins(organId: $o) { id } }",
        guarded(organ_member_outcome(), writes=False),
        lambda w, a, t: _office_organ(w, t),
    ),
    Operation(
        "publishBulletin",
        "mutation($b: ID!) { publishBulletin(id: $b, version: 1) { number state } }",
        None,
        publishable,
        then=lambda actor, target: "NOT_BELOW" if target in ("K", "S", "O") else None,  # nobody below to publish to
    ),
    Operation(
        "withdrawBulletin",
        'mutation($b: ID!) { withdrawBulletin(id: $b, version: 1, reason: "需核实") { id } }',
        None,
        bulletin_in("已发布"),
    ),
    Operation(
        "shareTypicalCase",
        "mutation($k: ID!) { shareTypicalCase(caseId: $k) { id } }",
        None,
        bulletin_in("已发布"),
    ),
    Operation(
        "markBulletinRead",
        "mutation($c: String!, $b: ID!) { markBulletinRead(officeCode: $c, id: $b) { id } }",
        None,
        bulletin_in("已发布", recipient=True),
    ),
    Operation(
        "escalations",
        "query($c: String!) { escalations(regionCode: $c, openOnly: false) { items { tenantCode actions { kind } } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "recordEscalationAction",
        'mutation($e: ID!) { recordEscalationAction(escalationId: $e, kind: PHONE_REMINDER, note: "已提醒") }',
        None,
        escalation_to,
    ),
    Operation(
        "accountabilityCases",
        "query($c: String!) { accountabilityCases(tenantCode: $c) { items { tenantCode subject { tenantCode restrictions { tenantCode } } findings { tenantCode } } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "accountabilityCase",
        "query($c: String!, $i: ID!) { accountabilityCase(tenantCode: $c, id: $i) { id findings { tenantCode findingId } "
        "measures { kind } earlierCases { id } subjectFindings { tenantCode findingId } } }",
        None,
        case_of("受理"),
    ),
    Operation(
        "accountabilityStatistics",
        "query($c: String!) { accountabilityStatistics(tenantCode: $c, by: REGION) { key count } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(  # special: the units with the code in the offices the caller reads
        "unitStatus",
        "query($u: String!) { unitStatus(creditCode: $u) { tenantCode overdueFindings staffingFrozen } }",
        guarded(read_outcome, writes=False),
        lambda w, a, t: {"u": f"UNIT{CODES[t]}"},
    ),
    Operation(
        "openAccountabilityCase",
        "mutation($c: String!) { openAccountabilityCase(tenantCode: $c, input: " + CASE_INPUT + ") { id } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation("verifyAccountabilityCase", case_act("verifyAccountabilityCase"), None, case_of("受理")),
    Operation("determineAccountabilityCase", case_act("determineAccountabilityCase", ', note: "超编属实"'), None, case_of("核查")),
    Operation("sendBackAccountabilityCase", case_act("sendBackAccountabilityCase", ', note: "补充核查"'), None, case_of("认定")),
    Operation("decideAccountabilityCase", case_act("decideAccountabilityCase", ', note: "约谈"'), None, case_of("认定")),
    Operation(
        "referAccountabilityCase",
        "mutation($c: String!, $i: ID!, $o: ID!) { referAccountabilityCase(tenantCode: $c, id: $i, version: 1, kind: HANDOVER,"
        ' organId: $o, note: "移送追究局长责任") { state } }',
        None,
        case_referable,
    ),
    Operation(  # special: the receiving organ's handlers
        "answerAccountabilityReferral",
        "mutation($d: ID!, $o: ID!) { answerAccountabilityReferral(documentId: $d, organId: $o,"
        ' input: {note: "给予诫勉", measures: [{kind: ADMONITION, decidedOn: "2026-11-20", content: "给予局长诫勉"}]}) { state } }',
        guarded(referred_organ_outcome),
        case_referred,
    ),
    Operation(
        "takeBackAccountabilityCase",
        case_act("takeBackAccountabilityCase"),
        None,
        lambda w, a, t: case_referred(w, a, t, handling="已退回"),
    ),
    Operation("carryOutAccountabilityCase", case_act("carryOutAccountabilityCase"), None, case_of("处理", measured=True)),
    Operation("closeAccountabilityCase", case_act("closeAccountabilityCase", ', note: "办结"'), None, case_of("落实")),
    Operation("dismissAccountabilityCase", case_act("dismissAccountabilityCase", ', note: "不属于机构编制违规"'), None, case_of("受理")),
    Operation("withdrawAccountabilityCase", case_act("withdrawAccountabilityCase", ', note: "不予追究"'), None, case_of("受理")),
    Operation(
        "recordAccountabilityMeasure",
        "mutation($c: String!, $i: ID!) { recordAccountabilityMeasure(tenantCode: $c, caseId: $i, "
        "version: 1, input: " + PHONE_REMINDER + ") { measures { kind } } }",
        None,
        case_of("处理"),
    ),
    Operation(
        "imposeUnitRestriction",
        "mutation($c: String!, $i: ID!) { imposeUnitRestriction(tenantCode: $c, caseId: $i, "
        "version: 1, input: " + FREEZE + ") { measures { kind } } }",
        None,
        case_of("处理", fresh_unit=True),
    ),
    Operation(
        "liftUnitRestriction",
        'mutation($r: ID!) { liftUnitRestriction(restrictionId: $r, note: "已整改") { active } }',
        None,
        restriction_by,
    ),
    Operation("workingCalendar", "{ workingCalendar(year: 2026) { holidays } }", signed_in(None, writes=False), targeted=False),
    Operation(
        "setWorkingCalendar",
        "mutation { setWorkingCalendar(year: 2026, holidays: [], makeUpWorkdays: []) { holidays } }",
        guarded(lambda a, t: None if a.superuser else "FORBIDDEN"),
        targeted=False,
    ),
    Operation("notifications", "{ notifications { unreadCount items { id eventType } pageInfo { hasNextPage } } }", None, targeted=False),
    Operation("notificationPreferences", "{ notificationPreferences { eventType inApp } }", None, targeted=False),
    Operation("markNotificationsRead", 'mutation { markNotificationsRead(ids: ["1"]) }', None, targeted=False),
    Operation("markAllNotificationsRead", "mutation { markAllNotificationsRead }", None, targeted=False),
    Operation(
        "archiveNotification",
        "mutation($i: ID!) { archiveNotification(id: $i) }",
        None,
        foreign_notification,
        then=lambda a, t: "NOT_FOUND",  # another user's notification, as if it did not exist
    ),
    Operation(
        "setNotificationPreference",
        "mutation { setNotificationPreference(eventType: LEDGER_CLOSED, inApp: true, email: false) { email } }",
        None,
        targeted=False,
    ),
    Operation("setNotificationEmail", 'mutation { setNotificationEmail(email: "someone@example.com") }', None, targeted=False),
    Operation(
        "deliveries",
        "query($c: String!) { deliveries(tenantCode: $c, states: [DEAD]) { items { id state channel } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation("resendDelivery", "mutation($i: ID!) { resendDelivery(deliveryId: $i) }", None, dead_delivery),
    Operation(
        "webhooks",
        "query($c: String!) { webhooks(tenantCode: $c) { id url eventTypes } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "addWebhook",
        'mutation($c: String!) { addWebhook(tenantCode: $c, url: "https://robot.example/send", secret: "SEC0123456789abcdef", '
        "eventTypes: [FINDING_LOGGED]) }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation("removeWebhook", "mutation($i: ID!) { removeWebhook(id: $i) }", None, office_webhook),
    Operation("tenant", "query($c: String!) { tenant(code: $c) { code } }", None, lambda w, a, t: {"c": CODES[t]}),
    Operation(
        "tenants",
        "query($c: String) { tenants(parentCode: $c) { items { code } } }",
        guarded(children_outcome, writes=False),
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "login",
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
        None,
        lambda w, a, t: {"u": a.username or "nobody", "p": PASSWORD},
        targeted=False,
        bearer=lambda w, a: _none(),
        then=lambda a, t: "INVALID_CREDENTIALS" if not a.username else None,
    ),
    Operation(
        "activateAccount",
        'mutation($u: String!) { activateAccount(username: $u, activationCode: "ABCD-EFGH-JKMN", password: "Matrix-pass-1") }',
        None,
        lambda w, a, t: {"u": a.username or "nobody"},
        targeted=False,
        bearer=lambda w, a: _none(),
        then=lambda a, t: "INVALID_ACTIVATION_CODE",  # nobody holds a code: every account is active already
    ),
    Operation(
        "refresh",
        "mutation($r: String!) { refresh(refreshToken: $r) { accessToken } }",
        None,
        refresh_variables,
        targeted=False,
        bearer=lambda w, a: _none(),
        then=lambda a, t: "UNAUTHENTICATED" if not a.username else None,
    ),
    Operation("logout", "mutation { logout }", None, targeted=False, bearer=fresh_session),
    Operation(
        "createTenant",
        'mutation($c: String!, $p: String) { createTenant(code: $c, name: "测试单位", parentCode: $p) { code } }',
        guarded(create_tenant_outcome),
        lambda w, a, t: {"c": new_child_code(w, t), "p": CODES[t]},
    ),
    Operation(
        "createUser",
        """mutation($u: String!, $c: String!) { createUser(input: {username: $u, displayName: "新用户",
              tenantCode: $c, role: ADMIN}) { userId } }""",
        guarded(members_outcome("admin")),
        lambda w, a, t: {"u": f"new{next(w.counter)}", "c": CODES[t]},
    ),
    Operation(
        "grantMembership",
        "mutation($u: ID!, $c: String!) { grantMembership(userId: $u, tenantCode: $c, role: REVIEWER) }",
        guarded(members_outcome("reviewer")),
        lambda w, a, t: {"u": str(w.grantee[t]), "c": CODES[t]},
    ),
    Operation(
        "revokeMembership",
        "mutation($m: ID!) { revokeMembership(membershipId: $m) }",
        guarded(members_outcome("admin")),
        lambda w, a, t: {"m": str(w.victims[(a.username + ("_ro" if a.read_only else ""), t)])},
    ),
    Operation(
        "organs",
        "query($c: String!) { organs(tenantCode: $c) { id kind name } }",
        guarded(correspondent_outcome, writes=False),
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "addOrgan",
        'mutation($c: String!, $n: String!) { addOrgan(tenantCode: $c, kind: OTHER, names: {name: $n, documentCode: "矩"}) { id } }',
        None,
        lambda w, a, t: {"c": CODES[t], "n": f"矩阵机关{next(w.counter)}"},
    ),
    Operation("changeOrgan", 'mutation($id: ID!) { changeOrgan(id: $id, names: {documentCode: "审计"}) { id } }', None, partner_organ),
    Operation(
        "correspondence",
        "query($o: ID!) { correspondence(organId: $o) { id documentNumber } }",
        guarded(organ_member_outcome(), writes=False),
        lambda w, a, t: {"o": str(w.offices[t])},
    ),
    Operation(
        "correspondenceDocument",
        "query($d: ID!) { correspondenceDocument(id: $d) { id recipients { state } } }",
        guarded(organ_member_outcome(), writes=False),
        lambda w, a, t: _document(w, t),
    ),
    Operation(
        "sendDocument",
        """mutation($o: ID!, $r: ID!) { sendDocument(input: {senderOrganId: $o, kind: NOTICE, subject: "通知", body: "正文",
              recipients: [{organId: $r}]}) { id } }""",
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _office_and_partner(w, t),
    ),
    Operation(
        "handleDocument",
        "mutation($d: ID!, $o: ID!) { handleDocument(documentId: $d, organId: $o, action: SIGN) { id } }",
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _handled(w, t, "已发送", 0),
    ),
    Operation(
        "answerDocumentItem",
        'mutation($d: ID!, $o: ID!) { answerDocumentItem(documentId: $d, organId: $o, position: 1, answer: "见附件") { id } }',
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _handled(w, t, "已签收", 1),
    ),
    Operation(
        "organWork",
        "query($o: ID!) { organWork(organId: $o) { sent { kind count } clues { state count } } }",
        guarded(organ_member_outcome(), writes=False),
        lambda w, a, t: {"o": str(w.offices[t])},
    ),
    Operation(
        "jointDocumentDraft",
        "query($id: ID!) { jointDocumentDraft(id: $id) { id state } }",
        guarded(organ_member_outcome(), writes=False),
        lambda w, a, t: _joint(w, t, led_by_office=True, approved=False),
    ),
    Operation(
        "proposeJointDocument",
        """mutation($o: ID!, $r: ID!) { proposeJointDocument(input: {senderOrganId: $o, kind: NOTICE, subject: "联合通报", body: "正文",
              recipients: [{organId: $r}]}, jointOrganIds: [$r]) { id } }""",
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _office_and_partner(w, t),
    ),
    Operation(
        "approveJointDocument",
        "mutation($id: ID!, $o: ID!) { approveJointDocument(id: $id, organId: $o) { id } }",
        guarded(organ_member_outcome("admin", "reviewer")),
        lambda w, a, t: _joint(w, t, led_by_office=False, approved=False, organ=True),
    ),
    Operation(
        "issueJointDocument",
        "mutation($id: ID!) { issueJointDocument(id: $id) { id } }",
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _joint(w, t, led_by_office=True, approved=True),
    ),
    Operation(
        "clues",
        "query($o: ID!) { clues(organId: $o) { id state } }",
        guarded(organ_member_outcome(), writes=False),
        lambda w, a, t: {"o": str(w.offices[t])},
    ),
    Operation(
        "clue",
        "query($id: ID!) { clue(id: $id) { id facts } }",
        guarded(organ_member_outcome(), writes=False),
        lambda w, a, t: _clue(w, t),
    ),
    Operation(
        "registerClue",
        """mutation($o: ID!) { registerClue(input: {organId: $o, source: DAILY, subjectKind: UNIT, subjectName: "财政局",
              facts: "超编进人"}) { id } }""",
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: {"o": str(w.offices[t])},
    ),
    Operation(
        "handOverClue",
        "mutation($id: ID!, $to: ID!) { handOverClue(id: $id, toOrganId: $to) { id state } }",
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _clue_and_audit(w, t),
    ),
    Operation(
        "reportClueResult",
        "mutation($id: ID!, $o: ID!) { reportClueResult(id: $id, organId: $o, result: PRELIMINARY) { id state } }",
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _clue_handed_to_office(w, t),
    ),
    Operation(
        "determineHandover",
        'mutation($d: ID!, $o: ID!) { determineHandover(documentId: $d, organId: $o, reason: "不属于机构编制问题") { id } }',
        guarded(organ_member_outcome(*HANDLING_ROLES)),
        lambda w, a, t: _handover_to_office(w, t),
    ),
    Operation(
        "submitReport12310",
        "mutation($c: String!) { submitReport12310(tenantCode: $c, input: " + REPORT_12310_INPUT + ") { queryCode } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation("report12310Status", "query($q: String!) { report12310Status(code: $q) { state answer } }", None, report_12310_in("已受理")),
    Operation(
        "reports12310",
        "query($c: String!) { reports12310(tenantCode: $c) { items { " + REPORT_12310_FIELDS + " } } }",
        guarded(reports_12310_outcome, writes=False),
        report_12310_in("待受理", referred=True),
    ),
    Operation(
        "report12310",
        "query($c: String!, $i: ID!) { report12310(tenantCode: $c, id: $i) { " + REPORT_12310_FIELDS + " } }",
        guarded(children_outcome, writes=False),
        report_12310_in("待受理"),
    ),
    Operation(
        "report12310",
        "query($c: String!, $i: ID!) { report12310(tenantCode: $c, id: $i) { " + REPORT_12310_FIELDS + " } }",
        guarded(reports_12310_outcome, writes=False),
        report_12310_in("已受理", referred=True),
    ),
    Operation(
        "moveReport12310",
        "mutation($c: String!, $i: ID!) { moveReport12310(tenantCode: $c, id: $i, version: 1, action: ACCEPT) { state } }",
        report_act_outcome("admin", "inspector", "reviewer"),
        report_12310_in("待受理"),
    ),
    Operation(
        "moveReport12310",
        'mutation($c: String!, $i: ID!) { moveReport12310(tenantCode: $c, id: $i, version: 1, action: ANSWER, note: "已责令纠正") { state } }',
        report_act_outcome("admin", "reviewer"),
        report_12310_in("已核查"),
    ),
    Operation(
        "moveReport12310",
        'mutation($c: String!, $i: ID!) { moveReport12310(tenantCode: $c, id: $i, version: 1, action: VERIFY, note: "属实") { state } }',
        guarded(referred_act_outcome),
        report_12310_in("已受理", referred=True),
    ),
    Operation(
        "referReport12310",
        "mutation($c: String!, $i: ID!, $id: ID!) { referReport12310(tenantCode: $c, id: $i, version: 1, organId: $id) { "
        + REPORT_12310_FIELDS
        + " } }",
        report_act_outcome("admin", "inspector", "reviewer"),
        report_to_move_on,
    ),
    Operation(
        "transferReport12310",
        "mutation($c: String!, $i: ID!, $r: String!) { transferReport12310(tenantCode: $c, id: $i, version: 1, regionCode: $r) { "
        + REPORT_12310_FIELDS
        + " } }",
        lambda actor, target: (
            report_act_outcome("admin", "inspector", "reviewer")(actor, target) or ("INVALID_REGION" if target == "O" else None)
        ),  # 广东 has no parent or child here
        report_to_move_on,
    ),
    Operation("issueApiToken", 'mutation { issueApiToken(name: "矩阵", scopes: [READ]) { id } }', None, targeted=False),
    Operation("units", "query($c: String!) { units(tenantCode: $c) { items { id } } }", None, lambda w, a, t: {"c": CODES[t]}),
    Operation(
        "unit",
        'query($c: String!) { unit(tenantCode: $c, id: "1") { name openWarnings { level } restrictions { tenantCode unitId imposedByCode } } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "staffingWarnings",
        "query($c: String!) { staffingWarnings(tenantCode: $c, filter: {state: null}) { items { id level } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "warningThresholds",
        "query($c: String!) { warningThresholds(tenantCode: $c) { rule yellowAt } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "staffingPlan",
        'query($c: String!) { staffingPlan(tenantCode: $c, unitId: "1") { unitName categories { vacant vacantAfter } offRoll } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "setWarningThreshold",
        "mutation($c: String!) { setWarningThreshold(provinceCode: $c, rule: OVER_STAFFING, yellowAt: 1, redAt: 3) { rule } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "convertWarningToFinding",
        "mutation($c: String!, $i: ID!) { convertWarningToFinding(tenantCode: $c, id: $i, "
        'version: 1, roundId: "1", deadline: "2099-12-31") { id } }',
        None,
        open_warning,
    ),
    Operation(
        "createUnit",
        "mutation($c: String!, $u: String!) { createUnit(tenantCode: $c, input: " + UNIT_INPUT + ") { id } }",
        None,
        lambda w, a, t: {"c": CODES[t], "u": f"NEW{next(w.counter):08d}"},
    ),
    Operation(
        "updateUnit",
        'mutation($c: String!, $v: Int!, $u: String!) { updateUnit(tenantCode: $c, id: "1", version: $v, input: '
        + UNIT_INPUT
        + ") { version } }",
        None,
        current_unit_version,
    ),
    Operation(
        "rounds",
        "query($c: String!) { rounds(tenantCode: $c) { items { id unitIds } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "round",
        'query($c: String!) { round(tenantCode: $c, id: "1") { name } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "selfChecks",
        'query($c: String!) { selfChecks(tenantCode: $c, roundId: "1") { items { content } } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "moveRound",
        'mutation($c: String!, $r: ID!) { moveRound(tenantCode: $c, id: $r, version: 1, action: PREPARE, note: "方案已定") { stage } }',
        None,
        fresh_round,
    ),
    Operation(
        "yearStatistics",
        "query($c: String!) { yearStatistics(tenantCode: $c, year: 2026) { offices problems { total } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "annualReports",
        "query($c: String!) { annualReports(tenantCode: $c, year: 2026) { units reports { unitId } } }",
        None,
        annual_report_in("未报送"),
    ),
    Operation(
        "childAnnualReports",
        "query($c: String!) { childAnnualReports(tenantCode: $c, year: 2026) { tenantCode } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "openAnnualReports",
        "mutation($c: String!) { openAnnualReports(tenantCode: $c, year: 2026) { units } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "saveAnnualReport",
        """mutation($c: String!, $i: ID!) { saveAnnualReport(tenantCode: $c, id: $i, version: 1, input: {actualStaff: 3}) { units } }""",
        None,
        annual_report_in("未报送"),
    ),
    Operation(
        "submitAnnualReport",
        "mutation($c: String!, $i: ID!) { submitAnnualReport(tenantCode: $c, id: $i, version: 1) { submitted } }",
        None,
        annual_report_in("未报送"),
    ),
    Operation(
        "reviewAnnualReport",
        "mutation($c: String!, $i: ID!) { reviewAnnualReport(tenantCode: $c, id: $i, version: 1, accept: true) { accepted } }",
        None,
        annual_report_in("已报送"),
    ),
    Operation(
        "reportAnnualOnward",
        'mutation($c: String!) { reportAnnualOnward(tenantCode: $c, year: 2026, narrative: "已汇总") { units } }',
        None,
        annual_report_in("已审核"),
        then=lambda actor, target: "NO_PARENT" if target in ("P", "O") else None,  # a province reports to nobody
    ),
    Operation("indicatorSystem", "query($c: String!) { indicatorSystem(tenantCode: $c) { name } }", None, lambda w, a, t: {"c": CODES[t]}),
    Operation(
        "publishIndicatorSystem",
        """mutation($c: String!) { publishIndicatorSystem(tenantCode: $c, name: "指标体系", indicators: [
            {code: "I1", level: FIRST, name: "规定执行"}, {code: "I1.1", parentCode: "I1", level: SECOND, name: "党管机构编制"},
            {code: "I1.1.1", parentCode: "I1.1", level: THIRD, name: "报批"},
            {code: "I1.1.1.1", parentCode: "I1.1.1", level: POINT, name: "按程序报批", maxScore: 100}]) { version } }""",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation("evaluations", "query($c: String!) { evaluations(tenantCode: $c) { name } }", None, evaluation_in("方案")),
    Operation(
        "evaluation",
        "query($c: String!, $e: ID!) { evaluation(tenantCode: $c, id: $e) { name departments { unitId total } } }",
        None,
        evaluation_in("评估"),
    ),
    Operation(
        "createEvaluation",
        """mutation($c: String!) { createEvaluation(tenantCode: $c, input: {kind: COMBINED, name: "评估", year: 2026, unitIds: ["1"]}) {
            id } }""",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "moveEvaluation",
        "mutation($c: String!, $e: ID!) { moveEvaluation(tenantCode: $c, id: $e, version: 1, action: START_SELF) { state } }",
        None,
        evaluation_in("方案"),
    ),
    Operation(
        "feedBackEvaluation",
        "mutation($c: String!, $e: ID!) { feedBackEvaluation(tenantCode: $c, id: $e, version: 1) { state } }",
        None,
        evaluation_in("评估", total=True),
    ),
    Operation(
        "saveSelfAssessment",
        """mutation($c: String!, $e: ID!) { saveSelfAssessment(tenantCode: $c, evaluationId: $e, unitId: "1",
            answers: [{code: "I2.1.1.1", text: "已履行"}]) { id } }""",
        None,
        evaluation_in("自评"),
    ),
    Operation(
        "scoreEvaluation",
        """mutation($c: String!, $e: ID!) { scoreEvaluation(tenantCode: $c, evaluationId: $e, unitId: "1",
            scores: [{code: "I1.1.1.1", score: 5}]) { id } }""",
        None,
        evaluation_in("评估"),
    ),
    Operation(
        "recordSatisfaction",
        """mutation($c: String!, $e: ID!) { recordSatisfaction(tenantCode: $c, evaluationId: $e, results: [{unitId: "1", score: 80}]) {
            id } }""",
        None,
        evaluation_in("评估"),
    ),
    Operation(
        "setInspectionPlan",
        'mutation($c: String!, $r: ID!) { setInspectionPlan(tenantCode: $c, id: $r, version: 1, input: {scope: "县直部门"}) { scope } }',
        None,
        fresh_round,
    ),
    Operation(
        "announceStationing",
        'mutation($c: String!, $r: ID!) { announceStationing(tenantCode: $c, id: $r, version: 1, input: {phone: "0738-6822123", '
        'mailbox: "信箱", receivingFrom: "2026-09-01", receivingTo: "2026-09-30"}) { version } }',
        None,
        lambda w, a, t: round_at(w, t, RoundStage.STATIONED),
    ),
    Operation(
        "roundDashboard",
        "query($c: String!) { roundDashboard(tenantCode: $c) { roundId stage latePlanUnitIds } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "inspectionCoverage",
        'query($c: String!) { inspectionCoverage(tenantCode: $c, termStart: "2024-01-01", termEnd: "2028-12-31") { units notCovered { unitId } } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "unitInspectionHistory",
        'query($c: String!) { unitInspectionHistory(tenantCode: $c, unitId: "1") { name stage findings } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "roundStageHistory",
        'query($c: String!) { roundStageHistory(tenantCode: $c, roundId: "1") { toStage actor } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "draftFindings",
        'query($c: String!) { draftFindings(tenantCode: $c, roundId: "1") { items { id unitId } } }',
        None,
        draft_in("待确认"),
    ),
    Operation(
        "draftFindingHistory",
        "query($c: String!, $d: ID!) { draftFindingHistory(tenantCode: $c, id: $d) { action } }",
        None,
        draft_in("待确认"),
    ),
    Operation(
        "createDraftFinding",
        'mutation($c: String!, $r: ID!) { createDraftFinding(tenantCode: $c, roundId: $r, unitId: "1", input: '
        + DRAFT_INPUT
        + ") { id } }",
        None,
        lambda w, a, t: round_at(w, t, RoundStage.STATIONED),
    ),
    Operation(
        "reviseDraftFinding",
        "mutation($c: String!, $d: ID!) { reviseDraftFinding(tenantCode: $c, id: $d, version: 1, input: " + DRAFT_INPUT + ") { id } }",
        None,
        draft_in("底稿"),
    ),
    Operation(
        "moveDraftFinding",
        "mutation($c: String!, $d: ID!) { moveDraftFinding(tenantCode: $c, id: $d, version: 1, action: SEND) { state } }",
        None,
        draft_in("底稿"),
    ),
    Operation(
        "answerDraftFinding",
        'mutation($c: String!, $d: ID!) { answerDraftFinding(tenantCode: $c, id: $d, version: 1, answer: DISPUTE, note: "附任免文件") { state } }',
        None,
        draft_in("待确认"),
    ),
    Operation(
        "feedBackRound",
        'mutation($c: String!, $r: ID!) { feedBackRound(tenantCode: $c, roundId: $r, addressee: "张建华") { documentNumber unitId } }',
        None,
        lambda w, a, t: round_at(w, t, RoundStage.REPORTING),
    ),
    Operation(
        "rectificationPlans",
        'query($c: String!) { rectificationPlans(tenantCode: $c, roundId: "1") { id unitId } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "saveRectificationPlan",
        'mutation($c: String!, $r: ID!, $f: ID!) { saveRectificationPlan(tenantCode: $c, roundId: $r, unitId: "1", tasks: '
        + TASKS
        + ") { state unitId } }",
        None,
        plan_in(None),
    ),
    Operation(
        "submitRectificationPlan",
        "mutation($c: String!, $p: ID!) { submitRectificationPlan(tenantCode: $c, id: $p, version: 1) { state } }",
        None,
        plan_in("填报中"),
    ),
    Operation(
        "decideRectificationPlan",
        "mutation($c: String!, $p: ID!) { decideRectificationPlan(tenantCode: $c, id: $p, version: 1, decision: APPROVE) { state } }",
        None,
        plan_in("已报送"),
    ),
    Operation(
        "rectificationReports",
        'query($c: String!) { rectificationReports(tenantCode: $c, roundId: "1") { id unitId } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "saveRectificationReport",
        'mutation($c: String!, $r: ID!, $f: ID!) { saveRectificationReport(tenantCode: $c, roundId: $r, unitId: "1", summary: "已整改", '
        'leaderReport: "已督促", items: [{findingId: $f, progress: DONE, account: "已消化"}]) { state unitId } }',
        None,
        plan_in(None),
    ),
    Operation(
        "submitRectificationReport",
        "mutation($c: String!, $q: ID!) { submitRectificationReport(tenantCode: $c, id: $q, version: 1) { state } }",
        None,
        report_in("填报中"),
    ),
    Operation(
        "reviewRectificationReport",
        "mutation($c: String!, $q: ID!, $f: ID!) { reviewRectificationReport(tenantCode: $c, id: $q, version: 1, "
        "verdicts: [{findingId: $f, verdict: ACCEPTED}]) { state } }",
        None,
        report_in("已报送"),
    ),
    Operation(
        "returnRectificationReport",
        'mutation($c: String!, $q: ID!) { returnRectificationReport(tenantCode: $c, id: $q, version: 1, note: "请补充佐证材料") { state } }',
        None,
        report_in("已报送"),
    ),
    Operation(
        "acceptances",
        'query($c: String!) { acceptances(tenantCode: $c, roundId: "1") { unitId closed } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "recordAcceptance",
        'mutation($c: String!, $r: ID!, $f: ID!) { recordAcceptance(tenantCode: $c, roundId: $r, unitId: "1", acceptedOn: "2026-04-01", '
        'conclusion: "已整改到位", close: [$f]) { closed unitId } }',
        None,
        lambda w, a, t: fed_back_problem(w, t, stage=RoundStage.RECTIFYING),
    ),
    Operation(
        "followUpChecklist",
        "query($c: String!, $r: ID!) { followUpChecklist(tenantCode: $c, roundId: $r) { items { findingId unitId } } }",
        None,
        follow_up_of_closed,
    ),
    Operation(
        "recordFollowUp",
        "mutation($c: String!, $r: ID!, $f: ID!) { recordFollowUp(tenantCode: $c, roundId: $r, findingId: $f, outcome: CONSOLIDATED, "
        'note: "走访核实") { consolidated } }',
        None,
        follow_up_of_closed,
    ),
    Operation(
        "inspectionReport",
        'query($c: String!) { inspectionReport(tenantCode: $c, roundId: "1", unitId: "1") { title } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "wordInspectionReport",
        'mutation($c: String!) { wordInspectionReport(tenantCode: $c, roundId: "1", addressee: "巡察办", opening: "基本情况", '
        'closing: "意见建议") { title } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "publicNotice",
        "query($c: String!, $r: ID!) { publicNotice(tenantCode: $c, roundId: $r) { title } }",
        None,
        notice("草稿"),
    ),
    Operation(
        "composePublicNotice",
        "mutation($c: String!, $r: ID!) { composePublicNotice(tenantCode: $c, roundId: $r) { state } }",
        None,
        notice(None),
    ),
    Operation(
        "editPublicNotice",
        'mutation($c: String!, $i: ID!) { editPublicNotice(tenantCode: $c, id: $i, version: 1, title: "公告", text: "正文") { state } }',
        None,
        notice("草稿"),
    ),
    Operation(
        "submitPublicNotice",
        "mutation($c: String!, $i: ID!) { submitPublicNotice(tenantCode: $c, id: $i, version: 1) { state } }",
        None,
        notice("草稿"),
    ),
    Operation(
        "decidePublicNotice",
        "mutation($c: String!, $i: ID!) { decidePublicNotice(tenantCode: $c, id: $i, version: 1, decision: APPROVE) { state } }",
        None,
        notice("待审批"),
    ),
    Operation(
        "publishPublicNotice",
        "mutation($c: String!, $i: ID!) { publishPublicNotice(tenantCode: $c, id: $i, version: 1) { state } }",
        None,
        notice("已批准"),
    ),
    Operation(
        "roundFeedbacks",
        'query($c: String!) { roundFeedbacks(tenantCode: $c, roundId: "1") { documentNumber unitId } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "createRound",
        'mutation($c: String!) { createRound(tenantCode: $c, input: {kind: PATROL_INSPECTION, name: "第二轮巡察", startsOn: "2026-06-01", unitIds: ["1"]}) { id } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "createLedRound",
        "mutation($l: String!, $c: String!) { createLedRound(leaderCode: $l, tenantCode: $c, input: {kind: INSPECTION_TOUR, "
        'name: "省委巡视", startsOn: "2026-06-01", unitIds: ["1"]}) { id ledBy } }',
        None,
        lambda w, a, t: {"l": CODES[t], "c": CODES["K"]},
        then=lambda actor, target: None if target in ("P", "C") else "NOT_FOUND",  # only over a lower office's units
    ),
    Operation(
        "submitSelfCheck",
        'mutation($c: String!) { submitSelfCheck(tenantCode: $c, roundId: "1", unitId: "1", content: "已对照三定规定自查，未发现超编。") { id } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "findings",
        "query($c: String!) { findings(tenantCode: $c) { items { id unitId ledger { state } } } }",
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "logFinding",
        'mutation($c: String!) { logFinding(tenantCode: $c, input: {roundId: "1", unitId: "1", '
        'taxonomyCode: "C03.K01.M01", description: "实有人数超过核定编制 2 名", severity: ORDINARY, '
        'foundOn: "2026-03-02", deadline: "2026-06-30"}) { id } }',
        None,
        lambda w, a, t: {"c": CODES[t]},
    ),
    Operation(
        "finding",
        "query($c: String!, $f: ID!) { finding(tenantCode: $c, id: $f) { id unit { name } round { name } } }",
        None,
        in_state("挂号"),
    ),
    Operation("reportProgress", ledger_action("reportProgress", 'note: "已清退"'), None, in_state("挂号")),
    Operation("requestCloseOut", ledger_action("requestCloseOut", 'note: "已整改"'), None, in_state("整改中")),
    Operation("closeOut", ledger_action("closeOut", 'note: "属实"'), None, in_state("申请销号")),
    Operation("sendBack", ledger_action("sendBack", 'reason: "未完成"'), None, in_state("申请销号")),
    Operation(
        "reopenLedger",
        ledger_action("reopenLedger", 'reason: "反弹"'),
        None,
        in_state("已销号"),
    ),
    Operation(
        "updateRectificationPlan",
        ledger_action("updateRectificationPlan", 'input: {measures: "清退"}'),
        None,
        in_state("整改中"),
    ),
    Operation(
        "setDeadline",
        ledger_action("setDeadline", 'deadline: "2026-08-31"'),
        None,
        in_state("挂号"),
    ),
    Operation(
        "requestExtension",
        ledger_action("requestExtension", 'deadline: "2026-08-31", reason: "程序"'),
        None,
        in_state("整改中"),
    ),
    Operation(
        "decideExtension",
        "mutation($c: String!, $x: ID!) { decideExtension(tenantCode: $c, extensionId: $x, approve: true) { id } }",
        None,
        in_state("整改中", pending_extension=True),
    ),
    Operation(
        "importFindings",
        "mutation($c: String!, $s: String!) { importFindings(tenantCode: $c, sha256: $s) { state report { errors { code } } } }",
        None,
        uploaded_template,
    ),
    Operation(
        "revokeApiToken",
        "mutation($i: ID!) { revokeApiToken(id: $i) }",
        None,
        lambda w, a, t: {"i": str(w.foreign_token[t])},
        then=lambda a, t: "NOT_FOUND",  # someone else's token
    ),
]


# Subscriptions run over a websocket, not the matrix's HTTP calls; each is a user's own stream
# (no tenant argument) and its refusal of anonymous callers is tested where it is.
OVER_WEBSOCKET = {"notificationAdded": "tests/test_subscriptions.py"}


async def _none() -> None:
    return None


def test_hand_written_oracles_are_kept_for_special_rules_only():
    """Every operation the plain reaches describe has its outcome derived from its declaration."""
    assert [op.name for op in OPERATIONS if op.expected is not None and DECLARED[op.name].reach is not Reach.SPECIAL] == []


def test_every_operation_of_the_schema_is_in_the_matrix():
    graphql_schema = schema._schema
    roots = (graphql_schema.query_type, graphql_schema.mutation_type, graphql_schema.subscription_type)
    in_schema = {name for root in roots if root is not None for name in root.fields}
    assert in_schema == {op.name for op in OPERATIONS} | set(OVER_WEBSOCKET)


# Fields of an answer naming the office an object belongs to: a caller must read that office.
# (issuerCode, publisherCode, imposedByCode and escalatedTo name an office above the caller
# that sent or did something to it, and may.)
SCOPED = frozenset({"tenantCode", "officeCode", "sourceTenantCode", "recipientCode", "subjectTenantCode"})
PLACE_OF = {code: place for place, code in CODES.items()}


def reads_code(actor: Actor, code: str) -> bool:
    """Does the actor read the office `code` (one of the world's, or a child opened during the run)?"""
    if code in PLACE_OF:
        return actor.reads(PLACE_OF[code])
    parent = "C" if code.startswith(CODES["C"][:4]) else "P" if code.startswith(CODES["P"][:2]) else "O"
    return actor.superuser or (actor.role not in (None, "liaison") and not actor.partner and parent in CONTAINS[actor.place])


def out_of_scope(actor: Actor, answer: object, key: str = "") -> list[str]:
    """What an allowed answer shows beyond the actor's reach: offices it does not read, and for a
    liaison any unit but its own (unit 1), at any depth of the answer."""
    if isinstance(answer, dict):
        return [leak for name, value in answer.items() for leak in out_of_scope(actor, value, name)]
    if isinstance(answer, list):
        return [leak for item in answer for leak in out_of_scope(actor, item, key)]
    if key in SCOPED and isinstance(answer, str) and not reads_code(actor, answer):
        return [f"{key}={answer}"]
    if key == "unitId" and actor.role == "liaison" and answer not in ("1", None):
        return [f"unitId={answer}"]
    return []


async def build_world(runtime) -> tuple[World, list[Actor]]:
    await create_all(runtime, "430000", "431300", "431321", "431322", "440000")
    for code in CODES.values():
        # unit 1 of each tenant (the liaisons' unit) and round 1 over it
        await add_round(
            runtime, code, [await add_unit(runtime, code, "财政局", f"UNIT{code}")], name="第一轮巡察", starts_on=date(2026, 3, 1)
        )
    world = World(runtime)
    async with runtime.engine.connect() as connection:
        offices = dict((await connection.execute(select(Organ.tenant_code, Organ.id).where(Organ.kind == "编办"))).all())
    world.offices = {place: offices[code] for place, code in CODES.items()}
    actors = [Actor(None, None)]
    for role, place in itertools.product(ROLES, PLACES):
        actor = Actor(role, place, username=f"{role}_{place}")
        actor.user_id = await add_user(runtime, actor.username, (CODES[place], role, 1 if role == "liaison" else None))
        actor.token = await token_for(runtime, actor.user_id)
        actors.append(actor)
    root = Actor(None, None, username="root", superuser=True)
    root.user_id = await add_user(runtime, "root", superuser=True)
    root.token = await token_for(runtime, root.user_id)
    city_admin = next(a for a in actors if a.role == "admin" and a.place == "C")
    read_token = Actor("admin", "C", username="admin_C", user_id=city_admin.user_id, read_only=True)
    identity = runtime.identity()
    read_token.token = (
        await identity.issue_api_token(
            await identity.authenticate(city_admin.token), name="只读", scopes=[Scope.READ], expires_in_days=1, source_ip=None
        )
    ).token
    partners = [Actor(role, place, username=f"partner_{role}_{place}", partner=True) for role, place in PARTNERS]
    async with runtime.engine.begin() as connection:
        discipline = {
            place: (await connection.execute(insert(Organ).values(organ_named(place, "纪委监委", "纪")).returning(Organ.id))).scalar_one()
            for place in PARTNER_PLACES
        }
    world.referral_organs.update(discipline)
    for partner in partners:
        partner.user_id = await add_user(runtime, partner.username)
        async with runtime.engine.begin() as connection:
            await connection.execute(
                insert(Membership).values(
                    user_id=partner.user_id, tenant_code=CODES[partner.place], organ_id=discipline[partner.place], role=partner.role
                )
            )
        partner.token = await token_for(runtime, partner.user_id)
    actors += [root, read_token, *partners]
    for place, code in CODES.items():
        world.grantee[place] = await add_user(runtime, f"grantee_{place}", (code, "inspector", None))
        owner = await add_user(runtime, f"owner_{place}", (code, "inspector", None))
        async with runtime.engine.begin() as connection:
            world.foreign_token[place] = (
                await connection.execute(
                    insert(ApiToken)
                    .values(user_id=owner, name="x", token_hash=b"x", scopes=["read"], expires_at=func.now() + text("interval '1 day'"))
                    .returning(ApiToken.id)
                )
            ).scalar_one()
        for actor in actors:
            victim = await add_user(
                runtime, f"victim_{actor.username or 'anon'}{'_ro' if actor.read_only else ''}_{place}", (code, "admin", None)
            )
            async with runtime.engine.connect() as connection:
                world.victims[(actor.username + ("_ro" if actor.read_only else ""), place)] = (
                    await connection.execute(select(Membership.id).where(Membership.user_id == victim))
                ).scalar_one()
    return world, actors


async def test_isolation_matrix(runtime, tmp_path):
    # Generous rate limits: the matrix is one client making thousands of calls.
    runtime = dataclasses.replace(
        runtime,
        settings=dataclasses.replace(
            runtime.settings,
            data_dir=tmp_path,
            edge=dataclasses.replace(
                runtime.settings.edge,
                login_attempts_per_minute=10_000,
                mutations_per_minute=10_000,
                reports_per_minute=10_000,
                report_queries_per_minute=10_000,
                costly_per_minute=100_000,  # the bank's reads cost; one actor makes them all
            ),
            webhook_allowed_hosts=frozenset({"robot.example"}),  # an office's robot, trusted: nothing to resolve
        ),
    )
    world, actors = await build_world(runtime)
    mismatches = []
    calls = 0
    async with Api(runtime) as api:
        for operation in OPERATIONS:
            for actor in actors:
                for target in PLACES if operation.targeted else ("-",):
                    variables = operation.variables(world, actor, target)
                    if hasattr(variables, "__await__"):
                        variables = await variables
                    token = await operation.bearer(world, actor) if operation.bearer else actor.token
                    result = await api.call(operation.document, token, **variables)
                    calls += 1
                    expected, got = operation.outcome(actor, target), error_code(result)
                    if expected != got:
                        mismatches.append(
                            f"{operation.name} by {actor.username or 'anonymous'} on {target}: expected {expected}, got {got} {result.get('errors')}"
                        )
                    elif got is None and (leaks := out_of_scope(actor, result["data"])):
                        mismatches.append(f"{operation.name} by {actor.username or 'anonymous'} on {target} shows {leaks[:5]}")
    assert not mismatches, f"{len(mismatches)} of {calls} calls:\n" + "\n".join(mismatches[:40])
    async with runtime.engine.connect() as connection:
        created = (await connection.execute(select(func.count()).select_from(Tenant))).scalar_one()
    assert created == len(CODES) + 3 + 3  # the admins of P, C and O and the superuser (on P, C, O) opened a child


# ---- HTTP routes ------------------------------------------------------------------------------

STATUS = {None: {200, 201}, "NOT_FOUND": {404}, "FORBIDDEN": {403}, "UNAUTHENTICATED": {401}}


@dataclass(frozen=True)
class Route:
    """A route of app.ROUTES called by every actor on every place (`{…}` in the path filled from
    `variables`); expected: the outcome its declaration gives, or a hand oracle."""

    method: str
    path: str
    variables: Callable[[World, Actor, str], Awaitable[dict] | dict] = lambda world, actor, target: {"c": CODES[target]}
    body: bytes | None = None
    expected: Callable[[Actor, str], str | None] | None = None
    targeted: bool = True


ROUTE_MATRIX = [
    Route("GET", "/healthz", targeted=False),
    Route("GET", "/readyz", targeted=False),
    Route("GET", "/metrics", targeted=False),
    Route("GET", "/graphiql/{n}", lambda world, actor, target: {"n": "react.production.min.js"}, targeted=False),
    Route("GET", "/templates/findings.xlsx", targeted=False),
    Route("GET", "/templates/staff.xlsx", targeted=False),
    Route("POST", "/evidence/{c}?name=%E6%9D%90%E6%96%99.pdf", body=b"%PDF-1.4 matrix"),
    Route("GET", "/evidence/{c}/{s}", uploaded_template),
    Route("GET", "/exports/{c}/ledger.xlsx"),
    Route("GET", "/exports/{c}/accountability.xlsx"),
    Route("GET", "/exports/{c}/statistics.xlsx?year=2026"),
    Route("GET", "/exports/{c}/statistics.docx?year=2026"),
    Route("GET", "/letters/{c}/{i}/print", letter_to_unit),
    Route("GET", "/reviews/{c}/{i}/report", under_review()),
    Route("GET", "/reviews/{c}/summary.docx?year=2026"),
    Route("GET", "/bulletins/{b}/print", bulletin_in("已发布", recipient=True), expected=guarded(bulletin_read_outcome, writes=False)),
    Route("GET", "/bulletins/{b}/pdf", bulletin_in("已发布", recipient=True), expected=guarded(bulletin_read_outcome, writes=False)),
    Route("POST", "/imports/{c}/staff", body=STAFF_TEMPLATE_PATH.read_bytes()),  # a dry run: its example row's unit is unknown
    Route("POST", "/report/{c}", body=orjson.dumps({"reportedUnit": "财政局", "content": "超编进人 3 名"})),
    Route("GET", "/rounds/{c}/{r}/report.docx?unit=1", lambda w, a, t: round_at(w, t, RoundStage.REPORTING)),
    Route("GET", "/rounds/{c}/{r}/report.pdf", lambda w, a, t: round_at(w, t, RoundStage.REPORTING)),
    Route("POST", "/evaluations/{c}/{e}/satisfaction", evaluation_in("评估"), body=sheet_bytes([("被评估部门", "满意度"), ("财政局", 80)])),
    Route("GET", "/evaluations/{c}/{e}/results.xlsx", evaluation_in("已反馈", total=True)),
    Route("GET", "/evaluations/{c}/{e}/report.docx?unit=1", evaluation_in("已反馈", total=True)),
    Route("GET", "/evaluations/{c}/{e}/report.pdf", evaluation_in("已反馈", total=True)),
    Route(
        "POST",
        "/correspondence/files?organId={o}&name=%E9%99%84%E4%BB%B6.pdf",
        lambda w, a, t: {"o": str(w.offices[t])},
        body=b"%PDF-1.4 matrix",
        expected=guarded(organ_member_outcome(*HANDLING_ROLES)),
    ),
    Route("GET", "/correspondence/{d}/files/{s}", attached_to_office_document, expected=guarded(organ_member_outcome(), writes=False)),
    Route("GET", "/correspondence/{d}/print.docx", lambda w, a, t: _document(w, t), expected=guarded(organ_member_outcome(), writes=False)),
    Route("GET", "/correspondence/{d}/print.pdf", lambda w, a, t: _document(w, t), expected=guarded(organ_member_outcome(), writes=False)),
]


def route_key(method: str, path: str) -> tuple[str, str]:
    """A route's method and its path with the parameters' names only ({c} ~ {tenant_code:str})."""
    return method, re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])


def test_every_route_is_in_the_route_matrix_and_declares_its_access():
    declared = {
        route_key(method, path): route.opt.get("access") for route in ROUTES for method in route.http_methods for path in route.paths
    }
    assert set(declared) == {route_key(r.method, r.path) for r in ROUTE_MATRIX}
    assert not [key for key, access in declared.items() if access is None]


async def test_isolation_matrix_of_the_http_routes(runtime, tmp_path):
    runtime = dataclasses.replace(
        runtime,
        settings=dataclasses.replace(
            runtime.settings, data_dir=tmp_path, edge=dataclasses.replace(runtime.settings.edge, reports_per_minute=10_000)
        ),
    )
    world, actors = await build_world(runtime)
    access = {route_key(method, path): route.opt["access"] for route in ROUTES for method in route.http_methods for path in route.paths}
    mismatches, calls = [], 0
    async with Api(runtime) as api:
        for route in ROUTE_MATRIX:
            for actor in actors:
                for target in PLACES if route.targeted else ("P",):
                    variables = route.variables(world, actor, target)
                    if hasattr(variables, "__await__"):
                        variables = await variables
                    headers = {"Authorization": f"Bearer {actor.token}"} if actor.token else {}
                    response = await api.client.request(route.method, route.path.format(**variables), content=route.body, headers=headers)
                    calls += 1
                    declared = access[route_key(route.method, route.path)]
                    expected = route.expected(actor, target) if route.expected else declared_outcome(declared, actor, target)
                    if response.status_code not in STATUS[expected]:
                        mismatches.append(
                            f"{route.method} {route.path} by {actor.username or 'anonymous'} on {target}: "
                            f"expected {expected}, got {response.status_code} {response.text[:200]}"
                        )
    assert not mismatches, f"{len(mismatches)} of {calls} calls:\n" + "\n".join(mismatches[:40])
