"""The states of an accountability case (追责问责) as an 编办 runs it, and who may move it:

    受理（登记） ─核查→ 核查 ─认定 (with the 认定意见)→ 认定
    认定 ─退回补充核查→ 核查
    认定 ─处理 (with the decision: the office's own measures)→ 处理 ─落实 (once one is recorded)→ 落实
    认定 or 处理 ─提出问责建议或移送 (to the region's 纪委监委 or 组织部)→ 移送
    移送 ─回复 (that organ records its decision)→ 落实 ─办结→ 办结
    移送 ─收回 (once that organ returned the 移交)→ 认定
    受理 or 核查 ─不予立案 (with the reason)→ 不予立案
    受理, 核查 or 认定 ─撤销 (with the reason)→ 撤销

The office's admins, inspectors and publishers register, verify and determine cases and record
what was done; sending a determination back, deciding the handling, referring (and taking
a referral back once the organ returned it), closing, dismissing and withdrawing, and freezing or locking a unit (and lifting it) are for its admins
and publishers (who sign the office's decisions). The office's own measures are recorded once
it decided its handling (处理 or 落实). The answer to a referral is the receiving organ's act:
its admins, 经办 and reviewers record their organ's decision (a personal measure is never the
office's own)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.accountability.models import OWN_MEASURES, AccountabilityCase, CaseMeasure, CaseState, ReferralKind
from backend.correspondence.models import HandlingState, Recipient
from backend.correspondence.workflow import HANDLERS as ORGAN_HANDLERS
from backend.workflow import Guard, Move, Transition, Workflow
from tenants.access import Role
from tenants.errors import DomainError

REGISTERED, VERIFYING, DETERMINED, HANDLING, REFERRED, IMPLEMENTING, CLOSED, DISMISSED, WITHDRAWN = CaseState

CASE_HANDLERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.PUBLISHER})
CASE_DECIDERS = frozenset({Role.ADMIN, Role.PUBLISHER})
MEASURE_STATES = frozenset({HANDLING, IMPLEMENTING})
FINAL_STATES = frozenset({CLOSED, DISMISSED, WITHDRAWN})


async def _has_own_measure(move: Move[Any]) -> None:
    recorded = select(CaseMeasure.id).where(CaseMeasure.case_id == move.row.id, CaseMeasure.kind.in_(OWN_MEASURES)).limit(1)
    if (await move.connection.execute(recorded)).first() is None:
        raise DomainError("NO_MEASURES", "尚未记录任何处理措施，不能进入落实", field="id")


async def _referral_returned(move: Move[Any]) -> None:
    latest = (
        select(Recipient.state)
        .join(CaseMeasure, (CaseMeasure.document_id == Recipient.document_id) & (CaseMeasure.organ_id == Recipient.organ_id))
        .where(CaseMeasure.case_id == move.row.id, CaseMeasure.kind.in_(list(ReferralKind)))
        .order_by(CaseMeasure.id.desc())
        .limit(1)
    )
    if (await move.connection.execute(latest)).scalar_one_or_none() != HandlingState.RETURNED:
        raise DomainError("REFERRAL_PENDING", "接收机关未退回移送的公文，案件仍等待其答复", field="id")


VERIFY = Transition("verify", "核查", frozenset({REGISTERED}), VERIFYING, CASE_HANDLERS)
DETERMINE = Transition("determine", "认定", frozenset({VERIFYING}), DETERMINED, CASE_HANDLERS, note="required")
SEND_BACK = Transition("send_back", "退回补充核查", frozenset({DETERMINED}), VERIFYING, CASE_DECIDERS, note="required")
DECIDE = Transition("decide", "处理", frozenset({DETERMINED}), HANDLING, CASE_DECIDERS, note="required", event="accountability.decided")
REFER = Transition("refer", "提出问责建议或移送", frozenset({DETERMINED, HANDLING}), REFERRED, CASE_DECIDERS, note="required")
ANSWER = Transition("answer", "接收机关回复处理结果", frozenset({REFERRED}), IMPLEMENTING, ORGAN_HANDLERS, note="required")
TAKE_BACK = Transition(
    "take_back", "收回", frozenset({REFERRED}), DETERMINED, CASE_DECIDERS, guard=Guard("接收机关已退回移送的公文", _referral_returned)
)
CARRY_OUT = Transition(
    "carry_out", "落实", frozenset({HANDLING}), IMPLEMENTING, CASE_HANDLERS, guard=Guard("已记录至少一项本机构的处理措施", _has_own_measure)
)
CLOSE = Transition("close", "办结", frozenset({IMPLEMENTING}), CLOSED, CASE_DECIDERS, note="required")
DISMISS = Transition("dismiss", "不予立案", frozenset({REGISTERED, VERIFYING}), DISMISSED, CASE_DECIDERS, note="required")
WITHDRAW = Transition("withdraw", "撤销", frozenset({REGISTERED, VERIFYING, DETERMINED}), WITHDRAWN, CASE_DECIDERS, note="required")
RECORD_MEASURE = Transition("record_measure", "记录处理措施", MEASURE_STATES, None, CASE_HANDLERS, note="none")
RECORD_RESTRICTION = Transition(
    "record_restriction", "记录冻结或锁定措施", MEASURE_STATES, None, CASE_DECIDERS, note="none", event="accountability.restriction_imposed"
)

# Where a transition's note is kept on the case (a referral's and an answer's: on their measures).
NOTE_COLUMNS = {DETERMINE: "determination", DECIDE: "decision", CLOSE: "conclusion", DISMISS: "conclusion", WITHDRAW: "conclusion"}

CASES = Workflow(
    name="case",
    title="追责问责案件",
    noun="案件",
    states=CaseState,
    initial=REGISTERED,
    transitions=(
        VERIFY,
        DETERMINE,
        SEND_BACK,
        DECIDE,
        REFER,
        ANSWER,
        TAKE_BACK,
        CARRY_OUT,
        CLOSE,
        DISMISS,
        WITHDRAW,
        RECORD_MEASURE,
        RECORD_RESTRICTION,
    ),
    model=AccountabilityCase,
    entity="accountability_case",
)
