"""XLSX bytes -> records of cell texts: the first sheet, row numbers as Excel shows them.

Numbers in Excel are binary floats; they are written back as the shortest text of at most
15 significant digits (what Excel itself displays), so 74.93 stays "74.93" and a computed
110.88000000000001 becomes "110.88". No arithmetic is done on floats.

A whole number in a cell formatted with leading zeros ("000000000000", how a personal
account number is kept in a numeric column) is written as Excel shows it: 1001 becomes
"000000001001", the account's real number.
"""
import datetime
import io
import logging
import math
import re
from decimal import Decimal

from panel.imports.report import ImportFailed

log = logging.getLogger(__name__)

EXCEL_DIGITS = 15
_LEADING_ZEROS = re.compile(r"0{2,}")


def float_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    text = f"{Decimal(format(value, f'.{EXCEL_DIGITS}g')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def cell_text(value: object, number_format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)) and number_format and _LEADING_ZEROS.fullmatch(number_format):
        if value >= 0 and float(value).is_integer():  # False for inf and nan, which int() refuses
            return str(int(value)).zfill(len(number_format))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def xlsx_records(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """Every row of the first sheet as (row number, cell texts); empty rows included."""
    # Imported here, when a workbook comes: openpyxl brings numpy, which cost the relay
    # 0.5 s and 20 MiB at every start for an import made once a month.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise ImportFailed([f"В книге «{filename}» нет листов"])
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some programs write a wrong size; read what is there
            return [
                (number, [cell_text(cell.value, cell.number_format) for cell in row])
                for number, row in enumerate(sheet.iter_rows(), start=1)
            ]
        finally:
            workbook.close()
    except ImportFailed:
        raise
    except Exception:  # a damaged file makes openpyxl raise almost anything (zip, XML, KeyError)
        log.info("unreadable XLSX %r", filename, exc_info=True)
        raise ImportFailed([f"Файл «{filename}» не удалось прочитать как книгу Excel (XLSX)"]) from None
