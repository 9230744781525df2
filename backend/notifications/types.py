"""GraphQL for notifications: the caller's inbox and preferences; an office's webhooks and
delivery log (its admins)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import orjson
import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.cursors import after_id, by_id, window
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.notifications.events import EVENT_TYPES, EventKind
from backend.notifications.jobs import inbox_channel
from backend.notifications.models import Delivery as DeliveryRow
from backend.notifications.models import DeliveryChannel, DeliveryState
from backend.notifications.models import Webhook as WebhookRow
from backend.notifications.service import CHANNEL_ADMINS, MAX_WEBHOOKS, NotificationService
from backend.pagination import Page, PageInfo, page_size
from backend.permissions import Permission, Reach, mutation, own, query, read, write
from tenants.errors import DomainError

graphql_enum(EventKind, "通知的类型")
graphql_enum(DeliveryChannel, "对外投递的渠道")
graphql_enum(DeliveryState, "对外投递的状态：待发送 → 已送达，或 重试中 → … → 已放弃（可重发）")
MAX_MARKED = 500


@strawberry.type(description="站内通知")
class Notification:
    id: strawberry.ID
    event_type: EventKind
    tenant_code: str = strawberry.field(description="通知所涉机构")
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
    archived_at: datetime | None

    @classmethod
    def of(cls, row) -> Notification:
        return cls(
            id=strawberry.ID(str(row.id)),
            event_type=row.event_type,
            tenant_code=row.tenant_code,
            title=row.title,
            body=row.body,
            created_at=row.created_at,
            read_at=row.read_at,
            archived_at=row.archived_at,
        )


@strawberry.type(description="收件箱的一页，新的在前")
class NotificationPage(Page[Notification]):
    unread_count: int = strawberry.field(description="未读（且未归档）的通知数")


@strawberry.type(description="某类通知的接收方式；重要通知不能关闭")
class NotificationPreference:
    event_type: EventKind
    label: str
    critical: bool
    in_app: bool
    email: bool


@strawberry.type(description="一次对外投递（邮件或回调）及其状态")
class Delivery:
    id: strawberry.ID
    event_id: strawberry.ID
    channel: DeliveryChannel
    target: str = strawberry.field(description="邮箱地址，或回调的 id")
    state: DeliveryState
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, row) -> Delivery:
        return cls(
            id=strawberry.ID(str(row.id)),
            event_id=strawberry.ID(str(row.event_id)),
            channel=row.channel,
            target=row.target,
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
        )


@strawberry.type(description="机构的签名回调（如钉钉群机器人）；密钥不回显")
class Webhook:
    id: strawberry.ID
    url: str
    event_types: list[EventKind] | None = strawberry.field(description="只推送这些类型；为空表示全部")
    created_at: datetime


def service(info: Info[Context, None]) -> NotificationService:
    return NotificationService(info.context.runtime.engine)


async def delivery_office(context: Context, arguments: Mapping[str, Any]) -> str | None:
    return await NotificationService(context.runtime.engine).office_of(DeliveryRow, parse_id(arguments["delivery_id"], "deliveryId"))


async def webhook_office(context: Context, arguments: Mapping[str, Any]) -> str | None:
    return await NotificationService(context.runtime.engine).office_of(WebhookRow, parse_id(arguments["id"], "id"))


def preference(kind: EventKind, in_app: bool, email: bool) -> NotificationPreference:
    return NotificationPreference(event_type=kind, label=kind.label, critical=EVENT_TYPES[kind].critical, in_app=in_app, email=email)


# An office's channels (webhooks, the delivery log) are its admins' to see and to change.
CHANNELS_READ = read(Reach.OFFICE, roles=CHANNEL_ADMINS)


@strawberry.type
class NotificationQuery:
    @query("我的收件箱，新的在前", own())
    async def notifications(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        unread_only: bool = False,
        archived: bool = False,
    ) -> NotificationPage:
        first = page_size(info, first)
        inbox = await service(info).inbox(
            await info.context.principal(), first=first, after=after_id(after), unread_only=unread_only, archived=archived
        )
        page = window(inbox.rows, first, lambda row: (row.event_id,))
        return NotificationPage(items=[Notification.of(row) for row in page.rows], page_info=PageInfo.of(page), unread_count=inbox.unread)

    @query("我对各类通知的接收设置", own())
    async def notification_preferences(self, info: Info[Context, None]) -> list[NotificationPreference]:
        chosen = await service(info).preferences(await info.context.principal())
        return [preference(kind, in_app, email) for kind, (in_app, email) in chosen.items()]

    @query("本机构的对外投递记录，新的在前；states 如 [DEAD] 只看已放弃的", CHANNELS_READ)
    async def deliveries(
        self,
        info: Info[Context, None],
        tenant_code: str,
        states: list[DeliveryState] | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[Delivery]:
        first = page_size(info, first)
        rows = await service(info).deliveries(tenant_code, states=frozenset(states or ()), first=first, after=after_id(after))
        page = window(rows, first, by_id)
        return Page(items=[Delivery.of(row) for row in page.rows], page_info=PageInfo.of(page))

    @query(f"本机构的签名回调（至多 {MAX_WEBHOOKS} 个）", CHANNELS_READ)
    async def webhooks(self, info: Info[Context, None], tenant_code: str) -> list[Webhook]:
        rows = await service(info).webhooks(tenant_code)
        return [Webhook(id=strawberry.ID(str(r.id)), url=r.url, event_types=r.event_types, created_at=r.created_at) for r in rows]


@strawberry.type
class NotificationMutation:
    @mutation("把通知标为已读；返回实际变为已读的条数", own(writes=True))
    async def mark_notifications_read(self, info: Info[Context, None], ids: list[strawberry.ID]) -> int:
        if not 1 <= len(ids) <= MAX_MARKED:
            raise DomainError("INVALID_COUNT", f"一次标记 1 到 {MAX_MARKED} 条", field="ids")
        return await service(info).mark_read(await info.context.principal(), [parse_id(i, "ids") for i in ids], info.context.clock.now())

    @mutation("全部标为已读；返回实际变为已读的条数", own(writes=True))
    async def mark_all_notifications_read(self, info: Info[Context, None]) -> int:
        return await service(info).mark_read(await info.context.principal(), None, info.context.clock.now())

    @mutation("归档一条通知（同时视为已读）", own(writes=True))
    async def archive_notification(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        await service(info).archive(await info.context.principal(), parse_id(id, "id"), info.context.clock.now())
        return True

    @mutation("设置某类通知的接收方式；重要通知不能关闭", own(writes=True))
    async def set_notification_preference(
        self, info: Info[Context, None], event_type: EventKind, in_app: bool, email: bool
    ) -> NotificationPreference:
        await service(info).set_preference(await info.context.principal(), event_type, in_app=in_app, email=email)
        return preference(event_type, in_app, email)

    @mutation("设置接收邮件通知的地址（空字符串表示不收邮件）", own(writes=True))
    async def set_notification_email(self, info: Info[Context, None], email: str) -> bool:
        await service(info).set_email(await info.context.principal(), email)
        return True

    @mutation("重发一条投递失败（已放弃）的通知", write(CHANNEL_ADMINS, locate=delivery_office))
    async def resend_delivery(self, info: Info[Context, None], delivery_id: strawberry.ID) -> bool:
        runtime = info.context.runtime
        await service(info).resend(
            await info.context.principal(), parse_id(delivery_id, "deliveryId"), runtime.redis, runtime.settings, info.context.request_id
        )
        return True

    @mutation(
        "为本机构添加签名回调：请求地址附 timestamp 与 sign（HMAC-SHA256，钉钉机器人方式）；地址须为互联网上的公开地址"
        "（生产环境须为 https），不能指向本机、内网或保留地址",
        write(CHANNEL_ADMINS),
    )
    async def add_webhook(
        self, info: Info[Context, None], tenant_code: str, url: str, secret: str, event_types: list[EventKind] | None = None
    ) -> strawberry.ID:
        principal = await info.context.principal()
        webhook_id = await service(info).add_webhook(
            principal, tenant_code, url, secret, event_types, info.context.runtime.settings, info.context.request_id
        )
        return strawberry.ID(str(webhook_id))

    @mutation("删除本机构的一个签名回调", write(CHANNEL_ADMINS, locate=webhook_office))
    async def remove_webhook(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        await service(info).remove_webhook(await info.context.principal(), parse_id(id, "id"), info.context.request_id)
        return True


MAX_STREAMS_PER_USER = 5  # per API process: each stream holds a Redis connection
# A stream authenticates its caller again this often (and before each message it pushes): it
# ends within these seconds of a logout, a revocation, an expiry or a deactivation.
STREAM_RECHECK_SECONDS = 2.0
_open_streams: Counter[int] = Counter()


@strawberry.type
class NotificationSubscription:
    @strawberry.subscription(
        description="推送我的新通知（graphql-transport-ws；在 connection_init 的 payload 中带 Authorization: Bearer 令牌）",
        extensions=[Permission(own())],
    )
    async def notification_added(self, info: Info[Context, None]) -> AsyncGenerator[Notification, None]:
        principal = await info.context.principal()
        if _open_streams[principal.user_id] >= MAX_STREAMS_PER_USER:
            raise DomainError("TOO_MANY_SUBSCRIPTIONS", f"同一用户最多同时订阅 {MAX_STREAMS_PER_USER} 个通知推送")
        runtime = info.context.runtime
        _open_streams[principal.user_id] += 1
        pubsub = runtime.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(inbox_channel(runtime.settings.redis_prefix, principal.user_id))
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=STREAM_RECHECK_SECONDS)
                await info.context.authenticate_again()  # a refusal ends the stream with its error
                if message is None:
                    continue
                pushed = orjson.loads(message["data"])
                yield Notification.of(
                    SimpleNamespace(
                        **{**pushed, "created_at": datetime.fromisoformat(pushed["created_at"]), "read_at": None, "archived_at": None}
                    )
                )
        finally:
            _open_streams[principal.user_id] -= 1
            await pubsub.aclose()
