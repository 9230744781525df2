"""Full 身份证号 never rest in the evidence store or a backup (issue 19, item 2): the 实名制 import
reads its file in memory and keeps only a keyed hash and a mask; a file holding ID numbers is
refused as evidence; what an earlier version stored is purged."""

from __future__ import annotations

import hashlib
import tarfile

from sqlalchemy import text

from backend.backup.service import backup_tenant
from backend.evidence.location import evidence_store
from backend.evidence.purge import purge_personal_data
from backend.id_numbers import holds_id_number
from backend.staff.service import STAFF_COLUMNS
from tests.evidence_stores import both_stores, put, stored
from tests.helpers import PDF, sheet_bytes
from tests.identity import Api

pytestmark = both_stores

ID_NUMBERS = ("431321199001011239", "431321198506120022")


def staff_sheet() -> bytes:
    rows = [
        ["UNIT00000001", name, number, "行政编制", "是", "否", None, None]
        for name, number in zip(("张三", "李四"), ID_NUMBERS, strict=True)
    ]
    return sheet_bytes([[c.header for c in STAFF_COLUMNS], *rows])


async def evidence_rows(runtime) -> list[str]:
    async with runtime.engine.connect() as connection:
        return list((await connection.execute(text("SELECT sha256 FROM t431321.evidence_file ORDER BY sha256"))).scalars())


async def test_the_staff_import_keeps_no_file_and_a_backup_holds_no_id_number(county, tmp_path):
    runtime, inspector = county
    headers = {"Authorization": f"Bearer {inspector}"}
    async with Api(runtime) as api:
        imported = await api.client.post("/imports/431321/staff", params={"dryRun": "false"}, content=staff_sheet(), headers=headers)
        as_evidence = await api.client.post("/evidence/431321", params={"name": "实名制.xlsx"}, content=staff_sheet(), headers=headers)
        pdf = await api.client.post("/evidence/431321", params={"name": "整改报告.pdf"}, content=PDF, headers=headers)
    assert imported.status_code == 200 and imported.json()["created"] == 2
    assert as_evidence.status_code == 400 and as_evidence.json()["errors"][0]["extensions"]["code"] == "PERSONAL_DATA_IN_FILE"
    assert await evidence_rows(runtime) == [pdf.json()["sha256"]]  # the refused sheet left no row and no file
    assert list(stored(runtime.settings).values()) == [PDF]

    archive = tmp_path / "431321.tar.gz"
    await backup_tenant(runtime, "431321", archive)
    with tarfile.open(archive) as members:
        contents = [members.extractfile(member).read() for member in members.getmembers() if member.isfile()]
    assert contents and not any(number.encode() in content for number in ID_NUMBERS for content in contents)
    assert any(b"431321********1239" in content for content in contents)  # the mask is what the records keep


async def test_files_stored_before_with_id_numbers_are_purged_and_audited(county):
    runtime, _ = county
    sheet, kept = staff_sheet(), PDF
    shas = [hashlib.sha256(content).hexdigest() for content in (sheet, kept)]
    for content in (sheet, kept):
        put(evidence_store(runtime.settings), content)  # as an earlier version stored an import's file
    assert holds_id_number(sheet)
    async with runtime.engine.begin() as connection:
        for sha, name in zip(shas, ("实名制.xlsx", "整改报告.pdf"), strict=True):
            await connection.execute(
                text(
                    "INSERT INTO t431321.evidence_file (sha256, uploaded_by, size, content_type, file_name)"
                    " VALUES (:s, 'sf.inspector', 1, 'application/octet-stream', :n)"
                ),
                {"s": sha, "n": name},
            )
    purged = await purge_personal_data(runtime)
    again = await purge_personal_data(runtime)
    async with runtime.engine.connect() as connection:
        audited = list(
            (await connection.execute(text("SELECT entity_id FROM t431321.audit_event WHERE action = 'evidence.purged'"))).scalars()
        )
    assert (purged.files, purged.offices, again.files) == (1, 1, 0)
    assert await evidence_rows(runtime) == [shas[1]]
    assert stored(runtime.settings) == {shas[1]: kept}
    assert audited == [shas[0]]
