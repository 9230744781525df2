"""GraphQL for 整改情况公开: compose, edit and submit (the team), approve or return (an admin who
did not submit it), publish (an admin or a publisher)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.ids import parse_id
from backend.permissions import Reach, mutation, query, read, write
from backend.publicity.models import NoticeState
from backend.publicity.service import NoticeText, PublicNotices, check_text
from backend.publicity.workflow import APPROVERS, DECISIONS, EDIT, NOTICES, PUBLISH, PUBLISHERS, SUBMIT, WRITERS
from tenants.labelled import Labelled

graphql_enum(NoticeState, "整改情况公开稿的状态")
NoticeDecision = graphql_enum(NOTICES.actions("NoticeDecision", DECISIONS), "对提交审批的公开稿的决定")


@strawberry.type(description="整改情况公开稿：不含个人信息，批准后公开；html 和 text 供机构网站使用")
class PublicNotice:
    id: strawberry.ID
    round_id: strawberry.ID
    title: str
    text: str = strawberry.field(description="纯文本正文")
    html: str = strawberry.field(description="HTML 片段（标题和段落）")
    state: NoticeState
    version: int
    submitted_by: str | None
    published_at: datetime | None

    @classmethod
    def from_row(cls, row) -> PublicNotice:
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            title=row.title,
            text=row.body,
            html=NoticeText(row.title, row.body).html,
            state=NoticeState(row.state),
            version=row.version,
            submitted_by=row.submitted_by,
            published_at=row.published_at,
        )


def notices(info: Info[Context, None]) -> PublicNotices:
    return PublicNotices(info.context.runtime.engine)


async def _moved(info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, transition, note=None, text=None):
    row = await notices(info).move(
        await info.context.principal(),
        tenant_code,
        parse_id(id, "id"),
        version,
        transition,
        note,
        info.context.request_id,
        now=info.context.clock.now(),
        text=text,
    )
    return PublicNotice.from_row(row)


@strawberry.type
class PublicNoticeQuery:
    @query("某轮次的整改情况公开稿", read(Reach.SUBTREE))
    async def public_notice(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> PublicNotice:
        return PublicNotice.from_row(await notices(info).of_round(tenant_code, parse_id(round_id, "roundId")))


@strawberry.type
class PublicNoticeMutation:
    @mutation("由轮次的数据（单位、问题类别、整改进度）生成整改情况公开稿，不含任何个人信息", write(WRITERS))
    async def compose_public_notice(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> PublicNotice:
        runtime = info.context.runtime
        row = await notices(info).compose(
            await info.context.principal(),
            tenant_code,
            parse_id(round_id, "roundId"),
            await runtime.taxonomy(),
            info.context.clock.today(),
            info.context.request_id,
        )
        return PublicNotice.from_row(row)

    @mutation("修改公开稿（草稿时）；含本轮次台账中的责任人姓名或身份证号的拒绝", write(WRITERS))
    async def edit_public_notice(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, title: str, text: str
    ) -> PublicNotice:
        return await _moved(info, tenant_code, id, version, EDIT, text=check_text(title, text))

    @mutation("提交公开稿审批", write(WRITERS))
    async def submit_public_notice(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int) -> PublicNotice:
        return await _moved(info, tenant_code, id, version, SUBMIT)

    @mutation("审批公开稿：批准（提交人不能批准自己提交的），或退回并写明理由", write(APPROVERS))
    async def decide_public_notice(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        decision: Annotated[Labelled, strawberry.argument(graphql_type=NoticeDecision)],
        note: str | None = None,
    ) -> PublicNotice:
        return await _moved(info, tenant_code, id, version, NOTICES.transition(decision.name.lower()), note=note)

    @mutation("公开已批准的公开稿", write(PUBLISHERS))
    async def publish_public_notice(self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int) -> PublicNotice:
        return await _moved(info, tenant_code, id, version, PUBLISH)
