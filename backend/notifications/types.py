"""GraphQL for notifications: the caller's inbox and preferences; an office's webhooks and
delivery log (its admins)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator
from datetime import datetime
from types import SimpleNamespace

import orjson
import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.ids import optional_id, parse_id
from backend.notifications.events import EVENT_TYPES
from backend.notifications.jobs import inbox_channel
from backend.notifications.service import NotificationService
from backend.pagination import page_size
from tenants.errors import DomainError
from tenants.naming import check_code

MAX_MARKED = 500


@strawberry.type(description="站内通知")
class Notification:
    id: strawberry.ID
    event_type: str
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


@strawberry.type(description="收件箱的一页；nextBefore 为空表示没有更早的通知")
class Inbox:
    unread_count: int = strawberry.field(description="未读（且未归档）的通知数")
    items: list[Notification]
    next_before: strawberry.ID | None


@strawberry.type(description="某类通知的接收方式；重要通知（critical）不能关闭")
class NotificationPreference:
    event_type: str
    label: str
    critical: bool
    in_app: bool
    email: bool


@strawberry.type(description="一次对外投递（邮件或回调）及其状态：pending 待发、sent 已送达、retrying 重试中、dead 已放弃（可重发）")
class Delivery:
    id: strawberry.ID
    event_id: strawberry.ID
    channel: str
    target: str = strawberry.field(description="邮箱地址，或回调的 id")
    state: str
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
    event_types: list[str] | None = strawberry.field(description="只推送这些类型；为空表示全部")
    created_at: datetime


def service(info: Info[Context, None]) -> NotificationService:
    return NotificationService(info.context.runtime.engine)


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="我的收件箱，新的在前；before 为上一页的 nextBefore")
    async def notifications(
        self,
        info: Info[Context, None],
        first: int = 20,
        before: strawberry.ID | None = None,
        unread_only: bool = False,
        archived: bool = False,
    ) -> Inbox:
        principal = await info.context.principal()
        inbox = await service(info).inbox(
            principal, first=page_size(info, first), before=optional_id(before, "before"), unread_only=unread_only, archived=archived
        )
        return Inbox(
            unread_count=inbox.unread,
            items=[Notification.of(row) for row in inbox.rows],
            next_before=strawberry.ID(str(inbox.next_cursor)) if inbox.next_cursor else None,
        )

    @strawberry.field(description="我对各类通知的接收设置")
    async def notification_preferences(self, info: Info[Context, None]) -> list[NotificationPreference]:
        chosen = await service(info).preferences(await info.context.principal())
        return [
            NotificationPreference(
                event_type=name, label=EVENT_TYPES[name].label, critical=EVENT_TYPES[name].critical, in_app=in_app, email=email
            )
            for name, (in_app, email) in chosen.items()
        ]

    @strawberry.field(description='本机构的对外投递记录，新的在前（本机构管理员）；states 如 ["dead"] 只看失败的')
    async def deliveries(
        self,
        info: Info[Context, None],
        tenant_code: str,
        states: list[str] | None = None,
        first: int = 50,
        before: strawberry.ID | None = None,
    ) -> list[Delivery]:
        rows = await service(info).deliveries(
            await info.context.principal(),
            check_code(tenant_code, field="tenantCode"),
            states=states or [],
            first=page_size(info, first),
            before=optional_id(before, "before"),
        )
        return [Delivery.of(row) for row in rows]

    @strawberry.field(description="本机构的签名回调（本机构管理员）")
    async def webhooks(self, info: Info[Context, None], tenant_code: str) -> list[Webhook]:
        rows = await service(info).webhooks(await info.context.principal(), check_code(tenant_code, field="tenantCode"))
        return [Webhook(id=strawberry.ID(str(r.id)), url=r.url, event_types=r.event_types, created_at=r.created_at) for r in rows]


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="把通知标为已读；返回实际变为已读的条数")
    async def mark_notifications_read(self, info: Info[Context, None], ids: list[strawberry.ID]) -> int:
        if not 1 <= len(ids) <= MAX_MARKED:
            raise DomainError("INVALID_COUNT", f"一次标记 1 到 {MAX_MARKED} 条", field="ids")
        return await service(info).mark_read(await info.context.writer(), [parse_id(i, "ids") for i in ids])

    @strawberry.mutation(description="全部标为已读；返回实际变为已读的条数")
    async def mark_all_notifications_read(self, info: Info[Context, None]) -> int:
        return await service(info).mark_read(await info.context.writer(), None)

    @strawberry.mutation(description="归档一条通知（同时视为已读）")
    async def archive_notification(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        await service(info).archive(await info.context.writer(), parse_id(id, "id"))
        return True

    @strawberry.mutation(description="设置某类通知的接收方式；重要通知不能关闭")
    async def set_notification_preference(
        self, info: Info[Context, None], event_type: str, in_app: bool, email: bool
    ) -> NotificationPreference:
        await service(info).set_preference(await info.context.writer(), event_type, in_app=in_app, email=email)
        kind = EVENT_TYPES[event_type]
        return NotificationPreference(event_type=event_type, label=kind.label, critical=kind.critical, in_app=in_app, email=email)

    @strawberry.mutation(description="设置接收邮件通知的地址（空字符串表示不收邮件）")
    async def set_notification_email(self, info: Info[Context, None], email: str) -> bool:
        await service(info).set_email(await info.context.writer(), email)
        return True

    @strawberry.mutation(description="重发一条投递失败（已放弃）的通知（本机构管理员）")
    async def resend_delivery(self, info: Info[Context, None], delivery_id: strawberry.ID) -> bool:
        runtime = info.context.runtime
        await service(info).resend(
            await info.context.writer(), parse_id(delivery_id, "deliveryId"), runtime.redis, runtime.settings, info.context.request_id
        )
        return True

    @strawberry.mutation(description="为本机构添加签名回调（本机构管理员）：请求地址附 timestamp 与 sign（HMAC-SHA256，钉钉机器人方式）")
    async def add_webhook(
        self, info: Info[Context, None], tenant_code: str, url: str, secret: str, event_types: list[str] | None = None
    ) -> strawberry.ID:
        principal = await info.context.writer()
        webhook_id = await service(info).add_webhook(
            principal, check_code(tenant_code, field="tenantCode"), url, secret, event_types, info.context.request_id
        )
        return strawberry.ID(str(webhook_id))

    @strawberry.mutation(description="删除本机构的一个签名回调（本机构管理员）")
    async def remove_webhook(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        await service(info).remove_webhook(await info.context.writer(), parse_id(id, "id"), info.context.request_id)
        return True


MAX_STREAMS_PER_USER = 5  # per API process: each stream holds a Redis connection
_open_streams: Counter[int] = Counter()


@strawberry.type
class NotificationSubscription:
    @strawberry.subscription(
        description="推送我的新通知（graphql-transport-ws；在 connection_init 的 payload 中带 Authorization: Bearer 令牌）"
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
            async for message in pubsub.listen():
                pushed = orjson.loads(message["data"])
                yield Notification.of(
                    SimpleNamespace(
                        **{**pushed, "created_at": datetime.fromisoformat(pushed["created_at"]), "read_at": None, "archived_at": None}
                    )
                )
        finally:
            _open_streams[principal.user_id] -= 1
            await pubsub.aclose()
