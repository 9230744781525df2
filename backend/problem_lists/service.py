"""Problem lists (问题清单): a province or city office pushes a common problem (a taxonomy
node found within a period in its region) down to offices below it or to inspected units of
its own; each recipient acknowledges (签收) and may file a stamped nil return (无此问题).

Who sees a list: the issuing office's readers (the issuer and the offices above it) see it
whole, with every receipt; a recipient office's members, or a recipient unit's liaison, see
the list, its problems (it was published to them) and only their own receipt.

The list lives in the shared schema; each write is audited in the writing office's trail,
in the same transaction."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.evidence.models import EvidenceFile
from backend.notifications.outbox import emit_many
from backend.units.models import InspectedUnit
from problem_bank.models import Problem, ProblemList, ProblemListItem, ProblemListReceipt
from problem_bank.search import in_region, newest_first
from problem_bank.taxonomy import under
from tenants.access import Place, Principal, Role, forbidden, not_found, reads_subtree, require_subtree_read, require_write
from tenants.divisions import Level
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.models import Tenant
from tenants.registry import offices_below, place_of, readable_place
from tenants.scoping import reading, tenant_engine

PUSHERS = frozenset({Role.ADMIN, Role.INSPECTOR})
PUSHING_LEVELS = frozenset({Level.PROVINCE, Level.CITY})
OFFICE_ACKNOWLEDGERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER})
MAX_ITEMS = 500  # the newest problems of the set; a list is read by people
MAX_RECIPIENTS = 500


class ReceiptState(Labelled):
    AWAITING = "待签收"
    ACKNOWLEDGED = "已签收"
    NIL_RETURN = "无此问题"


@dataclass(frozen=True)
class ListDraft:
    """A checked list to push (texts cleaned, taxonomy code known, period ordered)."""

    issuer_code: str
    title: str
    taxonomy_code: str
    found_from: date
    found_to: date
    note: str
    respond_by: date
    office_codes: tuple[str, ...]
    unit_ids: tuple[int, ...]


@dataclass(frozen=True)
class Readable:
    """A list as one principal may see it: whole (the issuer's readers) or as a recipient."""

    row: Any  # a problem_list row
    whole: bool
    own_receipts: frozenset[int]  # the receipts the principal answers for


class ProblemListService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def push(self, principal: Principal, draft: ListDraft, today: date, request_id: str | None) -> int:
        """A list from the issuer (who may push, at which levels, the operation declares)."""
        issuer = await readable_place(self.engine, principal, draft.issuer_code)
        if draft.respond_by < today:
            raise DomainError("INVALID_DATE", "反馈期限不能早于今天", field="respondBy")
        if not (draft.office_codes or draft.unit_ids):
            raise DomainError("NO_RECIPIENTS", "请至少选择一个下级机构或被检查单位", field="officeCodes")
        if len(draft.office_codes) + len(draft.unit_ids) > MAX_RECIPIENTS:
            raise DomainError("TOO_MANY_RECIPIENTS", f"一份清单最多下发 {MAX_RECIPIENTS} 个对象", field="officeCodes")
        async with tenant_engine(self.engine, issuer.code).begin() as connection:
            recipients = await _offices_below(connection, issuer, draft.office_codes) + await _own_units(connection, issuer, draft.unit_ids)
            items = (
                await connection.execute(
                    select(Problem.tenant_code, Problem.finding_id)
                    .where(
                        in_region(issuer),
                        under(Problem.taxonomy_code, draft.taxonomy_code),
                        Problem.found_on.between(draft.found_from, draft.found_to),
                    )
                    .order_by(*newest_first())
                    .limit(MAX_ITEMS)
                )
            ).all()
            if not items:
                raise DomainError("NO_PROBLEMS", "所选分类和时段内本地区没有问题，无法生成清单", field="taxonomyCode")
            list_id = (
                await connection.execute(
                    insert(ProblemList)
                    .values(
                        issuer_code=issuer.code,
                        title=draft.title,
                        taxonomy_code=draft.taxonomy_code,
                        found_from=draft.found_from,
                        found_to=draft.found_to,
                        note=draft.note,
                        respond_by=draft.respond_by,
                        created_by=principal.username,
                    )
                    .returning(ProblemList.id)
                )
            ).scalar_one()
            await connection.execute(
                insert(ProblemListItem),
                [{"list_id": list_id, "tenant_code": item.tenant_code, "finding_id": item.finding_id} for item in items],
            )
            await connection.execute(insert(ProblemListReceipt), [{"list_id": list_id, **r} for r in recipients])
            notice = {"list_id": list_id, "title": draft.title, "respond_by": draft.respond_by.isoformat(), "note": draft.note}
            events = (
                [(issuer.code, "problem_list.pushed", {**notice, "tenant_codes": list(draft.office_codes)})] if draft.office_codes else []
            )
            events += [(issuer.code, "problem_list.pushed_to_unit", {**notice, "unit_id": unit_id}) for unit_id in draft.unit_ids]
            await emit_many(connection, events)
            await record_audit(
                connection,
                issuer.code,
                actor=principal.username,
                action="problem_list.pushed",
                entity="problem_list",
                entity_id=str(list_id),
                request_id=request_id,
                after={
                    "title": draft.title,
                    "taxonomy_code": draft.taxonomy_code,
                    "items": len(items),
                    "offices": list(draft.office_codes),
                    "units": list(draft.unit_ids),
                },
            )
        return list_id

    async def readable(self, principal: Principal, list_id: int) -> Readable:
        """The list if the principal may see it (NOT_FOUND alike when missing or out of reach)."""
        async with reading(self.engine).connect() as connection:
            row = (
                await connection.execute(
                    select(ProblemList, Tenant.code, Tenant.level, Tenant.parent_code, Tenant.province_code, Tenant.city_code)
                    .join(Tenant, Tenant.code == ProblemList.issuer_code)
                    .where(ProblemList.id == list_id)
                )
            ).one_or_none()
            if row is None:
                raise not_found()
            if reads_subtree(principal, place_of(row)):  # the issuer's readers
                return Readable(row, True, frozenset())
            receipts = (
                await connection.execute(
                    select(ProblemListReceipt.id, ProblemListReceipt.recipient_code, ProblemListReceipt.unit_id).where(
                        ProblemListReceipt.list_id == list_id
                    )
                )
            ).all()
        own = frozenset(r.id for r in receipts if _answers_for(principal, r.recipient_code, r.unit_id))
        if not own:
            raise not_found()
        return Readable(row, False, own)

    async def issued(self, principal: Principal, tenant_code: str, *, first: int, after: int | None) -> list[Readable]:
        """Lists the office issued, newest first (its readers only; liaisons are refused): `first`
        of them after the list `after`, and one more if there is."""
        place = await readable_place(self.engine, principal, tenant_code)
        require_subtree_read(principal, place)
        query = _newest(select(ProblemList).where(ProblemList.issuer_code == tenant_code), first, after)
        async with reading(self.engine).connect() as connection:
            return [Readable(row, True, frozenset()) for row in await connection.execute(query)]

    async def received(self, principal: Principal, tenant_code: str, *, first: int, after: int | None) -> list[Readable]:
        """Lists addressed to the office (or, for a liaison, to its unit), newest first, paged as
        `issued`. Only the recipient's own members ask here; the issuer reads its lists as issued."""
        place = await readable_place(self.engine, principal, tenant_code)
        here = [g for g in principal.grants if g.place.code == place.code]
        addressed = ProblemListReceipt.recipient_code == tenant_code
        if not (principal.is_superuser or any(g.role is not Role.LIAISON for g in here)):
            if not here:
                raise forbidden("只有收件机构本身可以查看其收到的问题清单")
            addressed = and_(addressed, ProblemListReceipt.unit_id.in_([g.unit_id for g in here]))
        query = _newest(select(ProblemList).where(ProblemList.id.in_(select(ProblemListReceipt.list_id).where(addressed))), first, after)
        async with reading(self.engine).connect() as connection:
            lists = (await connection.execute(query)).all()
            receipts = (
                await connection.execute(
                    select(ProblemListReceipt.list_id, ProblemListReceipt.id).where(
                        addressed, ProblemListReceipt.list_id.in_([r.id for r in lists])
                    )
                )
            ).all()
        own: dict[int, set[int]] = {row.id: set() for row in lists}
        for receipt in receipts:
            own[receipt.list_id].add(receipt.id)
        return [Readable(row, False, frozenset(own[row.id])) for row in lists]

    async def acknowledge(self, principal: Principal, receipt_id: int, version: int, request_id: str | None) -> int:
        """签收: 待签收 → 已签收. Answers the list's id."""
        async with self._answering(principal, receipt_id, version) as (connection, receipt):
            if receipt.state != ReceiptState.AWAITING:
                raise DomainError("ALREADY_ANSWERED", f"该清单已{receipt.state}，无需重复签收", field="receiptId")
            await self._answer(connection, principal, receipt, {"state": ReceiptState.ACKNOWLEDGED}, request_id)
        return receipt.list_id

    async def file_nil_return(
        self, principal: Principal, receipt_id: int, version: int, statement: str, scan_sha256: str, request_id: str | None
    ) -> int:
        """无此问题: a stamped statement (a file the principal uploaded to its own office) that
        the recipient found none of the listed problems. Acknowledges the list too."""
        async with self._answering(principal, receipt_id, version) as (connection, receipt):
            if receipt.state == ReceiptState.NIL_RETURN:
                raise DomainError("ALREADY_ANSWERED", "该清单已报送无此问题说明", field="receiptId")
            uploaded = (
                await connection.execute(
                    select(EvidenceFile.sha256).where(EvidenceFile.sha256 == scan_sha256, EvidenceFile.uploaded_by == principal.username)
                )
            ).first()
            if uploaded is None:
                raise DomainError("NOT_FOUND", f"找不到已上传的盖章说明文件 {scan_sha256}，请先上传", field="stampedScanSha256")
            await self._answer(
                connection,
                principal,
                receipt,
                {"state": ReceiptState.NIL_RETURN, "nil_statement": statement, "nil_scan_sha256": scan_sha256},
                request_id,
            )
        return receipt.list_id

    @contextlib.asynccontextmanager
    async def _answering(self, principal: Principal, receipt_id: int, version: int):
        """The receipt, locked, in a transaction addressed to the recipient's schema; refused
        unless the principal answers for it and nobody changed it since `version`."""
        async with reading(self.engine).connect() as connection:
            code = (
                await connection.execute(select(ProblemListReceipt.recipient_code).where(ProblemListReceipt.id == receipt_id))
            ).scalar_one_or_none()
        if code is None:
            raise not_found()
        place = await readable_place(self.engine, principal, code)
        async with tenant_engine(self.engine, code).begin() as connection:
            receipt = (
                await connection.execute(select(ProblemListReceipt).where(ProblemListReceipt.id == receipt_id).with_for_update())
            ).one()
            if not _answers_for(principal, receipt.recipient_code, receipt.unit_id):
                raise not_found()
            if receipt.unit_id is None:
                require_write(principal, place, OFFICE_ACKNOWLEDGERS)
            if receipt.version != version:
                raise DomainError("STALE_VERSION", f"该回执已被他人更新（当前版本 {receipt.version}），请刷新后重试", field="version")
            yield connection, receipt

    @staticmethod
    async def _answer(connection: AsyncConnection, principal: Principal, receipt, values: dict, request_id: str | None) -> None:
        if receipt.acknowledged_at is None:
            values = {**values, "acknowledged_by": principal.username, "acknowledged_at": func.now()}
        await connection.execute(
            update(ProblemListReceipt).where(ProblemListReceipt.id == receipt.id).values(**values, version=ProblemListReceipt.version + 1)
        )
        await record_audit(
            connection,
            receipt.recipient_code,
            actor=principal.username,
            action=f"problem_list.{values['state']}",
            entity="problem_list_receipt",
            entity_id=str(receipt.id),
            before={"state": receipt.state},
            after={"state": values["state"], "list_id": receipt.list_id, "unit_id": receipt.unit_id},
            request_id=request_id,
        )


def _answers_for(principal: Principal, recipient_code: str, unit_id: int | None) -> bool:
    """An office's receipt is answered by its members; a unit's by the unit's liaison."""
    if unit_id is None:
        return any(g.place.code == recipient_code and g.role is not Role.LIAISON for g in principal.grants)
    return any(g.place.code == recipient_code and g.role is Role.LIAISON and g.unit_id == unit_id for g in principal.grants)


async def _offices_below(connection: AsyncConnection, issuer: Place, codes: tuple[str, ...]) -> list[dict]:
    names = await offices_below(connection, issuer, codes, "officeCodes")
    return [{"recipient_code": code, "unit_id": None, "recipient_name": name} for code, name in names.items()]


async def _own_units(connection: AsyncConnection, issuer: Place, unit_ids: tuple[int, ...]) -> list[dict]:
    if not unit_ids:
        return []
    names = dict((await connection.execute(select(InspectedUnit.id, InspectedUnit.name).where(InspectedUnit.id.in_(unit_ids)))).all())
    if missing := [unit_id for unit_id in unit_ids if unit_id not in names]:
        raise DomainError("NOT_FOUND", f"本机构没有 id 为 {missing[0]} 的被检查单位", field="unitIds")
    return [{"recipient_code": issuer.code, "unit_id": unit_id, "recipient_name": names[unit_id]} for unit_id in unit_ids]


def _newest(query, first: int, after: int | None):
    """`first` lists (and one more, if there is) after the list `after` (None: from the newest)."""
    if after is not None:
        query = query.where(ProblemList.id < after)
    return query.order_by(ProblemList.id.desc()).limit(first + 1)


async def receipts_of_lists(connection: AsyncConnection, ids: list[int]) -> dict[int, list]:
    """list id → its receipts, in the order pushed (the caller keeps those the principal may see)."""
    receipts: dict[int, list] = {}
    query = select(ProblemListReceipt).where(ProblemListReceipt.list_id.in_(ids)).order_by(ProblemListReceipt.id)
    for row in await connection.execute(query):
        receipts.setdefault(row.list_id, []).append(row)
    return receipts


async def problems_of_lists(connection: AsyncConnection, ids: list[int]) -> dict[int, list]:
    """list id → its bank rows (with the office's name), newest first."""
    problems: dict[int, list] = {}
    query = (
        select(ProblemListItem.list_id, Problem, Tenant.name.label("office_name"))
        .join(Problem, and_(Problem.tenant_code == ProblemListItem.tenant_code, Problem.finding_id == ProblemListItem.finding_id))
        .join(Tenant, Tenant.code == Problem.tenant_code)
        .where(ProblemListItem.list_id.in_(ids))
        .order_by(ProblemListItem.list_id, *newest_first())
    )
    for row in await connection.execute(query):
        problems.setdefault(row.list_id, []).append(row)
    return problems
