"""GraphQL subscriptions over graphql-transport-ws, end to end: a real API process with its
worker; a client subscribed on a websocket receives the notification another user's change
causes, through the outbox, the relay, the worker and Redis pub/sub."""

from __future__ import annotations

import asyncio
import os
import uuid

import httpx
import orjson
import websockets

from bench.common import serving
from tests.helpers import LOG_OVERSTAFFING, eventually

SUBSCRIBE = {"id": "1", "type": "subscribe", "payload": {"query": "subscription { notificationAdded { eventType title tenantCode } }"}}


async def receive(socket) -> dict:
    return orjson.loads(await asyncio.wait_for(socket.recv(), 15))


async def test_a_subscribed_user_is_pushed_its_new_notification(county_office):
    runtime, tokens = county_office
    namespace = f"xuncha-ws-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": runtime.urls.database_url,
        "REDIS_URL": runtime.urls.redis_url,
        "XUNCHA_QUEUE_NAME": namespace,
        "XUNCHA_REDIS_PREFIX": namespace,
    }
    async with serving(["-m", "backend", "serve", "--worker"], env) as url:
        endpoint = url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(endpoint, subprotocols=["graphql-transport-ws"]) as anonymous:
            await anonymous.send(orjson.dumps({"type": "connection_init"}).decode())
            assert (await receive(anonymous))["type"] == "connection_ack"
            await anonymous.send(orjson.dumps(SUBSCRIBE).decode())
            refused = await receive(anonymous)
        async with websockets.connect(endpoint, subprotocols=["graphql-transport-ws"]) as liaison:
            await liaison.send(
                orjson.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['liaison']}"}}).decode()
            )
            assert (await receive(liaison))["type"] == "connection_ack"
            await liaison.send(orjson.dumps(SUBSCRIBE).decode())
            await eventually(lambda: runtime.redis.pubsub_channels(f"{namespace}*"), 15, "the subscription to reach Redis")
            async with httpx.AsyncClient(base_url=url) as client:
                logged = await client.post(
                    "/graphql", json={"query": LOG_OVERSTAFFING}, headers={"Authorization": f"Bearer {tokens['inspector']}"}
                )
            assert "errors" not in logged.json()
            pushed = await receive(liaison)
    # refused before any stream starts: an `error` message, which ends the operation
    assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert pushed == {
        "id": "1",
        "type": "next",
        "payload": {
            "data": {
                "notificationAdded": {"eventType": "FINDING_LOGGED", "title": "问题 WT000001 已登记，请按期整改", "tenantCode": "431321"}
            }
        },
    }
