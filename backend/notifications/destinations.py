"""Where a webhook may post: a public address on the internet, never this machine, the
office's intranet or a cloud's metadata service (server-side request forgery). The address is
checked when a hook is added and again, resolved anew, before every delivery; the delivery
then connects to the very address it checked, so a DNS answer that changes in between (DNS
rebinding) cannot send it elsewhere. An intranet deployment names the hosts it trusts in
XUNCHA_WEBHOOK_ALLOWED_HOSTS; those are neither resolved nor checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass

from backend.settings import Settings
from tenants.errors import DomainError

MAX_URL_LENGTH = 512


@dataclass(frozen=True)
class Destination:
    """A checked webhook address: the URL to connect to (its host replaced by the checked IP
    address, unless the host is trusted), the host name TLS presents and checks the
    certificate against, and the request's Host header."""

    url: str
    host: str
    host_header: str


def _refused(message: str) -> DomainError:
    return DomainError("WEBHOOK_ADDRESS_REFUSED", message, field="url")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) names no address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def checked_destination(url: str, settings: Settings) -> Destination:
    """The address `url` posts to, or a DomainError: INVALID_URL for a malformed one (or for
    plain http in production), WEBHOOK_ADDRESS_REFUSED for one that does not resolve or
    reaches a non-public address."""
    parsed = urllib.parse.urlsplit(url)
    https_only = settings.is_production
    schemes = ("https",) if https_only else ("https", "http")
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        port = None
    if parsed.scheme not in schemes or not parsed.hostname or port is None or len(url) > MAX_URL_LENGTH or parsed.username:
        scheme_rule = "https" if https_only else "http(s)"
        raise DomainError("INVALID_URL", f"回调地址须为 {scheme_rule} 地址，不含用户名，且不超过 {MAX_URL_LENGTH} 个字符", field="url")
    host = parsed.hostname.lower()
    if host in settings.webhook_allowed_hosts:
        return Destination(url, host, parsed.netloc)
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _refused(f"回调地址的主机名 {host} 无法解析") from None
    addresses = [str(answer[4][0]) for answer in answers]
    if not addresses or not all(_is_public(address) for address in addresses):
        raise _refused("回调地址须为互联网上的公开地址，不能指向本机、内网、链路本地或保留地址")
    pinned = f"[{addresses[0]}]" if ":" in addresses[0] else addresses[0]
    netloc = f"{pinned}:{parsed.port}" if parsed.port else pinned
    return Destination(urllib.parse.urlunsplit(parsed._replace(netloc=netloc)), host, parsed.netloc)
