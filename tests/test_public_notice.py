"""整改情况公开: written from the round's figures with no personal data, edited, approved by an
admin who did not submit it, then published."""

from __future__ import annotations

from sqlalchemy import text

from backend.publicity.service import NoticeText
from tests.factories import fed_back_round
from tests.helpers import LOG_FINDING, finding_input
from tests.identity import Api, error_code

NOTICE = "id state version title text html submittedBy publishedAt"
COMPOSE = f"""mutation($r: ID!) {{ composePublicNotice(tenantCode: "431321", roundId: $r) {{ {NOTICE} }} }}"""
EDIT = f"""mutation($i: ID!, $v: Int!, $t: String!) {{ editPublicNotice(tenantCode: "431321", id: $i, version: $v, title: "整改情况公告",
    text: $t) {{ {NOTICE} }} }}"""
SUBMIT = f"""mutation($i: ID!, $v: Int!) {{ submitPublicNotice(tenantCode: "431321", id: $i, version: $v) {{ {NOTICE} }} }}"""
DECIDE = f"""mutation($i: ID!, $v: Int!, $d: NoticeDecision!, $n: String) {{ decidePublicNotice(tenantCode: "431321", id: $i, version: $v,
    decision: $d, note: $n) {{ {NOTICE} }} }}"""
PUBLISH = f"""mutation($i: ID!, $v: Int!) {{ publishPublicNotice(tenantCode: "431321", id: $i, version: $v) {{ {NOTICE} }} }}"""
READ = f"""query($r: ID!) {{ publicNotice(tenantCode: "431321", roundId: $r) {{ {NOTICE} }} }}"""


async def notice_state(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(n)::text FROM t431321.public_notice n),"
                        " (SELECT count(*) FROM t431321.public_notice_event), (SELECT count(*) FROM t431321.audit_event)"
                    )
                )
            ).one()
        )


async def test_the_public_notice_names_no_one_and_is_published_only_after_someone_else_approves_it(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    team, admin = tokens["inspector"], tokens["admin"]
    r = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 2 名", "超职数配备副局长 1 名"]))
    async with Api(runtime) as api:
        logged = await api.call(LOG_FINDING, team, i=finding_input(roundId=r, responsiblePerson="王文华", description="借调人员超期"))
        assert "errors" not in logged, logged
        composed = (await api.call(COMPOSE, team, r=r))["data"]["composePublicNotice"]
        n = composed["id"]
        before = await notice_state(runtime)
        refusals = [
            error_code(await api.call(COMPOSE, team, r=r)),
            error_code(await api.call(EDIT, team, i=n, v=1, t="责任人王文华已作出检查。")),
            error_code(await api.call(EDIT, team, i=n, v=1, t="张三（431321199001011239）已调离。")),
            error_code(await api.call(EDIT, tokens["reviewer"], i=n, v=1, t="正文")),
            error_code(await api.call(DECIDE, admin, i=n, v=1, d="APPROVE")),  # not submitted
            error_code(await api.call(READ, tokens["liaison"], r=r)),
        ]
        assert await notice_state(runtime) == before
        edited = (await api.call(EDIT, team, i=n, v=1, t=composed["text"] + "\n整改情况将适时向社会公开。"))["data"]["editPublicNotice"]
        await api.call(SUBMIT, admin, i=n, v=2)
        self_approved = error_code(await api.call(DECIDE, admin, i=n, v=3, d="APPROVE"))
        returned = (await api.call(DECIDE, admin, i=n, v=3, d="RETURN", n="请补充长期整改问题的计划"))["data"]["decidePublicNotice"]
        await api.call(SUBMIT, team, i=n, v=4)
        approved = (await api.call(DECIDE, admin, i=n, v=5, d="APPROVE"))["data"]["decidePublicNotice"]
        reviewer_publishes = error_code(await api.call(PUBLISH, tokens["reviewer"], i=n, v=6))
        published = (await api.call(PUBLISH, admin, i=n, v=6))["data"]["publishPublicNotice"]
        seen_above = (await api.call(READ, tokens["city_reviewer"], r=r))["data"]["publicNotice"]

    assert composed["title"] == "关于2026年第二轮巡察整改情况的公告" and composed["state"] == "DRAFT"
    assert "反馈问题 3 个" in composed["text"] and "单位1反馈问题 3 个、已完成 0 个" in composed["text"]
    assert not any(word in composed["text"] for word in ("王文华", "实有人数", "借调人员超期"))  # no person, no problem's facts
    assert refusals == ["DUPLICATE", "PERSONAL_DATA_IN_TEXT", "PERSONAL_DATA_IN_TEXT", "FORBIDDEN", "INVALID_TRANSITION", "FORBIDDEN"]
    assert edited["html"].startswith("<h1>整改情况公告</h1><p>") and "整改情况将适时向社会公开。" in edited["text"]
    assert self_approved == "FORBIDDEN" and returned["state"] == "DRAFT"
    assert approved["state"] == "APPROVED" and reviewer_publishes == "FORBIDDEN"
    assert published["state"] == "PUBLISHED" and published["publishedAt"] is not None
    assert seen_above == published


def test_the_notice_fragment_prints_what_was_typed_as_text():
    notice = NoticeText("整改<b>公告</b>", "第一段\n\n第二段 <script>alert(1)</script>")
    assert notice.html == "<h1>整改&lt;b&gt;公告&lt;/b&gt;</h1><p>第一段</p><p>第二段 &lt;script&gt;alert(1)&lt;/script&gt;</p>"
