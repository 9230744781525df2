"""Evaluation (三评合一, issue 23 item 1): the indicator system in force (the example, a city's own
version), an evaluation of two departments from 方案 to 反馈 through GraphQL — 自评 by each
department's liaison, the 评估组's scores with reasons, a 个性 要点 that applies to one department
only, the 满意度 survey — totals and grades computed, what a liaison sees before and after the
反馈, a finding from the evaluation, and refusals that change nothing."""

from __future__ import annotations

import io

from docx import Document as DocxFile
from openpyxl import load_workbook
from sqlalchemy import text

from tests.factories import add_unit
from tests.helpers import create_all, sheet_bytes
from tests.identity import Api, add_user, error_code, token_for

SYSTEM = "query($c: String!) { indicatorSystem(tenantCode: $c) { ownerCode version name indicators { code level name maxScore personal satisfaction } } }"
PUBLISH = """mutation($c: String!, $i: [IndicatorInput!]!) { publishIndicatorSystem(tenantCode: $c, name: "娄底市机构编制评估指标体系", indicators: $i) {
    ownerCode version } }"""
CREATE = """mutation($u: [ID!]!) { createEvaluation(tenantCode: "431321", input: {kind: COMBINED, name: "2026年度部门三评合一评估", year: 2026,
    unitIds: $u}) { id version state systemName } }"""
MOVE = """mutation($e: ID!, $v: Int!, $a: EvaluationAction!) { moveEvaluation(tenantCode: "431321", id: $e, version: $v, action: $a) {
    state version } }"""
FEED_BACK = """mutation($e: ID!, $v: Int!) { feedBackEvaluation(tenantCode: "431321", id: $e, version: $v) { state version } }"""
SELF = """mutation($e: ID!, $u: ID!, $a: [SelfAssessmentInput!]!) { saveSelfAssessment(tenantCode: "431321", evaluationId: $e, unitId: $u,
    answers: $a) { departments { unitId points { code selfAssessment } } } }"""
SCORE = """mutation($e: ID!, $u: ID!, $s: [ScoreInput!]!) { scoreEvaluation(tenantCode: "431321", evaluationId: $e, unitId: $u, scores: $s) {
    departments { unitId total grade } } }"""
SATISFACTION = """mutation($e: ID!, $r: [SatisfactionInput!]!) { recordSatisfaction(tenantCode: "431321", evaluationId: $e, results: $r) {
    departments { unitId satisfaction total grade } } }"""
READ = """query($e: ID!) { evaluation(tenantCode: "431321", id: $e) { state departments { unitId unitName total grade satisfaction
    firstLevel { code name earned applicable } points { code selfAssessment score reason } } } }"""
LIST = """{ evaluations(tenantCode: "431321", year: 2026) { name state departments assessed } }"""
LOG = """mutation($r: String!) { logFinding(tenantCode: "431321", input: {dailySource: EVALUATION, sourceReference: $r, unitId: "2",
    taxonomyCode: "C04.K04.M01", description: "核心职能履行不到位", severity: ORDINARY, foundOn: "2026-11-20", deadline: "2027-03-31"}) {
    source } }"""

FIRSTS = ["规定执行", "履职尽责", "管理规范", "创新创优", "机构配置效益", "内外部满意度"]


def full_marks(indicators: list[dict], **change) -> list[dict]:
    """A score for every 要点 the 评估组 scores: full marks unless `change` gives (score, reason)."""
    scores = []
    for i in indicators:
        if i["level"] == "POINT" and not i["satisfaction"]:
            score, reason = change.get(i["code"].replace(".", "_"), (float(i["maxScore"]), None))
            scores.append({"code": i["code"], "score": score, "reason": reason})
    return scores


async def departments_state(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT unit_id, self_assessment, scores, satisfaction, total, version FROM t431321.evaluation_unit ORDER BY unit_id")
        )
        return [tuple(row) for row in rows]


async def test_a_city_publishes_its_own_indicator_system_and_its_counties_evaluate_with_it(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431100", "431102")
    tokens = {
        who: await token_for(runtime, await add_user(runtime, f"sys.{who}", (code, "admin", None)))
        for who, code in (("city", "431300"), ("county", "431321"), ("other", "431102"))
    }
    async with Api(runtime) as api:
        example = (await api.call(SYSTEM, tokens["county"], c="431321"))["data"]["indicatorSystem"]
        own = [
            {k: v for k, v in i.items() if k != "maxScore"} | {"maxScore": i["maxScore"] and float(i["maxScore"])}
            for i in example["indicators"]
        ]
        for i in own:
            i["parentCode"] = i["code"].rsplit(".", 1)[0] if "." in i["code"] else None
        over = [dict(i) for i in own]
        over[3]["maxScore"] = 6  # 101 points
        unscored = [dict(i) for i in own]
        unscored[3]["maxScore"] = None
        orphan = [dict(i) for i in own]
        orphan[1]["parentCode"] = "I9"
        refused = [
            error_code(await api.call(PUBLISH, tokens["city"], c="431300", i=over)),
            error_code(await api.call(PUBLISH, tokens["city"], c="431300", i=unscored)),
            error_code(await api.call(PUBLISH, tokens["city"], c="431300", i=orphan)),
            error_code(await api.call(PUBLISH, tokens["county"], c="431321", i=own)),  # a county does not publish one
        ]
        still_example = (await api.call(SYSTEM, tokens["county"], c="431321"))["data"]["indicatorSystem"]["ownerCode"]
        published = (await api.call(PUBLISH, tokens["city"], c="431300", i=own))["data"]["publishIndicatorSystem"]
        again = (await api.call(PUBLISH, tokens["city"], c="431300", i=own))["data"]["publishIndicatorSystem"]
        county = (await api.call(SYSTEM, tokens["county"], c="431321"))["data"]["indicatorSystem"]
        elsewhere = (await api.call(SYSTEM, tokens["other"], c="431102"))["data"]["indicatorSystem"]
    assert example["ownerCode"] is None and [i["name"] for i in example["indicators"] if i["level"] == "FIRST"] == FIRSTS
    assert sum(float(i["maxScore"]) for i in example["indicators"] if i["level"] == "POINT") == 100
    assert refused == ["INVALID_INDICATORS", "INVALID_INDICATORS", "INVALID_INDICATORS", "FORBIDDEN"]
    assert still_example is None
    assert (published, again) == ({"ownerCode": "431300", "version": 1}, {"ownerCode": "431300", "version": 2})
    assert (county["ownerCode"], county["version"]) == ("431300", 2)  # a county evaluates with its city's latest
    assert elsewhere["ownerCode"] is None  # 邵阳's counties still use the example


async def test_an_evaluation_runs_from_plan_to_feedback_and_scores_each_department(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    await add_unit(runtime, "431321", "双峰县财政局", "UNIT0001")
    await add_unit(runtime, "431321", "双峰县教育局", "UNIT0002")
    people = {
        "inspector": ("431321", "inspector", None),
        "reviewer": ("431321", "reviewer", None),
        "liaison1": ("431321", "liaison", 1),
        "liaison2": ("431321", "liaison", 2),
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, f"ev.{who}", grant)) for who, grant in people.items()}
    async with Api(runtime) as api:
        indicators = (await api.call(SYSTEM, tokens["inspector"], c="431321"))["data"]["indicatorSystem"]["indicators"]
        evaluation = (await api.call(CREATE, tokens["inspector"], u=["1", "2"]))["data"]["createEvaluation"]
        e = evaluation["id"]
        early = error_code(await api.call(SELF, tokens["liaison1"], e=e, u="1", a=[{"code": "I2.1.1.1", "text": "已履行"}]))
        moved = (await api.call(MOVE, tokens["inspector"], e=e, v=1, a="START_SELF"))["data"]["moveEvaluation"]
        own = (await api.call(SELF, tokens["liaison1"], e=e, u="1", a=[{"code": "I2.1.1.1", "text": "三定职责均已履行，附年度工作总结"}]))[
            "data"
        ]["saveSelfAssessment"]
        before = await departments_state(runtime)
        self_refusals = [
            error_code(await api.call(SELF, tokens["liaison1"], e=e, u="2", a=[{"code": "I2.1.1.1", "text": "代填"}])),
            error_code(await api.call(SELF, tokens["liaison1"], e=e, u="1", a=[{"code": "I6.1.1.1", "text": "满意"}])),
            error_code(await api.call(SELF, tokens["liaison1"], e=e, u="1", a=[{"code": "I9", "text": "无"}])),
            error_code(await api.call(SCORE, tokens["inspector"], e=e, u="1", s=full_marks(indicators))),  # not yet at 评估
        ]
        await api.call(MOVE, tokens["inspector"], e=e, v=2, a="ASSESS")
        one = full_marks(indicators, I1_2_1_2=(3, "超职数配备副局长 1 名"), I2_1_1_1=(6, "执法职责履行不到位"), I2_3_1_1=(None, None))
        two = full_marks(indicators, I5_1_1_1=(0, "编制配置与任务明显不匹配"), I2_3_1_1=(2, "年度重点任务完成一半"))
        score_refusals = [
            error_code(await api.call(SCORE, tokens["inspector"], e=e, u="1", s=[{"code": "I1.2.1.2", "score": 3}])),  # no reason
            error_code(await api.call(SCORE, tokens["inspector"], e=e, u="1", s=[{"code": "I1.2.1.2", "score": 6}])),  # over 5
            error_code(await api.call(SCORE, tokens["inspector"], e=e, u="1", s=[{"code": "I1.2.1.2", "score": None}])),  # not 个性
            error_code(await api.call(SCORE, tokens["liaison1"], e=e, u="1", s=one)),
            error_code(await api.call(SATISFACTION, tokens["inspector"], e=e, r=[{"unitId": "1", "score": 101}])),
        ]
        unchanged = await departments_state(runtime) == before
        await api.call(SCORE, tokens["inspector"], e=e, u="1", s=one)
        scored_two = (await api.call(SCORE, tokens["reviewer"], e=e, u="2", s=two))["data"]["scoreEvaluation"]["departments"]
        incomplete = error_code(await api.call(FEED_BACK, tokens["reviewer"], e=e, v=3))
        survey = f"/evaluations/431321/{e}/satisfaction"
        bad_sheet = sheet_bytes([("被评估部门", "满意度"), ("双峰县财政局", 90), ("双峰县卫健局", 80)])
        sheet_refused = (
            await api.client.post(survey, content=bad_sheet, headers={"Authorization": f"Bearer {tokens['inspector']}"})
        ).json()
        unchanged_by_sheet = await departments_state(runtime)
        good_sheet = sheet_bytes([("被评估部门", "满意度"), ("双峰县财政局", 90), ("双峰县教育局", 70)])
        imported = (await api.client.post(survey, content=good_sheet, headers={"Authorization": f"Bearer {tokens['inspector']}"})).json()
        surveyed = (await api.call(READ, tokens["inspector"], e=e))["data"]["evaluation"]["departments"]
        liaison_before = (await api.call(READ, tokens["liaison1"], e=e))["data"]["evaluation"]
        inspector_feeds_back = error_code(await api.call(FEED_BACK, tokens["inspector"], e=e, v=3))
        fed_back = (await api.call(FEED_BACK, tokens["reviewer"], e=e, v=3))["data"]["feedBackEvaluation"]
        liaison_after = (await api.call(READ, tokens["liaison1"], e=e))["data"]["evaluation"]
        listed = (await api.call(LIST, tokens["inspector"]))["data"]["evaluations"]
        finding = (await api.call(LOG, tokens["inspector"], r=f"评估:{e}"))["data"]["logFinding"]
        files = {}
        for who, path in (
            ("inspector", "results.xlsx"),
            ("inspector", "report.docx?unit=1"),
            ("inspector", "report.pdf"),
            ("liaison1", "results.xlsx"),
        ):
            response = await api.client.get(f"/evaluations/431321/{e}/{path}", headers={"Authorization": f"Bearer {tokens[who]}"})
            files[who, path.split("?")[0]] = (response.status_code, response.content)
    assert (evaluation["state"], evaluation["systemName"]) == ("PLANNED", "机构编制评估指标体系（示例，三评合一）")
    assert early == "EVALUATION_NOT_AT_STAGE" and moved == {"state": "SELF_ASSESSING", "version": 2}
    assert own["departments"] == [{"unitId": "1", "points": own["departments"][0]["points"]}]  # a liaison sees its department only
    assert {p["code"]: p["selfAssessment"] for p in own["departments"][0]["points"]}["I2.1.1.1"] == "三定职责均已履行，附年度工作总结"
    assert self_refusals == ["NOT_FOUND", "UNKNOWN_INDICATOR", "UNKNOWN_INDICATOR", "EVALUATION_NOT_AT_STAGE"]
    assert score_refusals == ["INVALID_SCORE", "INVALID_SCORE", "INVALID_SCORE", "FORBIDDEN", "INVALID_SCORE"]
    assert unchanged
    assert [d["total"] for d in scored_two] == [None, None]  # no total before the survey
    assert incomplete == "SCORES_INCOMPLETE"
    # 1: 96 points apply (个性 does not), 90.5 earned (−2, −2, 满意度 90 % of 15) → 94.27; 2: 100 apply, 85.5 earned
    assert sheet_refused["errors"][0]["extensions"]["code"] == "NOT_FOUND" and "双峰县卫健局" in sheet_refused["errors"][0]["message"]
    assert unchanged_by_sheet[0][3] is None and imported == {"recorded": 2}  # a sheet is taken whole or not at all
    assert [(d["unitId"], d["total"], d["grade"]) for d in surveyed] == [("1", "94.27", "EXCELLENT"), ("2", "85.50", "GOOD")]
    department = liaison_before["departments"][0]
    assert (department["total"], department["grade"], department["firstLevel"]) == (None, None, [])  # scores wait for the 反馈
    assert all(p["score"] is None and p["reason"] is None for p in department["points"])
    assert inspector_feeds_back == "FORBIDDEN" and fed_back == {"state": "FED_BACK", "version": 4}
    shown = liaison_after["departments"][0]
    assert (shown["unitName"], shown["total"], shown["grade"], shown["satisfaction"]) == ("双峰县财政局", "94.27", "EXCELLENT", "90.00")
    assert {f["name"]: (f["earned"], f["applicable"]) for f in shown["firstLevel"]}["履职尽责"] == ("19.00", "21.00")
    assert {p["code"]: p["reason"] for p in shown["points"]}["I2.1.1.1"] == "执法职责履行不到位"
    assert listed == [{"name": "2026年度部门三评合一评估", "state": "FED_BACK", "departments": 2, "assessed": 2}]
    assert finding == {"source": "EVALUATION"}
    assert files["liaison1", "results.xlsx"][0] == 403  # the results table is the office's
    sheet = load_workbook(io.BytesIO(files["inspector", "results.xlsx"][1])).active
    table = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert table[0] == ["序号", "被评估部门", *FIRSTS, "满意度", "总分", "等次"]
    assert [row[1:2] + row[-2:] for row in table[1:]] == [["双峰县财政局", "94.27", "优秀"], ["双峰县教育局", "85.50", "良好"]]
    feedback = "\n".join(p.text for p in DocxFile(io.BytesIO(files["inspector", "report.docx"][1])).paragraphs)
    assert "关于双峰县财政局2026年度部门三评合一评估结果的反馈" in feedback and "执法职责履行不到位" in feedback
    assert files["inspector", "report.pdf"][0] == 200 and files["inspector", "report.pdf"][1].startswith(b"%PDF")
