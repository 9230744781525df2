"""An import file cannot make the server read more than an import holds (issue 19: a 448 KiB
.xlsx of 200,000 blank rows kept an import busy for 38 s)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from backend.findings.excel import IMPORT_COLUMNS, MAX_IMPORT_ROWS, read_import_sheet
from tenants.errors import DomainError


def sheet(rows: list[list[object]]) -> bytes:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet()
    worksheet.append([column.header for column in IMPORT_COLUMNS])
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def refusal(content: bytes) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as refused:
        read_import_sheet(content)
    return refused.value.code, refused.value.field


def test_blank_rows_count_against_the_cap():
    assert refusal(sheet([[" "]] * (MAX_IMPORT_ROWS + 1))) == ("TOO_MANY_ROWS", "file")
    assert read_import_sheet(sheet([[" "]] * (MAX_IMPORT_ROWS - 1) + [["SF-1"]]))[0].line == MAX_IMPORT_ROWS + 1


def test_a_workbook_that_unpacks_to_far_more_than_it_weighs_is_refused_unread():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b" " * 30_000_000 + b"</sheetData>")
    assert refusal(bomb.getvalue()) == ("FILE_TOO_LARGE", "file")
    assert refusal(b"PK\x03\x04 not a zip") == ("MALFORMED_FILE", "file")
