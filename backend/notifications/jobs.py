"""The arq jobs of notifications. Both are idempotent, because arq runs a job at least once:

- `deliver_event(event_id)`: the event's recipients get an inbox entry each (unique per event
  and user) and their e-mail and the offices' webhooks a delivery each (unique per event,
  channel and target), in one transaction that also marks the event processed; a second run
  finds it processed and does nothing. New deliveries are then queued.
- `send_delivery(delivery_id)`: one attempt on one channel, holding the delivery's row
  locked, so two runs cannot both send it; a failure raises arq's Retry with a doubling delay
  until the last attempt, which leaves a dead letter (resent by hand)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
from arq import ArqRedis, Retry
from redis.exceptions import RedisError
from sqlalchemy import Row, func, select, text, update

from backend.notifications.channels import DeliveryFailed, post_webhook, send_email, within_time_limit
from backend.notifications.destinations import checked_destination
from backend.notifications.events import EVENT_TYPES, EventType
from backend.notifications.models import Delivery, DeliveryChannel, DeliveryState, OutboxEvent, Webhook
from backend.notifications.outward import outward_text
from backend.notifications.sealing import SecretUnreadable, unseal
from backend.outage import OutageLog
from backend.runtime import Runtime
from backend.settings import Settings
from tenants.errors import DomainError

log = logging.getLogger(__name__)
pushing = OutageLog(log, "new notifications not pushed to subscribers (the inbox has them)")
queueing = OutageLog(log, "deliveries not queued (the relay's sweep queues them later)")

# An office's events go to the roles held in its 编办 (never to a partner organ's users, who see
# only what is sent to their organ); an organ's events to the roles held in the payload's organs.
RECIPIENTS = """
    SELECT DISTINCT ON (u.id) u.id AS user_id, u.email, m.tenant_code,
           coalesce(p.in_app, true) AS in_app, coalesce(p.email, true) AS by_email
    FROM identity.membership m
    JOIN tenancy.organ o ON o.id = m.organ_id
    JOIN identity.user_account u ON u.id = m.user_id AND u.is_active
    LEFT JOIN notify.preference p ON p.user_id = u.id AND p.event_type = :event_type
    WHERE CASE WHEN :to_organs THEN m.organ_id = ANY(:organs) AND m.role = ANY(:roles)
               ELSE m.tenant_code = ANY(:tenants) AND o.kind = '编办'
                    AND (m.role = ANY(:roles) OR (:liaisons AND m.role = 'liaison' AND m.unit_id = :unit_id)) END
    ORDER BY u.id, m.tenant_code"""


def event_job_id(prefix: str, event_id: int) -> str:
    """arq's job ids are global to a Redis: prefixed with the deployment's namespace."""
    return f"{prefix}:outbox:{event_id}"


def delivery_job_id(prefix: str, delivery_id: int) -> str:
    return f"{prefix}:delivery:{delivery_id}"


async def deliver_event(ctx: dict[str, Any], event_id: int) -> int:
    """Write the event's notifications and deliveries, then push the notifications to connected
    users; the number of inbox entries written."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.engine.begin() as connection:
        event = (await connection.execute(select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update())).one_or_none()
        if event is None or event.processed_at is not None:
            return 0
        kind = EVENT_TYPES[event.event_type]
        # One statement: the recipients are resolved once for the inbox and the e-mails.
        written = (
            await connection.execute(
                text(f"""
            WITH recipient AS ({RECIPIENTS}),
            mail AS (
                INSERT INTO notify.delivery (event_id, tenant_code, channel, target, user_id)
                SELECT :event_id, tenant_code, '{DeliveryChannel.EMAIL}', email, user_id FROM recipient
                WHERE :smtp AND email IS NOT NULL AND (by_email OR :critical)
                ON CONFLICT (event_id, channel, target) DO NOTHING
            ), hook AS (
                INSERT INTO notify.delivery (event_id, tenant_code, channel, target)
                SELECT :event_id, tenant_code, '{DeliveryChannel.WEBHOOK}', id::text FROM notify.webhook
                WHERE NOT :to_organs AND tenant_code = ANY(:tenants) AND (event_types IS NULL OR :event_type = ANY(event_types))
                ON CONFLICT (event_id, channel, target) DO NOTHING
            )
            INSERT INTO notify.notification (event_id, user_id, tenant_code, event_type, title, body)
            SELECT :event_id, user_id, tenant_code, :event_type, :title, :body FROM recipient WHERE in_app OR :critical
            ON CONFLICT (event_id, user_id) DO NOTHING
            RETURNING id, user_id, tenant_code, event_type, title, body, created_at"""),
                {**_parameters(event, kind), "smtp": bool(runtime.settings.smtp_url)},
            )
        ).all()
        await connection.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(processed_at=func.now()))
        deliveries = list((await connection.execute(select(Delivery.id).where(Delivery.event_id == event_id))).scalars())
    await publish(ctx["redis"], runtime.settings.redis_prefix, written)
    await queue_deliveries(ctx["redis"], runtime.settings, deliveries)
    return len(written)


def inbox_channel(prefix: str, user_id: int) -> str:
    """The Redis pub/sub channel a user's connected subscriptions listen on."""
    return f"{prefix}:inbox:{user_id}"


async def publish(redis: ArqRedis, prefix: str, notifications: Sequence[Row]) -> None:
    """Push new inbox entries to connected users (best effort: the inbox is the record)."""
    if not notifications:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for row in notifications:
                message = {
                    "id": row.id,
                    "event_type": row.event_type,
                    "tenant_code": row.tenant_code,
                    "title": row.title,
                    "body": row.body,
                    "created_at": row.created_at.isoformat(),
                }
                pipe.publish(inbox_channel(prefix, row.user_id), orjson.dumps(message))
            await pipe.execute()
    except (RedisError, OSError):
        pushing.failed()
    else:
        pushing.succeeded()


def _parameters(event, kind: EventType) -> dict[str, Any]:
    payload = event.payload
    return {
        "event_id": event.id,
        "event_type": event.event_type,
        "title": kind.title(payload)[:200],
        "body": kind.body(payload),
        "critical": kind.critical,
        "tenants": payload.get("tenant_codes") or [event.tenant_code],
        "roles": [role.value for role in kind.audience.roles],
        "liaisons": kind.audience.liaisons,
        "unit_id": payload.get("unit_id"),
        "to_organs": kind.audience.organs,
        "organs": payload.get("organ_ids") or [],
    }


async def queue_deliveries(redis: ArqRedis, settings: Settings, delivery_ids: list[int]) -> None:
    """Queue sends; what cannot be queued now (Redis down) the relay's sweep queues later."""
    try:
        for delivery_id in delivery_ids:
            await redis.enqueue_job(
                send_delivery.__name__,
                delivery_id,
                _job_id=delivery_job_id(settings.redis_prefix, delivery_id),
                _queue_name=settings.queue_name,
            )
    except (RedisError, OSError):
        queueing.failed()
    else:
        if delivery_ids:
            queueing.succeeded()


async def _send_webhook(url: str, secret: str, settings: Settings, title: str, body: str) -> None:
    """Resolve and check the hook's address again (DNS may have changed since it was added),
    then post to that checked address: both inside the send's time limit."""
    try:
        destination = await checked_destination(url, settings)
    except DomainError as refused:
        raise DeliveryFailed(f"webhook: {refused.message}") from None
    await post_webhook(destination, secret, title, body)


async def send_delivery(ctx: dict[str, Any], delivery_id: int) -> str:
    """One attempt; the delivery's state afterwards."""
    runtime: Runtime = ctx["runtime"]
    settings = runtime.settings
    async with runtime.engine.begin() as connection:
        delivery = (
            await connection.execute(
                select(Delivery)
                .where(Delivery.id == delivery_id, Delivery.state.in_((DeliveryState.PENDING, DeliveryState.RETRYING)))
                .with_for_update(skip_locked=True)
            )
        ).one_or_none()
        if delivery is None:
            return "skipped"  # sent, dead, or being sent by another run
        event = (await connection.execute(select(OutboxEvent).where(OutboxEvent.id == delivery.event_id))).one()
        title, body = await outward_text(connection, event.tenant_code, event.payload, EVENT_TYPES[event.event_type])
        attempts = delivery.attempts + 1
        try:
            if delivery.channel == DeliveryChannel.EMAIL:
                await within_time_limit(send_email(settings.smtp_url, settings.mail_from, delivery.target, title, body))
            else:
                hook = (await connection.execute(select(Webhook).where(Webhook.id == int(delivery.target)))).one_or_none()
                if hook is None:
                    raise DeliveryFailed("webhook: 已删除")
                try:
                    secret = unseal(hook.secret, settings.secret_key)
                except SecretUnreadable:
                    raise DeliveryFailed(
                        "webhook: 签名密钥无法解密（XUNCHA_SECRET_KEY 已更换或数据从别处恢复），请重新设置该回调地址"
                    ) from None
                await within_time_limit(_send_webhook(hook.url, secret, settings, title, body))
        except DeliveryFailed as failure:
            dead = attempts >= settings.delivery_max_attempts
            delay = settings.retry_base_seconds * 2 ** (attempts - 1)
            await connection.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(
                    state=DeliveryState.DEAD if dead else DeliveryState.RETRYING,
                    attempts=attempts,
                    last_error=str(failure)[:2000],
                    next_attempt_at=func.now() + timedelta(seconds=delay),
                )
            )
            if dead:
                return DeliveryState.DEAD
        else:
            await connection.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(state=DeliveryState.SENT, attempts=attempts, last_error=None, delivered_at=func.now())
            )
            return DeliveryState.SENT
    raise Retry(defer=timedelta(seconds=delay))
