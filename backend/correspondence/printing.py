"""A document between organs as a printed 公文: the issuing organs' full names as the 发文机关标志, the
文号 under it, the title, the 主送 organs, the body, a 函请's item list as its attachment (附件说明 under the body, the list on a page of its own), the
sender's signature name and the date, and the 抄送 organs."""

from __future__ import annotations

from sqlalchemy import Row

from backend.clock import CHINA_STANDARD_TIME
from backend.correspondence.models import Copy
from backend.documents.official import Attachment, OfficialDocument


def printed(document: Row, issuers: list[Row], recipients: list[Row], items: list[Row], marking: str) -> OfficialDocument:
    """`issuers`: the sender and the organs issuing it jointly (联合发文: each in the masthead and
    the signature); `recipients`: each recipient organ's short name and 主送/抄送; `items`: a
    函请's list."""
    main = "、".join(r.short_name for r in recipients if r.copy == Copy.MAIN.value)
    copied = "、".join(r.short_name for r in recipients if r.copy == Copy.COPY.value)
    body = tuple(line.strip() for line in document.body.splitlines() if line.strip())
    listed = (Attachment("调阅材料清单", tuple(f"{item.position}．{item.request}" for item in items)),) if items else ()
    return OfficialDocument(
        title=document.subject,
        addressee=main or None,
        sections=[],
        issuer="　".join(organ.signature_name for organ in issuers),
        dated=document.sent_at.astimezone(CHINA_STANDARD_TIME).date(),
        file_name=f"document-{document.id}",
        marking=marking,
        masthead=tuple(organ.name for organ in issuers),
        document_number=document.document_number,
        body=body,
        copied_to=copied or None,
        attachments=listed,
    )
