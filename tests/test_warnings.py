"""Early warnings (预警) from staffing data: each rule on its boundaries, the engine's
idempotence and self-closing, per-province settings, the 实名制 import, turning a warning into
a finding, the nightly job and the command, and what is refused."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from backend.id_numbers import CHECK_CHARACTERS, WEIGHTS
from backend.staff.retirement import MEN, WOMEN, WOMEN_WORKERS, retirement_month
from backend.staff.service import STAFF_COLUMNS, STAFF_TEMPLATE_PATH, check_id_number
from backend.warnings.engine import evaluate_tenant
from backend.warnings.jobs import nightly_warnings
from backend.warnings.rules import (
    RULES,
    Breach,
    Person,
    Setting,
    UnitFacts,
    absent_from_post,
    at_limit,
    forecast_vacancy,
    long_secondment,
    mixed_posts,
    off_roll,
    over_body_posts,
    over_internal_bodies,
    over_posts,
    over_staffing,
    staff_structure,
    stale_data,
    stale_mandate,
    vacancy,
)
from backend.worker import create_worker
from tests.helpers import create_all, drain, sheet_bytes, statements_for, xuncha
from tests.identity import Api, add_user, error_code, token_for

TODAY = date(2026, 11, 24)
DEFAULT = RULES["over_staffing"].default


def facts(**changes) -> UnitFacts:
    base = UnitFacts(
        approved_staffing={"行政编制": 10},
        actual_staffing={"行政编制": 10},
        leadership_posts={"正科级": 1},
        actual_posts={"正科级": 1},
        internal_bodies=8,
        actual_as_of=TODAY,
        off_post=0,
        secondments=(),
        today=TODAY,
    )
    return dataclasses.replace(base, **changes)


# ---- the rules, one by one -------------------------------------------------------------


def test_at_the_limit_is_满编_and_one_over_is_超编_with_the_level_of_the_threshold():
    assert at_limit(facts(), RULES["at_limit"].default) == [Breach("行政编制", 10, 10)]
    assert over_staffing(facts(), DEFAULT) == []

    one_over = facts(actual_staffing={"行政编制": 11})
    assert over_staffing(one_over, DEFAULT) == [Breach("行政编制", 11, 10)]
    assert at_limit(one_over, RULES["at_limit"].default) == []
    assert DEFAULT.level(1) == "blue"  # national default: yellow from 2, red from 5
    assert Setting(None, 1, 3).level(1) == "yellow"  # a province that is stricter
    assert (DEFAULT.level(2), DEFAULT.level(4), DEFAULT.level(5)) == ("yellow", "yellow", "red")
    assert at_limit(facts(actual_staffing={"行政编制": 8}), Setting(2, 1, 1)) == [Breach("行政编制", 8, 10)]  # 2 vacancies count
    # people in a category without approval are all over
    assert over_staffing(facts(actual_staffing={"行政编制": 10, "事业编制": 2}), DEFAULT) == [Breach("事业编制", 2, 0)]


def test_leaders_over_posts_by_rank_and_by_internal_body():
    setting = RULES["over_posts"].default
    assert over_posts(facts(), setting) == []
    assert over_posts(facts(actual_posts={"正科级": 2, "副科级": 1}), setting) == [Breach("副科级", 1, 0), Breach("正科级", 2, 1)]
    posts = {"办公室": 2, "财务股": 1}
    assert [over_body_posts(facts(body_leader_posts=posts, body_leaders={"办公室": n}), setting) for n in (1, 2, 3)] == [
        [],
        [],
        [Breach("办公室", 3, 2)],
    ]
    assert over_body_posts(facts(body_leaders={"综合股": 1}), setting) == [Breach("综合股", 1, 0)]  # a body without posts


def test_internal_bodies_are_compared_with_those_the_unit_s_三定_approves():
    setting = RULES["over_internal_bodies"].default
    approved = [over_internal_bodies(facts(internal_bodies=n, approved_internal_bodies=8), setting) for n in (7, 8, 9)]
    assert approved == [[], [], [Breach("", 9, 8)]]
    assert over_internal_bodies(facts(internal_bodies=30), setting) == []  # no approved number on record: nothing to compare
    assert over_internal_bodies(facts(internal_bodies=3, approved_internal_bodies=2), setting) == [Breach("", 3, 2)]


def person(category: str | None = "行政编制", post: str | None = "行政岗位", born: int | None = 1985, education="大学本科", male=True):
    return Person(category, post, born, education, male)


def test_混编混岗_is_a_post_its_编制类别_does_not_allow():
    setting = RULES["mixed_posts"].default
    allowed = (
        person(),
        person("事业编制", "专业技术岗位"),
        person("机关工勤编制", "机关工勤岗位"),
        person(None, "工勤技能岗位"),  # 编外, in a 工勤 post
        person("其他编制", "管理岗位"),  # not judged
        person("行政编制", None),  # no post type on record
    )
    assert mixed_posts(facts(staff=allowed), setting) == []
    assert mixed_posts(facts(staff=(*allowed, person("行政编制", "管理岗位"))), setting) == [Breach("", 1, 0)]  # 行政编 on a 事业岗
    mixed = (person("事业编制", "行政岗位"), person(None, "行政岗位"), person("机关工勤编制", "行政岗位"))
    assert mixed_posts(facts(staff=(*allowed, *mixed)), setting) == [Breach("", 3, 0)]
    assert (setting.level(1), setting.level(2), setting.level(5)) == ("blue", "yellow", "red")


def test_retirement_ages_rise_as_the_2025_reform_says():
    assert retirement_month(1960, MEN) == (2020, 7)  # before the reform: 60
    assert retirement_month(1965, MEN) == (2025, 9)  # July 1965: 60 and 2 months
    assert retirement_month(1967, MEN) == (2028, 3)  # 60 and 8 months
    assert retirement_month(1980, MEN) == (2043, 7)  # 63 at most
    assert retirement_month(1972, WOMEN) == (2028, 3)  # 55 and 8 months
    assert retirement_month(1977, WOMEN_WORKERS) == (2028, 11)  # 50 and 16 months
    assert retirement_month(1990, WOMEN_WORKERS) == (2045, 7)  # 55 at most


def test_空编_now_and_forecast_from_retirements():
    setting = RULES["vacancy"].default  # more than 20 per cent vacant
    assert [vacancy(facts(actual_staffing={"行政编制": n}), setting) for n in (9, 8, 7)] == [[], [], [Breach("行政编制", 3, 2)]]
    assert vacancy(facts(actual_staffing={"行政编制": 12}), setting) == []  # 超编 is not 空编

    ahead = RULES["forecast_vacancy"].default
    two_vacant = {"行政编制": 8}  # at the line today
    assert forecast_vacancy(facts(actual_staffing=two_vacant), ahead) == []
    retiring = person(born=1967)  # retires in March 2028, within three years of TODAY
    assert forecast_vacancy(facts(actual_staffing=two_vacant, staff=(retiring,)), ahead) == [Breach("行政编制", 3, 2)]
    assert forecast_vacancy(facts(actual_staffing=two_vacant, staff=(person(born=1969),)), ahead) == []  # September 2030
    assert forecast_vacancy(facts(actual_staffing=two_vacant, staff=(person("事业编制", born=1967),)), ahead) == []  # another category
    assert forecast_vacancy(facts(actual_staffing={"行政编制": 7}, staff=(retiring,)), ahead) == []  # 空编 already


def test_三定_older_than_its_period_lags_behind():
    setting = RULES["stale_mandate"].default  # five years
    issued = [stale_mandate(facts(mandate_issued_on=date(2021, 11, day)), setting) for day in (25, 24, 23)]
    assert issued == [[], [], [Breach("", 5, 5)]]
    assert stale_mandate(facts(mandate_issued_on=date(2016, 3, 1)), setting) == [Breach("", 10, 5)]
    assert stale_mandate(facts(), setting) == []  # no date on record
    assert stale_mandate(facts(mandate_issued_on=date(2020, 2, 29)), Setting(1, 2, 5)) == [Breach("", 6, 1)]


def test_人员结构_flags_a_share_of_older_or_less_educated_staff_over_the_line():
    setting = RULES["staff_structure"].default  # more than 40 per cent

    def staff(older: int, low: int) -> tuple[Person, ...]:
        return tuple(
            person(born=1976 if i < older else 1977, education="大专" if i < low else "研究生") for i in range(10)
        )  # 1976: 50 this year

    assert [staff_structure(facts(staff=staff(n, 0)), setting) for n in (3, 4, 5)] == [[], [], [Breach("年龄", 50, 40)]]
    assert staff_structure(facts(staff=staff(0, 5)), setting) == [Breach("学历", 50, 40)]
    few = tuple(person(born=1960) for _ in range(4))
    assert staff_structure(facts(staff=few), setting) == []  # fewer than five on record
    assert staff_structure(facts(staff=(*few, *(person(None, born=1990) for _ in range(6)))), setting) == []  # 编外 not counted


def test_编外用工_over_its_share_of_approved_staffing():
    setting = RULES["off_roll"].default  # 10 per cent of the approved 20: 2
    approved = {"行政编制": 10, "事业编制": 10}
    outside = [person(None, "工勤技能岗位") for _ in range(3)]
    assert [off_roll(facts(approved_staffing=approved, staff=tuple(outside[:n])), setting) for n in (1, 2, 3)] == [
        [],
        [],
        [Breach("", 3, 2)],
    ]
    assert off_roll(facts(approved_staffing={}, staff=(outside[0],)), setting) == [Breach("", 1, 0)]


def test_off_post_long_secondments_and_stale_data():
    assert absent_from_post(facts(), Setting(None, 2, 5)) == []
    assert absent_from_post(facts(off_post=3), Setting(None, 2, 5)) == [Breach("", 3, 0)]
    year = Setting(365, 2, 5)
    on_the_day, a_day_over = date(2025, 11, 24), date(2025, 11, 23)  # 365 and 366 days before TODAY
    assert long_secondment(facts(secondments=(on_the_day,)), year) == []
    assert long_secondment(facts(secondments=(on_the_day, a_day_over, date(2024, 1, 1))), year) == [Breach("", 2, 0)]
    ninety = Setting(90, 30, 90)
    assert stale_data(facts(actual_as_of=date(2026, 8, 26)), ninety) == []  # 90 days
    assert stale_data(facts(actual_as_of=date(2026, 8, 25)), ninety) == [Breach("", 91, 90)]
    assert stale_data(facts(actual_as_of=None), ninety) == []  # nothing reported, nothing to compare


async def test_every_rule_that_is_a_violation_maps_to_a_national_manifestation(runtime):
    taxonomy = await runtime.taxonomy()
    for rule in RULES.values():
        if rule.taxonomy_code is not None:
            node = taxonomy.manifestation(rule.taxonomy_code, "430000")
            assert node.province_code is None, rule.code


# ---- an office with units --------------------------------------------------------------

UNITS = [
    # credit code, name, approved, actual, posts, actual posts, bodies, as of
    ("UNIT00000001", "财政局", {"行政编制": 10}, {"行政编制": 12}, {"正科级": 1}, {"正科级": 1}, 3, "2026-11-01"),
    (
        "UNIT00000002",
        "教育局",
        {"行政编制": 5},
        {"行政编制": 5},
        {"副科级": 2},
        {"副科级": 3},
        3,
        "2026-11-01",
    ),
    ("UNIT00000003", "统计局", {"行政编制": 6}, {"行政编制": 5}, {}, {}, 2, "2026-11-01"),
]


@pytest.fixture
async def office(runtime, tmp_path):
    """The units' staffing as of 2026-11-20, the day the scenario is written for (later, their
    实名制 records would be stale and warn)."""
    runtime.clock.set(date(2026, 11, 20))
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path))
    await create_all(runtime, "430000", "431300", "431321", "431322", "440000")
    async with runtime.engine.begin() as connection:
        for code in ("431321", "440000"):
            for credit, name, approved, actual, posts, actual_posts, bodies, as_of in UNITS:
                await connection.execute(
                    text(
                        f"INSERT INTO t{code}.inspected_unit (credit_code, name, unit_type, approved_staffing, actual_staffing,"
                        " leadership_posts, actual_posts, internal_bodies, actual_as_of)"
                        " VALUES (:c, :n, '政府机关', :a, :r, :p, :q, :b, :d)"
                    ),
                    {
                        "c": credit,
                        "n": name,
                        "a": json.dumps(approved),
                        "r": json.dumps(actual),
                        "p": json.dumps(posts),
                        "q": json.dumps(actual_posts),
                        "b": json.dumps([f"股室{i}" for i in range(bodies)]),
                        "d": date.fromisoformat(as_of),
                    },
                )
            await connection.execute(
                text(f"INSERT INTO t{code}.inspection_round (kind, name, starts_on, state) VALUES ('巡察', '第一轮', '2026-09-01', '整改')")
            )
            await connection.execute(text(f"INSERT INTO t{code}.round_unit VALUES (1, 1), (1, 2)"))  # not 统计局
    grants = {
        "inspector": ("431321", "inspector", None),
        "liaison": ("431321", "liaison", 1),
        "sibling": ("431322", "admin", None),
        "province": ("430000", "admin", None),
        "county_admin": ("431321", "admin", None),
        "city": ("431300", "admin", None),
    }
    tokens = {name: await token_for(runtime, await add_user(runtime, f"w.{name}", grant)) for name, grant in grants.items()}
    return runtime, tokens


async def open_warnings(runtime, code: str = "431321") -> dict[tuple[int, str, str], tuple]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(
            text(
                f"SELECT id, unit_id, rule, subject_key, level, measured, allowed, version FROM t{code}.staffing_warning WHERE closed_at IS NULL"
            )
        )
        return {(r.unit_id, r.rule, r.subject_key): (r.id, r.level, r.measured, r.allowed, r.version) for r in rows}


async def outbox(runtime, event_type: str = "warnings.raised") -> list[dict]:
    async with runtime.engine.connect() as connection:
        return list(
            (
                await connection.execute(text("SELECT payload FROM notify.outbox WHERE event_type = :t ORDER BY id"), {"t": event_type})
            ).scalars()
        )


async def set_actual(runtime, unit_id: int, actual: dict) -> None:
    async with runtime.engine.begin() as connection:
        await connection.execute(
            text("UPDATE t431321.inspected_unit SET actual_staffing = :a WHERE id = :u"), {"a": json.dumps(actual), "u": unit_id}
        )


async def test_the_engine_raises_once_updates_levels_and_closes_what_went_away(office):
    runtime, _ = office
    report = await evaluate_tenant(runtime.engine, "431321", TODAY)

    warnings = await open_warnings(runtime)
    assert {key: value[1:4] for key, value in warnings.items()} == {
        (1, "over_staffing", "行政编制"): ("yellow", 12, 10),  # 2 over: yellow by the national default
        (2, "at_limit", "行政编制"): ("blue", 5, 5),
        (2, "over_posts", "副科级"): ("yellow", 3, 2),
    }
    assert (report.units, report.opened, report.updated, report.closed) == (3, 3, 0, 0)
    [event] = await outbox(runtime)
    assert (event["count"], event["yellow"], event["blue"], event["unit_names"]) == (3, 2, 1, ["财政局", "教育局"])

    again = await evaluate_tenant(runtime.engine, "431321", TODAY)
    assert (again.opened, again.updated, again.closed) == (0, 0, 0)
    assert await open_warnings(runtime) == warnings and len(await outbox(runtime)) == 1  # nothing new, nobody told twice

    await set_actual(runtime, 1, {"行政编制": 16})  # 6 over: red, the same warning
    raised = await evaluate_tenant(runtime.engine, "431321", TODAY)
    (warning_id, level, measured, _, version) = (await open_warnings(runtime))[(1, "over_staffing", "行政编制")]
    assert (warning_id, level, measured, version) == (warnings[(1, "over_staffing", "行政编制")][0], "red", 16, 2)
    assert (raised.opened, raised.updated, raised.raised) == (0, 1, 1)
    assert (await outbox(runtime))[-1]["raised"] == 1

    await set_actual(runtime, 1, {"行政编制": 9})
    cleared = await evaluate_tenant(runtime.engine, "431321", TODAY)
    assert cleared.closed == 1 and (1, "over_staffing", "行政编制") not in await open_warnings(runtime)
    async with runtime.engine.connect() as connection:
        note = (
            await connection.execute(text("SELECT close_note FROM t431321.staffing_warning WHERE id = :i"), {"i": warning_id})
        ).scalar_one()
        audited = (
            await connection.execute(text("SELECT count(*) FROM t431321.audit_event WHERE action = 'warnings.evaluated'"))
        ).scalar_one()
    assert "已不存在“超编”情形" in note and audited == 3  # the runs that changed something

    await set_actual(runtime, 1, {"行政编制": 11})  # over again: a new warning, the closed one stays closed
    await evaluate_tenant(runtime.engine, "431321", TODAY)
    assert (await open_warnings(runtime))[(1, "over_staffing", "行政编制")][0] != warning_id


SET_THRESHOLD = """mutation($p: String!, $r: WarningRule!, $y: Int!, $x: Int!, $n: Int) {
    setWarningThreshold(provinceCode: $p, rule: $r, yellowAt: $y, redAt: $x, parameter: $n) {
    rule parameter yellowAt redAt provinceCode setByProvince } }"""
THRESHOLDS = """query($c: String!) { warningThresholds(tenantCode: $c) { rule parameter yellowAt redAt provinceCode setByProvince } }"""


async def test_a_province_sets_its_thresholds_and_its_counties_inherit_them(office):
    runtime, tokens = office
    async with Api(runtime) as api:
        for token, province, rule, (yellow, red, parameter), code in (
            (tokens["county_admin"], "431321", "OVER_STAFFING", (1, 3, None), "FORBIDDEN"),  # a county does not set them
            (tokens["city"], "431300", "OVER_STAFFING", (1, 3, None), "FORBIDDEN"),
            (tokens["inspector"], "430000", "OVER_STAFFING", (1, 3, None), "NOT_FOUND"),  # a county cannot reach up
            (tokens["province"], "440000", "OVER_STAFFING", (1, 3, None), "NOT_FOUND"),
            (tokens["province"], "430000", "OVER_STAFFING", (3, 1, None), "INVALID_THRESHOLD"),
            (tokens["province"], "430000", "OVER_STAFFING", (0, 1, None), "INVALID_THRESHOLD"),
            (tokens["province"], "430000", "OVER_STAFFING", (1, 3, 5), "INVALID_THRESHOLD"),  # this rule has no parameter
            (tokens["province"], "430000", "LONG_SECONDMENT", (1, 3, None), "INVALID_THRESHOLD"),  # this one needs it
            (tokens["province"], "430000", "VACANCY", (1, 3, 101), "INVALID_THRESHOLD"),  # a share is at most 100 per cent
        ):
            result = await api.call(SET_THRESHOLD, token, p=province, r=rule, y=yellow, x=red, n=parameter)
            assert error_code(result) == code, (province, rule, result)
        set_ = await api.call(SET_THRESHOLD, tokens["province"], p="430000", r="OVER_STAFFING", y=1, x=2, n=None)
        assert set_["data"]["setWarningThreshold"] == {
            "rule": "OVER_STAFFING",
            "parameter": None,
            "yellowAt": 1,
            "redAt": 2,
            "provinceCode": "430000",
            "setByProvince": True,
        }
        inherited = (await api.call(THRESHOLDS, tokens["inspector"], c="431321"))["data"]["warningThresholds"]
        assert next(t for t in inherited if t["rule"] == "OVER_STAFFING")["yellowAt"] == 1
        assert next(t for t in inherited if t["rule"] == "LONG_SECONDMENT") == {
            "rule": "LONG_SECONDMENT",
            "parameter": 365,
            "yellowAt": 2,
            "redAt": 5,
            "provinceCode": "430000",
            "setByProvince": False,
        }
        assert error_code(await api.call(THRESHOLDS, tokens["sibling"], c="431321")) == "NOT_FOUND"

    await evaluate_tenant(runtime.engine, "431321", TODAY)
    await evaluate_tenant(runtime.engine, "440000", TODAY)
    assert (await open_warnings(runtime, "431321"))[(1, "over_staffing", "行政编制")][1] == "red"  # 湖南: red from 2 over
    assert (await open_warnings(runtime, "440000"))[(1, "over_staffing", "行政编制")][1] == "yellow"  # 广东: national default
    async with runtime.engine.connect() as connection:
        audit = (
            await connection.execute(text("SELECT before, after FROM t430000.audit_event WHERE action = 'warning_threshold.set'"))
        ).one()
    assert audit.before["set_by_province"] is False and audit.after == {"parameter": None, "yellow_at": 1, "red_at": 2}


# ---- the 实名制 import ------------------------------------------------------------------

STAFF = [
    ["UNIT00000001", "张三", "431321199001011239", "行政编制", "是", "否", None, None],
    ["UNIT00000001", "李四", "431321198506120022", "行政编制", "否", "否", None, None],  # 在编不在岗
    ["unit00000002", "王五", "431321199203150042", "事业编制", "否", "是", "2025-01-01", None],  # seconded for long
    ["UNIT00000002", "赵六", "431321198808080062", "事业编制", "否", "是", "2024-01-01", "2025-06-30"],  # back since
]


def workbook(rows: list[list], headers: list[str] | None = None) -> bytes:
    return sheet_bytes([headers or [c.header for c in STAFF_COLUMNS], *rows])


async def import_staff(api: Api, token: str, content: bytes, *, dry_run: bool, tenant: str = "431321") -> dict:
    """The import's report, or {"code": …} when it is refused."""
    response = await api.client.post(
        f"/imports/{tenant}/staff", params={"dryRun": str(dry_run).lower()}, content=content, headers={"Authorization": f"Bearer {token}"}
    )
    body = response.json()
    return body if response.status_code == 200 else {"code": body["errors"][0]["extensions"]["code"]}


async def staff_rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text("SELECT * FROM t431321.staff_record ORDER BY id"))]


def test_the_shipped_staff_template_has_the_columns_and_a_valid_example():
    rows = list(load_workbook(STAFF_TEMPLATE_PATH).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == [c.header for c in STAFF_COLUMNS] and len(rows) == 2
    assert check_id_number(rows[1][2]) == rows[1][2]


async def test_the_import_reports_bad_rows_writes_all_or_nothing_and_again_changes_nothing(office):
    runtime, tokens = office
    bad = [
        *STAFF,
        ["NOSUCHUNIT", "钱七", "431321199001011239", "行政编制", "是", "否", None, None],
        ["UNIT00000001", "孙八", "431321199001011234", "行政编制", "是", "否", None, None],  # wrong check digit
        ["UNIT00000001", "周九", "431321198506120022", "行政编制", "是", "否", None, None],  # the same person as row 3
        ["UNIT00000001", "吴十", "431321199203150042", "临时编制", "是", "否", None, None],
        ["UNIT00000001", "郑一", "431321198808080062", "行政编制", "也许", "否", None, None],
        ["UNIT00000001", "冯二", "431321199505050012", "行政编制", "是", "是", None, None],
    ]  # seconded without a start
    async with Api(runtime) as api:
        for dry_run in (True, False):
            report = await import_staff(api, tokens["inspector"], workbook(bad), dry_run=dry_run)
            assert [(e["line"], e["field"], e["code"]) for e in report["errors"]] == [
                (6, "unitCode", "NOT_FOUND"),
                (7, "idNumber", "INVALID_ID_NUMBER"),
                (8, "idNumber", "DUPLICATE"),
                (9, "category", "INVALID_CATEGORY"),
                (10, "onPost", "INVALID_FLAG"),
                (11, "secondedFrom", "INVALID_DATE"),
            ]
        assert await staff_rows(runtime) == []

        dry = await import_staff(api, tokens["inspector"], workbook(STAFF), dry_run=True)
        assert (dry["dryRun"], dry["created"], dry["errors"]) == (True, 4, []) and await staff_rows(runtime) == []
        done = await import_staff(api, tokens["inspector"], workbook(STAFF), dry_run=False)
        assert (done["created"], done["updated"], done["unchanged"]) == (4, 0, 0)
        imported = await staff_rows(runtime)
        again = await import_staff(api, tokens["inspector"], workbook(STAFF), dry_run=False)
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
        assert await staff_rows(runtime) == imported  # not even updated_at moved

        moved = [row[:] for row in STAFF]
        moved[1][4] = "是"  # 李四 is back at the post
        changed = await import_staff(api, tokens["inspector"], workbook(moved), dry_run=False)
        assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 3)

        for content, code in (
            (b"PK\x03\x04" + b"\x00" * 100, "MALFORMED_FILE"),
            (workbook(STAFF, headers=["姓名", "身份证号"]), "MALFORMED_FILE"),
            (workbook([]), "EMPTY_FILE"),
            (b"", "EMPTY_FILE"),
        ):
            assert await import_staff(api, tokens["inspector"], content, dry_run=False) == {"code": code}
        assert await import_staff(api, tokens["liaison"], workbook(STAFF), dry_run=False) == {"code": "FORBIDDEN"}
        assert await import_staff(api, tokens["sibling"], workbook(STAFF), dry_run=False) == {"code": "NOT_FOUND"}
    # the 身份证号 is kept as a keyed hash and a masked number, never in clear
    assert all("431321199001011239" not in str(row) for row in await staff_rows(runtime))
    assert {row[4] for row in await staff_rows(runtime)} >= {"431321********1239"}


async def test_staff_records_raise_off_post_and_long_secondment_warnings(office):
    runtime, tokens = office
    async with Api(runtime) as api:
        assert not (await import_staff(api, tokens["inspector"], workbook(STAFF), dry_run=False))["errors"]
    await evaluate_tenant(runtime.engine, "431321", TODAY)
    warnings = await open_warnings(runtime)
    assert warnings[(1, "absent_from_post", "")][1:4] == ("blue", 1, 0)
    assert warnings[(2, "long_secondment", "")][1:4] == ("blue", 1, 0)  # 赵六's secondment ended


def id_number(first17: str) -> str:
    return first17 + CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


CHEN = id_number("43132119670315003")  # a man (odd 17th digit) born 1967: retires in 2028
LIN = id_number("43132119800101002")  # a woman
MORE_STAFF = [  # 统计局: a 行政编制 in a 事业单位's post, and a 编外 worker
    ["UNIT00000003", "陈一", CHEN, "行政编制", "是", "否", None, None, "管理岗位", "大专", None],
    ["UNIT00000003", "林二", LIN, None, "是", "否", None, None, "工勤技能岗位", "中专及以下", "劳务派遣"],
]


async def test_the_import_takes_post_type_education_and_编外_and_refuses_bad_values(office):
    runtime, tokens = office
    bad = [
        ["UNIT00000003", "甲", id_number("43132119900101101"), "行政编制", "是", "否", None, None, "临时岗", None, None],
        ["UNIT00000003", "乙", id_number("43132119900101102"), "行政编制", "是", "否", None, None, None, "博士后", None],
        ["UNIT00000003", "丙", id_number("43132119900101103"), None, "是", "否", None, None, None, None, "临时工"],
        ["UNIT00000003", "丁", id_number("43132119900101104"), "事业编制", "是", "否", None, None, None, None, "编外聘用"],
        ["UNIT00000003", "戊", id_number("43132119900101105"), None, "是", "否", None, None, None, None, None],
        ["UNIT00000003", "己", id_number("43132119901301106"), "行政编制", "是", "否", None, None, None, None, None],  # month 13
        ["UNIT00000003", "庚", id_number("43132120991231107"), "行政编制", "是", "否", None, None, None, None, None],  # not born yet
    ]
    async with Api(runtime) as api:
        report = await import_staff(api, tokens["inspector"], workbook([*MORE_STAFF, *bad]), dry_run=False)
        assert [(e["line"], e["field"], e["code"]) for e in report["errors"]] == [
            (4, "postType", "INVALID_POST_TYPE"),
            (5, "education", "INVALID_EDUCATION"),
            (6, "offRoll", "INVALID_OFF_ROLL"),
            (7, "category", "INVALID_CATEGORY"),  # 编外 with a 编制类别
            (8, "category", "INVALID_CATEGORY"),  # neither
            (9, "idNumber", "INVALID_ID_NUMBER"),
            (10, "idNumber", "INVALID_ID_NUMBER"),
        ]
        assert all("一" <= e["message"][0] <= "鿿" or e["message"][0] in "“'" for e in report["errors"])
        assert await staff_rows(runtime) == []
        # a file from the older template, without the new columns, still imports
        old = await import_staff(api, tokens["inspector"], workbook(STAFF, headers=[c.header for c in STAFF_COLUMNS[:8]]), dry_run=False)
        assert (old["created"], old["errors"]) == (4, [])
        cut = await import_staff(api, tokens["inspector"], workbook(STAFF, headers=[c.header for c in STAFF_COLUMNS[:7]]), dry_run=False)
        assert cut == {"code": "MALFORMED_FILE"}
        done = await import_staff(api, tokens["inspector"], workbook(MORE_STAFF), dry_run=False)
        assert (done["created"], done["errors"]) == (2, [])
    async with runtime.engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT name, category, birth_year, post_type, education, off_roll, id_masked FROM t431321.staff_record ORDER BY id")
            )
        ).all()
    assert [tuple(r[:6]) for r in rows[-2:]] == [
        ("陈一", "行政编制", 1967, "管理岗位", "大专", None),
        ("林二", None, 1980, "工勤技能岗位", "中专及以下", "劳务派遣"),
    ]
    assert rows[0][2] == 1990 and all(CHEN not in str(tuple(r)) and "19670315" not in str(tuple(r)) for r in rows)


UNIT_FIELDS = "approvedInternalBodies bodyLeaderPosts { key count } bodyLeaders { key count } mandateNumber mandateIssuedOn version"
CREATE_UNIT = 'mutation($i: UnitInput!) { createUnit(tenantCode: "431321", input: $i) { id internalBodies ' + UNIT_FIELDS + " } }"
PLAN = """query($u: ID!) { staffingPlan(tenantCode: "431321", unitId: $u) {
    unitName asOf categories { category approved actual vacant retiring vacantAfter } ages { key count } education { key count } offRoll } }"""


async def test_a_unit_s_三定_bodies_and_their_posts_raise_warnings_and_its_用编计划_forecasts(office):
    runtime, tokens = office
    unit = {"creditCode": "UNIT00000009", "name": "审计局", "unitType": "GOVERNMENT", "internalBodies": ["办公室", "审计股"]}
    async with Api(runtime) as api:
        for changes, code, field in (
            ({"bodyLeaderPosts": [{"key": "财务股", "count": 1}]}, "INVALID_NAME", "bodyLeaderPosts"),
            ({"bodyLeaders": [{"key": "办公室", "count": -1}]}, "INVALID_COUNT", "bodyLeaders"),
            ({"approvedInternalBodies": -1}, "INVALID_COUNT", "approvedInternalBodies"),
            ({"approvedInternalBodies": 201}, "INVALID_COUNT", "approvedInternalBodies"),
            ({"mandateIssuedOn": "2026-11-21"}, "INVALID_DATE", "mandateIssuedOn"),  # after today
            ({"mandateNumber": " "}, "INVALID_NAME", "mandateNumber"),
        ):
            refused = await api.call(CREATE_UNIT, tokens["inspector"], i={**unit, **changes})
            assert (error_code(refused), refused["errors"][0]["extensions"].get("field")) == (code, field), changes
        async with runtime.engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM t431321.inspected_unit"))).scalar_one() == 3
        created = await api.call(
            CREATE_UNIT,
            tokens["inspector"],
            i={
                **unit,
                "approvedInternalBodies": 1,
                "bodyLeaderPosts": [{"key": "办公室", "count": 1}],
                "bodyLeaders": [{"key": "办公室", "count": 2}],
                "mandateNumber": "双编发〔2015〕3号",
                "mandateIssuedOn": "2015-06-30",
            },
        )
        assert created["data"]["createUnit"] == {
            "id": "4",
            "internalBodies": ["办公室", "审计股"],
            "approvedInternalBodies": 1,
            "bodyLeaderPosts": [{"key": "办公室", "count": 1}],
            "bodyLeaders": [{"key": "办公室", "count": 2}],
            "mandateNumber": "双编发〔2015〕3号",
            "mandateIssuedOn": "2015-06-30",
            "version": 1,
        }
        assert not (await import_staff(api, tokens["inspector"], workbook(MORE_STAFF), dry_run=False))["errors"]

        await evaluate_tenant(runtime.engine, "431321", TODAY)
        warnings = {key[1:]: value[1:4] for key, value in (await open_warnings(runtime)).items() if key[0] in (3, 4)}
        assert warnings == {
            ("mixed_posts", ""): ("blue", 1, 0),  # 陈一: 行政编制 in a 管理岗位
            ("off_roll", ""): ("blue", 1, 0),  # 林二, with 6 approved: 10 per cent is none
            ("forecast_vacancy", "行政编制"): ("blue", 2, 1),  # 陈一 retires in March 2028
            ("over_internal_bodies", ""): ("yellow", 2, 1),  # one over: yellow, as 超职数
            ("over_body_posts", "办公室"): ("yellow", 2, 1),
            ("stale_mandate", ""): ("red", 11, 5),
        }

        plan = (await api.call(PLAN, tokens["inspector"], u="3"))["data"]["staffingPlan"]
        assert plan["unitName"] == "统计局" and plan["asOf"] == "2026-11-20" and plan["offRoll"] == 1
        assert plan["categories"] == [
            {"category": "行政编制", "approved": 6, "actual": 5, "vacant": 1, "retiring": [0, 1, 1], "vacantAfter": [1, 2, 2]}
        ]
        assert {c["key"]: c["count"] for c in plan["ages"] if c["count"]} == {"55 岁及以上": 1}
        assert {c["key"]: c["count"] for c in plan["education"] if c["count"]} == {"大专": 1}
        for token, unit_id in ((tokens["liaison"], "3"), (tokens["sibling"], "3"), (tokens["inspector"], "99"), (tokens["inspector"], "x")):
            assert error_code(await api.call(PLAN, token, u=unit_id)) == "NOT_FOUND", (unit_id,)
        assert (await api.call(PLAN, tokens["liaison"], u="1"))["data"]["staffingPlan"]["unitName"] == "财政局"


# ---- turning a warning into a finding --------------------------------------------------

CONVERT = """mutation($c: String!, $i: ID!, $v: Int!, $r: ID!) {
    convertWarningToFinding(tenantCode: $c, id: $i, version: $v, roundId: $r, deadline: "2099-12-31") {
    id code taxonomyCode severity evidenceSources description ledger { state } } }"""
WARNINGS = """query($c: String!, $f: WarningFilterInput, $a: String) { staffingWarnings(tenantCode: $c, filter: $f, first: 2, after: $a) {
    items { id unitName rule level state measured allowed findingId version } pageInfo { hasNextPage endCursor } } }"""


async def test_a_warning_becomes_a_finding_in_the_ledger_and_the_problem_bank_once(office):
    runtime, tokens = office
    await evaluate_tenant(runtime.engine, "431321", TODAY)
    warnings = await open_warnings(runtime)
    over, at_limit_id = warnings[(1, "over_staffing", "行政编制")][0], warnings[(2, "at_limit", "行政编制")][0]
    async with Api(runtime) as api:
        for token, variables, code in (
            (tokens["sibling"], {"c": "431321", "i": over, "v": 1, "r": "1"}, "NOT_FOUND"),
            (tokens["city"], {"c": "431321", "i": over, "v": 1, "r": "1"}, "FORBIDDEN"),  # reads its county, never writes it
            (tokens["liaison"], {"c": "431321", "i": over, "v": 1, "r": "1"}, "FORBIDDEN"),
            (tokens["inspector"], {"c": "431321", "i": over, "v": 7, "r": "1"}, "STALE_VERSION"),
            (tokens["inspector"], {"c": "431321", "i": at_limit_id, "v": 1, "r": "1"}, "NOT_CONVERTIBLE"),  # 满编 is a hint
            (tokens["inspector"], {"c": "431321", "i": over, "v": 1, "r": "9"}, "NOT_FOUND"),  # no such round
            (tokens["inspector"], {"c": "431321", "i": "999", "v": 1, "r": "1"}, "NOT_FOUND"),
        ):
            assert error_code(await api.call(CONVERT, token, **variables)) == code, (variables, code)
        async with runtime.engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM t431321.finding"))).scalar_one() == 0

        converted = await api.call(CONVERT, tokens["inspector"], c="431321", i=str(over), v=1, r="1")
        finding = converted["data"]["convertWarningToFinding"]
        assert (finding["taxonomyCode"], finding["severity"], finding["evidenceSources"], finding["ledger"]["state"]) == (
            "C03.K01.M01",
            "SERIOUS",
            ["REAL_NAME_DATA"],
            "REGISTERED",
        )
        assert finding["description"].startswith("财政局超编：行政编制核定编制 10，实有 12，超出 2")
        assert error_code(await api.call(CONVERT, tokens["inspector"], c="431321", i=str(over), v=2, r="1")) == "ALREADY_CONVERTED"

        listed = (await api.call(WARNINGS, tokens["inspector"], c="431321", f={"rule": "OVER_STAFFING"}))["data"]["staffingWarnings"]
        assert [(w["findingId"], w["version"], w["unitName"], w["state"]) for w in listed["items"]] == [
            (finding["id"], 2, "财政局", "OPEN")
        ]
        ledger = (await api.call('{ findings(tenantCode: "431321") { items { code } } }', tokens["inspector"]))["data"]["findings"]
        assert ledger["items"] == [{"code": finding["code"]}]
        # the liaison of 财政局 sees its unit's warnings, and only those
        mine = (await api.call(WARNINGS, tokens["liaison"], c="431321", f={"state": None}))["data"]["staffingWarnings"]
        assert {w["unitName"] for w in mine["items"]} == {"财政局"}
        assert error_code(await api.call(WARNINGS, tokens["sibling"], c="431321")) == "NOT_FOUND"
        # the office's three open warnings, newest first, two to a page
        first = (await api.call(WARNINGS, tokens["inspector"], c="431321"))["data"]["staffingWarnings"]
        rest = (await api.call(WARNINGS, tokens["inspector"], c="431321", a=first["pageInfo"]["endCursor"]))["data"]["staffingWarnings"]
        assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
        ids = [int(w["id"]) for w in first["items"] + rest["items"]]
        assert ids == sorted(ids, reverse=True) and len(ids) == 3
        refused = [
            await api.call(WARNINGS, tokens["inspector"], c="431321", a="not-a-cursor"),
            await api.call(WARNINGS, tokens["inspector"], c="431321", f={"level": "ORANGE"}),
        ]
        assert [(error_code(r), r["errors"][0]["extensions"].get("field")) for r in refused] == [
            ("INVALID_CURSOR", "after"),
            ("INVALID_INPUT", "level"),
        ]
    async with runtime.engine.connect() as connection:
        banked = (
            await connection.execute(
                text("SELECT tenant_code, taxonomy_code, unit_name FROM problem_bank.problem WHERE finding_id = :f"),
                {"f": int(finding["id"])},
            )
        ).one()
        audited = (
            await connection.execute(text("SELECT count(*) FROM t431321.audit_event WHERE action = 'warning.converted'"))
        ).scalar_one()
    assert tuple(banked) == ("431321", "C03.K01.M01", "财政局") and audited == 1

    async with runtime.engine.begin() as connection:  # 教育局 is back within its posts, 财政局 within its staffing
        await connection.execute(text("UPDATE t431321.inspected_unit SET actual_posts = '{\"副科级\": 2}' WHERE id = 2"))
        await connection.execute(text("UPDATE t431321.inspected_unit SET actual_staffing = '{\"行政编制\": 10}' WHERE id = 1"))
    assert (await evaluate_tenant(runtime.engine, "431321", TODAY)).closed == 2
    posts = warnings[(2, "over_posts", "副科级")][0]
    async with Api(runtime) as api:
        assert error_code(await api.call(CONVERT, tokens["inspector"], c="431321", i=str(posts), v=2, r="1")) == "WARNING_CLOSED"
        listed = await api.call('{ findings(tenantCode: "431321") { items { ledger { state } } } }', tokens["inspector"])
    assert listed["data"]["findings"]["items"] == [{"ledger": {"state": "REGISTERED"}}]  # the finding follows its own ledger


async def test_a_unit_shows_its_open_warnings_in_the_same_few_statements_for_any_page(office):
    runtime, tokens = office
    await evaluate_tenant(runtime.engine, "431321", TODAY)
    query = '{{ units(tenantCode: "431321", first: {n}) {{ items {{ name openWarnings {{ rule subjectKey level }} }} }} }}'
    async with Api(runtime) as api:
        listed = (await api.call(query.format(n=3), tokens["inspector"]))["data"]["units"]["items"]
        assert [(u["name"], [(w["rule"], w["level"]) for w in u["openWarnings"]]) for u in listed] == [
            ("财政局", [("OVER_STAFFING", "YELLOW")]),
            ("教育局", [("OVER_POSTS", "YELLOW"), ("AT_LIMIT", "BLUE")]),
            ("统计局", []),
        ]
        small = await statements_for(runtime, api, query.format(n=1), tokens["inspector"])
        large = await statements_for(runtime, api, query.format(n=3), tokens["inspector"])
    assert small == large


# ---- the nightly job and the command ---------------------------------------------------


async def test_the_nightly_job_evaluates_every_tenant_once_a_day(office):
    runtime, tokens = office
    ctx = {"runtime": runtime, "redis": runtime.redis}
    assert await nightly_warnings(ctx) == 5
    assert await nightly_warnings(ctx) == 0  # today's jobs are queued already
    worker = create_worker(runtime, relay=False, burst=True, handle_signals=False)
    await worker.main()
    await worker.close()
    warning_id = (await open_warnings(runtime, "431321"))[(1, "over_staffing", "行政编制")][0]
    assert (1, "over_staffing", "行政编制") in await open_warnings(runtime, "440000")
    assert len(await outbox(runtime)) == 2  # one summary per office with warnings
    await drain(runtime)
    async with Api(runtime) as api:
        inbox = (await api.call("{ notifications { items { title body } } }", tokens["inspector"]))["data"]["notifications"]
        liaison = (await api.call("{ notifications { items { title } } }", tokens["liaison"]))["data"]["notifications"]
    assert inbox["items"] == [
        {
            "title": "新增或升级编制预警 3 条：红色 0、黄色 2、蓝色 1",
            "body": "超编 1 条、满编 1 条、超职数配备干部 1 条。涉及：财政局、教育局",
        }
    ]
    assert liaison["items"] == []  # the office's staff are told, not the units
    # the night's warning, turned into a finding, is in the province's problem bank
    async with Api(runtime) as api:
        converted = await api.call(CONVERT, tokens["inspector"], c="431321", i=str(warning_id), v=1, r="1")
        finding_id = converted["data"]["convertWarningToFinding"]["id"]
        bank = await api.call(
            '{ problems(regionCode: "430000", text: "超编") { items { findingId unitName taxonomyCode } } }', tokens["province"]
        )
    assert bank["data"]["problems"]["items"] == [{"findingId": finding_id, "unitName": "财政局", "taxonomyCode": "C03.K01.M01"}]


async def test_the_command_evaluates_a_tenant_with_a_progress_bar(office):
    runtime, _ = office
    done = await xuncha(runtime, "warnings", "run", "--tenant", "431321", "--date", TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    assert "新增预警 3 条" in done.stdout and "评估编制预警" in done.stderr
    assert len(await open_warnings(runtime)) == 3
    again = await xuncha(runtime, "warnings", "run", "--tenant", "431321", "--date", TODAY.isoformat())
    assert "新增预警 0 条" in again.stdout
    unknown = await xuncha(runtime, "warnings", "run", "--tenant", "431399")
    assert unknown.returncode == 1 and "未开通" in unknown.stderr
    assert (await xuncha(runtime, "warnings", "run")).returncode == 1  # --tenant or --all
