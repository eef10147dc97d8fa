"""An import file as a table: its kind, its known columns and its rows with line numbers."""
from collections.abc import Iterable
from dataclasses import dataclass, field

from panel.imports.columns import COLUMNS, Column, TableKind, column_index, header_key
from panel.imports.csv_records import csv_records
from panel.imports.report import ImportFailed, RowError
from panel.imports.xlsx_records import xlsx_records

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"        # the old binary .xls
README = "examples/README.md"


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]              # canonical column name -> cell text, stripped


@dataclass
class Table:
    kind: TableKind
    columns: tuple[Column, ...]         # in file order
    headers: dict[str, str]             # canonical column name -> the header as written
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)   # rows that do not fit the header

    def has(self, name: str) -> bool:
        return name in self.headers

    def label(self, name: str) -> str:
        """The column as the person named it, for messages: «Итого к оплате»."""
        return f"«{self.headers.get(name, name)}»"


def read_table(data: bytes, filename: str) -> Table:
    """Parse a CSV or XLSX file; raises ImportFailed when it is not a table we understand."""
    lowered = filename.lower()
    if data.startswith(ZIP_MAGIC):
        records: Iterable[tuple[int, list[str]]] = xlsx_records(data, filename)
    elif data.startswith(OLE_MAGIC) or lowered.endswith(".xls"):
        raise ImportFailed([f"Файл «{filename}» в старом формате XLS: сохраните его как XLSX или CSV"])
    elif lowered.endswith((".xlsx", ".xlsm")):
        raise ImportFailed([f"Файл «{filename}» не удалось прочитать как книгу Excel (XLSX)"])
    else:
        records = csv_records(data)
    return build_table(records)


def _kind_of(keys: list[str]) -> TableKind:
    scores = {kind: sum(key in column_index(kind) for key in keys) for kind in TableKind}
    best = max(scores.values())
    winners = [kind for kind, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        raise ImportFailed([
            "Не удалось определить вид файла по строке заголовка: для лицевых счетов нужны"
            " столбцы «Номер лицевого счета» и «Плательщик», для начислений — «Номер лицевого счета»,"
            f" «Период», «Услуга» и «Итого к оплате» (все столбцы описаны в {README})"
        ])
    return winners[0]


def _header(cells: list[str]) -> tuple[TableKind, list[Column | None], dict[str, str]]:
    """The kind, the column of each position (None for a blank header cell), names as written."""
    written = [cell.strip() for cell in cells]
    kind = _kind_of([header_key(text) for text in written if text])
    index = column_index(kind)
    positions: list[Column | None] = []
    headers: dict[str, str] = {}
    unknown, repeated = [], []
    for text in written:
        column = index.get(header_key(text)) if text else None
        positions.append(column)
        if text and column is None:
            unknown.append(f"«{text}»")
        elif column is not None and column.name in headers:
            repeated.append(f"«{text}»")
        elif column is not None:
            headers[column.name] = text
    errors = []
    if unknown:
        errors.append(f"Неизвестные столбцы: {', '.join(unknown)} (допустимые столбцы описаны в {README})")
    if repeated:
        errors.append(f"Столбцы повторяются: {', '.join(repeated)}")
    missing = [f"«{column.label}»" for column in COLUMNS[kind] if column.required and column.name not in headers]
    if missing:
        errors.append(f"Нет обязательных столбцов: {', '.join(missing)}")
    if errors:
        raise ImportFailed(errors)
    return kind, positions, headers


def build_table(records: Iterable[tuple[int, list[str]]]) -> Table:
    iterator = iter(records)
    first = next(iterator, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise ImportFailed(["Первая строка файла должна содержать заголовки столбцов"])
    kind, positions, headers = _header(first[1])
    table = Table(
        kind=kind,
        columns=tuple(column for column in positions if column is not None),
        headers=headers,
    )
    for line, cells in iterator:
        texts = [cell.strip() for cell in cells]
        if not any(texts):
            continue
        stray = [
            text for position, text in enumerate(texts)
            if text and (position >= len(positions) or positions[position] is None)
        ]
        if stray:
            table.errors.append(RowError(line, "значения в столбцах без заголовка: " + ", ".join(
                f"«{text}»" for text in stray)))
            continue
        values = {column.name: "" for column in table.columns}
        for column, text in zip(positions, texts):
            if column is not None:
                values[column.name] = text
        table.rows.append(Row(line, values))
    return table
