"""Excel round-trip of the ledger: importing findings from the shipped template (dry run
first: every bad row reported; a real import all-or-nothing, and idempotent on the finding
code), and exporting the ledger in a layout an office prints.

openpyxl is synchronous and CPU-bound; callers run these functions in a worker thread."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from backend.resources import TEMPLATES
from tenants.errors import DomainError

MAX_IMPORT_ROWS = 5_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_EXPANSION = 100  # unpacked ÷ packed
TEMPLATE_PATH = TEMPLATES / "问题导入模板.xlsx"


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the FindingInput field it fills (camelCase, as in errors)
    width: int
    note: str
    optional: bool = False  # a trailing column a file made from an older template may lack


IMPORT_COLUMNS = (
    Column("问题编号", "code", 14, "必填，本单位内唯一；再次导入时已有编号的行跳过"),
    Column("轮次ID", "roundId", 8, "轮次列表中的 ID；日常监督发现的不填，改填“日常监督来源”"),
    Column("被检查单位代码", "unitCode", 22, "必填，统一社会信用代码或机构代码，单位须在该轮次覆盖范围内"),
    Column("问题分类代码", "taxonomyCode", 14, "必填，具体表现一级，如 C03.K01.M01"),
    Column("问题描述", "description", 40, "必填"),
    Column("严重程度", "severity", 10, "一般、较重或严重"),
    Column("证据来源", "evidenceSources", 20, "可多个，用顿号分隔：实名制数据、任免文件、官方网站、工作报告、现场情况、钉钉数据"),
    Column("发现日期", "foundOn", 12, "日期，如 2026-09-10"),
    Column("整改期限", "deadline", 12, "日期；当场整改完毕的可不填"),
    Column("当场整改完毕", "fixedOnSpot", 12, "是或否，默认否；是：立行立改，登记即销号"),
    Column("责任单位", "responsibleUnit", 20, "不填即被检查单位"),
    Column("责任人", "responsiblePerson", 12, ""),
    Column("整改措施", "measures", 30, ""),
    Column("当场整改情况", "closeNote", 30, "当场整改完毕时必填"),
    Column(
        "日常监督来源",
        "dailySource",
        16,
        "不属于任何轮次时填写：进人审核、实名制审核、机构编制报告分析、12310举报、审计移送线索或机构编制评估",
    ),
    Column("来源文号", "sourceReference", 20, "日常监督来源的文号，如 12310 举报编号、审计移送函文号"),
)


@dataclass(frozen=True)
class SheetRow:
    line: int  # the row number Excel shows
    values: dict[str, object]  # field → cell value (None when empty)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    code: str
    message: str


def check_expansion(content: bytes) -> None:
    """Refuse a workbook that unpacks to far more than it weighs (a zip bomb), before anything
    reads it: .xlsx text compresses some 5 to 20 times."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise DomainError("MALFORMED_FILE", "无法读取该 Excel 文件，请使用 .xlsx 模板", field="file") from None
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_EXPANSION * len(content):
        raise DomainError("FILE_TOO_LARGE", f"文件解压后达 {unpacked // (1024 * 1024)} MB，超出可导入的范围", field="file")


def read_import_sheet(content: bytes, columns: tuple[Column, ...] = IMPORT_COLUMNS, max_rows: int = MAX_IMPORT_ROWS) -> list[SheetRow]:
    """The filled rows of the first sheet of a template with `columns`; MALFORMED_FILE when it
    is not that template. Every row counts against `max_rows`, blank or not, and reading stops
    there: a sheet of 200,000 blank rows costs no more than one of `max_rows`."""
    check_expansion(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as error:
        raise DomainError("MALFORMED_FILE", f"无法读取该 Excel 文件（{type(error).__name__}），请使用 .xlsx 模板", field="file") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        expected = [c.header for c in columns]
        while headers and not headers[-1]:
            headers.pop()
        width = min(len(headers), len(expected))  # optional trailing columns may be missing, not others
        if width < sum(not c.optional for c in columns) or headers[:width] != expected[:width]:
            raise DomainError("MALFORMED_FILE", f"表头须为模板的：{'、'.join(expected)}", field="file")
        found: list[SheetRow] = []
        for line, raw in enumerate(rows, start=2):
            if line - 1 > max_rows:
                raise DomainError("TOO_MANY_ROWS", f"一次最多导入 {max_rows} 行（空行也计算在内，请删除多余的行）", field="file")
            cells = [None if isinstance(c, str) and not c.strip() else c for c in raw[:width]]
            if all(c is None for c in cells):
                continue
            cells += [None] * (len(expected) - len(cells))
            found.append(SheetRow(line, {column.field: cell for column, cell in zip(columns, cells, strict=True)}))
        return found
    finally:
        workbook.close()


def cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def cell_date(value: object, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise DomainError("INVALID_DATE", f"{value!r} 不是日期（应形如 2026-09-10）", field=field) from None


def cell_flag(value: object, field: str) -> bool:
    text = cell_text(value)
    if text in (None, "否", "0", "False", "FALSE"):
        return False
    if text in ("是", "1", "True", "TRUE"):
        return True
    raise DomainError("INVALID_FLAG", f"{text!r} 应为“是”或“否”", field=field)


FINDINGS_EXAMPLE = (
    "SF-2026-001",
    1,
    "11431321MB1234567X",
    "C03.K01.M01",
    "实有人数超过核定编制 2 名",
    "较重",
    "实名制数据、现场情况",
    "2026-09-10",
    "2026-12-31",
    "否",
    None,
    "局长 张某",
    "清退超编人员",
    None,
    None,
    None,
)


def write_template(
    path: Path, columns: tuple[Column, ...] = IMPORT_COLUMNS, example: tuple = FINDINGS_EXAMPLE, title: str = "问题清单"
) -> None:
    """An import template: the header row, a note per column, one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append([c.header for c in columns])
    sheet.append(list(example))
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for column in columns:
        notes.append([column.header, column.note])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.cell(1, index).font = Font(bold=True)
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 80
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


@dataclass(frozen=True)
class ExportColumn:
    header: str
    width: int


EXPORT_COLUMNS = (
    ExportColumn("序号", 6),
    ExportColumn("问题编号", 13),
    ExportColumn("敏感程度", 8),
    ExportColumn("被检查单位", 18),
    ExportColumn("轮次或来源", 16),  # a daily-supervision finding has no round: its channel
    ExportColumn("问题类型", 18),
    ExportColumn("问题描述", 36),
    ExportColumn("严重程度", 8),
    ExportColumn("发现日期", 11),
    ExportColumn("责任单位", 16),
    ExportColumn("责任人", 10),
    ExportColumn("整改措施", 30),
    ExportColumn("整改期限", 11),
    ExportColumn("整改状态", 9),
    ExportColumn("是否逾期", 8),
    ExportColumn("销号时间", 11),
)


# What spreadsheet programs take for the start of a formula (or of a DDE command) in a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: Cell) -> None:
    """Text that users typed stays text: a value starting like a formula (=HYPERLINK(…),
    =cmd|' /C calc'!A0) is written as a string with Excel's quote prefix, so neither opening
    the file nor editing the cell runs it."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def ledger_workbook(title: str, subtitle: str, rows: list[tuple]) -> bytes:
    """整改台账 for printing."""
    return table_workbook("整改台账", EXPORT_COLUMNS, title, subtitle, rows)


def table_workbook(sheet_name: str, columns: tuple[ExportColumn, ...], title: str, subtitle: str, rows: list[tuple]) -> bytes:
    """A ledger (台账) for printing: a title, the filters in a subtitle, a bordered table with
    wrapped text, landscape A4 fitted to the page width, the header repeated on every page.
    Every export of the system goes through here, so every cell of user text is text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    last = get_column_letter(len(columns))
    sheet.append([title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([subtitle])
    sheet.merge_cells(f"A2:{last}2")
    sheet.append([c.header for c in columns])
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            as_text(cell)
    thin = Side(style="thin")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for cell in cells:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == 3:
                cell.font = Font(bold=True)
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.freeze_panes = "A4"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
