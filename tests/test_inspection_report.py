"""The 检查情况报告: generated from the confirmed drafts, grouped by category, between the team's
own words, as a .docx offices edit and a PDF; only the office's team and reviewers get it."""

from __future__ import annotations

from io import BytesIO

from docx import Document

from backend.rounds.models import RoundStage
from tests.factories import add_round
from tests.helpers import pdf_text
from tests.identity import Api, error_code

DRAFT = """mutation($r: ID!, $u: ID!, $t: String!, $d: String!) { createDraftFinding(tenantCode: "431321", roundId: $r, unitId: $u,
    input: {taxonomyCode: $t, description: $d, severity: ORDINARY, foundOn: "2026-09-10", basis: "《机构编制工作条例》第二十八条",
    requirement: "限期整改到位"}) { id } }"""
SETTLE = """mutation($d: ID!) { moveDraftFinding(tenantCode: "431321", id: $d, version: 1, action: SETTLE, note: "书面确认") { state } }"""
REPORT = """query($r: ID!, $u: ID) { inspectionReport(tenantCode: "431321", roundId: $r, unitId: $u) { title addressee issuer docxPath
    pdfPath sections { heading paragraphs subsections { heading paragraphs } } } }"""
WORD = """mutation($r: ID!) { wordInspectionReport(tenantCode: "431321", roundId: $r, addressee: "县委巡察工作领导小组办公室",
    opening: "检查组于9月进驻。\\n共走访单位2个。", closing: "建议加强机构编制管理。") { addressee sections { heading paragraphs } } }"""


async def test_the_report_states_the_confirmed_drafts_by_category_as_a_docx_and_a_pdf_for_the_team(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    team = tokens["inspector"]
    round_id = str(await add_round(runtime, "431321", [1, 2], name="2026年第二轮巡察", stage=RoundStage.REPORTING))
    async with Api(runtime) as api:
        for unit, code, description in (
            ("1", "C03.K01.M01", "实有人数超过核定编制 2 名"),
            ("2", "C04.K02.M02", "擅自增设内设机构 1 个"),
            ("2", "C03.K01.M01", "超编 1 名"),
        ):
            draft = (await api.call(DRAFT, team, r=round_id, u=unit, t=code, d=description))["data"]["createDraftFinding"]["id"]
            await api.call(SETTLE, team, d=draft)
        await api.call(DRAFT, team, r=round_id, u="1", t="C03.K01.M01", d="尚未核实的线索")  # a draft still 底稿: not stated
        first = (await api.call(REPORT, team, r=round_id))["data"]["inspectionReport"]
        worded = (await api.call(WORD, team, r=round_id))["data"]["wordInspectionReport"]
        unit_two = (await api.call(REPORT, tokens["reviewer"], r=round_id, u="2"))["data"]["inspectionReport"]
        refusals = [
            error_code(await api.call(REPORT, tokens["liaison"], r=round_id)),
            error_code(await api.call(REPORT, tokens["city_reviewer"], r=round_id)),
            error_code(await api.call(REPORT, team, r=round_id, u="3")),
            error_code(await api.call(WORD, tokens["reviewer"], r=round_id)),
        ]
        docx = await api.client.get(first["docxPath"], headers={"Authorization": f"Bearer {team}"})
        pdf = await api.client.get(unit_two["pdfPath"], headers={"Authorization": f"Bearer {team}"})
        statuses = [
            (await api.client.get(first["docxPath"], headers={"Authorization": f"Bearer {tokens[who]}"})).status_code
            for who in ("liaison", "city_reviewer", "sibling_reviewer")
        ]

    assert first["title"] == "关于2026年第二轮巡察机构编制监督检查情况的报告" and first["addressee"] is None
    opening, found, closing = first["sections"]
    assert "2026年第二轮巡察" in opening["paragraphs"][0]
    assert found["heading"] == "发现的主要问题（3 个）"
    assert closing["heading"] == "意见建议"
    assert [s["heading"] for s in found["subsections"]] == ["规范机构编制管理", "严格执行“三定”规定"]
    assert sum(len(s["paragraphs"]) for s in found["subsections"]) == 3
    assert all(
        "认定依据：《机构编制工作条例》第二十八条。整改要求：限期整改到位。" in p for s in found["subsections"] for p in s["paragraphs"]
    )
    assert not any("尚未核实" in p for s in found["subsections"] for p in s["paragraphs"])
    assert worded["addressee"] == "县委巡察工作领导小组办公室"
    assert worded["sections"][0]["paragraphs"] == ["检查组于9月进驻。", "共走访单位2个。"]
    assert worded["sections"][2]["paragraphs"] == ["建议加强机构编制管理。"]
    assert unit_two["title"] == "关于单位2机构编制监督检查情况的报告"
    assert refusals == ["FORBIDDEN", "FORBIDDEN", "NOT_FOUND", "FORBIDDEN"]
    assert docx.status_code == 200 and pdf.status_code == 200 and statuses == [403, 403, 404]
    text = "\n".join(paragraph.text for paragraph in Document(BytesIO(docx.content)).paragraphs)
    assert "关于2026年第二轮巡察机构编制监督检查情况的报告" in text and "县委巡察工作领导小组办公室：" in text
    assert "实有人数超过核定编制 2 名" in text and "擅自增设内设机构 1 个" in text and "双峰县" in text
    printed = pdf_text(pdf.content)
    assert "单位2" in printed and "擅自增设内设机构" in printed and "实有人数" not in printed
