"""Bulk provisioning from a CSV of codes (`code[,name[,parent]]`, header optional).

The whole file is checked first and refused with every line's error if any line is bad
(nothing is provisioned). Lines naming a tenant that already exists as written are skipped,
so an interrupted import can simply be run again. Then tenants are provisioned level by
level (parents first), each in its own transaction, a few at a time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from tenants.concurrency import for_each_bounded
from tenants.divisions import Level, level_of
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.provisioning import Provisioned, Provisioner, by_level
from tenants.registry import TenantSpec, plan_tenant

MAX_LINES = 20_000


@dataclass(frozen=True)
class ImportLine:
    line: int
    code: str
    name: str | None
    parent_code: str | None


@dataclass(frozen=True)
class LineError:
    line: int
    code: str
    message: str


class ImportRejected(Exception):
    """The file has bad lines; nothing was provisioned."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"导入文件有 {len(errors)} 处错误，未开通任何单位")
        self.errors = errors


@dataclass(frozen=True)
class ImportPlan:
    specs: list[TenantSpec]  # to provision
    skipped: int  # lines naming tenants that already exist as written
    levels: dict[str, Level]  # code → level the specs were checked against


@dataclass
class ImportReport:
    provisioned: list[Provisioned] = field(default_factory=list)
    skipped: int = 0


def parse_csv(content: str) -> list[ImportLine]:
    """Parse the CSV text; a first line starting with `code` is a header."""
    lines: list[ImportLine] = []
    errors: list[LineError] = []
    for number, row in enumerate(csv.reader(io.StringIO(content)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (number == 1 and cells[0].lower().lstrip("\ufeff") == "code"):
            continue
        if len(cells) > 3:
            errors.append(LineError(number, cells[0], "每行最多三列：code,name,parent"))
            continue
        code, name, parent = ([*cells, "", ""])[:3]
        lines.append(ImportLine(number, code, name or None, parent or None))
    if len(lines) > MAX_LINES:
        errors.append(LineError(0, "", f"一次最多导入 {MAX_LINES} 行"))
    if not lines and not errors:
        errors.append(LineError(0, "", "文件中没有任何代码"))
    if errors:
        raise ImportRejected(errors)
    return lines


def _level_order(line: ImportLine) -> int:
    try:
        return list(Level).index(level_of(line.code))
    except DomainError:
        return -1  # bad codes first: their error is reported like any other


async def plan_import(provisioner: Provisioner, lines: list[ImportLine]) -> ImportPlan:
    """Check every line against the registry and the lines before it; raise ImportRejected
    with every bad line, or answer what to provision."""
    async with provisioner.engine.connect() as connection:
        existing = {row.code: row for row in await connection.execute(select(Tenant.code, Tenant.name, Tenant.level, Tenant.parent_code))}
    levels = {code: Level(row.level) for code, row in existing.items()}
    seen: dict[str, int] = {}
    specs: list[TenantSpec] = []
    skipped = 0
    errors: list[LineError] = []
    for line in sorted(lines, key=_level_order):
        if line.code in seen:
            errors.append(LineError(line.line, line.code, f"代码 {line.code} 与第 {seen[line.code]} 行重复"))
            continue
        seen[line.code] = line.line
        current = existing.get(line.code)
        if current is not None:
            if (line.name or current.name) == current.name and (line.parent_code or current.parent_code) == current.parent_code:
                skipped += 1
                continue
            errors.append(
                LineError(
                    line.line, line.code, f"代码 {line.code} 已开通为 {current.name}（上级 {current.parent_code or '无'}），与本行不一致"
                )
            )
            continue
        try:
            spec = plan_tenant(line.code, levels, name=line.name, parent_code=line.parent_code)
        except DomainError as error:
            errors.append(LineError(line.line, line.code, error.message))
            continue
        specs.append(spec)
        levels[spec.code] = spec.level
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    return ImportPlan(specs, skipped, levels)


async def import_tenants(
    provisioner: Provisioner,
    lines: list[ImportLine],
    *,
    concurrency: int = 4,
    on_planned: Callable[[int], None] | None = None,
    on_provisioned: Callable[[Provisioned], None] | None = None,
) -> ImportReport:
    plan = await plan_import(provisioner, lines)
    if on_planned:
        on_planned(len(plan.specs))
    report = ImportReport(skipped=plan.skipped)

    async def provision(spec: TenantSpec) -> None:
        done = await provisioner.create_planned(spec, plan.levels)
        report.provisioned.append(done)
        if on_provisioned:
            on_provisioned(done)

    groups = by_level(plan.specs)
    for group in groups:
        await for_each_bounded(group, provision, concurrency)
    # Siblings finish in any order; the report lists them in plan order so it reads the same every run.
    position = {spec.code: i for i, spec in enumerate(spec for group in groups for spec in group)}
    report.provisioned.sort(key=lambda done: position[done.spec.code])
    return report
