"""GraphQL subscriptions over graphql-transport-ws, end to end: a real API process with its
worker; a client subscribed on a websocket receives the notification another user's change
causes, through the outbox, the relay, the worker and Redis pub/sub."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import orjson
import websockets

from bench.common import serving
from tests.helpers import LOG_OVERSTAFFING, eventually, process_env

SUBSCRIBE = {"id": "1", "type": "subscribe", "payload": {"query": "subscription { notificationAdded { eventType title tenantCode } }"}}


async def receive(socket) -> dict:
    return orjson.loads(await asyncio.wait_for(socket.recv(), 15))


def api_with_worker(runtime, namespace: str):
    """`xuncha serve --worker` on the test's database, with its own queue and Redis namespace."""
    env = process_env(
        runtime,
        XUNCHA_QUEUE_NAME=namespace,
        XUNCHA_REDIS_PREFIX=namespace,
    )
    return serving(["-m", "backend", "serve", "--worker"], env)


async def subscribed(endpoint: str, token: str):
    """A websocket, initialised with `token`, subscribed to notificationAdded."""
    socket = await websockets.connect(endpoint, subprotocols=["graphql-transport-ws"])
    await socket.send(orjson.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}).decode())
    assert (await receive(socket))["type"] == "connection_ack"
    await socket.send(orjson.dumps(SUBSCRIBE).decode())
    return socket


async def test_a_subscribed_user_is_pushed_its_new_notification(county_office):
    runtime, tokens = county_office
    namespace = f"xuncha-ws-{uuid.uuid4().hex[:8]}"
    async with api_with_worker(runtime, namespace) as url:
        endpoint = url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(endpoint, subprotocols=["graphql-transport-ws"]) as anonymous:
            await anonymous.send(orjson.dumps({"type": "connection_init"}).decode())
            assert (await receive(anonymous))["type"] == "connection_ack"
            await anonymous.send(orjson.dumps(SUBSCRIBE).decode())
            refused = await receive(anonymous)
        async with await subscribed(endpoint, tokens["liaison"]) as liaison:
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


async def test_a_stream_ends_within_seconds_of_its_sessions_logout(county_office):
    """Logged out through another connection of the API: the open stream is refused at its next
    check (STREAM_RECHECK_SECONDS) and pushes nothing more."""
    runtime, tokens = county_office
    namespace = f"xuncha-ws-{uuid.uuid4().hex[:8]}"
    async with (
        api_with_worker(runtime, namespace) as url,
        await subscribed(url.replace("http://", "ws://") + "/graphql", tokens["liaison"]) as liaison,
        httpx.AsyncClient(base_url=url) as client,
    ):
        await eventually(lambda: runtime.redis.pubsub_channels(f"{namespace}*"), 15, "the subscription to reach Redis")
        logout = await client.post(
            "/graphql", json={"query": "mutation { logout }"}, headers={"Authorization": f"Bearer {tokens['liaison']}"}
        )
        assert logout.json() == {"data": {"logout": True}}
        ended = await receive(liaison)
        await eventually(lambda: _none_left(runtime, namespace), 15, "the stream's Redis subscription to close")
    assert ended["type"] == "next" and ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _none_left(runtime, namespace: str) -> bool:
    """No Redis subscription left in the namespace: the stream let go of its channel."""
    return not await runtime.redis.pubsub_channels(f"{namespace}*")
