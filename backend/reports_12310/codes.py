"""The reporter's query code (查询码): the region the report was sent to, then 24 random base32
characters (120 bits), in groups of four to be copied by hand — 431321-K7QX-2MZD-…. Only a keyed
digest of it is stored (HMAC-SHA256 under the deployment's secret key): the database, a backup or
an office's staff cannot read a report's code back, and the code alone finds the report."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from tenants.errors import DomainError

RANDOM_BYTES = 15  # 24 base32 characters, no padding
_SHAPE = re.compile(r"(\d{6})([A-Z2-7]{24})")
_SEPARATORS = re.compile(r"[\s\-]")


@dataclass(frozen=True)
class QueryCode:
    region: str  # the office the report was sent to (a transfer leaves a forward there)
    secret: str

    @classmethod
    def new(cls, region: str) -> QueryCode:
        return cls(region, base64.b32encode(secrets.token_bytes(RANDOM_BYTES)).decode())

    @classmethod
    def parse(cls, text: str) -> QueryCode:
        """A code as a reporter may type it (any case, with or without spaces and hyphens);
        NOT_FOUND, as for a code that is unknown, when it cannot be one."""
        match = _SHAPE.fullmatch(_SEPARATORS.sub("", text[:64]).upper())
        if match is None:
            raise unknown_code()
        return cls(match.group(1), match.group(2))

    def __str__(self) -> str:
        groups = "-".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))
        return f"{self.region}-{groups}"

    def digest(self, key: str) -> bytes:
        return hmac.new(key.encode(), f"12310:{self.region}{self.secret}".encode(), hashlib.sha256).digest()


def unknown_code() -> DomainError:
    return DomainError("NOT_FOUND", "查询码无效，请核对后重试", field="code")
