"""The organs of a region (机关): the 机构编制委员会办公室 that a tenant is created with, and the
partner organs its admins add — the 巡视/巡察工作领导小组办公室 with its 巡察组, the 组织部, the
纪委监委, the 审计 office and others. Users belong to an organ; a role is held in an organ.

The 编办 owns the region's supervision data. A partner organ's users see what is sent to their
organ; they read the 编办's records only when the 编办 shares them with that organ, and then
read-only (as auditors). Each organ has its official full name, a short name, the 机关代字 its
document numbers begin with (双编办〔2026〕3号) and the name it signs and seals with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from tenants.access import Role
from tenants.divisions import Level
from tenants.labelled import Labelled, sql_values
from tenants.models import RegistryBase, Tenant


class OrganKind(Labelled):
    OFFICE = "编办", "机构编制委员会办公室"
    INSPECTION_OFFICE = "巡察办", "巡视巡察工作领导小组办公室"
    INSPECTION_TEAM = "巡察组", "巡视巡察组"
    ORGANIZATION = "组织部", "组织部"
    DISCIPLINE = "纪委监委", "纪律检查委员会、监察委员会"
    AUDIT = "审计", "审计机关"
    OTHER = "其他", "其他机关"


# The roles a partner organ's users hold: its admins, its 经办 (handling what is sent to it), its
# 审核 (signing off what it sends) and read-only accounts. Liaisons answer the 编办 for their unit,
# and bulletins are the 编办's to publish.
PARTNER_ORGAN_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER, Role.AUDITOR})

KINDS_SQL = sql_values(OrganKind)


class Organ(RegistryBase):
    __tablename__ = "organ"
    __table_args__ = (
        UniqueConstraint("tenant_code", "name", name="organ_name_key"),
        CheckConstraint(f"kind IN ({KINDS_SQL})", name="organ_kind"),
        CheckConstraint("(kind = '巡察组') = (parent_organ_id IS NOT NULL)", name="organ_team_under_office"),
        CheckConstraint("kind <> '编办' OR NOT shares_office_data", name="organ_office_owns_its_data"),
        Index("organ_one_office_key", "tenant_code", unique=True, postgresql_where=text("kind = '编办'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(ForeignKey(Tenant.code))
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))  # 中共双峰县委机构编制委员会办公室
    short_name: Mapped[str] = mapped_column(String(32))  # 双峰县委编办
    document_code: Mapped[str] = mapped_column(String(16))  # 机关代字: 双编办
    signature_name: Mapped[str] = mapped_column(String(100))  # 署名、印章
    parent_organ_id: Mapped[int | None] = mapped_column(ForeignKey("organ.id"))  # a 巡察组's 巡察办
    shares_office_data: Mapped[bool] = mapped_column(server_default="false")  # reads the 编办's records, read-only
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


@dataclass(frozen=True)
class OrganNames:
    name: str
    short_name: str
    document_code: str
    signature_name: str


# 省级行政区的简称, the first character of a province's 机关代字 (湘编办, 粤编办).
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "内蒙古", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip


def default_names(kind: OrganKind, region: str, code: str, level: Level) -> OrganNames | None:
    """The names an organ of `kind` usually has in region `region` (its admins may change them);
    None for the kinds named one by one (a 巡察组, an 其他机关)."""
    party = f"中共{region}{'委员会' if region.endswith('自治区') else '委'}"
    abbreviation = PROVINCE_ABBREVIATIONS.get(code[:2], region[0]) if level is Level.PROVINCE else region[0]
    inspection = "巡视" if level is Level.PROVINCE else "巡察"
    match kind:
        case OrganKind.OFFICE:
            names = (f"{party}机构编制委员会办公室", f"{region}委编办", f"{abbreviation}编办")
        case OrganKind.INSPECTION_OFFICE:
            names = (f"{party}{inspection}工作领导小组办公室", f"{region}委{inspection}办", f"{abbreviation}巡办")
        case OrganKind.ORGANIZATION:
            names = (f"{party}组织部", f"{region}委组织部", f"{abbreviation}组")
        case OrganKind.DISCIPLINE:
            names = (f"中共{region}纪律检查委员会 {region}监察委员会", f"{region}纪委监委", f"{abbreviation}纪")
        case OrganKind.AUDIT:
            audit_office = f"{region}审计{'厅' if level is Level.PROVINCE else '局'}"
            names = (audit_office, audit_office, f"{abbreviation}审")
        case _:
            return None
    full, short, document_code = names
    return OrganNames(full, short, document_code, full)


async def rename_organs(connection: AsyncConnection, level: Level, before: tuple[str, str], after: tuple[str, str]) -> None:
    """After a region's rename or recode, (code, name) `before` → `after`, its organs still named
    as usual after the old name take the usual names after the new one (an organ whose names its
    admins changed keeps them). The organs are found under the new code."""
    new_code = after[0]
    for organ in (await connection.execute(select(Organ).where(Organ.tenant_code == new_code))).all():
        kind = OrganKind(organ.kind)
        usual, renamed = default_names(kind, before[1], before[0], level), default_names(kind, after[1], new_code, level)
        current = OrganNames(organ.name, organ.short_name, organ.document_code, organ.signature_name)
        if usual is not None and renamed is not None and current == usual:
            await connection.execute(update(Organ).where(Organ.id == organ.id).values(**asdict(renamed)))


def office_values(code: str, region: str, level: Level) -> dict[str, str]:
    """The row of the 编办 a tenant is created with."""
    names = default_names(OrganKind.OFFICE, region, code, level)
    assert names is not None
    return {"tenant_code": code, "kind": OrganKind.OFFICE.value, **asdict(names)}


async def office_of(connection: AsyncConnection, tenant_code: str) -> int:
    """The id of a tenant's 编办 (a membership's organ when none is named). Read before the
    insert that needs it: Citus refuses a subquery inside INSERT … VALUES."""
    query = select(Organ.id).where(Organ.tenant_code == tenant_code, Organ.kind == OrganKind.OFFICE.value)
    return (await connection.execute(query)).scalar_one()


async def office_full_name(connection: AsyncConnection, tenant_code: str) -> str:
    """The full name of a tenant's 编办 (中共双峰县委机构编制委员会办公室): the 发文机关 of its documents."""
    query = select(Organ.name).where(Organ.tenant_code == tenant_code, Organ.kind == OrganKind.OFFICE.value)
    return (await connection.execute(query)).scalar_one()


async def offices_of(connection: AsyncConnection, codes: Iterable[str]) -> dict[str, int]:
    """The ids of the tenants' 编办 (for inserting many memberships at once)."""
    query = select(Organ.tenant_code, Organ.id).where(Organ.tenant_code.in_(list(codes)), Organ.kind == OrganKind.OFFICE.value)
    return dict((await connection.execute(query)).all())
