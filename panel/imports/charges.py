"""Monthly charges: rows grouped into one payment document per account and period.

Lines keep the file order. Document columns (advance, totals, last payment) may be repeated
on every line of a document, then they must agree, or given once. The period total, when
given, must equal the sum of the line totals; when absent it is that sum. The total with
the advance, when absent, is the period total plus the debt of earlier periods and the
penalties, less the advance, and never below zero.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from panel.imports.columns import Column, Level, ValueKind
from panel.imports.report import RowError
from panel.imports.table import Table
from panel.imports.values import RowParser, Stored, plain
from panel.validation import format_money, period_label

ZERO_MONEY = Decimal("0.00")
# Owed besides the period's charges: added to what is paid when no total with the advance is given.
OWED_BESIDES = ("debt_previous", "penalties")


@dataclass
class Document:
    account_number: str
    period: str
    line: int                                                   # where the document starts
    lines: list[dict[str, Stored]] = field(default_factory=list)
    fields: dict[str, Stored] = field(default_factory=dict)     # document columns given
    field_lines: dict[str, int] = field(default_factory=dict)
    house_rows: list[tuple[int, dict[str, Stored]]] = field(default_factory=list)
    broken: bool = False                                        # a line of it is bad

    def name(self) -> str:
        return f"лицевой счет {self.account_number}, {period_label(self.period)}"


@dataclass
class ChargePlan:
    documents: list[Document] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def shown(kind: ValueKind, value: Stored) -> str:
    """A stored value as the person wrote it, for messages."""
    if kind == ValueKind.MONEY and value:
        return format_money(Decimal(value))
    if kind == ValueKind.DATE and value:
        year, month, day = str(value).split("-")
        return f"{day}.{month}.{year}"
    return f"«{value}»"


def agree(
    columns: list[Column], values: dict[str, Stored], line: int, table: Table,
    known: dict[str, Stored], known_lines: dict[str, int], whose: str,
) -> list[RowError]:
    """Record the given (non-empty) values; a value differing from an earlier one is an error."""
    errors = []
    for column in columns:
        value = values.get(column.name)
        if value in ("", None):
            continue
        if column.name not in known:
            known[column.name] = value
            known_lines[column.name] = line
        elif known[column.name] != value:
            errors.append(RowError(line, (
                f"{table.label(column.name)} {shown(column.kind, value)} не совпадает"
                f" со значением {shown(column.kind, known[column.name])} в строке"
                f" {known_lines[column.name]} для {whose}")))
    return errors


def _columns(table: Table, level: Level) -> list[Column]:
    keys = {"account_number", "period"}
    return [column for column in table.columns if column.level == level and column.name not in keys]


def _finish(document: Document, table: Table) -> list[RowError]:
    """Check or fill the period total and the total with the advance."""
    line_sum = sum((Decimal(line["total"]) for line in document.lines), ZERO_MONEY)
    given = document.fields.get("total_for_period")
    if given and Decimal(given) != line_sum:
        return [RowError(document.field_lines["total_for_period"], (
            f"{table.label('total_for_period')} {format_money(Decimal(given))} не равно сумме"
            f" по строкам {format_money(line_sum)} ({document.name()})"))]
    total = Decimal(given) if given else line_sum
    document.fields["total_for_period"] = plain(total)
    advance = Decimal(document.fields.get("advance") or ZERO_MONEY)
    document.fields.setdefault("advance", plain(advance))
    if not document.fields.get("total_with_advance"):
        owed = sum((Decimal(document.fields.get(name) or ZERO_MONEY) for name in OWED_BESIDES), ZERO_MONEY)
        document.fields["total_with_advance"] = plain(max(ZERO_MONEY, total + owed - advance))
    return []


def plan_charges(table: Table) -> ChargePlan:
    plan = ChargePlan(errors=list(table.errors))
    documents: dict[tuple[str, str], Document] = {}
    line_columns = _columns(table, Level.LINE)
    document_columns = _columns(table, Level.DOCUMENT)
    house_columns = _columns(table, Level.HOUSE)
    # A bad row that cannot be put in a document might be a line of any of them: then the
    # period totals are not checked, since the sums would be wrong for a reason already told.
    unplaced = bool(table.errors)
    parser = RowParser(table)
    for row in table.rows:
        values, errors = parser.parse(row)
        key = (row.values["account_number"], str(values.get("period", "")))
        unplaced |= not all(key)
        if all(key):    # otherwise a required cell is empty or bad, and errors say so
            if key not in documents:
                documents[key] = Document(key[0], key[1], row.line)
            document = documents[key]
            if not errors:
                errors = agree(document_columns, values, row.line, table,
                               document.fields, document.field_lines, document.name())
            document.broken |= bool(errors)
        if errors:
            plan.errors.extend(errors)
            continue
        document.lines.append({column.name: values[column.name] for column in line_columns})
        document.house_rows.append((row.line, {column.name: values[column.name] for column in house_columns}))
    for document in documents.values():
        if not document.broken and not unplaced and document.lines:
            plan.errors.extend(_finish(document, table))
        plan.documents.append(document)
    return plan
