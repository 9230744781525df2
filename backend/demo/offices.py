"""The demo province's offices: 湖南省 with its 14 cities and 122 counties (real codes and
names), and a login for every role."""

from __future__ import annotations

from dataclasses import dataclass

from rich.progress import Progress
from sqlalchemy import func, insert, select

from backend.identity.credentials import hash_password
from backend.identity.models import Membership, UserAccount
from backend.runtime import Runtime
from backend.units.models import InspectedUnit
from tenants.access import Role
from tenants.bulk_import import ImportLine, import_tenants
from tenants.divisions import Division, national_register
from tenants.organs import Organ, OrganKind
from tenants.scoping import tenant_session

DEMO_PROVINCE = "430000"
DEMO_PASSWORD = "Xuncha-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    office: str
    role: str
    tenant_code: str | None  # None: platform superuser
    organ: OrganKind = OrganKind.OFFICE

    @property
    def role_label(self) -> str:
        """The role as offices say it (管理员, 监督检查人员…)."""
        return Role(self.role).label if self.tenant_code else self.role


DEMO_LOGINS = (
    DemoLogin("platform.root", "平台", "平台管理员", None),
    DemoLogin("hunan.admin", "湖南省", "admin", "430000"),
    DemoLogin("hunan.publisher", "湖南省", "publisher", "430000"),
    DemoLogin("loudi.admin", "娄底市", "admin", "431300"),
    DemoLogin("shuangfeng.admin", "双峰县", "admin", "431321"),
    DemoLogin("shuangfeng.inspector", "双峰县", "inspector", "431321"),
    DemoLogin("shuangfeng.reviewer", "双峰县", "reviewer", "431321"),
    DemoLogin("shuangfeng.auditor", "双峰县", "auditor", "431321"),
    DemoLogin("shuangfeng.liaison", "双峰县财政局", "liaison", "431321"),
    DemoLogin("shuangfeng.xunchaban", "双峰县委巡察办", "inspector", "431321", OrganKind.INSPECTION_OFFICE),
    DemoLogin("shuangfeng.zuzhibu", "双峰县委组织部", "inspector", "431321", OrganKind.ORGANIZATION),
    DemoLogin("shuangfeng.jiwei", "双峰县纪委监委", "inspector", "431321", OrganKind.DISCIPLINE),
)
LIAISON_UNIT_CODE = "11431321MB1234567X"  # 双峰县财政局


def demo_offices() -> list[Division]:
    """The province and every office under it, by code."""
    return sorted((d for d in national_register().values() if d.code[:2] == DEMO_PROVINCE[:2]), key=lambda d: d.code)


async def load_offices(runtime: Runtime, progress: Progress) -> None:
    """Provision the demo province's tenants (idempotent) and fill the spare pool."""
    lines = [
        ImportLine(line=number, code=division.code, name=None, parent_code=None) for number, division in enumerate(demo_offices(), start=1)
    ]
    provisioner = runtime.provisioner()
    task = progress.add_task("开通湖南省演示机构", total=None)
    await import_tenants(
        provisioner,
        lines,
        on_planned=lambda count: progress.update(task, total=count),
        on_provisioned=lambda _: progress.advance(task),
    )
    spare_task = progress.add_task("预建备用 schema", total=runtime.settings.spare_pool_size)
    await provisioner.refill_spares(runtime.settings.spare_pool_size, progress=lambda: progress.advance(spare_task))


async def _liaison_unit(runtime: Runtime, code: str) -> int:
    """The demo liaison's unit, which the inspections step registered."""
    async with tenant_session(runtime.engine, code) as session:
        return (await session.execute(select(InspectedUnit.id).where(InspectedUnit.credit_code == LIAISON_UNIT_CODE))).scalar_one()


async def load_demo_users(runtime: Runtime) -> tuple[DemoLogin, ...]:
    """Create the demo logins that do not exist yet; all share DEMO_PASSWORD."""
    password_hash = await hash_password(DEMO_PASSWORD)
    for login in DEMO_LOGINS:
        unit_id = await _liaison_unit(runtime, login.tenant_code) if login.role == "liaison" and login.tenant_code else None
        async with runtime.engine.begin() as connection:
            exists = (await connection.execute(select(UserAccount.id).where(func.lower(UserAccount.username) == login.username))).scalar()
            if exists:
                continue
            user_id = (
                await connection.execute(
                    insert(UserAccount)
                    .values(
                        username=login.username,
                        display_name=f"{login.office}{login.role_label}",
                        password_hash=password_hash,
                        is_superuser=login.tenant_code is None,
                    )
                    .returning(UserAccount.id)
                )
            ).scalar_one()
            if login.tenant_code:
                await connection.execute(
                    insert(Membership).values(
                        user_id=user_id,
                        tenant_code=login.tenant_code,
                        organ_id=select(Organ.id)
                        .where(Organ.tenant_code == login.tenant_code, Organ.kind == login.organ.value)
                        .scalar_subquery(),
                        role=login.role,
                        unit_id=unit_id,
                    )
                )
    return DEMO_LOGINS
