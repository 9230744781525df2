"""A file sent as a request's body and read in memory (a sheet to import, never stored): refused
as soon as it passes the limit, and refused empty."""

from __future__ import annotations

from litestar import Request

from tenants.errors import DomainError


async def read_capped(request: Request, max_bytes: int) -> bytes:
    """The body, refused as soon as it passes `max_bytes`."""
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > max_bytes:
            raise DomainError("FILE_TOO_LARGE", f"文件不能超过 {max_bytes // (1024 * 1024)} MB", field="file")
    if not received:
        raise DomainError("EMPTY_FILE", "文件为空", field="file")
    return bytes(received)
