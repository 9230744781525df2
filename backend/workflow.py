"""Declared state machines: a workflow names its states (a Labelled enum), and each transition
says who may take it, from which states, to which state, whether it needs a note, what must
hold first (its guard), what the audit trail calls it and what it tells others (an outbox
event). Every state machine of the system is declared here the same way (the ledger, cases,
bulletins, leader reviews, and those to come), drawn in docs/workflows.md, and driven through
`Move`, which writes once what every transition needs:

- the refusals that change nothing: a stale version (STALE_VERSION), a state the transition
  does not start from (INVALID_TRANSITION), a missing note (INVALID_TEXT);
- the guard, checked in the transition's own transaction;
- the row's new state and next version, the history event (where the workflow keeps one),
  the audit entry and the outbox event, in that same transaction.

Who may call the operation that takes a transition is checked where the operation is declared
(backend/permissions.py reads the transition's roles), before the row is locked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Executable, Update, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.audit.service import record_audit
from backend.notifications.outbox import emit
from tenants.access import Role, not_found
from tenants.errors import DomainError
from tenants.labelled import Labelled

S = TypeVar("S", bound=Labelled)


@dataclass(frozen=True)
class Guard:
    """What must hold before a transition, beyond its source state: `check` raises a DomainError
    (and the transaction rolls back) when it does not."""

    description: str  # as docs/workflows.md prints it
    check: Callable[[Move[Any]], Awaitable[None]]


@dataclass(frozen=True, eq=False)
class Transition(Generic[S]):
    action: str  # the identifier: audit action `<workflow>.<action>`, GraphQL action enums
    label: str  # the act, as offices say it (销号) and as refusals and the history name it
    sources: frozenset[S]
    target: S | None  # None: the state stays (an edit, a decision on a side request)
    roles: frozenset[Role]
    note: str = "optional"  # "required", "optional" or "none"
    guard: Guard | None = None
    event: str | None = None  # the outbox event type it emits (backend/notifications/events.py)
    # Whether the caller names the version it saw and the transition moves it. One that only adds
    # to the object (a problem a review found, a case shared into the library) does neither, so
    # clients holding the object's version are not made stale by it.
    versioned: bool = True

    def __post_init__(self) -> None:
        if self.note not in ("required", "optional", "none"):
            raise ValueError(f"note must be required, optional or none, not {self.note!r}")


HistoryWriter = Callable[["Move[Any]"], Awaitable[int | None]]


class HistoryTable:
    """The writer of a workflow's own history kept in `table`: a row per move with the object's
    id in column `key`, the act as offices name it (`action`), `from_state`, `to_state`, the
    note and the actor; it answers the row's id. The note column is bounded (`note_max`), so
    the workflow refuses a longer note before anything changes."""

    def __init__(self, table: Any, key: str) -> None:
        self.key = key
        self.note_max: int = table.note.type.length
        self.statement = insert(table).returning(table.id)

    async def __call__(self, move: Move[Any]) -> int:
        parameters = {
            self.key: move.row.id,
            "action": move.transition.label,
            "from_state": move.row.state,
            "to_state": move.state_after,
            "note": move.note,
            "actor": move.actor,
        }
        return int((await move.connection.execute(self.statement, parameters)).scalar_one())


@dataclass(frozen=True)
class Workflow(Generic[S]):
    name: str  # the audit prefix and the section of docs/workflows.md
    title: str  # 整改台账
    noun: str  # what refusals call the object: 台账, 案件, 通报
    states: type[S]
    initial: S
    transitions: tuple[Transition[S], ...]
    model: type  # the mapped class holding the state (`state` and `version` columns, key `id`)
    entity: str  # the audit entry's entity
    history: HistoryWriter | None = None  # writes the workflow's own history row, if it keeps one
    argument: str = "id"  # the operations' argument naming the object (the `field` of refusals)
    row_key: str = "id"  # where a locked row carries the table's key
    row_version: str = "version"  # and its version (the row may be a join that renames them)

    def __post_init__(self) -> None:
        actions = [t.action for t in self.transitions]
        if len(set(actions)) != len(actions):
            raise ValueError(f"{self.name}: an action is declared twice")

    def transition(self, action: str) -> Transition[S]:
        return next(t for t in self.transitions if t.action == action)

    def actions(self, name: str, only: tuple[Transition[S], ...] | None = None) -> type[Labelled]:
        """The workflow's acts (or `only` these) as an enum, named by their identifiers, valued and
        labelled by what offices call them, as the history records them."""
        transitions = self.transitions if only is None else only
        # Enum's functional API, which mypy does not follow through a subclass's __new__.
        return Labelled(name, [(t.action.upper(), (t.label,)) for t in transitions])  # type: ignore[arg-type, return-value]

    async def lock(
        self,
        transition: Transition[S],
        connection: AsyncConnection,
        query: Executable,
        parameters: Mapping[str, Any] | None = None,
        *,
        tenant_code: str,
        expected_version: int | None,
        actor: str,
        note: str | None,
        request_id: str | None,
        context: Mapping[str, Any] | None = None,
    ) -> Move[S]:
        """The row `query` selects (and locks: its FOR UPDATE is the caller's), as a move that
        may be taken (`Move.start`); NOT_FOUND when it selects none."""
        row = (await connection.execute(query, dict(parameters or {}))).one_or_none()
        if row is None:
            raise not_found()
        return await Move.start(
            self,
            transition,
            connection,
            tenant_code=tenant_code,
            row=row,
            expected_version=expected_version,
            actor=actor,
            note=note,
            request_id=request_id,
            context=context,
        )

    def check(self, transition: Transition[S], *, state: str, version: int, expected: int | None, note: str | None) -> None:
        """The refusals of a transition that change nothing: checked on the locked row (`expected`:
        the version the caller saw; None when the transition does not take one)."""
        if transition.note == "required" and not note:
            raise DomainError("INVALID_TEXT", f"{transition.label}须写明说明或理由", field="note")
        if note and isinstance(self.history, HistoryTable) and len(note) > self.history.note_max:
            raise DomainError("INVALID_TEXT", f"说明或理由不能超过 {self.history.note_max} 个字符", field="note")
        if expected is not None and version != expected:
            raise DomainError("STALE_VERSION", f"该{self.noun}已被他人更新（当前版本 {version}），请刷新后重试", field="version")
        if state not in transition.sources:
            label = self.states(state).label
            raise DomainError("INVALID_TRANSITION", f"{self.noun}当前状态为“{label}”，不能{transition.label}", field=self.argument)


@dataclass
class Move(Generic[S]):
    """One transition being taken in a transaction: the locked row as it was, and what the
    transition sets. `apply` writes it."""

    workflow: Workflow[S]
    transition: Transition[S]
    connection: AsyncConnection
    tenant_code: str  # whose audit trail and outbox
    row: Any  # the locked row: `id`, `state`, `version` and whatever guards and snapshots read
    actor: str
    note: str | None
    request_id: str | None
    context: Mapping[str, Any] = field(default_factory=dict)  # what guards need (now, settings)
    after: Any = None  # the row's `returning` columns as `apply` left them
    history_id: int | None = None  # the history row `apply` wrote, if the workflow keeps one

    @classmethod
    async def start(
        cls,
        workflow: Workflow[S],
        transition: Transition[S],
        connection: AsyncConnection,
        *,
        tenant_code: str,
        row: Any,
        expected_version: int | None,
        actor: str,
        note: str | None,
        request_id: str | None,
        context: Mapping[str, Any] | None = None,
    ) -> Move[S]:
        """Check the refusals and the guard on the locked row: a move that may be taken."""
        workflow.check(transition, state=row.state, version=getattr(row, workflow.row_version), expected=expected_version, note=note)
        move = cls(workflow, transition, connection, tenant_code, row, actor, note, request_id, context or {})
        if transition.guard is not None:
            await transition.guard.check(move)
        return move

    @property
    def key(self) -> Any:
        return getattr(self.row, self.workflow.row_key)

    @property
    def version(self) -> int:
        return int(getattr(self.row, self.workflow.row_version))

    @property
    def state_after(self) -> str:
        return (self.transition.target or self.workflow.states(self.row.state)).value

    async def apply(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        returning: tuple[Any, ...] = (),
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        event_tenant: str | None = None,
        event_payload: Mapping[str, Any] | None = None,
    ) -> Any:
        """Set the new state, the next version and `values` on the row; write the history event,
        the audit entry (`before`/`after` snapshots, state and version always in) and the outbox
        event; answer the row's `returning` columns as changed."""
        values = dict(values or {})
        statement = _change(self.workflow.model, tuple(sorted(values)), tuple(returning), self.transition.versioned)
        parameters = {"key": self.key, "new_state": self.state_after, **{f"new_{name}": value for name, value in values.items()}}
        changed = await self.connection.execute(statement, parameters)
        self.after = changed.one() if returning else None
        version_after = self.version + 1 if self.transition.versioned else self.version
        if self.workflow.history is not None:
            self.history_id = await self.workflow.history(self)
        await record_audit(
            self.connection,
            self.tenant_code,
            actor=self.actor,
            action=f"{self.workflow.name}.{self.transition.action}",
            entity=self.workflow.entity,
            entity_id=str(self.row.id),
            before={"state": self.row.state, "version": self.version, **(before or {})},
            after={"state": self.state_after, "version": version_after, **({"note": self.note} if self.note else {}), **(after or {})},
            request_id=self.request_id,
        )
        if self.transition.event is not None and event_payload is not None:
            await emit(self.connection, event_tenant or self.tenant_code, self.transition.event, dict(event_payload))
        return self.after


@lru_cache(maxsize=256)
def _change(model: Any, names: tuple[str, ...], returning: tuple[Any, ...], versioned: bool) -> Update:
    """A transition's UPDATE, built once per model, set columns, RETURNING and versioning: the
    values are bound at execution (`new_<column>`, `new_state`, `key`), and building a statement
    costs more than running it on a hot path."""
    version = {"version": model.version + 1} if versioned else {}
    statement = (
        update(model)
        .where(model.id == bindparam("key"))
        .values({**{name: bindparam(f"new_{name}") for name in names}, "state": bindparam("new_state"), **version})
    )
    return statement.returning(*returning) if returning else statement
