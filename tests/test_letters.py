"""Discipline letters (函告): gapless document numbers per office and year, delivery to the
unit's liaisons as a critical notification, read receipts, and a printable page."""

from __future__ import annotations

import asyncio

from tests.factories import add_unit
from tests.helpers import INBOX, create_all, drain
from tests.identity import Api, add_user, error_code, token_for

ISSUE = """mutation($u: ID!, $b: String!, $k: LetterKind! = ANNUAL) { issueDisciplineLetter(tenantCode: "431321", input: {
    kind: $k, unitId: $u, recipientName: "张三", recipientPost: "局长", subject: "关于严格执行机构编制纪律的函告", body: $b}) {
    id kind documentNumber unitName readings { username } } }"""
LIST = '{ disciplineLetters(tenantCode: "431321") { items { documentNumber unitName } } }'
PAGES = """query($a: String) { disciplineLetters(tenantCode: "431321", first: 4, after: $a) {
    items { kind } pageInfo { hasNextPage endCursor } } }"""
BODY = "根据《中国共产党机构编制工作条例》，现将有关要求函告如下：\n一、严禁超编进人。\n二、<b>严禁</b>擅自设立机构。"


async def test_letters_are_numbered_without_gaps_delivered_read_and_printed(county_office):
    runtime, tokens = county_office
    year = runtime.clock.today().year
    await add_unit(runtime, "431321", "教育局", "UNIT00000002")
    await create_all(runtime, "431322")
    tokens["sibling"] = await token_for(runtime, await add_user(runtime, "xinhua.admin", ("431322", "admin", None)))
    async with Api(runtime) as api:
        refused = [
            error_code(await api.call(ISSUE, tokens["admin"], u="99", b=BODY)),
            error_code(await api.call(ISSUE, tokens["liaison"], u="1", b=BODY)),
            error_code(await api.call(ISSUE, tokens["reviewer"], u="1", b=BODY)),
            error_code(await api.call(ISSUE, tokens["admin"], u="1", b="  ")),
            error_code(await api.call(ISSUE.replace('"431321"', '"431322"'), tokens["admin"], u="1", b=BODY)),
            error_code(await api.call(ISSUE, tokens["admin"], u="1", b=BODY, k="WARNING")),  # no such kind
        ]
        first = (await api.call(ISSUE, tokens["admin"], u="1", b=BODY, k="APPOINTMENT"))["data"]["issueDisciplineLetter"]
        concurrent = await asyncio.gather(*(api.call(ISSUE, tokens["inspector"], u="2", b=BODY) for _ in range(5)))
        await drain(runtime)
        listed = (await api.call(LIST, tokens["liaison"]))["data"]
        first_page = (await api.call(PAGES, tokens["reviewer"]))["data"]["disciplineLetters"]
        last_page = (await api.call(PAGES, tokens["reviewer"], a=first_page["pageInfo"]["endCursor"]))["data"]["disciplineLetters"]
        bad_cursor = error_code(await api.call(PAGES, tokens["reviewer"], a="bm90IGEgY3Vyc29y"))
        hidden = error_code(
            await api.call(
                'query($i: ID!) { disciplineLetter(tenantCode: "431321", id: $i) { id } }',
                tokens["liaison"],
                i=concurrent[0]["data"]["issueDisciplineLetter"]["id"],
            )
        )
        read = 'mutation($i: ID!) { markLetterRead(tenantCode: "431321", id: $i) { readings { username } } }'
        once = (await api.call(read, tokens["liaison"], i=first["id"]))["data"]["markLetterRead"]
        twice = (await api.call(read, tokens["liaison"], i=first["id"]))["data"]["markLetterRead"]
        inbox = (await api.call(INBOX, tokens["liaison"]))["data"]["notifications"]["items"]

        async def page(who: str | None):
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
            return await api.client.get(f"/letters/431321/{first['id']}/print", headers=headers)

        printed, sibling, anonymous = await page("liaison"), await page("sibling"), await page(None)
    assert refused == ["NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "INVALID_TEXT", "NOT_FOUND", "INVALID_INPUT"]
    assert (first["kind"], first["documentNumber"], first["unitName"], first["readings"]) == (
        "APPOINTMENT",
        f"双编办函告〔{year}〕1号",
        "财政局",
        [],
    )
    numbers = sorted(int(r["data"]["issueDisciplineLetter"]["documentNumber"].split("〕")[1][:-1]) for r in concurrent)
    assert numbers == [2, 3, 4, 5, 6]  # the refusals took no number; concurrent issues got one each
    assert listed == {"disciplineLetters": {"items": [{"documentNumber": f"双编办函告〔{year}〕1号", "unitName": "财政局"}]}}
    # newest first, four to a page
    assert first_page["items"] == [{"kind": "ANNUAL"}] * 4 and first_page["pageInfo"]["hasNextPage"]
    assert last_page["items"] == [{"kind": "ANNUAL"}, {"kind": "APPOINTMENT"}] and not last_page["pageInfo"]["hasNextPage"]
    assert bad_cursor == "INVALID_CURSOR"
    assert hidden == "NOT_FOUND"  # a letter to another unit
    assert once == twice == {"readings": [{"username": "sf.liaison"}]}
    assert [(i["eventType"], i["title"]) for i in inbox if i["eventType"] == "LETTER_ISSUED"] == [
        ("LETTER_ISSUED", f"函告：双编办函告〔{year}〕1号")
    ]
    assert printed.status_code == 200 and printed.headers["content-type"].startswith("text/html")
    assert f"双编办函告〔{year}〕1号" in printed.text and "任初函告：关于严格执行机构编制纪律的函告" in printed.text
    assert "&lt;b&gt;严禁&lt;/b&gt;" in printed.text and "<b>" not in printed.text
    assert (sibling.status_code, anonymous.status_code) == (404, 401)
