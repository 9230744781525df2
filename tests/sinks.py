"""Real servers for outgoing channels in tests: an SMTP server (aiosmtpd) and an HTTP server
that checks a DingTalk-style signature, both on free local ports, recording what arrives."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import hashlib
import hmac
import json
import urllib.parse
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from bench.common import free_port


class SmtpSink:
    """`with SmtpSink() as smtp:` a server at smtp.url; smtp.messages holds what it received."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[email.message.Message] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()


@dataclass
class WebhookSink:
    """An HTTP server accepting POSTs whose `sign` matches `secret`; `received` holds the bodies
    of the good ones, `refused` counts the bad ones."""

    secret: str
    received: list[dict] = field(default_factory=list)
    refused: int = 0
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/robot/send?access_token=t"

    async def __aenter__(self) -> WebhookSink:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = (await reader.readline()).decode()
        headers = {}
        while line := (await reader.readline()).decode().strip():
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request_line.split()[1]).query)
        timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if hmac.compare_digest(sign, expected):
            self.received.append(json.loads(body))
            answer = b'{"errcode":0,"errmsg":"ok"}'
        else:
            self.refused += 1
            answer = b'{"errcode":310000,"errmsg":"sign not match"}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(answer)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + answer
        )
        await writer.drain()
        writer.close()
