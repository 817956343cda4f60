"""The error hierarchy: each error says what went wrong and what to do, with an exit code and an
HTTP status for the adapters."""

from __future__ import annotations

__all__ = [
    "Conflict",
    "ContractError",
    "ImportRowError",
    "InvalidInput",
    "LeadqualError",
    "NotFound",
]


class LeadqualError(Exception):
    """Base of every error leadqual raises on purpose."""

    exit_code = 1
    http_status = 500
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(LeadqualError):
    exit_code = 3
    http_status = 404
    code = "not_found"


class InvalidInput(LeadqualError):
    exit_code = 2
    http_status = 422
    code = "invalid_input"


class Conflict(LeadqualError):
    exit_code = 4
    http_status = 409
    code = "conflict"


class ContractError(InvalidInput):
    """A contract that does not validate. ``problems`` holds every problem found, each already
    located (file, line, field) and with a suggestion where one exists."""

    code = "invalid_contract"

    def __init__(self, problems: list[str], *, source: str = "<contract>") -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: {len(self.problems)} problem(s) in the contract"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class ImportRowError(InvalidInput):
    """The first bad row of an import; the import was rolled back and the store is unchanged."""

    code = "invalid_import_row"

    def __init__(
        self, path: str, row: int | None, column: str | None, reason: str, hint: str = ""
    ) -> None:
        self.path, self.row, self.column, self.reason = path, row, column, reason
        where = path
        if row is not None:
            where += f", row {row}"
        if column:
            where += f", column {column!r}"
        text = f"{where}: {reason}"
        if hint:
            text += f" — {hint}"
        text += ". Nothing was imported from this file; fix it and run the import again."
        super().__init__(text, field=column)
