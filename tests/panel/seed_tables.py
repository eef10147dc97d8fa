"""The seed's July 2013 example (tests/fixtures/seed_july_2013.json) as import tables.

Tables are lists of rows of text, the header first; `csv_bytes` and `xlsx_bytes` turn them
into files the way a person's spreadsheet program would save them.
"""
import csv
import datetime
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "seed_july_2013.json"
EXAMPLES = ROOT / "examples"

Table = list[list[str]]

ACCOUNT_HEADER = [
    "Номер лицевого счета", "Код", "Плательщик", "Плательщик в платежном документе",
    "Ответственный собственник", "Организация", "Помещение", "Здание", "Почтовый адрес",
    "Общая площадь", "Жилая площадь", "Зарегистрировано", "Проживает", "Категория лицевого счета",
    "Доля собственности", "Вид жилого фонда", "Открыт", "Закрыт",
    "Способ доставки платежного документа", "Электронная почта", "Телефон",
]

# Line columns: (header, key in a fixture line or its "reference").
LINE_COLUMNS = [
    ("Услуга", "service"), ("Ед. изм.", "unit"),
    ("Объем индив. потребл.", "volume_individual"),
    ("Способ определения объема индив. потребл.", "volume_individual_basis"),
    ("Объем общедом. нужды", "volume_common"),
    ("Способ определения объема общедом. нужды", "volume_common_basis"),
    ("Тариф", "tariff"), ("Размер платы индив. потребл.", "amount_individual"),
    ("Размер платы общедом. нужды", "amount_common"), ("Всего начислено", "charged"),
    ("Перерасчеты", "recalculation"), ("Льготы, субсидии", "benefits"), ("Итого к оплате", "total"),
    ("Итого индив. потребл.", "total_individual"), ("Итого общедом. нужды", "total_common"),
    ("Норматив индив. потребл.", "norm_individual"), ("Норматив общедом. нужды", "norm_common"),
    ("Показания ИПУ", "meter_individual"), ("Показания ОПУ", "meter_common"),
    ("Объем в доме индив. потребл.", "house_volume_individual"),
    ("Объем в доме общедом. нужды", "house_volume_common"),
]
DOCUMENT_HEADER = [
    "Аванс", "Дата последней оплаты", "Сумма последней оплаты", "Учтены платежи до",
    "Итого к оплате за расчетный период", "Итого к оплате с учетом аванса",
]
HOUSE_HEADER = [
    "Площадь помещений в общей собственности", "Количество проживающих в доме",
    "Площадь помещений (жилых и нежилых)", "Общая площадь дома",
]
CHARGE_HEADER = [
    "Номер лицевого счета", "Период", "Раздел", *(header for header, _ in LINE_COLUMNS),
    *DOCUMENT_HEADER, *HOUSE_HEADER,
]
DELIVERY_LABELS = {"email": "По электронной почте", "post": "Почтой", "in_person": "Лично"}

_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def seed() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _text(value) -> str:
    return "" if value is None else str(value)


def account_table() -> Table:
    data = seed()
    account, organisation = data["account"], data["organization"]
    return [ACCOUNT_HEADER, [
        account["number"], account["code"], account["name_on_card"], account["payer_on_document"],
        account["name_on_card"], organisation["name"], account["premises"], account["building"],
        account["postal_address"], account["total_area_m2"], "", str(account["registered"]),
        str(account["residents"]), account["category"], account["ownership_share"],
        account["housing_fund"], account["opened"], "", DELIVERY_LABELS[account["delivery_method"]],
        account["email"], "",
    ]]


def charge_lines() -> list[dict]:
    """Every line of the fixture's document with its section title and reference figures."""
    lines = []
    for section in seed()["sections"]:
        for line in section["lines"]:
            lines.append({**line, **line["reference"], "section": section["title"] or ""})
    return lines


def charge_table() -> Table:
    """One row per line; document and house figures on the first line only."""
    data = seed()
    house = data["house"]
    document = [
        data["advance"], data["last_payment"]["date"], data["last_payment"]["amount"],
        data["payments_counted_until"], data["total_for_period"], data["total_with_advance"],
    ]
    facts = [
        house["common_property_area_m2"], str(house["residents_in_house"]),
        house["premises_area_m2"], house["total_house_area_m2"],
    ]
    rows = [CHARGE_HEADER]
    for index, line in enumerate(charge_lines()):
        cells = [data["account"]["number"], data["period_label"], line["section"]]
        cells += [_text(line.get(key)) for _, key in LINE_COLUMNS]
        cells += document + facts if index == 0 else [""] * (len(document) + len(facts))
        rows.append(cells)
    return rows


def russian(table: Table) -> Table:
    """Numbers and dates the way a Russian Excel writes them: 2447,90 and 10.05.2013."""
    def cell(text: str) -> str:
        if _DECIMAL.match(text):
            return text.replace(".", ",")
        if _ISO_DATE.match(text):
            year, month, day = text.split("-")
            return f"{day}.{month}.{year}"
        return text
    return [table[0]] + [[cell(text) for text in row] for row in table[1:]]


def csv_bytes(table: Table, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode(encoding)


TEXT_HEADERS = {"Номер лицевого счета", "Код", "Телефон", "Способ определения объема индив. потребл.",
                "Способ определения объема общедом. нужды"}


def _typed(header: str, text: str):
    """A cell as a person's spreadsheet holds it: numbers as numbers, dates as dates."""
    if header in TEXT_HEADERS or text == "":
        return text or None
    if _ISO_DATE.match(text):
        return datetime.date.fromisoformat(text)
    if re.match(r"^-?\d+$", text):
        return int(text)
    if _DECIMAL.match(text):
        return float(Decimal(text))
    return text


def xlsx_bytes(table: Table, typed: bool = True) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Лист1"
    sheet.append(table[0])
    for row in table[1:]:
        sheet.append([_typed(header, text) if typed else (text or None) for header, text in zip(table[0], row)])
    for cell in sheet["A"]:
        cell.number_format = "@"    # account numbers keep their leading zeros
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
