"""The failures a user can cause, as types: every service raises one of these when it refuses
to do something, and nothing has been written when it does. Callers read the fields (which
record, which field, which row) and never parse the message text.

- `InvalidInput(problems)`: the input is wrong; each `Problem` names its field.
- `NotPermitted`: the acting user's role does not allow this.
- `NotFound`: a named record (product, lot, count, user, document) does not exist.
- `Conflict`: the input contradicts what is stored (a lot on file with another expiry, a
  ledger that would go below zero, a closed count, block findings without an override).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. `field` is where (a JSON path such as
    `lots[0].expiry`, a form field such as `lot`, or "" for the input as a whole); `row` is the
    1-based row of a sheet, when the input is one."""

    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        """'field: message', or for a sheet 'row N, column C: message' ('row N: …' for the
        row as a whole)."""
        if self.row is None:
            where = self.field
        else:
            where = f"row {self.row}, column {self.field}" if self.field else f"row {self.row}"
        return f"{where}: {self.message}" if where else self.message


class ExoDeskError(Exception):
    """An expected refusal; nothing was written. `problems` say what to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (Problem("", self.message),)


class InvalidInput(ExoDeskError):
    """The input is refused as a whole; every problem found is listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self._problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self._problems))

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._problems

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields named, first problem first, each once."""
        return tuple(dict.fromkeys(p.field for p in self._problems if p.field))


class NotPermitted(ExoDeskError):
    """The acting user may not do this."""


class NotFound(ExoDeskError, LookupError):
    """A named record does not exist."""


class Conflict(ExoDeskError):
    """The input contradicts what is stored."""
