"""Correspondence between organs (issue 21 item 2): the 巡察办 函请 materials from the 编办 with an
item list, the 编办 signs for it, answers item by item and replies (复函), which finishes its
handling; a 抄送 organ only signs; who sees a document (the sender's and the recipients' users,
nobody else); whom an organ may write to; 文号 gapless per organ, kind and year under concurrent
sending; lateness; and refusals that change nothing."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date, timedelta

from docx import Document as DocxFile
from sqlalchemy import text

from backend.supervision.engine import run_supervision
from tests.factories import add_unit
from tests.helpers import INBOX, create_all, drain, statements_for
from tests.identity import Api, add_user, error_code, renewed, token_for

PDF_BYTES = b"%PDF-1.7\n" + "“三定”规定".encode() * 100
ADD = "mutation($c: String!, $k: OrganKind!) { addOrgan(tenantCode: $c, kind: $k) { id } }"
CREATE_USER = """mutation($u: String!, $c: String!, $o: ID, $r: Role!) {
    createUser(input: {username: $u, displayName: $u, tenantCode: $c, organId: $o, role: $r}) { userId } }"""
ORGANS = "query($c: String!) { organs(tenantCode: $c) { id kind } }"
VIEW = """{ id kind documentNumber subject body sender { shortName } dueOn
    recipients { organ { kind } copy state signedBy note answerId late determination findingId } items { position request answer } }"""
SEND = "mutation($i: DocumentInput!) { sendDocument(input: $i) " + VIEW + " }"
HANDLE = (
    "mutation($d: ID!, $o: ID!, $a: HandlingAction!, $n: String) { handleDocument(documentId: $d, organId: $o, action: $a, note: $n) "
    + VIEW
    + " }"
)
ANSWER = (
    "mutation($d: ID!, $o: ID!, $p: Int!, $a: String!) { answerDocumentItem(documentId: $d, organId: $o, position: $p, answer: $a) "
    + VIEW
    + " }"
)
DETERMINE = (
    "mutation($d: ID!, $o: ID!, $f: ID, $r: String) { determineHandover(documentId: $d, organId: $o, findingId: $f, reason: $r) "
    + VIEW
    + " }"
)
WORK = "query($o: ID!) { organWork(organId: $o) { sent { kind count late } received { kind state count late } } }"
READ = "query($d: ID!) { correspondenceDocument(id: $d) " + VIEW + " }"
ON_ROUND = 'query($o: ID!) { correspondence(organId: $o, sent: true, concerns: "round:1") { subject recipients { organ { kind } state } } }'
BOX = "query($o: ID!, $s: Boolean!, $open: Boolean!) { correspondence(organId: $o, sent: $s, openOnly: $open) { documentNumber } }"


async def handling_rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT d.document_number, r.organ_id, r.state, r.version, i.answer FROM correspondence.document d "
                "JOIN correspondence.recipient r ON r.document_id = d.id "
                "LEFT JOIN correspondence.document_item i ON i.document_id = d.id ORDER BY 1, 2, i.position"
            )
        )
        return [tuple(row) for row in rows]


async def region_with_organs(runtime, api: Api) -> tuple[dict[str, str], dict[str, str]]:
    """双峰县 with its 编办, 巡察办, 组织部 and 纪委监委, a user of each (tokens), and 娄底市's 编办."""
    admin = await token_for(runtime, await add_user(runtime, "sf_admin", ("431321", "admin", None)))
    organs = {"OFFICE": (await api.call(ORGANS, admin, c="431321"))["data"]["organs"][0]["id"]}
    for kind in ("INSPECTION_OFFICE", "ORGANIZATION", "DISCIPLINE"):
        organs[kind] = (await api.call(ADD, admin, c="431321", k=kind))["data"]["addOrgan"]["id"]
    tokens = {"OFFICE": await token_for(runtime, await add_user(runtime, "sf_inspector", ("431321", "inspector", None)))}
    for kind in ("INSPECTION_OFFICE", "ORGANIZATION", "DISCIPLINE"):
        created = await api.call(CREATE_USER, admin, u=f"sf_{kind.lower()}", c="431321", o=organs[kind], r="INSPECTOR")
        tokens[kind] = await token_for(runtime, int(created["data"]["createUser"]["userId"]))
    ld_admin = await token_for(runtime, await add_user(runtime, "ld_admin", ("431300", "admin", None)))
    organs["CITY"] = (await api.call(ORGANS, ld_admin, c="431300"))["data"]["organs"][0]["id"]
    tokens["CITY"] = ld_admin
    return organs, tokens


async def test_the_inspection_office_requests_materials_and_the_office_answers_item_by_item(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    runtime.clock.set(date(2026, 12, 7))
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        sibling = await token_for(runtime, await add_user(runtime, "xh_admin", ("431322", "admin", None)))
        province = await token_for(runtime, await add_user(runtime, "hn_admin", ("430000", "admin", None)))
        request = {
            "senderOrganId": organs["INSPECTION_OFFICE"],
            "kind": "REQUEST",
            "subject": "关于调阅县财政局机构编制资料的函",
            "body": "县委第一巡察组将于12月进驻县财政局，请提供以下资料。",
            "recipients": [{"organId": organs["OFFICE"]}, {"organId": organs["ORGANIZATION"], "copy": "COPY"}],
            "items": ["县财政局“三定”规定及调整文件", "近三年机构编制监督检查发现的问题及整改情况"],
            "dueOn": "2026-12-14",
        }
        sent = (await api.call(SEND, tokens["INSPECTION_OFFICE"], i=request))["data"]["sendDocument"]
        document = sent["id"]
        await drain(runtime)
        told = {who: [n["title"] for n in (await api.call(INBOX, tokens[who]))["data"]["notifications"]["items"]] for who in tokens}
        seen = {
            who: error_code(await api.call(READ, token, d=document))
            for who, token in {**tokens, "SIBLING": sibling, "PROVINCE": province}.items()
        }
        before = await handling_rows(runtime)
        refused = [
            error_code(await api.call(ANSWER, tokens["OFFICE"], d=document, o=organs["OFFICE"], p=1, a="见附件")),  # sign first
            error_code(await api.call(HANDLE, tokens["ORGANIZATION"], d=document, o=organs["ORGANIZATION"], a="HANDLE")),  # a copy
            error_code(await api.call(HANDLE, tokens["DISCIPLINE"], d=document, o=organs["OFFICE"], a="SIGN")),  # not its organ
            error_code(await api.call(HANDLE, tokens["OFFICE"], d=document, o=organs["OFFICE"], a="RETURN")),  # no reason
            error_code(await api.call(HANDLE, tokens["OFFICE"], d=document, o=organs["OFFICE"], a="FINISH")),  # not signed
        ]
        unchanged = await handling_rows(runtime) == before
        await api.call(HANDLE, tokens["ORGANIZATION"], d=document, o=organs["ORGANIZATION"], a="SIGN")
        await api.call(HANDLE, tokens["OFFICE"], d=document, o=organs["OFFICE"], a="SIGN")
        await api.call(HANDLE, tokens["OFFICE"], d=document, o=organs["OFFICE"], a="HANDLE")
        await api.call(ANSWER, tokens["OFFICE"], d=document, o=organs["OFFICE"], p=1, a="“三定”规定（双编发〔2019〕12号）")
        answered = await api.call(ANSWER, tokens["OFFICE"], d=document, o=organs["OFFICE"], p=2, a="2024年发现问题3个，已销号3个")
        inbox_open = (await api.call(BOX, tokens["OFFICE"], o=organs["OFFICE"], s=False, open=True))["data"]["correspondence"]
        runtime.clock.set(date(2026, 12, 15))
        tokens = {who: renewed(runtime, token) for who, token in tokens.items()}
        late = (await api.call(READ, tokens["INSPECTION_OFFICE"], d=document))["data"]["correspondenceDocument"]
        late_figures = (await api.call(WORK, tokens["OFFICE"], o=organs["OFFICE"]))["data"]["organWork"]["received"]
        late_sent = (await api.call(WORK, tokens["INSPECTION_OFFICE"], o=organs["INSPECTION_OFFICE"]))["data"]["organWork"]["sent"]
        reply = {
            "senderOrganId": organs["OFFICE"],
            "kind": "REPLY",
            "subject": "关于提供县财政局机构编制资料的复函",
            "body": "所需资料已逐项答复。",
            "repliesToId": document,
        }
        replied = (await api.call(SEND, tokens["OFFICE"], i=reply))["data"]["sendDocument"]
        again = error_code(await api.call(SEND, tokens["OFFICE"], i=reply))
        finished = (await api.call(READ, tokens["INSPECTION_OFFICE"], d=document))["data"]["correspondenceDocument"]
        inbox_after = (await api.call(BOX, tokens["OFFICE"], o=organs["OFFICE"], s=False, open=True))["data"]["correspondence"]
        replies_received = (await api.call(BOX, tokens["INSPECTION_OFFICE"], o=organs["INSPECTION_OFFICE"], s=False, open=False))["data"]
    assert sent["documentNumber"] == "双巡办函〔2026〕1号" and sent["sender"]["shortName"] == "双峰县委巡察办"
    assert [(r["organ"]["kind"], r["copy"], r["state"]) for r in sent["recipients"]] == [
        ("OFFICE", "MAIN", "SENT"),
        ("ORGANIZATION", "COPY", "SENT"),
    ]
    heard = "收到双峰县委巡察办函请（调阅材料）：双巡办函〔2026〕1号"
    assert told == {"OFFICE": [heard], "ORGANIZATION": [heard], "INSPECTION_OFFICE": [], "DISCIPLINE": [], "CITY": []}
    assert seen == {
        "OFFICE": None,
        "INSPECTION_OFFICE": None,
        "ORGANIZATION": None,
        "DISCIPLINE": "NOT_FOUND",
        "CITY": "NOT_FOUND",
        "SIBLING": "NOT_FOUND",
        "PROVINCE": "NOT_FOUND",
    }
    assert refused == ["INVALID_TRANSITION", "COPY_ONLY", "NOT_FOUND", "INVALID_TEXT", "INVALID_TRANSITION"]
    assert unchanged
    assert [i["answer"] for i in answered["data"]["answerDocumentItem"]["items"]] == [
        "“三定”规定（双编发〔2019〕12号）",
        "2024年发现问题3个，已销号3个",
    ]
    assert inbox_open == [{"documentNumber": "双巡办函〔2026〕1号"}]
    assert [r["late"] for r in late["recipients"]] == [True, False]  # the copy owes nothing
    assert late_figures == [{"kind": "REQUEST", "state": "HANDLING", "count": 1, "late": 1}]
    assert late_sent == [{"kind": "REQUEST", "count": 1, "late": 1}]
    assert replied["documentNumber"] == "双编办复〔2026〕1号"
    assert [(r["organ"]["kind"], r["copy"]) for r in replied["recipients"]] == [("INSPECTION_OFFICE", "MAIN")]
    assert again == "INVALID_TRANSITION"
    assert [(r["state"], r["answerId"], r["late"]) for r in finished["recipients"]] == [
        ("FINISHED", replied["id"], False),
        ("SIGNED", None, False),
    ]
    assert inbox_after == []
    assert replies_received["correspondence"] == [{"documentNumber": "双编办复〔2026〕1号"}]


async def test_an_organ_writes_to_its_own_parent_and_child_regions_only(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    runtime.clock.set(date(2026, 12, 7))  # the year in the 文号
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        hn = await token_for(runtime, await add_user(runtime, "hn_admin", ("430000", "admin", None)))
        xh = await token_for(runtime, await add_user(runtime, "xh_admin", ("431322", "admin", None)))
        province_office = (await api.call(ORGANS, hn, c="430000"))["data"]["organs"][0]["id"]
        sibling_office = (await api.call(ORGANS, xh, c="431322"))["data"]["organs"][0]["id"]

        def notice(sender: str, recipient: str) -> dict:
            return {"senderOrganId": sender, "kind": "NOTICE", "subject": "通知", "body": "正文", "recipients": [{"organId": recipient}]}

        up = (await api.call(SEND, tokens["OFFICE"], i=notice(organs["OFFICE"], organs["CITY"])))["data"]["sendDocument"]
        down = (await api.call(SEND, tokens["CITY"], i=notice(organs["CITY"], organs["DISCIPLINE"])))["data"]["sendDocument"]
        before = await handling_rows(runtime)
        refused = [
            error_code(await api.call(SEND, tokens["OFFICE"], i=notice(organs["OFFICE"], province_office))),  # two levels up
            error_code(await api.call(SEND, tokens["OFFICE"], i=notice(organs["OFFICE"], sibling_office))),
            error_code(await api.call(SEND, tokens["OFFICE"], i=notice(organs["OFFICE"], organs["OFFICE"]))),  # itself
            error_code(await api.call(SEND, tokens["OFFICE"], i=notice(organs["DISCIPLINE"], organs["CITY"]))),  # another organ's name
            error_code(await api.call(SEND, tokens["OFFICE"], i={**notice(organs["OFFICE"], organs["CITY"]), "items": ["x"]})),
            error_code(await api.call(SEND, tokens["OFFICE"], i={**notice(organs["OFFICE"], organs["CITY"]), "dueOn": "2020-01-01"})),
            error_code(await api.call(SEND, tokens["OFFICE"], i={**notice(organs["OFFICE"], organs["CITY"]), "subject": " "})),
        ]
        unchanged = await handling_rows(runtime) == before
        next_one = (await api.call(SEND, tokens["OFFICE"], i=notice(organs["OFFICE"], organs["CITY"])))["data"]["sendDocument"]
    assert (up["documentNumber"], down["documentNumber"]) == ("双编办发〔2026〕1号", "娄编办发〔2026〕1号")
    assert refused == [
        "INVALID_RECIPIENT",
        "INVALID_RECIPIENT",
        "INVALID_RECIPIENT",
        "NOT_FOUND",
        "INVALID_ITEMS",
        "INVALID_DATE",
        "INVALID_TEXT",
    ]
    assert unchanged
    assert next_one["documentNumber"] == "双编办发〔2026〕2号"  # refusals gave no number away


async def test_document_numbers_are_gapless_under_concurrent_sending(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        handover = {
            "senderOrganId": organs["INSPECTION_OFFICE"],
            "kind": "HANDOVER",
            "subject": "关于移交机构编制问题的函",
            "body": "巡察中发现的机构编制问题，移交县委编办办理。",
            "recipients": [{"organId": organs["OFFICE"]}],
            "dueOn": (runtime.clock.today() + timedelta(days=30)).isoformat(),
        }
        sent = await asyncio.gather(*(api.call(SEND, tokens["INSPECTION_OFFICE"], i=handover) for _ in range(12)))
    numbers = sorted(int(s["data"]["sendDocument"]["documentNumber"].split("〕")[1].removesuffix("号")) for s in sent)
    assert numbers == list(range(1, 13))
    assert sent[0]["data"]["sendDocument"]["documentNumber"].startswith(f"双巡办移〔{runtime.clock.today().year}〕")


async def test_the_office_determines_a_handover_and_its_reply_goes_back_at_once(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    await add_unit(runtime, "431321", "双峰县财政局", "UNIT431321")
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        admin = await token_for(runtime, await add_user(runtime, "sf_admin2", ("431321", "admin", None)))
        organs["AUDIT"] = (await api.call(ADD, admin, c="431321", k="AUDIT"))["data"]["addOrgan"]["id"]
        created = await api.call(CREATE_USER, admin, u="sf_audit", c="431321", o=organs["AUDIT"], r="INSPECTOR")
        tokens["AUDIT"] = await token_for(runtime, int(created["data"]["createUser"]["userId"]))

        def handover(sender: str, recipient: str, subject: str) -> dict:
            return {
                "senderOrganId": sender,
                "kind": "HANDOVER",
                "subject": subject,
                "body": "审计发现县财政局超编进人 2 名。",
                "recipients": [{"organId": recipient}],
            }

        audit = (await api.call(SEND, tokens["AUDIT"], i=handover(organs["AUDIT"], organs["OFFICE"], "关于移送超编进人问题线索的函")))[
            "data"
        ]["sendDocument"]
        other = (await api.call(SEND, tokens["AUDIT"], i=handover(organs["AUDIT"], organs["OFFICE"], "关于移送借调人员问题线索的函")))[
            "data"
        ]["sendDocument"]
        to_organization = (
            await api.call(
                SEND,
                tokens["INSPECTION_OFFICE"],
                i=handover(organs["INSPECTION_OFFICE"], organs["ORGANIZATION"], "关于移交选人用人问题的函"),
            )
        )["data"]["sendDocument"]
        for document in (audit["id"], other["id"]):
            await api.call(HANDLE, tokens["OFFICE"], d=document, o=organs["OFFICE"], a="SIGN")
        await api.call(HANDLE, tokens["ORGANIZATION"], d=to_organization["id"], o=organs["ORGANIZATION"], a="SIGN")
        logged = await api.call(
            """mutation($r: String!) { logFinding(tenantCode: "431321", input: {dailySource: AUDIT_REFERRAL, sourceReference: $r, unitId: "1",
                taxonomyCode: "C03.K01.M01", description: "超编进人 2 名", severity: ORDINARY, foundOn: "2026-09-10", deadline: "2026-12-31"}) { id code } }""",
            tokens["OFFICE"],
            r=audit["documentNumber"],
        )
        finding = logged["data"]["logFinding"]
        before = await handling_rows(runtime)
        refused = [
            error_code(await api.call(DETERMINE, tokens["OFFICE"], d=audit["id"], o=organs["OFFICE"])),  # neither finding nor reason
            error_code(await api.call(DETERMINE, tokens["OFFICE"], d=audit["id"], o=organs["OFFICE"], f="999")),
            error_code(await api.call(DETERMINE, tokens["DISCIPLINE"], d=audit["id"], o=organs["OFFICE"], f=finding["id"])),
            error_code(await api.call(DETERMINE, tokens["ORGANIZATION"], d=to_organization["id"], o=organs["ORGANIZATION"], r="x")),
        ]
        unchanged = await handling_rows(runtime) == before
        confirmed = (await api.call(DETERMINE, tokens["OFFICE"], d=audit["id"], o=organs["OFFICE"], f=finding["id"]))["data"][
            "determineHandover"
        ]
        rejected = (await api.call(DETERMINE, tokens["OFFICE"], d=other["id"], o=organs["OFFICE"], r="借调系经批准的临时性工作安排"))[
            "data"
        ]["determineHandover"]
        again = error_code(await api.call(DETERMINE, tokens["OFFICE"], d=other["id"], o=organs["OFFICE"], r="再次认定"))
        # what a round handed over, and how each was handled, read on the round
        round_handover = handover(organs["OFFICE"], organs["ORGANIZATION"], "关于移交选人用人问题的函") | {"concerns": " round:1 "}
        await api.call(SEND, tokens["OFFICE"], i=round_handover)
        on_round = (await api.call(ON_ROUND, tokens["OFFICE"], o=organs["OFFICE"]))["data"]["correspondence"]
        audit_after = (await api.call(READ, tokens["AUDIT"], d=audit["id"]))["data"]["correspondenceDocument"]["recipients"][0]
        other_after = (await api.call(READ, tokens["AUDIT"], d=other["id"]))["data"]["correspondenceDocument"]["recipients"][0]
    assert refused == ["INVALID_TEXT", "NOT_FOUND", "NOT_FOUND", "NOT_DETERMINABLE"]
    assert unchanged
    assert confirmed["documentNumber"] == f"双编办复〔{runtime.clock.today().year}〕1号"
    assert [r["organ"]["kind"] for r in confirmed["recipients"]] == ["AUDIT"]
    assert confirmed["subject"] == "关于移送超编进人问题线索的函的认定意见"
    assert (audit_after["state"], audit_after["determination"], audit_after["findingId"]) == ("FINISHED", "CONFIRMED", finding["id"])
    assert (other_after["state"], other_after["determination"], other_after["findingId"]) == ("FINISHED", "REJECTED", None)
    assert rejected["body"] == "经认定，不属于机构编制违规问题。\n理由：借调系经批准的临时性工作安排"
    assert on_round == [{"subject": "关于移交选人用人问题的函", "recipients": [{"organ": {"kind": "ORGANIZATION"}, "state": "SENT"}]}]
    assert again == "INVALID_TRANSITION"


async def test_a_document_prints_as_a_gongwen_for_its_organs_only(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        request = {
            "senderOrganId": organs["INSPECTION_OFFICE"],
            "kind": "REQUEST",
            "subject": "关于调阅县财政局机构编制资料的函",
            "body": "县委第一巡察组将进驻县财政局。\n请提供以下资料。",
            "recipients": [{"organId": organs["OFFICE"]}, {"organId": organs["ORGANIZATION"], "copy": "COPY"}],
            "items": ["“三定”规定", "近三年检查发现的问题"],
        }
        document = (await api.call(SEND, tokens["INSPECTION_OFFICE"], i=request))["data"]["sendDocument"]["id"]

        async def fetch(who: str, extension: str):
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            return await api.client.get(f"/correspondence/{document}/print.{extension}", headers=headers)

        docx, pdf = await fetch("OFFICE", "docx"), await fetch("ORGANIZATION", "pdf")
        refused = [(await fetch("DISCIPLINE", "docx")).status_code, (await fetch("CITY", "pdf")).status_code]
    lines = [p.text for p in DocxFile(io.BytesIO(docx.content)).paragraphs]
    assert docx.status_code == 200 and pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert lines[:5] == [
        "内部",
        "中共双峰县委巡察工作领导小组办公室",
        f"双巡办函〔{runtime.clock.today().year}〕1号",
        "关于调阅县财政局机构编制资料的函",
        "双峰县委编办：",
    ]
    assert lines[5:8] == [
        "县委第一巡察组将进驻县财政局。",
        "请提供以下资料。",
        "附件：调阅材料清单",
    ]
    # the list on a page of its own after the signature; the 版记 last (dated as sent: the database's clock)
    dated = lines[9]
    assert re.fullmatch("20[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日", dated), dated
    assert lines[8:16] == [
        "中共双峰县委巡察工作领导小组办公室",
        dated,
        "附件",
        "调阅材料清单",
        "1．“三定”规定",
        "2．近三年检查发现的问题",
        "抄送：双峰县委组织部。",
        f"中共双峰县委巡察工作领导小组办公室\t{dated}印发",
    ]
    assert refused == [404, 404]


PROPOSE = """mutation($i: DocumentInput!, $j: [ID!]!) { proposeJointDocument(input: $i, jointOrganIds: $j) {
    id state signatures { organ { kind } approvedBy } documentId } }"""
APPROVE = "mutation($id: ID!, $o: ID!) { approveJointDocument(id: $id, organId: $o) { state signatures { organ { kind } approvedBy } } }"
ISSUE = "mutation($id: ID!) { issueJointDocument(id: $id) { id documentNumber jointIssuers { kind } sender { kind } } }"


async def test_a_joint_notice_is_issued_once_every_joint_organ_has_approved_it(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        admin = await token_for(runtime, await add_user(runtime, "sf_admin2", ("431321", "admin", None)))
        created = await api.call(CREATE_USER, admin, u="jw_reviewer", c="431321", o=organs["DISCIPLINE"], r="REVIEWER")
        tokens["DISCIPLINE_REVIEWER"] = await token_for(runtime, int(created["data"]["createUser"]["userId"]))
        notice = {
            "senderOrganId": organs["OFFICE"],
            "kind": "NOTICE",
            "subject": "关于违规使用编外人员典型问题的通报",
            "body": "近期，我县在机构编制监督检查中发现以下典型问题。",
            "recipients": [{"organId": organs["ORGANIZATION"]}, {"organId": organs["INSPECTION_OFFICE"], "copy": "COPY"}],
        }
        draft = (await api.call(PROPOSE, tokens["OFFICE"], i=notice, j=[organs["DISCIPLINE"]]))["data"]["proposeJointDocument"]
        refused = [
            error_code(await api.call(PROPOSE, tokens["OFFICE"], i=notice, j=[organs["CITY"]])),  # another region's organ
            error_code(await api.call(PROPOSE, tokens["OFFICE"], i=notice, j=[organs["OFFICE"]])),  # itself
            error_code(await api.call(APPROVE, tokens["DISCIPLINE"], id=draft["id"], o=organs["DISCIPLINE"])),  # 经办 does not sign
            error_code(await api.call(APPROVE, tokens["ORGANIZATION"], id=draft["id"], o=organs["ORGANIZATION"])),  # not a party
            error_code(await api.call(ISSUE, tokens["OFFICE"], id=draft["id"])),  # not yet approved
            error_code(await api.call(ISSUE, tokens["DISCIPLINE_REVIEWER"], id=draft["id"])),  # the lead issues
        ]
        approved = (await api.call(APPROVE, tokens["DISCIPLINE_REVIEWER"], id=draft["id"], o=organs["DISCIPLINE"]))["data"]
        twice = error_code(await api.call(APPROVE, tokens["DISCIPLINE_REVIEWER"], id=draft["id"], o=organs["DISCIPLINE"]))
        issued = (await api.call(ISSUE, tokens["OFFICE"], id=draft["id"]))["data"]["issueJointDocument"]
        again = error_code(await api.call(ISSUE, tokens["OFFICE"], id=draft["id"]))
        read_by_joint_organ = error_code(await api.call(READ, tokens["DISCIPLINE"], d=issued["id"]))
        docx = await api.client.get(
            f"/correspondence/{issued['id']}/print.docx", headers={"Authorization": f"Bearer {tokens['DISCIPLINE']}"}
        )
    assert draft["state"] == "PENDING" and draft["signatures"] == [{"organ": {"kind": "DISCIPLINE"}, "approvedBy": None}]
    assert refused == ["INVALID_JOINT", "INVALID_JOINT", "FORBIDDEN", "NOT_FOUND", "JOINT_APPROVAL_PENDING", "FORBIDDEN"]
    assert approved["approveJointDocument"]["signatures"] == [{"organ": {"kind": "DISCIPLINE"}, "approvedBy": "jw_reviewer"}]
    assert twice == "NOT_A_JOINT_ORGAN" and again == "INVALID_TRANSITION"
    assert issued["documentNumber"] == f"双编办发〔{runtime.clock.today().year}〕1号"
    assert (issued["sender"]["kind"], issued["jointIssuers"]) == ("OFFICE", [{"kind": "DISCIPLINE"}])
    assert read_by_joint_organ is None
    lines = [p.text for p in DocxFile(io.BytesIO(docx.content)).paragraphs]
    assert lines[1:3] == ["中共双峰县委机构编制委员会办公室", "中共双峰县纪律检查委员会 双峰县监察委员会"]
    assert "中共双峰县委机构编制委员会办公室　中共双峰县纪律检查委员会 双峰县监察委员会" in lines


async def test_a_document_or_clue_past_its_deadline_is_reminded_once_to_both_organs(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    runtime.clock.set(date(2026, 12, 7))
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        request = {
            "senderOrganId": organs["INSPECTION_OFFICE"],
            "kind": "REQUEST",
            "subject": "关于调阅资料的函",
            "body": "请提供资料。",
            "recipients": [{"organId": organs["OFFICE"]}],
            "dueOn": "2026-12-14",
        }
        await api.call(SEND, tokens["INSPECTION_OFFICE"], i=request)
        clue = await api.call(
            """mutation($o: ID!) { registerClue(input: {organId: $o, source: INSPECTION, subjectKind: UNIT, subjectName: "县财政局",
                facts: "超编进人"}) { id } }""",
            tokens["INSPECTION_OFFICE"],
            o=organs["INSPECTION_OFFICE"],
        )
        await api.call(
            'mutation($id: ID!, $to: ID!) { handOverClue(id: $id, toOrganId: $to, dueOn: "2026-12-14") { id } }',
            tokens["INSPECTION_OFFICE"],
            id=clue["data"]["registerClue"]["id"],
            to=organs["DISCIPLINE"],
        )
        on_time = await run_supervision(runtime, date(2026, 12, 14))
        late = await run_supervision(runtime, date(2026, 12, 16))
        again = await run_supervision(runtime, date(2026, 12, 17))
        await drain(runtime)
        runtime.clock.set(date(2026, 12, 17))
        told = {
            who: sorted(
                n["title"]
                for n in (await api.call(INBOX, renewed(runtime, tokens[who])))["data"]["notifications"]["items"]
                if "办理时限" in n["title"]
            )
            for who in ("OFFICE", "INSPECTION_OFFICE", "DISCIPLINE", "ORGANIZATION")
        }
    year = 2026
    assert (on_time.late_documents, late.late_documents, again.late_documents) == (0, 3, 0)
    request_late = f"双巡办函〔{year}〕1号已过办理时限（2026-12-14）仍未办结"
    handover_late = f"双巡办移〔{year}〕1号已过办理时限（2026-12-14）仍未办结"
    clue_late = f"问题线索（第 {clue['data']['registerClue']['id']} 号）已过办理时限（2026-12-14）仍未办结"
    assert told == {
        "OFFICE": [request_late],
        "INSPECTION_OFFICE": sorted([request_late, handover_late, clue_late]),
        "DISCIPLINE": sorted([handover_late, clue_late]),
        "ORGANIZATION": [],
    }


async def test_an_organ_attaches_its_own_uploads_and_only_the_documents_organs_download_them(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)

        async def upload(who: str, organ: str, content: bytes = PDF_BYTES):
            return await api.client.post(
                f"/correspondence/files?organId={organs[organ]}&name=三定规定.pdf",
                content=content,
                headers={"Authorization": f"Bearer {tokens[who]}"},
            )

        mine = await upload("OFFICE", "OFFICE")
        theirs = await upload("INSPECTION_OFFICE", "INSPECTION_OFFICE", PDF_BYTES + b" other")
        refused_uploads = [
            (await upload("DISCIPLINE", "OFFICE")).status_code,
            (await upload("OFFICE", "OFFICE", b"MZ not a pdf")).status_code,
        ]
        notice = {
            "senderOrganId": organs["OFFICE"],
            "kind": "NOTICE",
            "subject": "关于报送三定规定的通知",
            "body": "见附件。",
            "recipients": [{"organId": organs["ORGANIZATION"]}],
        }
        refused = [
            error_code(await api.call(SEND, tokens["OFFICE"], i={**notice, "attachments": ["0" * 64]})),
            error_code(
                await api.call(SEND, tokens["OFFICE"], i={**notice, "attachments": [theirs.json()["sha256"]]})
            ),  # another organ's upload
        ]
        sha = mine.json()["sha256"]
        sent = await api.call(
            "mutation($i: DocumentInput!) { sendDocument(input: $i) { id attachments { sha256 fileName size contentType } } }",
            tokens["OFFICE"],
            i={**notice, "attachments": [sha]},
        )
        document = sent["data"]["sendDocument"]

        async def download(who: str, digest: str = sha):
            return await api.client.get(
                f"/correspondence/{document['id']}/files/{digest}", headers={"Authorization": f"Bearer {tokens[who]}"}
            )

        received = await download("ORGANIZATION")
        refused_downloads = [
            (await download("DISCIPLINE")).status_code,
            (await download("ORGANIZATION", theirs.json()["sha256"])).status_code,
        ]
    assert mine.status_code == 201 and refused_uploads == [404, 415]  # not its organ; not what the name says
    assert refused == ["NOT_FOUND", "NOT_FOUND"]
    assert document["attachments"] == [
        {"sha256": sha, "fileName": "三定规定.pdf", "size": len(PDF_BYTES), "contentType": "application/pdf"}
    ]
    assert received.status_code == 200 and received.content == PDF_BYTES
    assert refused_downloads == [404, 404]


async def test_an_inbox_costs_the_same_statements_for_one_document_or_many(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    async with Api(runtime) as api:
        organs, tokens = await region_with_organs(runtime, api)
        request = {
            "senderOrganId": organs["INSPECTION_OFFICE"],
            "kind": "REQUEST",
            "subject": "关于调阅资料的函",
            "body": "请提供资料。",
            "recipients": [{"organId": organs["OFFICE"]}, {"organId": organs["ORGANIZATION"], "copy": "COPY"}],
            "items": ["三定规定", "问题清单"],
        }
        inbox = f'query {{ correspondence(organId: "{organs["OFFICE"]}") {{ documentNumber sender {{ name }} recipients {{ organ {{ name }} state }} items {{ request }} attachments {{ fileName }} }} }}'
        await api.call(SEND, tokens["INSPECTION_OFFICE"], i=request)
        one = await statements_for(runtime, api, inbox, tokens["OFFICE"])
        for _ in range(5):
            await api.call(SEND, tokens["INSPECTION_OFFICE"], i=request)
        six = await statements_for(runtime, api, inbox, tokens["OFFICE"])
    assert one == six <= 8
