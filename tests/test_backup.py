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
from backend.backup.service import SHARED_TABLES, backup_tenant, restore_tenant, schema_tables
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
        for shared, name, key in SHARED_TABLES:
            columns = dict(await schema_tables(connection, shared))[name]
            tables.append((shared, name, columns, f"WHERE {key} = '{code}'"))
        for in_schema, name, columns, where in tables:
            order = ", ".join(str(n) for n in range(1, len(columns) + 1))
            result = await connection.execute(text(f'SELECT {", ".join(columns)} FROM {in_schema}."{name}" {where} ORDER BY {order}'))
            rows[f"{in_schema}.{name}"] = [tuple(row) for row in result]
    return rows


@pytest.fixture
async def fresh_runtime(ledger_office, services, migrated_template):
    """A second database (migrated, with the province and city but not the county), its own
    data directory and evidence store: where the backup is restored."""
    source = ledger_office.runtime.settings
    settings = dataclasses.replace(source, data_dir=source.data_dir / "fresh", evidence_url=elsewhere(source))
    async with fresh_database(services, migrated_template) as url, open_runtime(settings, ServiceUrls(url, services.redis_url)) as runtime:
        await create_all(runtime, "430000", "431300")
        yield runtime


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

    await create_all(fresh_runtime, "431300", "431321")  # the county is already there
    with pytest.raises(DomainError) as refused:
        await restore_tenant(fresh_runtime, archive, actor="test")
    assert refused.value.code == "DUPLICATE"
