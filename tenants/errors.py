"""The error every rule of the system raises when it refuses a request."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request: a stable code for programs, a Chinese message for people, and the
    input field at fault when there is one. Nothing was changed when this is raised."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
