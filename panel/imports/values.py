"""Cell texts -> the values stored in the database, one column kind at a time.

Decimals are stored as plain strings ("2447.90"); counts as integers (None when empty);
an empty optional cell is "".
"""
from decimal import Decimal

from panel import validation
from panel.imports.columns import ValueKind
from panel.imports.report import RowError
from panel.imports.table import Row, Table
from panel.validation import CENT, Invalid

DELIVERY_METHODS = {
    "email": "email",
    "e-mail": "email",
    "по электронной почте": "email",
    "post": "post",
    "почтой": "post",
    "по почте": "post",
    "in_person": "in_person",
    "лично": "in_person",
}
# «Объем коммунальных услуг определен»: (1) по нормативам, (1а) ... с повышающим коэффициентом,
# (2) по показаниям ИПУ, (3) по среднему, (4) по показаниям ОПУ.
VOLUME_BASES = ("1", "1а", "2", "3", "4")

Stored = str | int | None


def plain(number: Decimal) -> str:
    return f"{number:f}"


def _at_least_two_places(number: Decimal) -> Decimal:
    return number.quantize(CENT) if number.as_tuple().exponent > -2 else number


def delivery_method(text: str) -> str:
    method = DELIVERY_METHODS.get(" ".join(text.split()).casefold().replace("ё", "е"))
    if method is None:
        raise Invalid(f"неизвестный способ доставки «{text}»; допустимы «По электронной почте», «Почтой», «Лично»")
    return method


def volume_basis(text: str) -> str:
    basis = text.strip("() ").lower().replace("a", "а")  # Latin a -> Cyrillic а
    if basis not in VOLUME_BASES:
        raise Invalid(f"неизвестный способ определения объема «{text}»; допустимы {', '.join(VOLUME_BASES)}")
    return basis


def stored_value(kind: ValueKind, text: str, label: str) -> Stored:
    """One non-empty cell; raises Invalid with a Russian message naming the column."""
    match kind:
        case ValueKind.TEXT:
            return text
        case ValueKind.MONEY:
            return plain(validation.money(text, label))
        case ValueKind.RATE | ValueKind.AREA:
            return plain(_at_least_two_places(validation.decimal_value(text, label)))
        case ValueKind.NUMBER:
            return plain(validation.decimal_value(text, label))
        case ValueKind.COUNT:
            return validation.whole_number(text, label)
        case ValueKind.DATE:
            return _named(validation.date_value, text, label)
        case ValueKind.PERIOD:
            return _named(validation.period, text, label)
        case ValueKind.BASIS:
            return _named(volume_basis, text, label)
        case ValueKind.DELIVERY:
            return _named(delivery_method, text, label)
        case ValueKind.EMAIL:
            return validation.email(text)
    raise AssertionError(f"unhandled value kind {kind}")


def _named(check, text: str, label: str) -> str:
    try:
        return check(text)
    except Invalid as error:
        message = str(error)
        raise Invalid(f"{label}: {message[0].lower()}{message[1:]}") from None


class RowParser:
    """Converts the rows of one table, cell by cell.

    A charges file repeats the same tariffs, units and norms on every account: a cell text
    already converted for the same kind of value is not converted again.
    """

    def __init__(self, table: Table) -> None:
        self.columns = [
            (column.name, column.kind, column.required, table.label(column.name)) for column in table.columns
        ]
        self._converted: dict[tuple[ValueKind, str], Stored] = {}

    def parse(self, row: Row) -> tuple[dict[str, Stored], list[RowError]]:
        """Every cell of the row converted; the problems of the row, each with its line."""
        values: dict[str, Stored] = {}
        errors: list[RowError] = []
        for name, kind, required, label in self.columns:
            text = row.values[name]
            if not text:
                if required:
                    errors.append(RowError(row.line, f"не заполнен обязательный столбец {label}"))
                values[name] = None if kind == ValueKind.COUNT else ""
            elif kind == ValueKind.TEXT:
                values[name] = text
            elif (kind, text) in self._converted:
                values[name] = self._converted[kind, text]
            else:
                try:
                    values[name] = self._converted[kind, text] = stored_value(kind, text, label)
                except Invalid as error:
                    errors.append(RowError(row.line, str(error)))
        return values, errors
