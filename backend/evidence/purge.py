"""Removing evidence files that hold 身份证号 — what the staff import kept before it stopped
storing its files (issue 19), and anything else uploaded before uploads were checked: every
office's evidence rows for such a file and their attachments go, audited in the office, and
then the stored content itself, from whichever store XUNCHA_EVIDENCE_URL names, so no
download, restore or backup made afterwards holds it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select

from backend.audit.service import record_audit
from backend.evidence.location import evidence_store
from backend.evidence.models import EvidenceFile
from backend.evidence.store import EvidenceStore
from backend.id_numbers import file_holds_id_number
from backend.ledger.models import EventEvidence
from backend.runtime import Runtime
from tenants.models import Tenant
from tenants.scoping import tenant_engine

ACTOR = "system.purge"


@dataclass(frozen=True)
class Purged:
    offices: int  # offices that held such a file
    files: int  # distinct contents removed


async def purge_personal_data(runtime: Runtime, on_office: Callable[[], None] = lambda: None) -> Purged:
    store = evidence_store(runtime.settings)
    async with runtime.engine.connect() as connection:
        codes = list((await connection.execute(select(Tenant.code).order_by(Tenant.code))).scalars())
    verdicts: dict[str, bool] = {}  # content → holds a 身份证号 (each content read once)
    offices = 0
    for code in codes:
        async with tenant_engine(runtime.engine, code).begin() as connection:
            stored = set((await connection.execute(select(EvidenceFile.sha256))).scalars())
            for sha256 in stored - verdicts.keys():
                verdicts[sha256] = await asyncio.to_thread(_holds_id_number, store, sha256)
            flagged = sorted(sha256 for sha256 in stored if verdicts[sha256])
            if flagged:
                offices += 1
                await connection.execute(delete(EventEvidence).where(EventEvidence.sha256.in_(flagged)))
                await connection.execute(delete(EvidenceFile).where(EvidenceFile.sha256.in_(flagged)))
                for sha256 in flagged:
                    await record_audit(
                        connection,
                        code,
                        actor=ACTOR,
                        action="evidence.purged",
                        entity="evidence_file",
                        entity_id=sha256,
                        after={"reason": "文件含身份证号"},
                    )
        on_office()
    removed = [sha256 for sha256, holds in verdicts.items() if holds]
    for sha256 in removed:
        await asyncio.to_thread(store.delete, sha256)
    return Purged(offices, len(removed))


def _holds_id_number(store: EvidenceStore, sha256: str) -> bool:
    """Does stored content hold a 身份证号 (read from a local copy: a zip's parts are found by
    seeking)? Content that is not stored holds nothing."""
    try:
        with store.local_copy(sha256) as path:
            return file_holds_id_number(path)
    except FileNotFoundError:
        return False
