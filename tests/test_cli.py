"""The `xuncha` command line, run as a user runs it: a separate process on the test database."""

from sqlalchemy import text

from tests.helpers import database_state, registry_rows, xuncha


async def test_create_import_and_upgrade_from_the_command_line(runtime, tmp_path):
    created = await xuncha(runtime, "tenants", "create", "430000")
    assert created.returncode == 0, created.stderr
    assert "已开通 430000 湖南省" in created.stdout

    csv_file = tmp_path / "loudi.csv"
    register = await xuncha(runtime, "tenants", "register", "--province", "430000", "--output", str(csv_file))
    assert register.returncode == 0, register.stderr
    loudi = [line for line in csv_file.read_text(encoding="utf-8").splitlines() if line.startswith(("code", "4313"))]
    csv_file.write_text("\n".join(loudi) + "\n", encoding="utf-8")
    imported = await xuncha(runtime, "tenants", "import", str(csv_file))
    assert imported.returncode == 0, imported.stderr
    assert "开通 6 个" in imported.stdout
    assert [row[0] for row in await registry_rows(runtime)] == ["430000", "431300", "431302", "431321", "431322", "431381", "431382"]

    upgraded = await xuncha(runtime, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "机构迁移汇总" in upgraded.stdout


async def test_bad_input_exits_non_zero_with_the_reason_and_changes_nothing(runtime, tmp_path):
    assert (await xuncha(runtime, "tenants", "create", "430000")).returncode == 0
    before = await database_state(runtime)

    duplicate = await xuncha(runtime, "tenants", "create", "430000")
    assert duplicate.returncode == 1 and "已经开通" in duplicate.stderr

    bad_file = tmp_path / "bad.csv"
    bad_file.write_text("code\n431300\n43130X\n431300\n", encoding="utf-8")
    rejected = await xuncha(runtime, "tenants", "import", str(bad_file))
    assert rejected.returncode == 1
    assert "第 3 行 43130X" in rejected.stderr and "第 4 行 431300" in rejected.stderr

    not_utf8 = tmp_path / "gbk.csv"
    not_utf8.write_bytes("431300,娄底市\n".encode("gbk"))
    assert "UTF-8" in (await xuncha(runtime, "tenants", "import", str(not_utf8))).stderr

    not_a_cluster = await xuncha(runtime, "tenants", "distribute")  # one PostgreSQL, no Citus
    assert not_a_cluster.returncode == 1 and "不是 Citus 集群" in not_a_cluster.stderr

    assert await database_state(runtime) == before


async def test_markup_like_names_are_printed_as_written(runtime):
    assert (await xuncha(runtime, "tenants", "create", "430000")).returncode == 0
    assert (await xuncha(runtime, "tenants", "create", "431300")).returncode == 0
    created = await xuncha(runtime, "tenants", "create", "431399", "--name", "测试[/]区[bold]")
    assert created.returncode == 0, created.stderr
    assert "测试[/]区[bold]" in created.stdout
    listed = await xuncha(runtime, "tenants", "list", "--parent", "431300")
    assert listed.returncode == 0 and "测试[/]区[bold]" in listed.stdout
    assert "县级（县市区）" in listed.stdout and "正常" in listed.stdout  # the labels offices read
    assert "[/]" in (await xuncha(runtime, "tenants", "create", "[/]")).stderr


async def test_commands_refuse_an_unmigrated_database_with_a_hint(settings, services, database_url):
    from types import SimpleNamespace

    from backend.embedded import ServiceUrls

    fresh = SimpleNamespace(urls=ServiceUrls(database_url, services.redis_url), settings=settings)  # what the CLI helper reads
    refused = await xuncha(fresh, "tenants", "create", "430000")
    assert refused.returncode != 0 and "xuncha db upgrade" in refused.stderr


async def test_create_superuser_then_refuse_a_duplicate_or_weak_password(runtime):
    strong = {"XUNCHA_SUPERUSER_PASSWORD": "Strong-enough-1"}
    created = await xuncha(runtime, "users", "create-superuser", "root", env=strong)
    assert created.returncode == 0, created.stderr
    assert "已创建平台管理员 root" in created.stdout
    duplicate = await xuncha(runtime, "users", "create-superuser", "ROOT", env=strong)
    assert duplicate.returncode == 1 and "已被使用" in duplicate.stderr
    weak = await xuncha(runtime, "users", "create-superuser", "root2", env={"XUNCHA_SUPERUSER_PASSWORD": "short"})
    assert weak.returncode == 1 and "密码长度" in weak.stderr


async def test_audit_verify_reports_a_tampered_tenant(runtime):
    from sqlalchemy import text

    from backend.audit.service import record_audit

    assert (await xuncha(runtime, "tenants", "create", "430000")).returncode == 0
    async with runtime.engine.begin() as connection:
        for n in range(3):
            await record_audit(connection, "430000", actor="a", action="x", entity="y", entity_id=str(n))
    clean = await xuncha(runtime, "audit", "verify", "--tenant", "430000")
    assert clean.returncode == 0 and "全部完好" in clean.stdout and "第 3 条" in clean.stdout
    async with runtime.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE t430000.audit_event DISABLE TRIGGER USER"))
        await connection.execute(text("UPDATE t430000.audit_event SET actor = 'b' WHERE seq = 2"))
        await connection.execute(text("ALTER TABLE t430000.audit_event ENABLE TRIGGER USER"))
    broken = await xuncha(runtime, "audit", "verify")
    assert broken.returncode == 1 and "[430000] 第 2 条记录的内容被改动过" in broken.stderr


async def test_offices_the_register_renamed_or_recoded_are_listed_and_a_rename_is_applied(runtime):
    """The register follows the 2023 division list (issue 22 item 7): 宁乡县 430124 became 宁乡市
    430182, 桥东区 130502 was renamed 襄都区; provisioned offices are checked against it."""
    for code, name in (("430000", None), ("430100", None), ("430124", "宁乡县"), ("130000", None), ("130500", None), ("130502", "桥东区")):
        created = await xuncha(runtime, "tenants", "create", code, *(("--name", name) if name else ()))
        assert created.returncode == 0, created.stderr
    listed = await xuncha(runtime, "tenants", "divisions")
    assert listed.returncode == 0, listed.stderr
    assert "430182 宁乡市" in listed.stdout and "襄都区" in listed.stdout and "rename 130502" in listed.stdout
    renamed = await xuncha(runtime, "tenants", "rename", "130502")
    assert renamed.returncode == 0 and "桥东区 → 襄都区" in renamed.stdout
    refused = await xuncha(runtime, "tenants", "rename", "430124")  # the register has no such code: a name must be given
    assert refused.returncode == 1 and "--name" in refused.stderr
    assert ("130502", "襄都区") in [(row[0], row[1]) for row in await registry_rows(runtime)]
    async with runtime.engine.connect() as connection:  # its 编办 was named after the old name: renamed too
        office = (await connection.execute(text("SELECT name, document_code FROM tenancy.organ WHERE tenant_code = '130502'"))).one()
    assert tuple(office) == ("中共襄都区委机构编制委员会办公室", "襄编办")
    again = await xuncha(runtime, "tenants", "divisions")
    assert "130502" not in again.stdout and "430124" in again.stdout
