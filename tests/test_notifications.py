"""Notifications end to end on real PostgreSQL and Redis: domain changes write outbox events
in their own transaction; the relay queues them in arq; the worker writes each recipient's
inbox entry once and sends e-mail (to a real SMTP server) and signed webhooks, retrying
until a dead letter that an admin can resend."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from backend.clock import CHINA_STANDARD_TIME
from backend.findings.service import check_finding, insert_finding
from backend.notifications.jobs import deliver_event
from backend.notifications.sealing import seal, unseal
from bench.common import free_port
from tenants.scoping import tenant_engine
from tests.helpers import INBOX, LOG_OVERSTAFFING, drain
from tests.identity import Api, error_code, renewed
from tests.sinks import SmtpSink, WebhookSink

PROGRESS = 'mutation($f: ID!, $v: Int!) { reportProgress(tenantCode: "431321", findingId: $f, version: $v, note: "已清退 1 名") { ledger { version } } }'
REQUEST = 'mutation($f: ID!, $v: Int!) { requestCloseOut(tenantCode: "431321", findingId: $f, version: $v, note: "已全部清退") { ledger { version } } }'
SEND_BACK = 'mutation($f: ID!, $v: Int!) { sendBack(tenantCode: "431321", findingId: $f, version: $v, reason: "佐证材料不全") { ledger { version } } }'


async def outbox(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        return [
            tuple(r) for r in await connection.execute(text("SELECT event_type, payload->>'finding_code' FROM notify.outbox ORDER BY id"))
        ]


async def test_an_event_commits_or_rolls_back_with_its_change(county_office):
    runtime, tokens = county_office
    data = check_finding(
        round_id=1,
        unit_id=1,
        taxonomy_code="C03.K01.M01",
        description="超编",
        evidence_sources=[],
        severity="一般",
        fixed_on_spot=False,
        found_on=date(2026, 9, 10),
        deadline=date(2026, 12, 31),
        responsible_person=None,
        measures=None,
        close_note=None,
        today=date(2026, 11, 1),
        taxonomy=await runtime.taxonomy(),
        tenant_code="431321",
    )
    with pytest.raises(RuntimeError):
        async with tenant_engine(runtime.engine, "431321").begin() as connection:
            await insert_finding(connection, "431321", data, "sf.inspector", None)
            raise RuntimeError("the rest of the change failed")
    assert await outbox(runtime) == []
    async with Api(runtime) as api:
        logged = (await api.call(LOG_OVERSTAFFING, tokens["inspector"]))["data"]["logFinding"]
        refused = await api.call(SEND_BACK, tokens["reviewer"], f=logged["id"], v=1)  # 挂号 cannot be sent back
    assert error_code(refused) == "INVALID_TRANSITION"
    assert await outbox(runtime) == [("finding.logged", logged["code"])]


async def test_ledger_events_reach_the_right_inboxes_exactly_once(county_office):
    runtime, tokens = county_office
    async with Api(runtime) as api:
        finding = (await api.call(LOG_OVERSTAFFING, tokens["inspector"]))["data"]["logFinding"]["id"]
        await api.call(PROGRESS, tokens["liaison"], f=finding, v=1)
        await api.call(REQUEST, tokens["liaison"], f=finding, v=2)
        await api.call(SEND_BACK, tokens["reviewer"], f=finding, v=3)
        await drain(runtime)
        async with runtime.engine.connect() as connection:
            event_ids = list((await connection.execute(text("SELECT id FROM notify.outbox ORDER BY id"))).scalars())
        again = [await deliver_event({"runtime": runtime, "redis": runtime.redis}, event_id) for event_id in event_ids]

        async def inbox(who: str, **variables):
            return (await api.call(INBOX, tokens[who], **variables))["data"]["notifications"]

        liaison, reviewer, inspector = await inbox("liaison"), await inbox("reviewer"), await inbox("inspector")
        page = "query($a: String) { notifications(first: 1, after: $a) { pageInfo { hasNextPage endCursor } items { eventType } } }"
        one = (await api.call(page, tokens["liaison"]))["data"]["notifications"]
        two = (await api.call(page, tokens["liaison"], a=one["pageInfo"]["endCursor"]))["data"]["notifications"]
        first, second = (item["id"] for item in liaison["items"])
        foreign = [
            error_code(await api.call("mutation($i: ID!) { archiveNotification(id: $i) }", tokens["reviewer"], i=first)),
            (await api.call("mutation($i: [ID!]!) { markNotificationsRead(ids: $i) }", tokens["reviewer"], i=[first]))["data"],
        ]
        marked = (await api.call("mutation($i: [ID!]!) { markNotificationsRead(ids: $i) }", tokens["liaison"], i=[first]))["data"]
        unread_after_one = (await inbox("liaison"))["unreadCount"]
        all_marked = (await api.call("mutation { markAllNotificationsRead }", tokens["liaison"]))["data"]
        await api.call("mutation($i: ID!) { archiveNotification(id: $i) }", tokens["liaison"], i=second)
        kept, archived = await inbox("liaison"), await inbox("liaison", a=True)
    assert again == [0, 0, 0]  # processed events write nothing twice
    assert [(i["eventType"], i["title"], i["body"]) for i in liaison["items"]] == [
        ("LEDGER_SENT_BACK", "问题 WT000001 的整改被退回", "退回理由：佐证材料不全"),
        ("FINDING_LOGGED", "问题 WT000001 已登记，请按期整改", "整改期限：2026-12-31。实有人数超过核定编制 2 名"),
    ]
    assert liaison["unreadCount"] == 2
    assert [one["items"], two["items"]] == [[{"eventType": "LEDGER_SENT_BACK"}], [{"eventType": "FINDING_LOGGED"}]]
    assert one["pageInfo"]["hasNextPage"] and not two["pageInfo"]["hasNextPage"]
    assert [(i["eventType"], i["body"]) for i in reviewer["items"]] == [("LEDGER_CLOSE_OUT_REQUESTED", "已全部清退")]
    assert inspector == {"unreadCount": 0, "items": []}
    assert foreign == ["NOT_FOUND", {"markNotificationsRead": 0}]
    assert marked == {"markNotificationsRead": 1} and unread_after_one == 1 and all_marked == {"markAllNotificationsRead": 1}
    assert [i["id"] for i in kept["items"]] == [first] and [i["id"] for i in archived["items"]] == [second]
    assert kept["unreadCount"] == 0


async def test_reading_and_archiving_are_stamped_by_the_runtime_s_clock_not_the_machine_s(county_office):
    runtime, tokens = county_office
    archived_query = "{ notifications(archived: true) { items { id readAt archivedAt } } }"
    async with Api(runtime) as api:
        await api.call(LOG_OVERSTAFFING, tokens["inspector"])
        await drain(runtime)
        (notification,) = (await api.call(INBOX, tokens["liaison"]))["data"]["notifications"]["items"]
        runtime.clock.set(datetime(2031, 3, 4, 23, 30, tzinfo=CHINA_STANDARD_TIME))  # past midnight UTC+8, not UTC
        liaison = renewed(runtime, tokens["liaison"])
        marked = await api.call("mutation($i: [ID!]!) { markNotificationsRead(ids: $i) }", liaison, i=[notification["id"]])
        runtime.clock.advance(timedelta(days=400))
        liaison = renewed(runtime, tokens["liaison"])
        archiving = await api.call("mutation($i: ID!) { archiveNotification(id: $i) }", liaison, i=notification["id"])
        (archived,) = (await api.call(archived_query, liaison))["data"]["notifications"]["items"]
    assert marked["data"] == {"markNotificationsRead": 1} and archiving["data"] == {"archiveNotification": True}
    read_at, archived_at = (datetime.fromisoformat(archived[key]) for key in ("readAt", "archivedAt"))
    assert abs(read_at - datetime(2031, 3, 4, 23, 30, tzinfo=CHINA_STANDARD_TIME)) < timedelta(minutes=1)  # read before: kept
    assert abs(archived_at - datetime(2032, 4, 7, 23, 30, tzinfo=CHINA_STANDARD_TIME)) < timedelta(minutes=1)


async def test_a_muted_event_type_leaves_the_inbox_alone(county_office):
    runtime, tokens = county_office
    mute = "mutation($t: EventKind!) { setNotificationPreference(eventType: $t, inApp: false, email: false) { eventType label inApp } }"
    async with Api(runtime) as api:
        unknown = error_code(await api.call(mute, tokens["liaison"], t="finding.logged"))
        assert await stored_preferences(runtime) == 0
        muted = (await api.call(mute, tokens["liaison"], t="FINDING_LOGGED"))["data"]
        preferences = (await api.call("{ notificationPreferences { eventType inApp email critical } }", tokens["liaison"]))["data"]
        await api.call(LOG_OVERSTAFFING, tokens["inspector"])
        await drain(runtime)
        inbox = (await api.call(INBOX, tokens["liaison"]))["data"]["notifications"]
    assert muted == {"setNotificationPreference": {"eventType": "FINDING_LOGGED", "label": "新登记的问题", "inApp": False}}
    assert unknown == "INVALID_INPUT"  # the stored value is not the name the API takes
    assert {"eventType": "FINDING_LOGGED", "inApp": False, "email": False, "critical": False} in preferences["notificationPreferences"]
    assert inbox == {"unreadCount": 0, "items": []}


async def stored_preferences(runtime) -> int:
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM notify.preference"))).scalar_one()


# A finding marked 公开: its notices may carry its text out by e-mail and webhook (backend/sensitivity.py).
LOG_PUBLIC = LOG_OVERSTAFFING.replace('deadline: "2026-12-31"', 'deadline: "2026-12-31", sensitivity: PUBLIC')


async def test_email_goes_to_a_real_smtp_server_and_a_dead_letter_can_be_resent(county_office):
    runtime, tokens = county_office
    port = free_port()
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, smtp_url=f"smtp://127.0.0.1:{port}"))
    set_email = "mutation($e: String!) { setNotificationEmail(email: $e) }"
    deliveries = """query($s: [DeliveryState!]) { deliveries(tenantCode: "431321", states: $s) {
        items { id channel target state attempts lastError } } }"""
    async with Api(runtime) as api:
        bad_address = error_code(await api.call(set_email, tokens["liaison"], e="not-an-address"))
        await api.call(set_email, tokens["liaison"], e="caizhengju@shuangfeng.gov.cn")
        await api.call(LOG_PUBLIC, tokens["inspector"])
        await drain(runtime)  # nobody listens on the port: two attempts, then a dead letter
        dead = (await api.call(deliveries, tokens["admin"], s=["DEAD"]))["data"]["deliveries"]["items"]
        not_admin = [
            error_code(await api.call(deliveries, tokens["inspector"])),
            error_code(await api.call("mutation($d: ID!) { resendDelivery(deliveryId: $d) }", tokens["inspector"], d=dead[0]["id"])),
            error_code(await api.call(deliveries, tokens["city_admin"])),
        ]
        with SmtpSink(port) as smtp:
            resent = (await api.call("mutation($d: ID!) { resendDelivery(deliveryId: $d) }", tokens["admin"], d=dead[0]["id"]))["data"]
            await drain(runtime)
            again = error_code(await api.call("mutation($d: ID!) { resendDelivery(deliveryId: $d) }", tokens["admin"], d=dead[0]["id"]))
            sent = (await api.call(deliveries, tokens["admin"]))["data"]["deliveries"]["items"]
    assert bad_address == "INVALID_EMAIL"
    assert [(d["channel"], d["target"], d["state"], d["attempts"]) for d in dead] == [("EMAIL", "caizhengju@shuangfeng.gov.cn", "DEAD", 2)]
    assert dead[0]["lastError"].startswith("SMTP")
    assert not_admin == ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]
    assert resent == {"resendDelivery": True} and again == "INVALID_STATE"
    assert [(d["state"], d["attempts"], d["lastError"]) for d in sent] == [("SENT", 1, None)]
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [("caizhengju@shuangfeng.gov.cn", "问题 WT000001 已登记，请按期整改")]


async def test_webhooks_are_signed_and_checked_on_the_way_in(county_office):
    runtime, tokens = county_office
    add = 'mutation($u: String!, $s: String!, $t: [EventKind!]) { addWebhook(tenantCode: "431321", url: $u, secret: $s, eventTypes: $t) }'
    secret = "SEC0123456789abcdef"
    async with WebhookSink(secret) as robot, Api(runtime) as api:
        refusals = [
            error_code(await api.call(add, tokens["admin"], u="ftp://robot", s=secret)),
            error_code(await api.call(add, tokens["admin"], u=robot.url, s="short")),
            error_code(await api.call(add, tokens["admin"], u=robot.url, s=secret, t=["no.such.event"])),
            error_code(await api.call(add, tokens["admin"], u=robot.url, s=secret, t=[])),
            error_code(await api.call(add, tokens["inspector"], u=robot.url, s=secret)),
            error_code(await api.call(add, tokens["city_admin"], u=robot.url, s=secret)),
        ]
        await api.call(add, tokens["admin"], u=robot.url, s=secret, t=["FINDING_LOGGED"])
        await api.call(add, tokens["admin"], u=robot.url, s="WRONG0123456789abcdef")  # the robot refuses this one's signature
        hooks = (await api.call('{ webhooks(tenantCode: "431321") { url eventTypes } }', tokens["admin"]))["data"]["webhooks"]
        await api.call(LOG_PUBLIC, tokens["inspector"])
        await drain(runtime)
        states = (await api.call('{ deliveries(tenantCode: "431321") { items { channel state lastError } } }', tokens["admin"]))["data"]
    assert refusals == ["INVALID_URL", "INVALID_SECRET", "INVALID_INPUT", "INVALID_EVENT_TYPES", "FORBIDDEN", "FORBIDDEN"]
    assert [h["eventTypes"] for h in hooks] == [["FINDING_LOGGED"], None]
    assert [m["markdown"]["title"] for m in robot.received] == ["问题 WT000001 已登记，请按期整改"]
    assert robot.refused == 2  # two attempts, then a dead letter
    assert sorted((d["state"], d["lastError"]) for d in states["deliveries"]["items"]) == [
        ("DEAD", "webhook: errcode 310000"),  # the code, not the peer's words
        ("SENT", None),
    ]
    async with runtime.engine.connect() as connection:
        audited = list((await connection.execute(text("SELECT action FROM t431321.audit_event WHERE entity = 'webhook'"))).scalars())
    assert audited == ["webhook.added", "webhook.added"]


async def test_webhook_secrets_are_sealed_at_rest_and_plain_old_ones_are_sealed_on_upgrade(county_office):
    runtime, tokens = county_office
    add = 'mutation($u: String!, $s: String!) { addWebhook(tenantCode: "431321", url: $u, secret: $s) }'
    secret = "SEC0123456789abcdef"
    async with WebhookSink(secret) as robot, Api(runtime) as api:
        for _ in range(3):
            await api.call(add, tokens["admin"], u=robot.url, s=secret)
        async with runtime.engine.begin() as connection:
            stored = list((await connection.execute(text("SELECT secret FROM notify.webhook ORDER BY id"))).scalars())
            ids = list((await connection.execute(text("SELECT id FROM notify.webhook ORDER BY id"))).scalars())
            # one as a deployment before sealing wrote it, one sealed under another deployment's key
            await connection.execute(text("UPDATE notify.webhook SET secret = :s WHERE id = :i"), {"s": secret, "i": ids[1]})
            await connection.execute(
                text("UPDATE notify.webhook SET secret = :s WHERE id = :i"), {"s": seal(secret, "another deployment's key"), "i": ids[2]}
            )
        await runtime.upgrade_all()
        async with runtime.engine.connect() as connection:
            upgraded = list((await connection.execute(text("SELECT secret FROM notify.webhook ORDER BY id"))).scalars())
        await api.call(LOG_OVERSTAFFING, tokens["inspector"])
        await drain(runtime)
        states = (await api.call('{ deliveries(tenantCode: "431321") { items { target state lastError } } }', tokens["admin"]))["data"]
    assert all(value.startswith("v1:") and secret not in value for value in stored + upgraded)
    assert upgraded[0] == stored[0] and unseal(upgraded[1], runtime.settings.secret_key) == secret
    assert len(robot.received) == 2 and robot.refused == 0  # both readable secrets signed correctly
    assert sorted(
        (d["target"], d["state"], (d["lastError"] or "").startswith("webhook: 签名密钥无法解密")) for d in states["deliveries"]["items"]
    ) == [
        (str(ids[0]), "SENT", False),
        (str(ids[1]), "SENT", False),
        (str(ids[2]), "DEAD", True),  # says why; nothing is sent unsigned
    ]
