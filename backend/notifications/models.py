"""Tables of the shared schema `notify`: the transactional outbox, the in-app inbox, outgoing
deliveries, preferences and offices' webhooks. Shared, not per tenant: users are global and
one relay reads one outbox (never 3,211 schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tenants.labelled import Labelled

NOTIFY_SCHEMA = "notify"


class DeliveryChannel(Labelled):
    EMAIL = "email", "电子邮件"
    WEBHOOK = "webhook", "签名回调"


class DeliveryState(Labelled):
    PENDING = "pending", "待发送"
    SENT = "sent", "已送达"
    RETRYING = "retrying", "重试中"
    DEAD = "dead", "已放弃（可重发）"


class NotifyBase(DeclarativeBase):
    metadata = MetaData(schema=NOTIFY_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSONB}


class OutboxEvent(NotifyBase):
    """A domain event, inserted in the transaction of the change it reports. The relay marks
    it dispatched once its job is in Redis; the job marks it processed once every
    notification and delivery of it is written."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6))  # references tenancy.tenant (migration)
    event_type: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    dispatched_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    requeues: Mapped[int] = mapped_column(server_default="0")  # by the sweep; it gives up after a few


class Notification(NotifyBase):
    """One event in one user's inbox (unique per event and recipient: a job run twice writes once)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey(OutboxEvent.id))
    user_id: Mapped[int] = mapped_column(BigInteger)  # references identity.user_account (migration)
    tenant_code: Mapped[str] = mapped_column(String(6))
    event_type: Mapped[str] = mapped_column(String(48))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    read_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]


class Delivery(NotifyBase):
    """An event sent out on one channel to one target (an e-mail address, a webhook), with
    its attempts: pending → sent, or retrying → … → dead (a dead letter, resent by hand)."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey(OutboxEvent.id))
    tenant_code: Mapped[str] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(16))  # a DeliveryChannel
    target: Mapped[str] = mapped_column(String(512))  # address, or the webhook's id
    user_id: Mapped[int | None] = mapped_column(BigInteger)  # an e-mail's recipient
    state: Mapped[str] = mapped_column(String(16), server_default=DeliveryState.PENDING.value)
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None]


class Preference(NotifyBase):
    """A user's choice for one event type; without a row every channel is on."""

    __tablename__ = "preference"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(48), primary_key=True)
    in_app: Mapped[bool] = mapped_column(server_default="true")
    email: Mapped[bool] = mapped_column(server_default="true")


class Webhook(NotifyBase):
    """An office's signed webhook (a DingTalk group robot or the like)."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6))
    url: Mapped[str] = mapped_column(String(512))
    secret: Mapped[str] = mapped_column(Text)  # sealed (backend/notifications/sealing.py)
    event_types: Mapped[list[str] | None] = mapped_column(ARRAY(String(48)))  # None: every type
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
