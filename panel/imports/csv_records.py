"""CSV bytes -> records of cell texts with the line each starts on.

Accepted: UTF-8 with or without BOM, and Windows-1251 (what Excel saves on a Russian
Windows); delimiter ';', ',' or tab, told from the header line or an Excel "sep=;" line
before it.
"""
import csv
import io
import re
from collections.abc import Iterator

from panel.imports.report import ImportFailed

DELIMITERS = (";", ",", "\t")
_SEPARATOR_HINT = re.compile(r"^sep=([;,\t])\r?\n", re.IGNORECASE)
_FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")   # all but tab, LF, CR


def decode(data: bytes) -> str:
    """UTF-8 (BOM optional) or, failing that, Windows-1251; anything else is refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            text = None
    if text is None or _FORBIDDEN_CONTROLS.search(text):
        raise ImportFailed([
            "Не удалось прочитать файл как текст CSV: ожидается кодировка UTF-8 или Windows-1251"
        ])
    return text


def _first_record(text: str) -> str:
    """The header record: up to the first line break outside quotes."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return text[:index]
    return text


def detect_delimiter(text: str) -> str:
    """The delimiter seen most often outside quotes in the header line (';' on a tie)."""
    header = _first_record(text)
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])


def csv_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its cells); quoted line breaks keep the numbering right."""
    text = decode(data)
    skipped = 0
    if hint := _SEPARATOR_HINT.match(text):   # Excel's "sep=;" line names the delimiter
        delimiter, text, skipped = hint[1], text[hint.end():], 1
    else:
        delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = skipped + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFailed([
                f"Строка {start}: нарушена разметка CSV — незакрытая кавычка"
                f" или лишние символы после закрывающей кавычки ({error})"
            ]) from None
        yield start, cells
        start = skipped + reader.line_num + 1
