"""Backing up one tenant and restoring it into a fresh database, through the command line:
every row comes back as it was (audit chain and problem bank intact, evidence files with
it), and a damaged, foreign or conflicting archive is refused with nothing changed."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import tarfile
import uuid

import pytest
from sqlalchemy import text

from backend.audit.service import verify_chain
from backend.backup.archive import read_archive
from backend.backup.service import backup_tenant, restore_tenant, schema_tables
from backend.backup.shared_rows import REGISTRY, SHARED_ROWS
from backend.embedded import ServiceUrls
from backend.evidence.location import evidence_store
from backend.runtime import open_runtime
from problem_bank.projection import verify_snapshot
from tenants.errors import DomainError
from tests.evidence_stores import LARGE, both_stores, elsewhere, large_body, large_sha256, peak_memory, read
from tests.helpers import PDF, act, create_all, database_state, fresh_database, xuncha
from tests.identity import Api

pytestmark = pytest.mark.slow


async def a_busy_office(ledger_office):
    """Findings in several ledger states, a progress report with an evidence file, a reminder sent."""
    t = ledger_office.tokens
    async with Api(ledger_office.runtime) as api:
        sha = (await ledger_office.upload(api, "liaison", PDF)).json()["sha256"]
        first, version = await ledger_office.log(api, description="超编 2 名：含\u200d零宽连接符与 𠀀")
        await ledger_office.log(api, unit="2", severity="GRAVE")
        third, third_version = await ledger_office.log(api)
        progress = await api.call(
            act("reportProgress"), t["liaison"], f=first, v=version, n="已清退 1 名", e=[{"sha256": sha, "fileName": "清退文件.pdf"}]
        )
        assert progress["data"], progress
        await api.call(act("reportProgress"), t["liaison"], f=third, v=third_version, n="正在整改")
        asked = await api.call(act("requestCloseOut"), t["liaison"], f=third, v=third_version + 1, n="已整改")
        closed = await api.call(act("closeOut"), t["reviewer"], f=third, v=asked["data"]["requestCloseOut"]["ledger"]["version"], n="属实")
        assert closed["data"]["closeOut"]["ledger"]["state"] == "CLOSED"
    async with ledger_office.runtime.engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO supervision.reminder (tenant_code, finding_id, kind, deadline) VALUES ('431321', 1, 'near', '2026-12-31')")
        )
    return sha


async def everything(runtime, code: str = "431321") -> dict[str, list[tuple]]:
    """Every row of the tenant's tables and of its shared rows, in a stable order."""
    schema = f"t{code}"
    rows = {}
    async with runtime.engine.connect() as connection:
        tables = [(schema, name, columns, "") for name, columns in await schema_tables(connection, schema)]
        for shared in (REGISTRY, *SHARED_ROWS):
            columns = dict(await schema_tables(connection, shared.schema))[shared.table]
            tables.append((shared.schema, shared.table, columns, shared.where(code)))
        for in_schema, name, columns, where in tables:
            order = ", ".join(str(n) for n in range(1, len(columns) + 1))
            result = await connection.execute(text(f'SELECT {", ".join(columns)} FROM {in_schema}."{name}" {where} ORDER BY {order}'))
            rows[f"{in_schema}.{name}"] = [tuple(row) for row in result]
    return rows


@pytest.fixture
async def empty_runtime(ledger_office, services, migrated_template):
    """A second database (migrated, no office yet), its own data directory and evidence store:
    where backups are restored."""
    source = ledger_office.runtime.settings
    settings = dataclasses.replace(source, data_dir=source.data_dir / "fresh", evidence_url=elsewhere(source))
    async with fresh_database(services, migrated_template) as url, open_runtime(settings, ServiceUrls(url, services.redis_url)) as runtime:
        yield runtime


@pytest.fixture
async def fresh_runtime(empty_runtime):
    """The second database with the province and the city but not the county."""
    await create_all(empty_runtime, "430000", "431300")
    return empty_runtime


async def cli(runtime, *args: str):
    """`xuncha` against this runtime's database, data directory and evidence store."""
    env = {"XUNCHA_DATA_DIR": str(runtime.settings.data_dir), "XUNCHA_EVIDENCE_URL": runtime.settings.evidence_url}
    return await xuncha(runtime, *args, env=env)


@both_stores
async def test_a_tenant_restored_into_a_fresh_database_is_the_same_row_for_row(ledger_office, fresh_runtime, tmp_path):
    sha = await a_busy_office(ledger_office)
    before = await everything(ledger_office.runtime)
    assert len(before["t431321.finding"]) == 3 and before["t431321.evidence_file"] and before["supervision.reminder"]
    archive = tmp_path / "431321.tar.gz"

    backed_up = await cli(ledger_office.runtime, "tenants", "backup", "431321", str(archive))
    assert backed_up.returncode == 0, backed_up.stderr
    assert "证据文件 1 个" in backed_up.stdout
    assert (await cli(ledger_office.runtime, "tenants", "backup", "431321", str(archive))).returncode == 1  # never overwrites

    restored = await cli(fresh_runtime, "tenants", "restore", str(archive))
    assert restored.returncode == 0, restored.stderr

    after = await everything(fresh_runtime)
    *restored_audit, restore_entry = after.pop("t431321.audit_event")
    assert restored_audit == before.pop("t431321.audit_event")
    assert {"xuncha tenants restore", "tenant.restored", "431321"} <= {str(value) for value in restore_entry}
    assert after == before
    assert (await verify_chain(fresh_runtime.engine, "431321")).intact
    assert (await verify_snapshot(fresh_runtime.engine, "431321")).in_step
    assert read(evidence_store(fresh_runtime.settings), sha) == PDF
    verified = await cli(fresh_runtime, "bank", "verify")
    assert verified.returncode == 0 and "问题库与台账一致" in verified.stdout, verified.stderr
    async with fresh_runtime.engine.connect() as connection:  # new rows continue the numbering
        next_id = (await connection.execute(text("SELECT nextval(pg_get_serial_sequence('t431321.finding', 'id'))"))).scalar_one()
        office = (await connection.execute(text("SELECT name FROM tenancy.organ WHERE tenant_code = '431321' AND kind = '编办'"))).scalar()
    assert next_id == 4
    assert office == "中共双峰县委机构编制委员会办公室"  # restored with its 编办, members can be appointed again

    again = await cli(fresh_runtime, "tenants", "restore", str(archive))
    assert again.returncode == 1 and "已存在" in again.stderr


@both_stores
async def test_a_20_mb_evidence_file_streams_through_backup_and_restore(ledger_office, fresh_runtime, tmp_path):
    """Backup streams the file from the store into the archive, restore from the archive into
    the other deployment's store: neither holds it in memory whole."""
    async with Api(ledger_office.runtime) as api:
        headers = {"Authorization": f"Bearer {ledger_office.tokens['liaison']}"}
        uploaded = await api.client.post("/evidence/431321", params={"name": "大文件.pdf"}, content=large_body(), headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    archive = tmp_path / "431321.tar.gz"
    with peak_memory() as backup_peak:
        await backup_tenant(ledger_office.runtime, "431321", archive)
    evidence_store(fresh_runtime.settings).delete("0" * 64)  # a store's first request loads its S3 client's models (once a process)
    with peak_memory() as restore_peak:
        restored = await restore_tenant(fresh_runtime, archive, actor="test")
    assert restored.files == [large_sha256()]
    with evidence_store(fresh_runtime.settings).open(large_sha256()) as content:
        assert content.size == LARGE
    assert backup_peak[0] < LARGE / 3 and restore_peak[0] < LARGE / 3, (backup_peak, restore_peak)


def rewritten(archive, tmp_path, change) -> object:
    """A copy of the archive with `change(name, data)` applied to each member's bytes."""
    copy = tmp_path / f"changed-{uuid.uuid4().hex[:6]}.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(copy, "w:gz") as target:
        for info in source.getmembers():
            data = change(info.name, source.extractfile(info).read())
            if data is not None:
                info.size = len(data)
                target.addfile(info, io.BytesIO(data))
    return copy


async def test_a_damaged_foreign_or_conflicting_archive_is_refused_and_changes_nothing(ledger_office, fresh_runtime, tmp_path):
    await a_busy_office(ledger_office)
    archive = tmp_path / "good.tar.gz"
    await backup_tenant(ledger_office.runtime, "431321", archive)
    not_gzip = tmp_path / "plain.txt"
    not_gzip.write_text("431321")
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:-200])
    empty_tar = tmp_path / "empty.tar.gz"
    empty_tar.write_bytes(gzip.compress(b"\0" * 1024))
    edited_row = rewritten(
        archive, tmp_path, lambda name, data: data.replace("超编".encode(), "缺编".encode()) if name.endswith("finding.copy") else data
    )
    dropped_member = rewritten(archive, tmp_path, lambda name, data: None if name.endswith("ledger_entry.copy") else data)
    extra_member = tmp_path / "extra.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(extra_member, "w:gz") as target:
        for info in [*source.getmembers(), tarfile.TarInfo("tables/tenant.evil.copy")]:
            data = source.extractfile(info).read() if info.name != "tables/tenant.evil.copy" else b"x\n"
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))
    head = f'"tenant_revision": "{ledger_office.runtime.streams.tenant_head}"'.encode()
    other_version = rewritten(
        archive, tmp_path, lambda name, data: data.replace(head, b'"tenant_revision": "t0001"') if name == "manifest.json" else data
    )

    for bad, message in [
        (not_gzip, "tar.gz"),
        (truncated, "无效"),
        (empty_tar, "manifest"),
        (edited_row, "校验和"),
        (dropped_member, "缺少"),
        (extra_member, "清单之外"),
    ]:
        with pytest.raises(DomainError) as refused:
            read_archive(bad)
        assert refused.value.code == "INVALID_BACKUP" and message in refused.value.message, (bad, refused.value.message)

    def without_registry_row(name: str, data: bytes) -> bytes | None:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["tables"] = [t for t in manifest["tables"] if (t["schema"], t["name"]) != ("tenancy", "tenant")]
            return json.dumps(manifest).encode()
        return None if name == "tables/tenancy.tenant.copy" else data

    state = await database_state(fresh_runtime)
    with pytest.raises(DomainError) as refused:
        await restore_tenant(fresh_runtime, other_version, actor="test")
    assert refused.value.code == "BACKUP_VERSION_MISMATCH"
    with pytest.raises(DomainError) as refused:
        await restore_tenant(fresh_runtime, rewritten(archive, tmp_path, without_registry_row), actor="test")
    assert refused.value.code == "INVALID_BACKUP" and "tenancy.tenant" in refused.value.message
    by_cli = await cli(fresh_runtime, "tenants", "restore", str(edited_row))
    assert by_cli.returncode == 1 and "校验和" in by_cli.stderr
    assert await database_state(fresh_runtime) == state

    async with fresh_runtime.engine.begin() as connection:  # the city is gone: nowhere to hang the county
        await connection.execute(text("DELETE FROM tenancy.organ WHERE tenant_code = '431300'"))
        await connection.execute(text("DELETE FROM tenancy.tenant WHERE code = '431300'"))
        await connection.execute(text("DROP SCHEMA t431300 CASCADE"))
    state = await database_state(fresh_runtime)
    with pytest.raises(DomainError) as refused:
        await restore_tenant(fresh_runtime, archive, actor="test")
    assert refused.value.code == "PARENT_MISSING"
    assert await database_state(fresh_runtime) == state

    await create_all(fresh_runtime, "431300")
    state = await database_state(fresh_runtime)
    with pytest.raises(DomainError) as refused:
        await restore_tenant(fresh_runtime, in_format(archive, tmp_path, 3), actor="test")
    assert refused.value.code == "INVALID_BACKUP" and "格式版本 3 不受支持" in refused.value.message
    assert await database_state(fresh_runtime) == state

    restored = await restore_tenant(fresh_runtime, in_format(archive, tmp_path, 1), actor="test")  # before reports up were in it
    assert restored.format_version == 1
    assert (await everything(fresh_runtime))["problem_bank.problem"] == (await everything(ledger_office.runtime))["problem_bank.problem"]
    with pytest.raises(DomainError) as refused:  # the county is already there
        await restore_tenant(fresh_runtime, archive, actor="test")
    assert refused.value.code == "DUPLICATE"


def in_format(archive, tmp_path, version: int):
    """The archive as format `version` writes it: version 1 held only the shared tables it knew."""
    left_out = {f"tables/{rows.name}.copy" for rows in SHARED_ROWS if rows.since > version}

    def change(name: str, data: bytes) -> bytes | None:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["format_version"] = version
            manifest["tables"] = [t for t in manifest["tables"] if f"tables/{t['schema']}.{t['name']}.copy" not in left_out]
            return json.dumps(manifest).encode()
        return None if name in left_out else data

    return rewritten(archive, tmp_path, change)


async def every_kind_of_shared_row(runtime) -> None:
    """Rows of the province, the city and the county in every shared table backup carries, and
    rows of the county's that name the city (its report up, its evaluation by the city's system)."""
    statements = [
        "INSERT INTO problem_bank.quantity_kind (province_code, name, unit) VALUES ('430000', '清理违规挂牌', '块')",
        "INSERT INTO problem_bank.taxonomy_node (version, code, level, parent_code, name, legal_basis, province_code)"
        " VALUES ((SELECT max(version) FROM problem_bank.taxonomy_version), 'C01.K01.P4301', 'manifestation', 'C01.K01',"
        " '湖南省增设的表现形式', '湘编办发〔2026〕1号', '430000')",
        "INSERT INTO supervision.report_calendar (province_code, cadence, due_days, updated_by) VALUES ('430000', 'M', 15, 'hn.admin')",
        "INSERT INTO supervision.round_terms (province_code, plan_days, report_months, acceptance_scored, updated_by)"
        " VALUES ('430000', 20, 3, true, 'hn.admin')",
        "INSERT INTO supervision.warning_threshold (province_code, rule, parameter, yellow_at, red_at, updated_by)"
        " VALUES ('430000', 'over_staffing', NULL, 3, 6, 'hn.admin')",
        "INSERT INTO evaluation.indicator_system (owner_code, version, name, published_by)"
        " VALUES ('430000', 1, '湖南省评估指标体系', 'hn.admin'), ('431300', 1, '娄底市评估指标体系', 'ld.admin')",
        "INSERT INTO evaluation.indicator (system_id, code, parent_code, level, name, max_score, position)"
        " SELECT id, 'I1', NULL, '一级', '机构职能', NULL, 1 FROM evaluation.indicator_system WHERE owner_code IS NOT NULL"
        " UNION ALL SELECT id, 'I1.1', 'I1', '要点', '职能履行到位', 12.5, 2 FROM evaluation.indicator_system WHERE owner_code IS NOT NULL",
        "INSERT INTO supervision.report_up (tenant_code, parent_code, period, due_on, state, narrative, prepared_by, submitted_by,"
        " submitted_at, decided_by, figures) VALUES"
        " ('431300', '430000', '2026M05', '2026-06-15', '已确认', '娄底市五月整改情况', 'ld.admin', 'ld.admin', '2026-06-10 09:00+08',"
        " 'hn.admin', '{\"closed\": 3}'),"
        " ('431321', '431300', '2026M05', '2026-06-15', '已退回', '双峰县五月整改情况', 'sf.admin', 'sf.admin', '2026-06-12 09:00+08',"
        " 'ld.admin', NULL)",
        "UPDATE supervision.report_up SET note = '请补充逾期原因' WHERE tenant_code = '431321'",
        "INSERT INTO supervision.report_up_reminder (tenant_code, period) VALUES ('431321', '2026M04'), ('431300', '2026M04')",
        "INSERT INTO supervision.annual_collection (tenant_code, year, parent_code, due_on, onward_due_on, narrative)"
        " VALUES ('431321', 2026, '431300', '2027-01-31', '2027-02-28', '双峰县 2026 年机构编制报告')",
        "INSERT INTO supervision.answer_due (tenant_code, round_id, unit_id, document, due_on) VALUES ('431321', 1, 1, '整改方案', '2026-09-16')",
        "INSERT INTO problem_bank.month_end (tenant_code, month, province_code, city_code, total, awaiting_close_out, closed, overdue)"
        " VALUES ('431321', '2026-05-01', '430000', '431300', 3, 1, 1, 0)",
        "INSERT INTO supervision.unit_restriction (tenant_code, unit_id, credit_code, unit_name, kind, imposed_by_code, case_id,"
        " measure_id, starts_on, lift_conditions, imposed_by) VALUES ('431321', 1, 'UNIT4313211', '单位1', '冻结机构编制调整事项', '431300', 1, 1,"
        " '2026-06-01', '清退超编人员后解除', 'ld.admin')",
        "INSERT INTO notify.webhook (tenant_code, url, secret, event_types) VALUES ('431321', 'https://oa.sf.example/hook', 'v1:c2VhbGVk', NULL)",
        "INSERT INTO t431321.evaluation (kind, name, year, system_id, created_by)"
        " SELECT '三评合一', '2026 年三评合一', 2026, id, 'sf.admin' FROM evaluation.indicator_system WHERE owner_code = '431300'",
    ]
    async with runtime.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_every_office_s_shared_rows_come_back_exactly_when_restored_top_down(ledger_office, empty_runtime, tmp_path):
    """Indicator systems, reports up, a province's calendar and settings: in the shared schemas,
    keyed by office, and lost by a restore before format 2."""
    await a_busy_office(ledger_office)
    await every_kind_of_shared_row(ledger_office.runtime)
    offices = ("430000", "431300", "431321")
    before = {code: await everything(ledger_office.runtime, code) for code in offices}
    carried = {shared.name for shared in SHARED_ROWS}
    assert {"evaluation.indicator_system", "evaluation.indicator", "supervision.report_up", "supervision.report_calendar"} <= carried
    for shared in SHARED_ROWS:  # every table the backup carries is put to the test
        assert any(before[code][shared.name] for code in offices), shared.name
    # the city's own report up; the county's report to it is the county's
    assert [row[1] for row in before["431300"]["supervision.report_up"]] == ["431300"]
    assert len(before["431300"]["evaluation.indicator"]) == 2

    for code in offices:  # parents first, as restore requires
        archive = tmp_path / f"{code}.tar.gz"
        await backup_tenant(ledger_office.runtime, code, archive)
        assert (await restore_tenant(empty_runtime, archive, actor="test")).format_version == 2

    for code in offices:
        after = await everything(empty_runtime, code)
        *restored_audit, _ = after.pop(f"t{code}.audit_event")
        assert restored_audit == before[code].pop(f"t{code}.audit_event")
        assert after == before[code], code
    async with empty_runtime.engine.begin() as connection:  # identities continue past the restored ids
        ids = (await connection.execute(text("SELECT max(id) FROM evaluation.indicator_system"))).scalar_one()
        next_id = (await connection.execute(text("SELECT nextval(pg_get_serial_sequence('evaluation.indicator_system', 'id'))"))).scalar()
    assert next_id == ids + 1


async def test_a_restore_replaces_rows_left_under_the_office_s_code_and_refuses_to_overwrite_another_office_s(
    ledger_office, fresh_runtime, tmp_path
):
    await every_kind_of_shared_row(ledger_office.runtime)
    before = await everything(ledger_office.runtime)
    archive = tmp_path / "431321.tar.gz"
    await backup_tenant(ledger_office.runtime, "431321", archive)
    (county_report_id,) = [row[0] for row in before["supervision.report_up"]]
    async with fresh_runtime.engine.begin() as connection:  # left behind under the county's code, and the city's own report
        await connection.execute(
            text(
                "INSERT INTO supervision.report_up (id, tenant_code, parent_code, period, due_on, narrative, prepared_by) OVERRIDING SYSTEM VALUE"
                " VALUES (:id, '431300', '430000', '2026M05', '2026-06-15', '娄底市五月整改情况', 'ld.admin'),"
                " (:id + 1, '431321', '431300', '2026M05', '2026-06-15', '旧库中的双峰县报告', 'sf.admin')"
            ),
            {"id": county_report_id},
        )
        await connection.execute(text("INSERT INTO supervision.report_up_reminder (tenant_code, period) VALUES ('431321', '2025M12')"))
        await connection.execute(text("INSERT INTO problem_bank.month_end VALUES ('431321', '2026-04-01', '430000', '431300', 9, 9, 0, 9)"))

    async def left_behind() -> tuple:
        async with fresh_runtime.engine.connect() as connection:
            reports = await connection.execute(text("SELECT id, tenant_code, narrative FROM supervision.report_up ORDER BY id"))
            return await database_state(fresh_runtime), [tuple(row) for row in reports]

    state = await left_behind()
    with pytest.raises(DomainError) as refused:  # the city's report holds the id of the county's
        await restore_tenant(fresh_runtime, archive, actor="test")
    assert refused.value.code == "RESTORE_CONFLICT" and "supervision.report_up" in refused.value.message
    assert await left_behind() == state

    async with fresh_runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE supervision.report_up SET id = id + 100 WHERE tenant_code = '431300'"))
    await restore_tenant(fresh_runtime, archive, actor="test")
    after = await everything(fresh_runtime)
    after.pop("t431321.audit_event"), before.pop("t431321.audit_event")
    assert after == before  # what was left under its code is gone, the backup's rows are back as they were
    async with fresh_runtime.engine.begin() as connection:
        city = (await connection.execute(text("SELECT id, narrative FROM supervision.report_up WHERE tenant_code = '431300'"))).one()
        next_id = (await connection.execute(text("SELECT nextval(pg_get_serial_sequence('supervision.report_up', 'id'))"))).scalar()
    assert tuple(city) == (county_report_id + 100, "娄底市五月整改情况")  # another office's row stays
    assert next_id == county_report_id + 101  # never back below another office's ids
