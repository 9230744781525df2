"""The `xuncha` command line."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvloop
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from backend.embedded import running_services
from backend.resources import SDL
from backend.runtime import Runtime, open_runtime
from backend.settings import Settings
from tenants.bulk_import import ImportRejected, import_tenants, parse_csv
from tenants.divisions import national_register
from tenants.errors import DomainError
from tenants.migration_runner import UpgradeSummary
from tenants.naming import check_code

app = typer.Typer(help="xuncha：机构编制监督检查与巡视巡察平台", no_args_is_help=True)
db_app = typer.Typer(help="数据库迁移", no_args_is_help=True)
tenants_app = typer.Typer(help="各级机构的开通与名录", no_args_is_help=True)
graphql_app = typer.Typer(help="GraphQL 契约", no_args_is_help=True)
users_app = typer.Typer(help="用户", no_args_is_help=True)
audit_app = typer.Typer(help="审计", no_args_is_help=True)
bank_app = typer.Typer(help="问题库", no_args_is_help=True)
reminders_app = typer.Typer(help="整改期限提醒与督办", no_args_is_help=True)
warnings_app = typer.Typer(help="编制预警", no_args_is_help=True)
evidence_app = typer.Typer(help="证据文件", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(bank_app, name="bank")
app.add_typer(reminders_app, name="reminders")
app.add_typer(warnings_app, name="warnings")
app.add_typer(evidence_app, name="evidence")
app.add_typer(users_app, name="users")
app.add_typer(tenants_app, name="tenants")
app.add_typer(graphql_app, name="graphql")

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C, so embedded servers are stopped


def run(main: Callable[[Runtime], Awaitable[T]], *, needs_migrated: bool = True) -> T:
    """Run `main` with services up (embedded ones when no URLs are set) and a runtime open, on
    uvloop: under the mixed load the API answered 4% more requests per second on it than on
    asyncio's own loop (BENCHMARKS.md). A refusal (DomainError) ends the command with its message."""
    settings = Settings.from_env()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    async def with_runtime(urls) -> T:
        async with open_runtime(settings, urls) as runtime:
            if needs_migrated:
                await runtime.require_migrated()
            return await main(runtime)

    with running_services(settings) as urls:
        try:
            return uvloop.run(with_runtime(urls))
        except DomainError as error:  # a refusal: its message, exit status 1, no traceback
            raise fail(error.message) from None


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
    )


def fail(message: str) -> typer.Exit:
    err_console.print(f"[red]错误：[/red]{escape(message)}")
    return typer.Exit(1)


def checked_code(code: str, option: str) -> str:
    try:
        return check_code(code)
    except DomainError as error:
        raise fail(f"{option}：{error.message}") from None


# ---- db ---------------------------------------------------------------------------------


async def upgrade_with_progress(runtime: Runtime, *, fail_fast: bool = False) -> UpgradeSummary:
    with progress_bar() as progress:
        task = progress.add_task("迁移机构 schema", total=None)

        def on_start(total: int, pending: int) -> None:
            progress.update(task, total=pending)

        def on_schema_done(schema: str, error: str | None) -> None:
            progress.advance(task)
            if error:
                progress.console.print(f"[red]{schema} 失败：[/red]{escape(error)}")

        return await runtime.upgrade_all(fail_fast=fail_fast, on_start=on_start, on_schema_done=on_schema_done)


def print_summary(summary: UpgradeSummary) -> None:
    table = Table(title="机构迁移汇总")
    for column in ("schema 总数", "本次需迁移", "已迁移", "原已最新", "失败", "未执行", "用时"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary.total),
        str(summary.pending),
        str(summary.upgraded),
        str(summary.already_current),
        str(len(summary.failed)),
        str(summary.not_attempted),
        f"{summary.seconds:.1f}s",
    )
    console.print(table)
    if summary.failed or summary.not_attempted:
        err_console.print("[red]失败和未执行的 schema 保持原版本，修复原因后重新运行 xuncha db upgrade 即可继续。[/red]")


@db_app.command("upgrade")
def db_upgrade(
    fail_fast: Annotated[bool, typer.Option(help="第一个失败即停止：正在进行的 schema 回滚，留待下次运行")] = False,
) -> None:
    """升级共享 schema，然后逐个升级所有机构 schema（可中断，重跑即续）。"""
    summary = run(lambda runtime: upgrade_with_progress(runtime, fail_fast=fail_fast), needs_migrated=False)
    print_summary(summary)
    if summary.failed or summary.not_attempted:
        raise typer.Exit(1)


@db_app.command("head-script")
def db_head_script(
    pg_dump: Annotated[str, typer.Option(help="pg_dump 程序，版本不低于服务器")] = "pg_dump",
) -> None:
    """由机构迁移生成 migrations/tenant/head.sql（新建 schema 时一次执行的定义）：新增机构迁移后运行。"""
    from backend.db import asyncpg_dsn
    from tenants.head_script import SCRATCH_SCHEMA, dump_head_script, head_script_path
    from tenants.schema_ops import enter_schema, run_script

    async def main(runtime: Runtime) -> str:
        streams = runtime.streams
        async with runtime.engine.begin() as connection:
            await connection.exec_driver_sql(f"CREATE SCHEMA {SCRATCH_SCHEMA}")
            await enter_schema(connection, SCRATCH_SCHEMA, runtime.settings.lock_timeout)
            await run_script(connection, streams.tenant_upgrade_sql(None))
        try:
            dsn = asyncpg_dsn(runtime.urls.direct_url)
            return await asyncio.to_thread(dump_head_script, dsn, streams.tenant_head, pg_dump)
        finally:
            async with runtime.engine.begin() as connection:
                await connection.exec_driver_sql(f"DROP SCHEMA {SCRATCH_SCHEMA} CASCADE")

    script = run(main, needs_migrated=False)
    path = head_script_path(Settings.from_env().migrations_dir)
    path.write_text(script, encoding="utf-8")
    console.print(f"已写入 {path}")


# ---- tenants ----------------------------------------------------------------------------


@tenants_app.command("create")
def tenants_create(
    code: Annotated[str, typer.Argument(help="6 位行政区划代码，如 431321")],
    name: Annotated[str | None, typer.Option(help="名称；缺省取国家行政区划名录")] = None,
    parent: Annotated[str | None, typer.Option(help="上级代码；缺省为所属市，市未开通时为所属省")] = None,
) -> None:
    """开通一个机构（优先使用预建的备用 schema）。"""

    async def main(runtime: Runtime):
        done = await runtime.provisioner().create(code, name=name, parent_code=parent)
        await ask_for_spare_refill(runtime)
        return done

    done = run(main)
    how = "备用 schema 改名" if done.from_spare else "新建 schema"
    console.print(escape(f"已开通 {done.spec.code} {done.spec.name}（{how}，{done.seconds * 1000:.1f} ms）"))


async def ask_for_spare_refill(runtime: Runtime) -> None:
    from backend.worker import request_spare_refill

    if not await request_spare_refill(runtime.redis, runtime.settings):
        err_console.print("[yellow]警告：[/yellow]未能通知 worker 补充备用 schema（Redis 不可达），worker 的定时任务会补上")


@tenants_app.command("import")
def tenants_import(
    file: Annotated[Path, typer.Argument(help="CSV：code[,name[,parent]]，可有表头", exists=True, dir_okay=False)],
    concurrency: Annotated[int, typer.Option(min=1, max=16)] = 2,
) -> None:
    """从 CSV 批量开通机构：先整体校验（有错则一个不开），已开通且一致的行跳过。"""
    try:
        lines = parse_csv(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise fail("文件不是 UTF-8 编码的 CSV") from None
    except ImportRejected as error:
        raise report_rejected_lines(error) from None
    provisioned = 0

    def advance(progress: Progress, task) -> None:
        nonlocal provisioned
        provisioned += 1
        progress.advance(task)

    async def main(runtime: Runtime):
        with progress_bar() as progress:
            task = progress.add_task("开通机构", total=None)
            report = await import_tenants(
                runtime.provisioner(),
                lines,
                concurrency=concurrency,
                on_planned=lambda count: progress.update(task, total=count),
                on_provisioned=lambda _: advance(progress, task),
            )
        await ask_for_spare_refill(runtime)
        return report

    try:
        report = run(main)
    except ImportRejected as error:
        raise report_rejected_lines(error) from None
    except (DomainError, DBAPIError) as error:
        raise fail(f"导入中途失败：{error}。已开通的 {provisioned} 个保留，重新运行同一命令即可从断点继续。") from None
    console.print(f"开通 {len(report.provisioned)} 个，跳过已开通 {report.skipped} 个")


def report_rejected_lines(error: ImportRejected) -> typer.Exit:
    for line_error in error.errors:
        where = f"第 {line_error.line} 行" if line_error.line else "文件"
        err_console.print(escape(f"  {where} {line_error.code}：{line_error.message}"))
    return fail(str(error))


@tenants_app.command("register")
def tenants_register(
    province: Annotated[str | None, typer.Option(help="只输出该省（如 430000）")] = None,
    output: Annotated[Path | None, typer.Option(help="写入文件；缺省输出到标准输出")] = None,
) -> None:
    """输出国家行政区划名录（省、市、县）为可导入的 CSV：code,name。"""
    if province is not None and (checked_code(province, "--province") not in national_register() or province[2:] != "0000"):
        raise fail(f"--province：名录中没有代码为 {province} 的省级行政区")
    divisions = [d for d in national_register().values() if province is None or d.code[:2] == province[:2]]
    with open(output, "w", encoding="utf-8", newline="") if output else contextlib.nullcontext(sys.stdout) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "name"])
        writer.writerows([d.code, d.name] for d in sorted(divisions, key=lambda d: d.code))


@tenants_app.command("divisions")
def tenants_divisions() -> None:
    """对照国家行政区划名录，列出名称或代码已变的已开通机构及处理办法。"""
    from tenants.register_check import out_of_date

    async def main(runtime: Runtime):
        async with runtime.engine.connect() as connection:
            return await out_of_date(connection)

    found = run(main)
    table = Table("代码", "名称", "名录中的名称", "变更", "处理")
    for item in found:
        if item.register_name is not None:
            change, todo = "更名", f"xuncha tenants rename {item.code}"
        elif item.change is not None and item.change.new_code:
            change = f"{item.change.change}为 {item.change.new_code} {item.change.new_name}"
            todo = f"xuncha tenants recode {item.code}"
        elif item.change is not None:
            change, todo = item.change.change, f"由上级机构确定并入哪个机构：xuncha tenants merge {item.code} --into 代码"
        else:
            change, todo = "名录中没有此代码", "自设机构，无需处理"
        table.add_row(item.code, escape(item.name), escape(item.register_name or ""), escape(change), escape(todo))
    console.print(table if found else "已开通的机构与名录一致")


@tenants_app.command("rename")
def tenants_rename(
    code: Annotated[str, typer.Argument(help="已开通机构的代码")],
    name: Annotated[str | None, typer.Option(help="新名称；缺省取国家行政区划名录中该代码的名称")] = None,
) -> None:
    """机构更名（行政区划更名后）：留痕于该机构的审计日志。"""
    from backend.audit.service import record_audit
    from tenants.register_check import rename

    async def main(runtime: Runtime):
        async with runtime.engine.begin() as connection:
            before, after = await rename(connection, code, name)
            await record_audit(
                connection,
                code,
                actor="xuncha tenants rename",
                action="tenant.renamed",
                entity="tenant",
                entity_id=code,
                before={"name": before},
                after={"name": after},
            )
        return before, after

    before, after = run(main)
    console.print(escape(f"{code}：{before} → {after}"))


@tenants_app.command("recode")
def tenants_recode(
    code: Annotated[str, typer.Argument(help="已开通机构的现代码")],
    to: Annotated[str | None, typer.Option(help="新代码；缺省取名录记录的新代码（tenants/register/changes.csv）")] = None,
    name: Annotated[str | None, typer.Option(help="新名称；缺省取名录中新代码的名称")] = None,
) -> None:
    """机构改代码（行政区划改代码、改代码并更名，或并入尚未开通的新区划）：数据随机构迁到新代码，旧代码留档并指向新代码。"""
    from backend.audit.service import record_audit
    from tenants.recode import recode, recorded_successor

    async def main(runtime: Runtime):
        new_code, new_name = (to, name) if to is not None else recorded_successor(code)
        done = await recode(runtime.engine, code, new_code, name or new_name, actor="xuncha tenants recode", now=runtime.clock.now())
        async with runtime.engine.begin() as connection:
            before = {"code": done.old_code, "name": done.old_name}
            after = {"code": done.new_code, "name": done.new_name}
            await record_audit(
                connection,
                done.new_code,
                actor="xuncha tenants recode",
                action="tenant.recoded",
                entity="tenant",
                entity_id=done.new_code,
                before=before,
                after=after,
            )
        return done

    done = run(main)
    console.print(escape(f"{done.old_code} {done.old_name} → {done.new_code} {done.new_name}（改写引用 {done.rows} 行）"))


@tenants_app.command("merge")
def tenants_merge(
    code: Annotated[str, typer.Argument(help="撤销或并入的机构代码")],
    into: Annotated[str, typer.Option(help="并入的（已开通）机构代码")],
) -> None:
    """机构并入另一已开通机构：原机构停用、数据留存，旧代码指向并入的机构。"""
    from backend.audit.service import record_audit
    from tenants.recode import merge

    async def main(runtime: Runtime):
        change = await merge(runtime.engine, code, into, actor="xuncha tenants merge", now=runtime.clock.now())
        async with runtime.engine.begin() as connection:
            merged = {"code": change.old_code, "name": change.old_name}
            for trail in (change.old_code, change.new_code):
                await record_audit(
                    connection,
                    trail,
                    actor="xuncha tenants merge",
                    action="tenant.merged",
                    entity="tenant",
                    entity_id=change.old_code,
                    before=merged,
                    after={"into": change.new_code},
                )
        return change

    change = run(main)
    console.print(escape(f"{change.old_code} {change.old_name} 并入 {change.new_code} {change.new_name}，原机构已停用"))


@tenants_app.command("list")
def tenants_list(parent: Annotated[str | None, typer.Option(help="上级代码；缺省列出省级")] = None) -> None:
    """列出某个机构的直接下级（Citus 集群上另列其 schema 所在节点）。"""
    from sqlalchemy import select

    from tenants.citus import schema_placements
    from tenants.divisions import Level
    from tenants.models import Tenant, TenantStatus

    if parent is not None:
        checked_code(parent, "--parent")

    async def main(runtime: Runtime):
        query = select(Tenant).order_by(Tenant.code)
        query = query.where(Tenant.parent_code == parent if parent else Tenant.parent_code.is_(None))
        async with runtime.engine.connect() as connection:
            return (await connection.execute(query)).all(), await schema_placements(connection)

    rows, placements = run(main)
    table = Table("代码", "名称", "级别", "上级", "schema", "版本", "状态", *(["节点"] if placements else []))
    for row in rows:
        level, status = Level(row.level).label, TenantStatus(row.status).label
        node = [placements.get(row.schema_name, "")] if placements else []
        table.add_row(row.code, escape(row.name), level, row.parent_code or "", row.schema_name, row.schema_version, status, *node)
    console.print(table)


@tenants_app.command("spares")
def tenants_spares(
    target: Annotated[int | None, typer.Option(help="备用 schema 目标数量；缺省取 XUNCHA_SPARE_POOL_SIZE")] = None,
) -> None:
    """立即把备用 schema 池补足。"""

    async def main(runtime: Runtime) -> int:
        return await runtime.provisioner().refill_spares(target if target is not None else runtime.settings.spare_pool_size)

    console.print(f"新建备用 schema {run(main)} 个")


@tenants_app.command("distribute")
def tenants_distribute() -> None:
    """把仍在协调节点上的各机构 schema 分布到 Citus 集群的 worker 上（单机数据库改为集群时执行一次，见 docs/deploy.md）。"""
    from tenants.citus import distribute_office_schemas

    async def main(runtime: Runtime) -> list[str]:
        with progress_bar() as progress:
            task = progress.add_task("分布机构 schema", total=None)
            return await distribute_office_schemas(runtime.engine, on_done=lambda _: progress.advance(task))

    console.print(f"已分布机构 schema {len(run(main))} 个")


@evidence_app.command("purge-personal-data")
def evidence_purge_personal_data() -> None:
    """删除含身份证号的证据文件（以前的实名制导入留下的 .xlsx 等）：各机构的文件记录和附件关联，以及文件本身；逐一审计。"""
    from backend.evidence.purge import purge_personal_data

    async def main(runtime: Runtime):
        with progress_bar() as progress:
            task = progress.add_task("检查各机构的证据文件", total=None)
            return await purge_personal_data(runtime, on_office=lambda: progress.advance(task))

    purged = run(main)
    console.print(escape(f"已删除含身份证号的文件 {purged.files} 个（涉及 {purged.offices} 个机构）"))


@tenants_app.command("backup")
def tenants_backup(
    code: Annotated[str, typer.Argument(help="机构代码，如 431321")],
    file: Annotated[Path, typer.Argument(help="备份文件（.tar.gz），已存在则拒绝覆盖", dir_okay=False)],
) -> None:
    """备份一个机构：schema 中的全部数据、登记信息、它在共享表中的记录（问题库、上报、考核指标体系等）和证据文件（一致的快照）。"""
    from backend.backup.service import backup_tenant

    checked_code(code, "CODE")
    if file.exists():
        raise fail(f"{file} 已存在，不覆盖")
    backup = run(lambda runtime: backup_tenant(runtime, code, file))
    rows = sum(table.rows for table in backup.tables)
    console.print(escape(f"已备份机构 {code}：{len(backup.tables)} 张表 {rows} 行、证据文件 {len(backup.files)} 个 → {file}"))


@tenants_app.command("restore")
def tenants_restore(
    file: Annotated[Path, typer.Argument(help="xuncha tenants backup 生成的备份文件", exists=True, dir_okay=False)],
) -> None:
    """把备份恢复到本数据库（该机构须尚未开通，上级须已开通）；先校验整个文件，全部成功或什么都不改。"""
    from backend.backup.service import restore_tenant

    backup = run(lambda runtime: restore_tenant(runtime, file, actor="xuncha tenants restore"))
    rows = sum(table.rows for table in backup.tables)
    console.print(escape(f"已恢复机构 {backup.tenant_code}：{rows} 行、证据文件 {len(backup.files)} 个（备份于 {backup.created_at}）"))


# ---- users ------------------------------------------------------------------------------


@users_app.command("create-superuser")
def users_create_superuser(
    username: Annotated[str, typer.Argument(help="用户名")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="XUNCHA_SUPERUSER_PASSWORD")],
    display_name: Annotated[str, typer.Option(help="显示名")] = "平台管理员",
) -> None:
    """创建平台管理员（开通省级单位的账号）。"""

    async def main(runtime: Runtime) -> int:
        return await runtime.identity().create_superuser(username, display_name, password)

    user_id = run(main)
    console.print(escape(f"已创建平台管理员 {username}（id {user_id}）"))


# ---- audit ------------------------------------------------------------------------------


async def tenant_codes(runtime: Runtime, tenant: str | None) -> list[str]:
    """`--tenant`, or every registered tenant."""
    from sqlalchemy import select

    from tenants.models import Tenant

    if tenant is not None:
        return [checked_code(tenant, "--tenant")]
    async with runtime.engine.connect() as connection:
        return list((await connection.execute(select(Tenant.code).order_by(Tenant.code))).scalars())


async def check_each_tenant(runtime: Runtime, tenant: str | None, label: str, check: Callable[[str], Awaitable[T]]) -> list[T]:
    """`check` each tenant (or only `--tenant`) in turn, behind a progress bar."""
    codes = await tenant_codes(runtime, tenant)
    reports = []
    with progress_bar() as progress:
        task = progress.add_task(label, total=len(codes))
        for code in codes:
            reports.append(await check(code))
            progress.advance(task)
    return reports


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[str | None, typer.Option(help="只校验该机构；缺省校验全部机构")] = None,
) -> None:
    """校验审计记录的哈希链：发现被改动、删除或打乱的记录。"""
    from backend.audit.service import verify_chain

    async def main(runtime: Runtime):
        return await check_each_tenant(
            runtime, tenant, "校验审计链", lambda code: verify_chain(runtime.engine, code, runtime.settings.lock_timeout)
        )

    reports = run(main)
    broken = [report for report in reports if not report.intact]
    for report in broken:
        for problem in report.problems:
            err_console.print(escape(f"[{report.tenant_code}] {problem}"))
    entries = sum(report.entries for report in reports)
    console.print(f"校验 {len(reports)} 个机构、{entries} 条审计记录：{'全部完好' if not broken else f'{len(broken)} 个机构的记录被篡改'}")
    for report in reports if tenant else []:
        console.print(f"链头：第 {report.head_seq} 条，{report.head_hash or '（空）'}")
    if broken:
        raise typer.Exit(1)


# ---- bank -------------------------------------------------------------------------------


@bank_app.command("verify")
def bank_verify(
    tenant: Annotated[str | None, typer.Option(help="只核对该机构；缺省核对全部机构")] = None,
) -> None:
    """核对问题库与各机构的整改台账是否一致：列出缺失、过时或多余的问题库记录，以及与问题库不符的统计汇总。"""
    from problem_bank.projection import verify_snapshot

    async def main(runtime: Runtime):
        return await check_each_tenant(runtime, tenant, "核对问题库", lambda code: verify_snapshot(runtime.engine, code))

    reports = run(main)
    drifting = [report for report in reports if not report.in_step]
    for report in drifting:
        if report.missing_or_stale:
            err_console.print(f"[{report.tenant_code}] 缺失或过时的问题：{_ids(report.missing_or_stale)}")
        if report.orphaned:
            err_console.print(f"[{report.tenant_code}] 台账中已不存在的问题：{_ids(report.orphaned)}")
        for miscount in report.miscounts:
            err_console.print(escape(f"[{report.tenant_code}] 统计汇总与问题库不符：{miscount.describe()}"))
    findings = sum(report.findings for report in reports)
    console.print(
        f"核对 {len(reports)} 个机构、{findings} 个问题：{'问题库与台账一致' if not drifting else f'{len(drifting)} 个机构不一致'}"
    )
    if drifting:
        raise typer.Exit(1)


@bank_app.command("month-end")
def bank_month_end(
    month: Annotated[str | None, typer.Option("--month", help="记录该月（YYYY-MM）月末的数字；缺省为上个月")] = None,
) -> None:
    """记录问题库各机构某月末的数字（问题总数、已销号、待销号审核、逾期），供走势图使用；已记录的月份不重复记录。"""
    from problem_bank.trends import month_of, record_month_end, shift

    async def main(runtime: Runtime) -> tuple[date, int]:
        chosen = _month(month) if month else shift(month_of(runtime.clock.today()), -1)
        async with runtime.engine.begin() as connection:
            return chosen, await record_month_end(connection, chosen)

    chosen, recorded = run(main)
    console.print(f"{chosen:%Y年%m月}月末：记录 {recorded} 个机构（已记录过的不重复记录）")


def _month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise fail(f"月份须写作 YYYY-MM，收到 {text!r}") from None


@reminders_app.command("run")
def reminders_run(
    day: Annotated[str | None, typer.Option("--date", help="按该日（YYYY-MM-DD）计算；缺省为今天（北京时间）")] = None,
) -> None:
    """立即计算整改期限提醒和督办（worker 每个工作日 8:30 自动运行）；重复运行不会重复提醒。"""
    from backend.supervision.engine import run_supervision

    today = _day(day)
    summary = run(lambda runtime: run_supervision(runtime, today))
    if not summary.working_day:
        console.print(f"{today} 不是工作日，不发提醒")
        return
    console.print(
        f"{today}：提醒 {summary.reminders} 个问题（{summary.reminded_units} 个单位）；"
        f"新开督办 {summary.escalations_opened} 个，自动关闭 {summary.escalations_closed} 个"
    )


@warnings_app.command("run")
def warnings_run(
    tenant: Annotated[str | None, typer.Option(help="只评估该机构")] = None,
    all_tenants: Annotated[bool, typer.Option("--all", help="评估全部机构")] = False,
    day: Annotated[str | None, typer.Option("--date", help="按该日（YYYY-MM-DD）计算；缺省为今天（北京时间）")] = None,
) -> None:
    """立即按编制数据评估预警（worker 每晚 2:00 自动评估全部机构）；重复运行不会重复预警。"""
    from backend.warnings.engine import evaluate_tenant

    if (tenant is None) == (not all_tenants):
        raise fail("请指定 --tenant 机构代码，或 --all 评估全部机构")
    today = _day(day)

    async def main(runtime: Runtime):
        from sqlalchemy import select

        from tenants.models import Tenant

        if tenant is not None:
            async with runtime.engine.connect() as connection:
                if (await connection.execute(select(Tenant.code).where(Tenant.code == checked_code(tenant, "--tenant")))).first() is None:
                    raise DomainError("NOT_FOUND", f"机构 {tenant} 未开通")
        return await check_each_tenant(runtime, tenant, "评估编制预警", lambda code: evaluate_tenant(runtime.engine, code, today))

    reports = run(main)
    table = Table("机构", "单位", "新增", "更新", "其中升级", "自动关闭", title=f"编制预警（{today}）")
    for report in reports:
        table.add_row(
            report.tenant_code, str(report.units), str(report.opened), str(report.updated), str(report.raised), str(report.closed)
        )
    console.print(table)
    console.print(f"评估 {len(reports)} 个机构：新增预警 {sum(r.opened for r in reports)} 条，自动关闭 {sum(r.closed for r in reports)} 条")


def _day(day: str | None) -> date:
    """A --date option, or today by the configured clock (office time)."""
    if day is None:
        return Settings.from_env().clock().today()
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise fail(f"日期格式应为 YYYY-MM-DD：{day}") from None


def _ids(ids: list[int]) -> str:
    shown = "、".join(str(i) for i in ids[:20])
    return shown + (f" 等 {len(ids)} 个" if len(ids) > 20 else "")


# ---- graphql ----------------------------------------------------------------------------


@graphql_app.command("export")
def graphql_export(
    output: Annotated[Path, typer.Option(help="SDL 输出文件")] = SDL,
) -> None:
    """把代码中的 GraphQL schema 导出为 SDL（graphql/schema.graphql）。"""
    from backend.schema import schema

    output.write_text(schema.as_str() + "\n", encoding="utf-8")
    console.print(f"已写入 {output}")


@graphql_app.command("operations")
def graphql_operations(
    manifest: Annotated[bool, typer.Option("--manifest", help="以 Apollo 持久化查询清单（JSON）输出，供客户端使用")] = False,
) -> None:
    """列出已登记的持久化操作（graphql/operations/）及其 sha256 哈希。"""
    from backend import persisted

    operations = persisted.shipped()
    if manifest:
        print(json.dumps(persisted.manifest(operations), ensure_ascii=False, indent=2))
        return
    for sha256, operation in sorted(operations.items(), key=lambda item: (item[1].file, item[1].name)):
        print(f"{sha256}  {operation.kind:<12}  {operation.file}:{operation.name}")


@app.command("docs")
def docs_command() -> None:
    """按代码重新生成 docs/workflows.md（状态流转）等文档。"""
    from backend.docs import write

    written = write()
    console.print("\n".join(f"已写入 {path}" for path in written) or "文档与代码一致，无需更新")


# ---- serving ----------------------------------------------------------------------------


async def serve(runtime: Runtime, host: str, port: int, *, with_worker: bool, banner: Callable[[], None] | None = None) -> None:
    import uvicorn

    from backend import heap
    from backend.app import create_app
    from backend.http_protocol import JsonRefusingProtocol
    from backend.logs import configure_logging
    from backend.worker import create_import_worker, create_worker, stop_workers

    # uvicorn's own access log is off: the application writes one JSON line a request (backend/logs.py).
    configure_logging(quiet_worker=banner is not None)
    config = uvicorn.Config(create_app(runtime), host=host, port=port, log_config=None, access_log=False, http=JsonRefusingProtocol)
    server = uvicorn.Server(config)
    workers = [create_worker(runtime, handle_signals=False), create_import_worker(runtime, handle_signals=False)] if with_worker else []
    heap.settle()
    worker_tasks = [asyncio.create_task(worker.async_run()) for worker in workers]
    serving = asyncio.create_task(server.serve())
    # The banner comes after uvicorn's start-up lines; uvicorn offers a `started` flag, not an event.
    while banner and not server.started and not serving.done():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    if banner and server.started:
        banner()
    try:
        await serving
    finally:
        await stop_workers(workers, worker_tasks)


@app.command("serve")
def serve_command(
    host: str = "127.0.0.1",
    port: int = 8000,
    worker: Annotated[bool, typer.Option(help="在同一进程中运行后台 worker")] = False,
) -> None:
    """运行 API（GraphQL 在 /graphql）。"""
    run(lambda runtime: serve(runtime, host, port, with_worker=worker))


@app.command("worker")
def worker_command() -> None:
    """运行 arq 后台 worker。"""
    from backend.logs import configure_logging
    from backend.worker import create_import_worker, create_worker, stop_workers

    async def main(runtime: Runtime) -> None:
        configure_logging()
        worker, imports = create_worker(runtime), create_import_worker(runtime, handle_signals=False)  # the first handles the signals
        importing = asyncio.create_task(imports.async_run())
        try:
            await worker.async_run()
        except asyncio.CancelledError:
            pass  # arq cancels its main task on SIGINT/SIGTERM: a normal stop
        finally:
            await worker.close()
            await stop_workers([imports], [importing])

    run(main)


@app.command("demo")
def demo_command(host: str = "127.0.0.1", port: int = 8000) -> None:
    """演示：迁移数据库，开通湖南省及其 14 个市州、122 个县市区，启动 API 和 worker。"""
    from backend.demo import load_demo
    from backend.demo.offices import DEMO_PASSWORD, load_demo_users

    async def main(runtime: Runtime) -> None:
        summary = await upgrade_with_progress(runtime)
        if summary.failed:
            print_summary(summary)
            raise typer.Exit(1)
        await load_demo(runtime, progress_bar())

        logins = await load_demo_users(runtime)

        def banner() -> None:
            console.print(f"\n[bold green]GraphiQL：[/bold green] http://{host}:{port}/graphql")
            table = Table("用户名", "单位", "角色", title=f"演示账号（密码均为 {DEMO_PASSWORD}）")
            for login in logins:
                table.add_row(login.username, login.office, login.role_label)
            console.print(table)
            console.print('先执行 mutation { login(username: "shuangfeng.inspector", password: "...") { accessToken } }，')
            console.print('再在 GraphiQL 的 Headers 中填 {"Authorization": "Bearer <accessToken>"}。\n')

        await serve(runtime, host, port, with_worker=True, banner=banner)

    run(main, needs_migrated=False)
