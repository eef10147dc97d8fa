"""What an import tells the person: problems by line, and what was written."""
from dataclasses import dataclass, field

from panel.imports.columns import TableKind


@dataclass(frozen=True)
class RowError:
    """One problem; `line` is the line of the file as a person sees it (the header is line 1).

    `line` is None for a problem with the whole file (encoding, header).
    """
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"Строка {self.line}: {_lower_first(self.message)}"


def _lower_first(message: str) -> str:
    """"Неверный адрес" -> "неверный адрес", but "ИНН ..." stays as it is."""
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        return message[0].lower() + message[1:]
    return message


class ImportFailed(Exception):
    """The file cannot be read as a table at all: encoding, broken XLSX, unknown columns."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportReport:
    filename: str
    kind: TableKind | None = None
    rows: int = 0                   # data rows read, blank rows not counted
    created: int = 0                # accounts or payment documents
    updated: int = 0
    unchanged: int = 0              # accounts already stored exactly as in the file
    organisations_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False           # True when the file was written; with errors nothing is

    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]
