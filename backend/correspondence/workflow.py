"""How a recipient organ handles a document (each recipient on its own):

    已发送 ─签收→ 已签收 ─办理→ 办理中 ─复函或办结→ 已办结
    已发送 / 已签收 / 办理中 ─退回 (with the reason)→ 已退回

A 抄送 recipient only signs for it. A 复函 sent in answer finishes its sender's handling of
the document it answers."""

from __future__ import annotations

from backend.correspondence.models import HandlingState, Recipient
from backend.workflow import Transition, Workflow
from tenants.access import Role

SENT, SIGNED, IN_HAND, FINISHED, RETURNED = HandlingState
HANDLERS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.REVIEWER})  # in the recipient organ

SIGN = Transition("sign", "签收", frozenset({SENT}), SIGNED, HANDLERS, note="none", versioned=False)
HANDLE = Transition("handle", "办理", frozenset({SIGNED}), IN_HAND, HANDLERS)
FINISH = Transition("finish", "办结", frozenset({SIGNED, IN_HAND}), FINISHED, HANDLERS)
RETURN = Transition(
    "return", "退回", frozenset({SENT, SIGNED, IN_HAND}), RETURNED, HANDLERS, note="required", event="correspondence.returned"
)

HANDLING_WORKFLOW = Workflow(
    name="correspondence",
    title="公文办理",
    noun="公文",
    states=HandlingState,
    initial=SENT,
    transitions=(SIGN, HANDLE, FINISH, RETURN),
    model=Recipient,
    entity="correspondence_recipient",
)
