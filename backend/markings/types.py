"""GraphQL for sensitivity markings: setting one on a finding, a draft, a case, a 函告 or an
evidence file of an office (the marking itself is a field of each object)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.evidence.store import is_sha256
from backend.ids import parse_id
from backend.markings.service import MarkedKind, mark
from backend.permissions import mutation, write
from backend.sensitivity import Sensitivity
from tenants.access import Role, not_found

graphql_enum(MarkedKind, "可标注敏感程度的对象")

MARKERS = frozenset({Role.ADMIN, Role.INSPECTOR})


@strawberry.type
class MarkingMutation:
    @mutation("标注敏感程度（公开 / 内部 / 敏感），留痕；返回原来的标注。案件不能低于其关联的问题", write(MARKERS))
    async def mark_sensitivity(
        self, info: Info[Context, None], tenant_code: str, kind: MarkedKind, id: str, sensitivity: Sensitivity
    ) -> Sensitivity:
        if kind is MarkedKind.EVIDENCE:
            if not is_sha256(id):
                raise not_found()
            key: int | str = id
        else:
            key = parse_id(id, "id")
        principal = await info.context.principal()
        return await mark(info.context.runtime.engine, principal, tenant_code, kind, key, sensitivity, info.context.request_id)
