"""A user's inbox and preferences, and an office's outgoing channels (webhooks, the delivery
log with its dead letters). The inbox is the user's own: nobody else reads or marks it. Who
manages an office's channels is declared on the operations (backend/notifications/types.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from arq import ArqRedis
from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.audit.service import record_audit
from backend.identity.models import UserAccount
from backend.notifications.destinations import checked_destination
from backend.notifications.events import EVENT_TYPES, EventKind
from backend.notifications.jobs import queue_deliveries
from backend.notifications.models import Delivery, DeliveryState, Notification, Preference, Webhook
from backend.notifications.sealing import seal
from backend.settings import Settings
from tenants.access import Principal, Role, not_found
from tenants.errors import DomainError
from tenants.scoping import reading, tenant_engine

CHANNEL_ADMINS = frozenset({Role.ADMIN})
MAX_WEBHOOKS = 10
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}")


@dataclass(frozen=True)
class Inbox:
    rows: Sequence[Row]
    unread: int


class NotificationService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def inbox(self, principal: Principal, *, first: int, after: int | None, unread_only: bool, archived: bool) -> Inbox:
        """The user's notifications, newest event first: `first` of them after the event `after`
        (None: from the newest) and one more if there is; and how many are unread."""
        mine = Notification.user_id == principal.user_id
        query = select(Notification).where(mine, Notification.archived_at.is_not(None) if archived else Notification.archived_at.is_(None))
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        if after is not None:
            query = query.where(Notification.event_id < after)
        async with reading(self.engine).connect() as connection:  # in the order things happened, not the order delivered
            rows = (await connection.execute(query.order_by(Notification.event_id.desc()).limit(first + 1))).all()
            unread = (
                await connection.execute(
                    select(func.count()).where(mine, Notification.read_at.is_(None), Notification.archived_at.is_(None))
                )
            ).scalar_one()
        return Inbox(rows, unread)

    async def mark_read(self, principal: Principal, ids: list[int] | None, now: datetime) -> int:
        """Mark some (None: all) of the user's unread notifications read at `now` (the runtime's
        clock, as archiving is: one time for both); how many changed."""
        query = update(Notification).where(Notification.user_id == principal.user_id, Notification.read_at.is_(None))
        if ids is not None:
            query = query.where(Notification.id.in_(ids))
        async with self.engine.begin() as connection:
            return (await connection.execute(query.values(read_at=now))).rowcount

    async def archive(self, principal: Principal, notification_id: int, now: datetime) -> None:
        """Archive one of the user's notifications at `now` (the runtime's clock; a value, not SQL
        now(): Citus refuses a function that is not immutable inside COALESCE), read then too if
        it was not yet."""
        async with self.engine.begin() as connection:
            changed = await connection.execute(
                update(Notification)
                .where(Notification.id == notification_id, Notification.user_id == principal.user_id)
                .values(archived_at=func.coalesce(Notification.archived_at, now), read_at=func.coalesce(Notification.read_at, now))
            )
        if changed.rowcount == 0:
            raise not_found()

    async def preferences(self, principal: Principal) -> dict[EventKind, tuple[bool, bool]]:
        """Event type → (in app, by e-mail), every type listed."""
        async with reading(self.engine).connect() as connection:
            stored = {
                row.event_type: (row.in_app, row.email)
                for row in await connection.execute(select(Preference).where(Preference.user_id == principal.user_id))
            }
        return {name: stored.get(name, (True, True)) for name in EVENT_TYPES}

    async def set_preference(self, principal: Principal, event_type: EventKind, *, in_app: bool, email: bool) -> None:
        if EVENT_TYPES[event_type].critical and not (in_app and email):
            raise DomainError("CANNOT_MUTE", f"“{event_type.label}”是重要通知，不能关闭", field="eventType")
        statement = upsert(Preference).values(user_id=principal.user_id, event_type=event_type, in_app=in_app, email=email)
        async with self.engine.begin() as connection:
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[Preference.user_id, Preference.event_type], set_={"in_app": in_app, "email": email}
                )
            )

    async def set_email(self, principal: Principal, email: str | None) -> None:
        email = (email or "").strip() or None
        if email is not None and (len(email) > 254 or not _EMAIL.fullmatch(email)):
            raise DomainError("INVALID_EMAIL", "电子邮箱地址格式不正确", field="email")
        async with self.engine.begin() as connection:
            await connection.execute(update(UserAccount).where(UserAccount.id == principal.user_id).values(email=email))

    async def deliveries(self, tenant_code: str, *, states: frozenset[DeliveryState], first: int, after: int | None) -> Sequence[Row]:
        """The office's outgoing deliveries (of `states`; none: all), newest first: `first` of them
        after the delivery `after` (None: from the newest), and one more if there is."""
        query = select(Delivery).where(Delivery.tenant_code == tenant_code)
        if states:
            query = query.where(Delivery.state.in_(sorted(states)))
        if after is not None:
            query = query.where(Delivery.id < after)
        async with reading(self.engine).connect() as connection:
            return (await connection.execute(query.order_by(Delivery.id.desc()).limit(first + 1))).all()

    async def office_of(self, table: type[Delivery] | type[Webhook], row_id: int) -> str | None:
        """The office a delivery or a webhook is of (None: there is no such one)."""
        async with reading(self.engine).connect() as connection:
            return (await connection.execute(select(table.tenant_code).where(table.id == row_id))).scalar_one_or_none()

    async def resend(self, principal: Principal, delivery_id: int, redis: ArqRedis, settings: Settings, request_id: str | None) -> None:
        """A dead letter goes out again now, with fresh attempts (one still retrying has its
        next attempt queued already)."""
        tenant_code = await self.office_of(Delivery, delivery_id)
        if tenant_code is None:
            raise not_found()
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            changed = await connection.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.state == DeliveryState.DEAD)
                .values(state=DeliveryState.PENDING, attempts=0, next_attempt_at=func.now())
            )
            if changed.rowcount == 0:
                raise DomainError("INVALID_STATE", "只有投递失败（已放弃）的通知可以重发", field="deliveryId")
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="delivery.resent",
                entity="delivery",
                entity_id=str(delivery_id),
                request_id=request_id,
            )
        await queue_deliveries(redis, settings, [delivery_id])

    async def webhooks(self, tenant_code: str) -> Sequence[Row]:
        async with reading(self.engine).connect() as connection:
            return (await connection.execute(select(Webhook).where(Webhook.tenant_code == tenant_code).order_by(Webhook.id))).all()

    async def add_webhook(
        self,
        principal: Principal,
        tenant_code: str,
        url: str,
        secret: str,
        event_types: list[EventKind] | None,
        settings: Settings,
        request_id: str | None,
    ) -> int:
        """A signed webhook for the office (audited: it will receive the office's notices), to
        a public address (backend/notifications/destinations.py)."""
        url = url.strip()
        await checked_destination(url, settings)
        if not 16 <= len(secret) <= 128 or not secret.isascii() or not secret.isprintable():
            raise DomainError("INVALID_SECRET", "签名密钥须为 16 到 128 个可见 ASCII 字符", field="secret")
        if event_types is not None and not event_types:
            raise DomainError("INVALID_EVENT_TYPES", "请至少选择一种通知；不填表示全部", field="eventTypes")
        types = [kind.value for kind in event_types] if event_types is not None else None
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            count = (await connection.execute(select(func.count()).where(Webhook.tenant_code == tenant_code))).scalar_one()
            if count >= MAX_WEBHOOKS:
                raise DomainError("TOO_MANY", f"每个机构最多配置 {MAX_WEBHOOKS} 个回调地址", field="url")
            webhook_id = (
                await connection.execute(
                    insert(Webhook)
                    .values(tenant_code=tenant_code, url=url, secret=seal(secret, settings.secret_key), event_types=types)
                    .returning(Webhook.id)
                )
            ).scalar_one()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="webhook.added",
                entity="webhook",
                entity_id=str(webhook_id),
                after={"url": url, "event_types": types},
                request_id=request_id,
            )
        return webhook_id

    async def remove_webhook(self, principal: Principal, webhook_id: int, request_id: str | None) -> None:
        tenant_code = await self.office_of(Webhook, webhook_id)
        if tenant_code is None:
            raise not_found()
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            url = (await connection.execute(delete(Webhook).where(Webhook.id == webhook_id).returning(Webhook.url))).scalar_one_or_none()
            if url is None:
                raise not_found()
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="webhook.removed",
                entity="webhook",
                entity_id=str(webhook_id),
                before={"url": url},
                request_id=request_id,
            )
