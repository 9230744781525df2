"""Webhook signing secrets at rest: sealed with AES-256-GCM under a key derived (HKDF-SHA256)
from the deployment's XUNCHA_SECRET_KEY, stored as `v1:` and the URL-safe base64 of the nonce
and the ciphertext. The database, its backups and a restored copy hold no usable secret; the
sender unseals one just before signing a delivery.

A secret written before sealing existed is plain text (no `v1:`): `xuncha db upgrade` seals
every such row (`seal_plain_secrets`), and until then the sender still reads it as it is. A
secret sealed under another key (the secret key was changed, a backup restored elsewhere)
cannot be unsealed: its deliveries fail saying so, and the office sets the secret again."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.notifications.models import Webhook

PREFIX = "v1:"
_PURPOSE = b"xuncha webhook signing secret v1"


class SecretUnreadable(Exception):
    """A sealed secret that this deployment's key does not open."""


def _cipher(secret_key: str) -> AESGCM:
    return AESGCM(HKDF(algorithm=SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key.encode()))


def seal(secret: str, secret_key: str) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(secret_key).encrypt(nonce, secret.encode(), _PURPOSE)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(stored: str, secret_key: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before sealing; `xuncha db upgrade` seals it
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        return _cipher(secret_key).decrypt(raw[:12], raw[12:], _PURPOSE).decode()
    except (InvalidTag, ValueError) as failure:
        raise SecretUnreadable from failure


async def seal_plain_secrets(engine: AsyncEngine, secret_key: str) -> int:
    """Seal every secret still stored as plain text; how many there were."""
    async with engine.begin() as connection:
        plain = (
            await connection.execute(select(Webhook.id, Webhook.secret).where(Webhook.secret.not_like(f"{PREFIX}%")).with_for_update())
        ).all()
        for row in plain:
            await connection.execute(update(Webhook).where(Webhook.id == row.id).values(secret=seal(row.secret, secret_key)))
    return len(plain)
