"""Excel round-trip: the shipped template, importing findings (dry run, all-or-nothing,
idempotent on the finding code) and exporting the ledger for printing."""

from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from backend.findings.excel import IMPORT_COLUMNS, TEMPLATE_PATH
from tests.factories import add_round, add_unit
from tests.helpers import configured, create_all, drain, sheet_bytes
from tests.identity import Api, add_user, error_code, token_for

IMPORT = """mutation($s: String!, $d: Boolean!) { importFindings(tenantCode: "431321", sha256: $s, dryRun: $d) {
    report { dryRun created skipped errors { line field code message } } } }"""
GOOD = [
    [
        "SF-001",
        1,
        "UNIT00000001",
        "C03.K01.M01",
        "超编 2 名",
        "较重",
        "实名制数据、现场情况",
        "2026-09-10",
        "2026-12-31",
        "否",
        None,
        "张某",
        "清退",
        None,
    ],
    [
        "SF-002",
        1,
        "unit00000002",
        "C03.K04.M01",
        "自设议事协调机构",
        "一般",
        None,
        "2026-09-11",
        "2099-12-31",
        None,
        "县委编办",
        None,
        None,
        None,
    ],
    ["SF-003", 1, "UNIT00000001", "C03.K09.M01", "在编不在岗", "一般", "钉钉数据", "2026-09-12", None, "是", None, None, None, "当场召回"],
]


def workbook(rows: list[list], headers: list[str] | None = None) -> bytes:
    return sheet_bytes([headers or [c.header for c in IMPORT_COLUMNS], *rows])


@pytest.fixture
async def office(runtime, tmp_path):
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path))
    await create_all(runtime, "430000", "431300", "431321", "431322")
    units = [await add_unit(runtime, "431321", f"单位{n}", f"UNIT0000000{n}") for n in (1, 2)]
    await add_round(runtime, "431321", units, name="第十二轮巡察")
    grants = {
        "inspector": ("431321", "inspector", None),
        "liaison": ("431321", "liaison", 2),
        "other": ("431321", "inspector", None),
        "sibling": ("431322", "admin", None),
    }
    tokens = {name: await token_for(runtime, await add_user(runtime, f"sf.{name}", grant)) for name, grant in grants.items()}
    return runtime, tokens


async def upload(api: Api, token: str, content: bytes, name: str = "问题清单.xlsx") -> str:
    response = await api.client.post(
        "/evidence/431321", params={"name": name}, content=content, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    return response.json()["sha256"]


async def counts(runtime) -> tuple[int, int]:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(text("SELECT (SELECT count(*) FROM t431321.finding), (SELECT count(*) FROM t431321.ledger_entry)"))
            ).one()
        )


def test_the_shipped_template_has_the_import_columns_and_an_example():
    sheet = load_workbook(TEMPLATE_PATH).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.header for c in IMPORT_COLUMNS] and len(rows) == 2


async def test_a_dry_run_reports_every_bad_row_and_a_real_import_is_all_or_nothing_and_idempotent(office):
    runtime, tokens = office
    bad = [
        *GOOD,
        ["SF-001", 1, "UNIT00000002", "C03.K01.M01", "重复编号", "一般", None, "2026-09-10", "2026-12-31"],
        ["SF-005", 1, "NOSUCHUNIT", "C03.K01.M01", "单位不存在", "一般", None, "2026-09-10", "2026-12-31"],
        ["SF-006", 1, "UNIT00000001", "C99.K01.M01", "分类不存在", "一般", None, "2026-09-10", "2026-12-31"],
        ["SF-007", 1, "UNIT00000001", "C03.K01.M01", "日期不对", "一般", None, "九月十日", "2026-12-31"],
        ["SF-008", 2, "UNIT00000001", "C03.K01.M01", "轮次不存在", "一般", None, "2026-09-10", "2026-12-31"],
        [None, 1, "UNIT00000001", "C03.K01.M01", "没有编号", "一般", None, "2026-09-10", "2026-12-31"],
        ["SF-009", None, "UNIT00000001", "C03.K01.M01", "没有来源", "一般", None, "2026-09-10", "2026-12-31"],
        ["SF-010", 1, "UNIT00000001", "C03.K01.M01", "两个来源", "一般", None, "2026-09-10", "2026-12-31", *[None] * 5, "审计移送线索"],
    ]
    async with Api(runtime) as api:
        bad_sha = await upload(api, tokens["inspector"], workbook(bad))
        for dry_run in (True, False):
            report = (await api.call(IMPORT, tokens["inspector"], s=bad_sha, d=dry_run))["data"]["importFindings"]["report"]
            assert report["created"] == [] and all(e["message"] for e in report["errors"])
            assert [(e["line"], e["field"], e["code"]) for e in report["errors"]] == [
                (6, "unitCode", "NOT_FOUND"),
                (7, "taxonomyCode", "UNKNOWN_TAXONOMY_CODE"),
                (8, "foundOn", "INVALID_DATE"),
                (10, "code", "INVALID_FINDING_CODE"),
                (11, "roundId", "SOURCE_REQUIRED"),
                (12, "dailySource", "SOURCE_CONFLICT"),
                (5, "code", "DUPLICATE"),
                (9, "roundId", "NOT_FOUND"),
            ]
        assert await counts(runtime) == (0, 0)

        good_sha = await upload(api, tokens["inspector"], workbook(GOOD))
        dry = (await api.call(IMPORT, tokens["inspector"], s=good_sha, d=True))["data"]["importFindings"]["report"]
        assert dry == {"dryRun": True, "created": ["SF-001", "SF-002", "SF-003"], "skipped": [], "errors": []}
        assert await counts(runtime) == (0, 0)
        real = (await api.call(IMPORT, tokens["inspector"], s=good_sha, d=False))["data"]["importFindings"]["report"]
        assert real["created"] == ["SF-001", "SF-002", "SF-003"]
        more = await upload(
            api,
            tokens["inspector"],
            workbook(
                [
                    *GOOD,
                    ["SF-004", 1, "UNIT00000002", "C03.K02.M01", "超职数", "严重", None, "2026-09-13", "2027-01-31"],
                    [
                        "SF-005",
                        None,
                        "UNIT00000002",
                        "C03.K01.M01",
                        "超编",
                        "一般",
                        None,
                        "2026-09-14",
                        "2027-01-31",
                        *[None] * 5,
                        "审计移送线索",
                        "审移3号",
                    ],
                ]
            ),
        )
        again = (await api.call(IMPORT, tokens["inspector"], s=more, d=False))["data"]["importFindings"]["report"]
        assert again["created"] == ["SF-004", "SF-005"] and again["skipped"] == ["SF-001", "SF-002", "SF-003"]
        listed = (
            await api.call(
                '{ findings(tenantCode: "431321", order: DEADLINE) { items { code unitId source sourceReference ledger { state responsibleUnit } } } }',
                tokens["inspector"],
            )
        )["data"]["findings"]["items"]
    assert await counts(runtime) == (5, 5)
    assert {
        f["code"]: (f["unitId"], f["source"], f["sourceReference"], f["ledger"]["state"], f["ledger"]["responsibleUnit"]) for f in listed
    } == {
        "SF-001": ("1", "ROUND", None, "REGISTERED", "单位1"),
        "SF-002": ("2", "ROUND", None, "REGISTERED", "县委编办"),
        "SF-003": ("1", "ROUND", None, "CLOSED", "单位1"),
        "SF-004": ("2", "ROUND", None, "REGISTERED", "单位2"),
        "SF-005": ("2", "AUDIT_REFERRAL", "审移3号", "REGISTERED", "单位2"),  # 日常监督: no round to cover it
    }


async def test_an_import_refuses_bad_files_and_callers(office):
    runtime, tokens = office
    async with Api(runtime) as api:
        good = await upload(api, tokens["inspector"], workbook(GOOD))
        not_a_workbook = await upload(api, tokens["inspector"], b"PK\x03\x04" + b"\x00" * 100)
        wrong_headers = await upload(api, tokens["inspector"], workbook(GOOD, headers=["编号", "轮次"]))
        empty = await upload(api, tokens["inspector"], workbook([]))
        results = {
            "malformed": await api.call(IMPORT, tokens["inspector"], s=not_a_workbook, d=False),
            "headers": await api.call(IMPORT, tokens["inspector"], s=wrong_headers, d=False),
            "empty": await api.call(IMPORT, tokens["inspector"], s=empty, d=False),
            "not uploaded by the caller": await api.call(IMPORT, tokens["other"], s=good, d=False),
            "unknown": await api.call(IMPORT, tokens["inspector"], s="0" * 64, d=False),
            "liaison": await api.call(IMPORT, tokens["liaison"], s=good, d=False),
            "sibling": await api.call(IMPORT, tokens["sibling"], s=good, d=False),
        }
    assert {k: error_code(r) for k, r in results.items()} == {
        "malformed": "MALFORMED_FILE",
        "headers": "MALFORMED_FILE",
        "empty": "EMPTY_FILE",
        "not uploaded by the caller": "NOT_FOUND",
        "unknown": "NOT_FOUND",
        "liaison": "FORBIDDEN",
        "sibling": "NOT_FOUND",
    }
    assert await counts(runtime) == (0, 0)


async def test_the_ledger_exports_with_its_filters_for_those_who_may_read_it(office):
    runtime, tokens = office
    async with Api(runtime) as api:
        await api.call(IMPORT, tokens["inspector"], s=await upload(api, tokens["inspector"], workbook(GOOD)), d=False)

        async def export(who: str, tenant: str = "431321", **params):
            return await api.client.get(f"/exports/{tenant}/ledger.xlsx", params=params, headers={"Authorization": f"Bearer {tokens[who]}"})

        everything = await export("inspector")
        open_only = await export("inspector", state=["REGISTERED", "IN_PROGRESS"])
        liaison = await export("liaison")
        # a sibling, a child reading up, bad filters, nobody
        refusals = [
            await export("sibling"),
            await export("inspector", tenant="431300"),
            await export("inspector", state="完成"),
            await export("inspector", order="RANDOM"),
            await export("inspector", deadlineFrom="昨天"),
            await api.client.get("/exports/431321/ledger.xlsx"),
        ]
        template = await api.client.get("/templates/findings.xlsx")

    def table(response) -> list[tuple]:
        assert response.status_code == 200, response.text
        return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))

    rows = table(everything)
    assert rows[0][0] == "双峰县问题整改台账" and rows[2][:4] == ("序号", "问题编号", "敏感程度", "被检查单位")
    assert [r[1] for r in rows[3:]] == ["SF-003", "SF-001", "SF-002"]  # by deadline
    assert rows[3][2:6] == ("内部", "单位1", "第十二轮巡察", "在编人员长期不在岗") and rows[3][13] == "已销号"
    assert [r[1] for r in table(open_only)[3:]] == ["SF-001", "SF-002"]
    assert [r[1] for r in table(liaison)[3:]] == ["SF-002"]
    assert [r.status_code for r in refusals] == [404, 404, 400, 400, 400, 401]
    assert template.status_code == 200 and template.content == TEMPLATE_PATH.read_bytes()


JOB = """query($c: String!, $i: ID!) { findingImport(tenantCode: $c, id: $i) {
    id state dryRun total processed failure report { created skipped errors { code } } } }"""
START = """mutation($s: String!, $d: Boolean!) { importFindings(tenantCode: "431321", sha256: $s, dryRun: $d) {
    id state total processed report { created } } }"""


async def test_a_large_import_runs_in_the_worker_and_the_office_follows_it(office):
    """Over INLINE_ROWS rows a real import is queued, not run on the request path; its progress
    and report are read with findingImport, by the office's writers only."""
    runtime, tokens = office
    runtime = configured(runtime)
    rows = [
        [f"BIG-{n:04d}", 1, "UNIT00000001", "C03.K01.M01", f"超编 {n} 名", "一般", None, "2026-09-10", "2026-12-31"] for n in range(250)
    ]
    async with Api(runtime) as api:
        sha = await upload(api, tokens["inspector"], workbook(rows))
        dry = (await api.call(START, tokens["inspector"], s=sha, d=True))["data"]["importFindings"]
        queued = (await api.call(START, tokens["inspector"], s=sha, d=False))["data"]["importFindings"]
        before = await counts(runtime)
        refused = [
            error_code(await api.call(JOB, tokens["liaison"], c="431321", i=queued["id"])),
            error_code(await api.call(JOB, tokens["sibling"], c="431321", i=queued["id"])),
            error_code(await api.call(JOB, tokens["sibling"], c="431322", i=queued["id"])),
        ]
        await drain(runtime)
        done = (await api.call(JOB, tokens["other"], c="431321", i=queued["id"]))["data"]["findingImport"]
    assert (dry["state"], dry["total"], len(dry["report"]["created"])) == ("DONE", 250, 250)
    assert (queued["state"], queued["total"], queued["processed"], queued["report"]) == ("QUEUED", 250, 0, None)
    assert before == (0, 0)  # nothing written on the request path
    assert refused == ["FORBIDDEN", "NOT_FOUND", "NOT_FOUND"]
    assert (done["state"], done["processed"], len(done["report"]["created"]), done["failure"]) == ("DONE", 250, 250, None)
    assert await counts(runtime) == (250, 250)
