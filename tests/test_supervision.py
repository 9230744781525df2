"""The deadline engine and 督办: reminders recomputed from the bank on working days only, once
per entry and deadline, never for closed entries or deadlines moved away; escalations up the
hierarchy opened once, acted upon by the upper office, closed when the backlog shrinks."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import text

from backend.supervision.engine import RunSummary, run_supervision
from tests.helpers import INBOX, drain
from tests.identity import Api, add_user, error_code, token_for

MONDAY = date(2026, 11, 2)
LOG_OVERSTAFFING = """mutation($c: String!, $d: Date!) { logFinding(tenantCode: "431321", input: {code: $c, roundId: "1", unitId: "1",
    taxonomyCode: "C03.K01.M01", description: "超编", severity: ORDINARY, foundOn: "2026-09-10", deadline: $d}) { id } }"""
CALENDAR = """mutation($h: [Date!]!, $w: [Date!]!) { setWorkingCalendar(year: 2026, holidays: $h, makeUpWorkdays: $w) {
    holidays makeUpWorkdays } }"""


async def log(api: Api, token: str, code: str, deadline: str) -> str:
    return (await api.call(LOG_OVERSTAFFING, token, c=code, d=deadline))["data"]["logFinding"]["id"]


async def close(api: Api, tokens: dict, finding: str) -> None:
    for mutation, who, version in (("reportProgress", "liaison", 1), ("requestCloseOut", "liaison", 2), ("closeOut", "reviewer", 3)):
        note = 'reason: "x"' if mutation == "sendBack" else 'note: "已整改"'
        result = await api.call(
            f'mutation($f: ID!) {{ {mutation}(tenantCode: "431321", findingId: $f, version: {version}, {note}) {{ id }} }}',
            tokens[who],
            f=finding,
        )
        assert "errors" not in result, result


async def test_the_calendar_is_kept_by_the_platform_administrator(county_office):
    runtime, tokens = county_office
    root = await token_for(runtime, await add_user(runtime, "root", superuser=True))
    async with Api(runtime) as api:
        refusals = [
            error_code(await api.call(CALENDAR, tokens["admin"], h=["2026-10-01"], w=[])),
            error_code(await api.call(CALENDAR, root, h=["2025-10-01"], w=[])),
            error_code(await api.call(CALENDAR, root, h=["2026-10-10"], w=["2026-10-10"])),
            error_code(await api.call(CALENDAR, root, h=[], w=["2026-10-09"])),
        ]
        kept = (await api.call(CALENDAR, root, h=["2026-10-01", "2026-10-02", "2026-11-04"], w=["2026-10-10"]))["data"]
        read = (await api.call("{ workingCalendar(year: 2026) { holidays makeUpWorkdays } }", tokens["liaison"]))["data"]
    assert refusals == ["FORBIDDEN", "INVALID_DATE", "INVALID_DATE", "INVALID_DATE"]
    assert (
        kept["setWorkingCalendar"]
        == read["workingCalendar"]
        == {"holidays": ["2026-10-01", "2026-10-02", "2026-11-04"], "makeUpWorkdays": ["2026-10-10"]}
    )
    assert (await run_supervision(runtime, date(2026, 11, 4))).working_day is False  # a holiday
    assert (await run_supervision(runtime, date(2026, 11, 7))).working_day is False  # a Saturday
    assert (await run_supervision(runtime, date(2026, 10, 10))).working_day is True  # a make-up Saturday


async def test_reminders_go_once_per_deadline_and_never_for_closed_or_moved_entries(county_office):
    runtime, tokens = county_office
    async with Api(runtime) as api:
        near = await log(api, tokens["inspector"], "NEAR", "2026-11-05")  # the 3rd working day after Monday
        await log(api, tokens["inspector"], "LATER", "2026-11-20")
        await log(api, tokens["inspector"], "LATE", "2026-10-30")
        await close(api, tokens, await log(api, tokens["inspector"], "CLOSED", "2026-10-29"))
        moved = await log(api, tokens["inspector"], "MOVED", "2026-11-04")
        await api.call(
            'mutation($f: ID!) { setDeadline(tenantCode: "431321", findingId: $f, version: 1, deadline: "2026-12-31") { id } }',
            tokens["inspector"],
            f=moved,
        )
        first = await run_supervision(runtime, MONDAY)
        again = [await run_supervision(runtime, MONDAY), await run_supervision(runtime, date(2026, 11, 3))]
        await api.call(
            'mutation($f: ID!) { setDeadline(tenantCode: "431321", findingId: $f, version: 1, deadline: "2026-11-06") { id } }',
            tokens["inspector"],
            f=near,
        )
        after_moving = await run_supervision(runtime, date(2026, 11, 3))
        await drain(runtime)
        liaison = (await api.call(INBOX, tokens["liaison"]))["data"]["notifications"]["items"]
        admin = (await api.call(INBOX, tokens["admin"]))["data"]["notifications"]["items"]
    assert first == RunSummary(working_day=True, reminded_units=2, reminders=2)
    assert again == [RunSummary(working_day=True), RunSummary(working_day=True)]
    assert after_moving == RunSummary(working_day=True, reminded_units=1, reminders=1)  # a new deadline, a new reminder
    reminders = [(i["eventType"], i["title"], i["body"]) for i in liaison if i["eventType"] in ("LEDGER_DEADLINE_NEAR", "LEDGER_OVERDUE")]
    assert sorted(reminders) == [  # NEAR twice: for its first deadline, then for the one it moved to
        ("LEDGER_DEADLINE_NEAR", "1 个问题的整改期限将至", "问题编号：NEAR"),
        ("LEDGER_DEADLINE_NEAR", "1 个问题的整改期限将至", "问题编号：NEAR"),
        ("LEDGER_OVERDUE", "1 个问题已逾期未整改", "问题编号：LATE"),
    ]
    assert [i["eventType"] for i in admin] == ["LEDGER_OVERDUE"]


async def test_an_office_over_the_thresholds_is_escalated_once_and_released_when_it_catches_up(county_office):
    runtime, tokens = county_office
    runtime = dataclasses.replace(
        runtime, settings=dataclasses.replace(runtime.settings, escalate_to_parent_at=2, escalate_to_province_at=3)
    )
    tokens["province"] = await token_for(runtime, await add_user(runtime, "hunan.auditor", ("430000", "auditor", None)))
    escalations = """query($r: String!, $o: Boolean!) { escalations(regionCode: $r, openOnly: $o) { items {
        id tenantCode officeName rung escalatedTo overdueAtOpening closedAt closeNote actions { kind note actor } } } }"""
    act = 'mutation($e: ID!) { recordEscalationAction(escalationId: $e, kind: PHONE_REMINDER, note: "已电话提醒县委编办主任") }'
    async with Api(runtime) as api:
        late = [await log(api, tokens["inspector"], f"LATE{n}", "2026-10-30") for n in range(3)]
        opened = await run_supervision(runtime, MONDAY)
        reopened = await run_supervision(runtime, MONDAY)

        async def seen(who: str, region: str, open_only: bool = True):
            result = await api.call(escalations, tokens[who], r=region, o=open_only)
            return error_code(result) or result["data"]["escalations"]["items"]

        city_view = await seen("city_admin", "431300")
        to_city, to_province = sorted(city_view, key=lambda e: e["rung"])
        page = """query($a: String) { escalations(regionCode: "431300", first: 1, after: $a) {
            pageInfo { hasNextPage endCursor } items { id } } }"""
        one = (await api.call(page, tokens["city_admin"]))["data"]["escalations"]
        two = (await api.call(page, tokens["city_admin"], a=one["pageInfo"]["endCursor"]))["data"]["escalations"]
        views = [len(await seen("province", "430000")), len(await seen("inspector", "431321")), await seen("liaison", "431321")]
        actions = [
            error_code(await api.call(act, tokens["city_admin"], e=to_city["id"])),
            error_code(await api.call(act, tokens["city_admin"], e=to_province["id"])),
            error_code(await api.call(act, tokens["inspector"], e=to_city["id"])),
            error_code(await api.call(act, tokens["province"], e=to_province["id"])),
        ]
        await drain(runtime)
        city_inbox = (await api.call(INBOX, tokens["city_admin"]))["data"]["notifications"]["items"]
        mute = error_code(
            await api.call(
                "mutation { setNotificationPreference(eventType: SUPERVISION_ESCALATED, inApp: false, email: true) { inApp } }",
                tokens["city_admin"],
            )
        )
        for finding in late[:2]:
            await close(api, tokens, finding)
        released = await run_supervision(runtime, date(2026, 11, 3))
        history = await seen("city_admin", "431300", False)
    assert (opened.escalations_opened, reopened.escalations_opened) == (2, 0)
    assert (to_city["escalatedTo"], to_province["escalatedTo"], to_city["officeName"], to_city["overdueAtOpening"]) == (
        "431300",
        "430000",
        "双峰县",
        3,
    )
    assert views == [2, 2, "FORBIDDEN"]
    assert [e["id"] for e in one["items"] + two["items"]] == [e["id"] for e in city_view]  # newest first, a page at a time
    assert one["pageInfo"]["hasNextPage"] and not two["pageInfo"]["hasNextPage"]
    assert actions == [None, "NOT_FOUND", "NOT_FOUND", "FORBIDDEN"]
    assert [(i["eventType"], i["title"]) for i in city_inbox] == [("SUPERVISION_ESCALATED", "督办：双峰县逾期问题 3 个")]
    assert mute == "CANNOT_MUTE"
    assert released.escalations_closed == 2
    closed = {e["rung"]: e for e in history}
    assert closed[1]["closeNote"] == "逾期问题已降至 1 个（督办阈值 2 个），自动关闭" and closed[2]["closedAt"]
    assert closed[1]["actions"] == [{"kind": "PHONE_REMINDER", "note": "已电话提醒县委编办主任", "actor": "loudi.admin"}]
    async with runtime.engine.connect() as connection:
        audited = (await connection.execute(text("SELECT action FROM t431300.audit_event ORDER BY id DESC LIMIT 1"))).scalar_one()
    assert audited == "supervision.电话提醒"


async def test_the_command_runs_the_engine_for_a_day(county_office):
    from tests.helpers import xuncha

    runtime, _ = county_office
    saturday = await xuncha(runtime, "reminders", "run", "--date", "2026-11-07")
    monday = await xuncha(runtime, "reminders", "run", "--date", "2026-11-02")
    garbage = await xuncha(runtime, "reminders", "run", "--date", "11/02")
    assert saturday.returncode == 0 and "2026-11-07 不是工作日" in saturday.stdout, saturday.stderr
    assert monday.returncode == 0 and "提醒 0 个问题" in monday.stdout, monday.stderr
    assert garbage.returncode != 0 and "日期格式应为 YYYY-MM-DD" in garbage.stderr
