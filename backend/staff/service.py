"""Importing staff records (实名制人员) from the office's 实名制 export, on the findings
import's machinery: the whole file checked first (every bad row reported, nothing written),
then all rows in one transaction; idempotent on the person (a keyed hash of the 身份证号):
a known person is updated only when something changed, so importing the same file again
changes nothing."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from backend.findings.excel import TEMPLATE_PATH, Column, RowError, SheetRow, cell_date, cell_flag, cell_text
from backend.findings.importer import sheet_rows
from backend.id_numbers import CHECK_CHARACTERS, is_id_number
from backend.staff.models import Education, OffRoll, PostType, StaffRecord
from backend.units.models import InspectedUnit
from backend.units.service import STAFFING_CATEGORIES
from tenants.access import Principal
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.registry import clean_name
from tenants.scoping import tenant_engine

MAX_STAFF_ROWS = 50_000  # a county's whole export

STAFF_COLUMNS = (
    Column("单位代码", "unitCode", 22, "必填，被检查单位的统一社会信用代码或机构代码"),
    Column("姓名", "name", 10, "必填"),
    Column("身份证号", "idNumber", 22, "必填，18 位；系统只保存其加密摘要和脱敏号码（前 6 位与后 4 位）"),
    Column("编制类别", "category", 14, f"必填：{'、'.join(STAFFING_CATEGORIES)}"),
    Column("是否在岗", "onPost", 10, "是或否，默认是"),
    Column("是否借调", "seconded", 10, "是或否，默认否；借调到其他单位工作的填是"),
    Column("借调开始日期", "secondedFrom", 14, "借调的必填，如 2025-03-01"),
    Column("借调结束日期", "secondedTo", 14, "约定的借调期满日期；未约定的不填"),
    Column("岗位类别", "postType", 14, f"可不填：{PostType.labels()}", optional=True),
    Column("学历", "education", 12, f"可不填：{Education.labels()}", optional=True),
    Column("编外类别", "offRoll", 14, f"编外人员填写（编制类别不填）：{OffRoll.labels()}；在编人员不填", optional=True),
)
STAFF_TEMPLATE_PATH = TEMPLATE_PATH.with_name("实名制人员导入模板.xlsx")
STAFF_EXAMPLE = ("11431321MB1234567X", "张三", "431321199001011239", "行政编制", "是", "否", None, None, "行政岗位", "大学本科", None)


def check_id_number(value: str | None) -> str:
    """An 18-character 居民身份证号码 with a valid check digit (GB 11643)."""
    number = (value or "").strip().upper()
    if not (len(number) == 18 and number[:17].isdigit() and number[17] in CHECK_CHARACTERS):
        raise DomainError("INVALID_ID_NUMBER", "身份证号须为 18 位（末位可为 X）", field="idNumber")
    if not is_id_number(number):
        raise DomainError("INVALID_ID_NUMBER", "身份证号校验位不符，请核对", field="idNumber")
    return number


def birth_year(number: str, today: date) -> int:
    """The year of the birth date a valid 身份证号 holds (its 7th to 14th digits)."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or not date(1900, 1, 1) <= born <= today:
        raise DomainError("INVALID_ID_NUMBER", "身份证号中的出生日期无效，请核对", field="idNumber")
    return born.year


def _choice(value: object, labelled: type[Labelled], code: str, field: str) -> str | None:
    """An optional cell holding one of `labelled`'s values."""
    text = cell_text(value)
    if text is not None and text not in set(labelled):
        raise DomainError(code, f"{text!r} 不是可选项：{labelled.labels()}", field=field)
    return text


def id_hash(secret_key: str, number: str) -> str:
    return hmac.new(secret_key.encode(), number.encode(), hashlib.sha256).hexdigest()


def masked(number: str) -> str:
    return f"{number[:6]}********{number[-4:]}"


@dataclass(frozen=True)
class StaffData:
    unit_id: int
    name: str
    id_hash: str
    id_masked: str
    category: str | None
    on_post: bool
    seconded: bool
    seconded_from: date | None
    seconded_to: date | None
    birth_year: int
    post_type: str | None
    education: str | None
    off_roll: str | None


def check_row(row: SheetRow, unit_ids: dict[str, int], secret_key: str, today: date) -> StaffData:
    v = row.values
    unit_code = (cell_text(v["unitCode"]) or "").upper()
    if unit_code not in unit_ids:
        raise DomainError("NOT_FOUND", f"没有代码为 {unit_code!r} 的被检查单位", field="unitCode")
    name = clean_name(cell_text(v["name"]) or "", field="name")
    number = check_id_number(cell_text(v["idNumber"]))
    category = cell_text(v["category"])
    off_roll = _choice(v["offRoll"], OffRoll, "INVALID_OFF_ROLL", "offRoll")
    if off_roll is not None and category is not None:
        raise DomainError("INVALID_CATEGORY", "编外人员不填编制类别（填了编外类别的即为编外人员）", field="category")
    if off_roll is None and category not in STAFFING_CATEGORIES:
        raise DomainError("INVALID_CATEGORY", f"编制类别须为：{'、'.join(STAFFING_CATEGORIES)}；编外人员改填编外类别", field="category")
    on_post = cell_flag(v["onPost"], "onPost") if v["onPost"] is not None else True
    seconded = cell_flag(v["seconded"], "seconded")
    seconded_from, seconded_to = cell_date(v["secondedFrom"], "secondedFrom"), cell_date(v["secondedTo"], "secondedTo")
    if not seconded and (seconded_from or seconded_to):
        raise DomainError("INVALID_DATE", "未借调的人员不应填写借调日期", field="secondedFrom")
    if seconded and (seconded_from is None or seconded_from > today):
        raise DomainError("INVALID_DATE", "借调的须填写不晚于今天的借调开始日期", field="secondedFrom")
    if seconded_to is not None and seconded_from is not None and seconded_to < seconded_from:
        raise DomainError("INVALID_DATE", "借调结束日期不能早于开始日期", field="secondedTo")
    return StaffData(
        unit_ids[unit_code],
        name,
        id_hash(secret_key, number),
        masked(number),
        category,
        on_post,
        seconded,
        seconded_from,
        seconded_to,
        birth_year(number, today),
        _choice(v["postType"], PostType, "INVALID_POST_TYPE", "postType"),
        _choice(v["education"], Education, "INVALID_EDUCATION", "education"),
        off_roll,
    )


@dataclass
class StaffImportReport:
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class StaffImporter:
    """The 实名制 export imported straight from the request: the file is read in memory and never
    stored (it holds every person's full 身份证号); the records keep a keyed hash and a mask."""

    def __init__(self, engine: AsyncEngine, secret_key: str) -> None:
        self.engine = engine
        self.secret_key = secret_key

    async def run(
        self, principal: Principal, tenant_code: str, content: bytes, *, dry_run: bool, today: date, request_id: str | None
    ) -> StaffImportReport:
        """Import the .xlsx `content` (who may is declared on the route)."""
        rows = await sheet_rows(content, STAFF_COLUMNS, MAX_STAFF_ROWS)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            codes = {(cell_text(r.values["unitCode"]) or "").upper() for r in rows}
            unit_ids = dict(
                (
                    await connection.execute(
                        select(InspectedUnit.credit_code, InspectedUnit.id).where(InspectedUnit.credit_code.in_(codes))
                    )
                ).all()
            )
            report = StaffImportReport(dry_run)
            checked: list[StaffData] = []
            lines: dict[str, int] = {}  # id hash → its line
            for row in rows:
                try:
                    data = check_row(row, unit_ids, self.secret_key, today)
                except DomainError as error:
                    report.errors.append(RowError(row.line, error.field, error.code, error.message))
                    continue
                if data.id_hash in lines:
                    report.errors.append(RowError(row.line, "idNumber", "DUPLICATE", f"身份证号与第 {lines[data.id_hash]} 行重复"))
                    continue
                lines[data.id_hash] = row.line
                checked.append(data)
            if report.errors:
                return report
            known = {row.id_hash: row for row in await connection.execute(select(StaffRecord).where(StaffRecord.id_hash.in_(list(lines))))}
            new = [data for data in checked if data.id_hash not in known]
            changed = [data for data in checked if data.id_hash in known and _differs(known[data.id_hash], data)]
            report.created, report.updated = len(new), len(changed)
            report.unchanged = len(checked) - len(new) - len(changed)
            if dry_run or not (new or changed):
                return report
            if new:
                await connection.execute(insert(StaffRecord), [asdict(data) for data in new])
            if changed:
                # executemany: bind names must differ from the column names they set
                values: dict[str, BindParameter[Any]] = {
                    name: bindparam(f"new_{name}") for name in StaffData.__dataclass_fields__ if name != "id_hash"
                }
                await connection.execute(
                    update(StaffRecord).where(StaffRecord.id_hash == bindparam("key")).values(**values, updated_at=func.now()),
                    [{"key": data.id_hash, **{f"new_{k}": v for k, v in asdict(data).items()}} for data in changed],
                )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="staff.imported",
                entity="staff_record",
                entity_id=tenant_code,
                after={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
                request_id=request_id,
            )
        return report


def _differs(row, data: StaffData) -> bool:
    return any(getattr(row, name) != value for name, value in asdict(data).items())
