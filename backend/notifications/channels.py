"""Outgoing channels: e-mail over SMTP and signed webhooks (DingTalk-robot style: the URL
carries `timestamp` and `sign` = Base64(HMAC-SHA256(secret, "timestamp\\nsecret"))).

Every failure, whatever raised it, is a DeliveryFailed, and a send never outlives its time
limit (well inside the job's timeout): a send that did not complete counts as an attempt."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
import urllib.parse
from email.message import EmailMessage

import aiosmtplib
import httpx

from backend.notifications.destinations import Destination

SEND_TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """The channel refused or could not be reached; worth another attempt later."""


async def within_time_limit(send) -> None:
    """Await the send coroutine; a timeout or any error is a DeliveryFailed."""
    try:
        async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
            await send
    except DeliveryFailed:
        raise
    except TimeoutError:
        raise DeliveryFailed(f"超时（{SEND_TIMEOUT_SECONDS} 秒）") from None
    except Exception as error:  # any other failure of a channel is a failed attempt, not a crashed job
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error


async def send_email(smtp_url: str, mail_from: str, to: str, title: str, body: str) -> None:
    parsed = urllib.parse.urlsplit(smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = mail_from, to, title
    message.set_content(body or title)
    try:
        await aiosmtplib.send(
            message,
            hostname=parsed.hostname,
            port=parsed.port or 25,
            username=parsed.username,
            password=parsed.password,
            start_tls=parsed.scheme == "smtp+starttls",
            timeout=SEND_TIMEOUT_SECONDS,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"SMTP: {error}") from error


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": base64.b64encode(digest).decode()})
    return f"{url}{'&' if '?' in url else '?'}{query}"


async def post_webhook(destination: Destination, secret: str, title: str, body: str) -> None:
    """Post to the checked address, presenting the hook's own host name (Host header, TLS);
    redirects are not followed, and what a failure records says nothing of the peer's answer
    beyond its status or error code."""
    message = {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n{body}"}}
    try:
        async with httpx.AsyncClient(timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = await client.post(
                signed_url(destination.url, secret),
                json=message,
                headers={"Host": destination.host_header},
                extensions={"sni_hostname": destination.host},
            )
    except httpx.TimeoutException:
        raise DeliveryFailed("webhook: 超时") from None
    except httpx.HTTPError:
        raise DeliveryFailed("webhook: 无法连接或连接中断") from None
    if response.status_code >= 300:
        raise DeliveryFailed(f"webhook: HTTP {response.status_code}")
    try:
        answer = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    except ValueError:
        raise DeliveryFailed("webhook: 回复不是有效的 JSON") from None
    if not isinstance(answer, dict):
        raise DeliveryFailed("webhook: 回复格式不符")
    if answer.get("errcode", 0) != 0:  # DingTalk answers 200 with an error code
        raise DeliveryFailed(f"webhook: errcode {answer.get('errcode')}")
