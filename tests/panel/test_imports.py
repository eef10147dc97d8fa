"""Importing accounts and monthly charges from CSV and XLSX into a real database."""
import zipfile
from decimal import Decimal

import pytest

from daemon.db.connect import connect
from daemon.db.migrate import Schema
from panel.imports import ACCOUNT_COLUMNS, CHARGE_COLUMNS, TableKind, import_file
from tests.panel import seed_tables
from tests.panel.seed_tables import csv_bytes, russian, xlsx_bytes

NOW = 1_700_000_000.0
NUMBER = "000000001001"
EMAIL_EMPTY = "способ доставки «По электронной почте», но электронная почта не указана"


@pytest.fixture
async def db(tmp_path):
    database = await connect(tmp_path / "state" / "panel.db", Schema.PANEL)
    yield database
    await database.close()


async def count(db, table: str) -> int:
    return (await db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]


async def imported(db, data: bytes, filename: str):
    report = await import_file(db, data, filename, NOW)
    assert report.applied, report.messages()
    assert report.errors == []
    return report


def same(stored: str, expected) -> bool:
    """Numbers compare as Decimals ("1" and "1.00000"), everything else as text."""
    expected = "" if expected is None else str(expected)
    try:
        return Decimal(stored) == Decimal(expected)
    except ArithmeticError:
        return stored == expected


async def assert_seed_account(db) -> None:
    account = seed_tables.seed()["account"]
    row = await db.fetchone(
        "SELECT a.*, o.name AS organisation FROM personal_accounts a LEFT JOIN organisations o"
        " ON o.id = a.organisation_id WHERE number = ?", (NUMBER,))
    assert row is not None
    assert row["code"] == account["code"]
    assert row["payer"] == account["name_on_card"]
    assert row["payer_on_document"] == account["payer_on_document"]
    assert row["organisation"] == 'УК "Тихий океан"'
    assert row["premises"] == account["premises"]
    assert row["building"] == account["building"]
    assert row["postal_address"] == account["postal_address"]
    assert row["total_area"] == "70.00"
    assert (row["registered"], row["residents"]) == (1, 1)
    assert row["category"] == "Собственники"
    assert Decimal(row["ownership_share"]) == Decimal("1")
    assert row["housing_fund"] == "Приватизированный"
    assert row["opened"] == "2012-10-01" and row["closed"] == ""
    assert row["delivery_method"] == "email"
    assert row["email"] == "lemontov_mn@mail.ru"
    assert await count(db, "personal_accounts") == 1


async def assert_seed_charges(db) -> None:
    data = seed_tables.seed()
    documents = await db.fetchall("SELECT * FROM payment_documents")
    assert len(documents) == 1
    document = documents[0]
    assert document["period"] == "2013-07"
    assert document["advance"] == "2585.58"
    assert document["last_payment_date"] == "2013-05-10"
    assert document["last_payment_amount"] == "10000.00"
    assert document["payments_counted_until"] == "2013-07-25"
    assert document["total_for_period"] == "2447.90"
    assert document["total_with_advance"] == "0.00"
    lines = await db.fetchall("SELECT * FROM charge_lines WHERE document_id = ? ORDER BY position", (document["id"],))
    expected = seed_tables.charge_lines()
    assert len(lines) == len(expected) == 8
    for line, wanted in zip(lines, expected):
        for _, key in seed_tables.LINE_COLUMNS:
            assert same(line[key], wanted.get(key)), (line["position"], key, line[key], wanted.get(key))
        assert line["section"] == wanted["section"]
    for money in ("tariff", "amount_individual", "charged", "total"):
        assert lines[0][money] in ("15.90", "1113.00")
    house = await db.fetchone("SELECT * FROM house_facts")
    assert house["building"] == data["account"]["building"] and house["period"] == "2013-07"
    assert Decimal(house["common_property_area"]) == 105 and house["residents_in_house"] == 4
    assert Decimal(house["premises_area"]) == 414 and Decimal(house["total_house_area"]) == 0


# --- the seed's example in every accepted format ----------------------------------------------

FORMATS = {
    "csv-utf8-comma": lambda table: (csv_bytes(table), "data.csv"),
    "csv-utf8-bom-semicolon-russian": lambda table: (b"\xef\xbb\xbf" + csv_bytes(russian(table), ";"), "data.csv"),
    "csv-1251-semicolon-russian": lambda table: (csv_bytes(russian(table), ";", "cp1251"), "data.csv"),
    "csv-1251-tab": lambda table: (csv_bytes(table, "\t", "cp1251"), "data.txt"),
    "xlsx-typed": lambda table: (xlsx_bytes(table), "data.xlsx"),
    "xlsx-text": lambda table: (xlsx_bytes(russian(table), typed=False), "Начисления.XLSX"),
}


@pytest.mark.parametrize("form", FORMATS)
async def test_seed_accounts_and_charges_import(db, form):
    data, name = FORMATS[form](seed_tables.account_table())
    report = await imported(db, data, name)
    assert report.kind == TableKind.ACCOUNTS
    assert (report.rows, report.created, report.updated) == (1, 1, 0)
    assert report.organisations_created == ['УК "Тихий океан"']
    await assert_seed_account(db)

    data, name = FORMATS[form](seed_tables.charge_table())
    report = await imported(db, data, name)
    assert report.kind == TableKind.CHARGES
    assert (report.rows, report.created, report.updated) == (8, 1, 0)
    await assert_seed_charges(db)


async def test_shipped_examples_are_the_seed_data(db):
    await imported(db, (seed_tables.EXAMPLES / "accounts.csv").read_bytes(), "accounts.csv")
    await assert_seed_account(db)
    charges = (seed_tables.EXAMPLES / "charges-2013-07.csv").read_bytes()
    charges.decode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        charges.decode("utf-8")
    assert charges.splitlines()[0].count(b";") == len(seed_tables.CHARGE_HEADER) - 1
    await imported(db, charges, "charges-2013-07.csv")
    await assert_seed_charges(db)


async def test_shipped_xlsx_examples_import_the_same(db):
    report = await imported(db, (seed_tables.EXAMPLES / "accounts.xlsx").read_bytes(), "accounts.xlsx")
    assert report.created == 1
    await assert_seed_account(db)
    report = await imported(db, (seed_tables.EXAMPLES / "charges-2013-07.xlsx").read_bytes(), "charges-2013-07.xlsx")
    assert report.created == 1
    await assert_seed_charges(db)
    # and again from the CSV examples: the same rows, updated in place
    for name in ("accounts.csv", "charges-2013-07.csv"):
        report = await imported(db, (seed_tables.EXAMPLES / name).read_bytes(), name)
        assert (report.created, report.updated) == (0, 1)
    await assert_seed_account(db)
    await assert_seed_charges(db)


# --- bad files: every bad row reported, nothing imported ---------------------------------------

def accounts_with(*rows: dict[str, str]) -> list[list[str]]:
    """The seed's account row, then one row per dict: the seed row with those cells changed."""
    table = seed_tables.account_table()
    header, seed_row = table
    for change in rows:
        row = dict(zip(header, seed_row)) | change
        table.append([row[name] for name in header])
    return table


async def assert_nothing_imported(db) -> None:
    for table in ("personal_accounts", "organisations", "payment_documents", "charge_lines", "house_facts"):
        assert await count(db, table) == 0, table


async def test_bad_rows_of_a_csv_are_all_reported_and_nothing_is_imported(db):
    table = accounts_with(
        {"Номер лицевого счета": "2", "Общая площадь": "70,5"},                   # line 3: good
        {"Номер лицевого счета": "3", "Общая площадь": "семьдесят"},              # line 4
        {"Номер лицевого счета": "4", "Электронная почта": "lemontov_mn@mail"},  # line 5
        {"Номер лицевого счета": "", "Плательщик": ""},                          # line 6
        {"Номер лицевого счета": "7", "Открыт": "31.02.2013"},                   # line 7
        {"Номер лицевого счета": "8", "Способ доставки платежного документа": "Голубиной почтой"},  # 8
    )
    report = await import_file(db, csv_bytes(table, ";"), "accounts.csv", NOW)
    assert not report.applied
    assert report.messages() == [
        "Строка 4: «Общая площадь»: неверное число «семьдесят»",
        "Строка 5: неверный адрес электронной почты: lemontov_mn@mail",
        "Строка 6: не заполнен обязательный столбец «Номер лицевого счета»",
        "Строка 6: не заполнен обязательный столбец «Плательщик»",
        "Строка 7: «Открыт»: неверная дата: «31.02.2013»",
        "Строка 8: «Способ доставки платежного документа»: неизвестный способ доставки «Голубиной почтой»;"
        " допустимы «По электронной почте», «Почтой», «Лично»",
    ]
    assert [error.line for error in report.errors] == [4, 5, 6, 6, 7, 8]
    await assert_nothing_imported(db)


async def test_broken_csv_quoting_names_the_line(db):
    good = csv_bytes(seed_tables.account_table())
    data = good + '000000001002,,"Иванов Иван Иванович,\r\n'.encode()
    report = await import_file(db, data, "accounts.csv", NOW)
    assert not report.applied
    assert len(report.errors) == 1
    assert report.messages()[0].startswith("Строка 3: нарушена разметка CSV")
    await assert_nothing_imported(db)


async def test_a_quoted_line_break_keeps_the_line_numbers(db):
    table = accounts_with({"Номер лицевого счета": "2", "Почтовый адрес": "109451, Москва,\nБратиславская"},
                          {"Номер лицевого счета": "3", "Проживает": "один"})
    report = await import_file(db, csv_bytes(table), "accounts.csv", NOW)
    assert report.messages() == [
        "Строка 5: «Проживает»: ожидается целое неотрицательное число, а не «один»"]


async def test_a_cell_beyond_the_header_is_reported(db):
    data = csv_bytes(seed_tables.account_table()) + "000000001002;Иванов;лишнее\r\n".encode().replace(b";", b",")
    data = data.replace("Иванов,лишнее".encode(), "Иванов".encode() + b"," * 20 + "лишнее".encode())
    report = await import_file(db, data, "accounts.csv", NOW)
    assert report.messages() == ["Строка 3: значения в столбцах без заголовка: «лишнее»"]
    await assert_nothing_imported(db)


async def test_unknown_and_missing_columns_are_named(db):
    data = "Номер лицевого счета;Плательщик;Площадь балкона\r\n1;Иванов;3\r\n".encode()
    report = await import_file(db, data, "accounts.csv", NOW)
    assert not report.applied
    assert report.messages() == [
        "Неизвестные столбцы: «Площадь балкона» (допустимые столбцы описаны в examples/README.md)"]
    data = "Номер лицевого счета;Период;Итого к оплате\r\n1;Июль 2013;3\r\n".encode()
    report = await import_file(db, data, "charges.csv", NOW)
    assert report.messages() == ["Нет обязательных столбцов: «Услуга»"]
    report = await import_file(db, "Фамилия;Имя\r\nИванов;Иван\r\n".encode(), "people.csv", NOW)
    assert report.messages()[0].startswith("Не удалось определить вид файла по строке заголовка")


async def test_a_file_that_is_not_text_is_refused(db):
    report = await import_file(db, bytes(range(256)) * 4, "accounts.csv", NOW)
    assert report.messages() == [
        "Не удалось прочитать файл как текст CSV: ожидается кодировка UTF-8 или Windows-1251"]
    report = await import_file(db, "Номер лицевого счета;Плательщик\r\n".encode(), "accounts.csv", NOW)
    assert report.messages() == ["В файле нет строк с данными, только заголовок"]
    report = await import_file(db, b"", "accounts.csv", NOW)
    assert report.messages() == ["Первая строка файла должна содержать заголовки столбцов"]


async def test_bad_rows_of_an_xlsx_are_reported_by_row_number(db):
    table = accounts_with({"Номер лицевого счета": "2"},
                          {"Номер лицевого счета": "3", "Зарегистрировано": "-1"},
                          {"Номер лицевого счета": "4", "Электронная почта": "не адрес"})
    report = await import_file(db, xlsx_bytes(table), "accounts.xlsx", NOW)
    assert not report.applied
    assert report.messages() == [
        "Строка 4: «Зарегистрировано»: ожидается целое неотрицательное число, а не «-1»",
        "Строка 5: неверный адрес электронной почты: не адрес",
    ]
    await assert_nothing_imported(db)


async def test_xlsx_blank_rows_are_skipped_and_counted(db, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header, row = seed_tables.account_table()
    sheet.append(header)
    sheet.append(row)
    sheet.append([])
    sheet.append(["000000001002", None, "Иванов Иван Иванович"] + [None] * 15 + ["По электронной почте"])
    path = tmp_path / "accounts.xlsx"
    workbook.save(path)
    report = await import_file(db, path.read_bytes(), "accounts.xlsx", NOW)
    assert report.messages() == [f"Строка 4: {EMAIL_EMPTY}"]
    await assert_nothing_imported(db)


async def test_an_account_number_in_a_zero_padded_numeric_cell_keeps_its_zeros(db, tmp_path):
    import openpyxl

    header, row = seed_tables.account_table()
    number = row[0]
    assert number.startswith("00")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.append([int(number)] + row[1:])
    sheet["A2"].number_format = "0" * len(number)  # Excel shows 000000001001
    path = tmp_path / "accounts.xlsx"
    workbook.save(path)
    report = await import_file(db, path.read_bytes(), "accounts.xlsx", NOW)
    assert report.messages() == [], report.messages()
    assert [r["number"] for r in await db.fetchall("SELECT number FROM personal_accounts")] == [number]


async def test_a_damaged_xlsx_is_refused(db):
    data = xlsx_bytes(seed_tables.account_table())
    report = await import_file(db, data[: len(data) // 2], "accounts.xlsx", NOW)
    assert report.messages() == ["Файл «accounts.xlsx» не удалось прочитать как книгу Excel (XLSX)"]
    report = await import_file(db, b"not a workbook", "accounts.xlsx", NOW)
    assert report.messages() == ["Файл «accounts.xlsx» не удалось прочитать как книгу Excel (XLSX)"]
    report = await import_file(db, b"\xd0\xcf\x11\xe0" + bytes(100), "accounts.xls", NOW)
    assert report.messages() == ["Файл «accounts.xls» в старом формате XLS: сохраните его как XLSX или CSV"]
    await assert_nothing_imported(db)


async def test_a_zip_that_is_not_a_workbook_is_refused(db, tmp_path):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    report = await import_file(db, path.read_bytes(), "archive.xlsx", NOW)
    assert report.messages() == ["Файл «archive.xlsx» не удалось прочитать как книгу Excel (XLSX)"]


async def test_excel_float_noise_becomes_kopecks_not_floats(db):
    await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    table = seed_tables.charge_table()
    total_column = table[0].index("Итого к оплате")
    charged_column = table[0].index("Всего начислено")
    table[2][total_column] = table[2][charged_column] = repr(74.93 + 35.95)   # 110.88000000000001
    assert table[2][total_column] != "110.88"
    await imported(db, xlsx_bytes(table), "charges.xlsx")
    line = await db.fetchone("SELECT total, charged FROM charge_lines WHERE position = 2")
    assert (line["total"], line["charged"]) == ("110.88", "110.88")


# --- rules across rows and against the database ----------------------------------------------

async def test_duplicate_account_numbers_in_a_file_are_refused(db):
    table = accounts_with({"Плательщик": "Иванов Иван Иванович"}, {"Номер лицевого счета": "2"},
                          {"Номер лицевого счета": "2"})
    for data, name in ((csv_bytes(table), "accounts.csv"), (xlsx_bytes(table), "accounts.xlsx")):
        report = await import_file(db, data, name, NOW)
        assert not report.applied
        assert report.messages() == [
            f"Строка 3: номер лицевого счета «{NUMBER}» уже встречается в строке 2",
            "Строка 5: номер лицевого счета «2» уже встречается в строке 4",
        ]
        await assert_nothing_imported(db)


async def test_email_delivery_needs_a_valid_address(db):
    table = accounts_with(
        {"Номер лицевого счета": "2", "Электронная почта": ""},
        {"Номер лицевого счета": "3", "Электронная почта": "lemontov_mn@@mail.ru"},
        {"Номер лицевого счета": "4", "Способ доставки платежного документа": "Почтой",
         "Электронная почта": "ivanov@mail.ru"},
        {"Номер лицевого счета": "5", "Способ доставки платежного документа": "Лично", "Электронная почта": ""},
    )
    report = await import_file(db, csv_bytes(table), "accounts.csv", NOW)
    assert report.messages() == [
        f"Строка 3: {EMAIL_EMPTY}",
        "Строка 4: неверный адрес электронной почты: lemontov_mn@@mail.ru",
    ]
    await assert_nothing_imported(db)


async def test_an_address_alone_does_not_mean_email_delivery(db):
    table = accounts_with({"Номер лицевого счета": "4", "Способ доставки платежного документа": "Почтой",
                           "Электронная почта": "ivanov@mail.ru"},
                          {"Номер лицевого счета": "5", "Способ доставки платежного документа": ""})
    await imported(db, csv_bytes(table), "accounts.csv")
    rows = await db.fetchall("SELECT number, delivery_method, email FROM personal_accounts ORDER BY number")
    assert [tuple(row) for row in rows] == [
        (NUMBER, "email", "lemontov_mn@mail.ru"), ("4", "post", "ivanov@mail.ru"), ("5", "post", "lemontov_mn@mail.ru")]


async def test_email_delivery_is_checked_against_the_stored_address(db):
    await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    # a file that names only the delivery method keeps the stored address
    data = f"Номер лицевого счета;Способ доставки\r\n{NUMBER};По электронной почте\r\n".encode()
    report = await import_file(db, data, "delivery.csv", NOW)
    assert report.messages() == ["Нет обязательных столбцов: «Плательщик»"]
    data = f"Номер лицевого счета;Плательщик;Способ доставки\r\n{NUMBER};Перматов М. Н.;По электронной почте\r\n"
    await imported(db, data.encode(), "delivery.csv")
    report = await import_file(db, "Номер лицевого счета;Плательщик;Способ доставки\r\n9;Новый;e-mail\r\n".encode(),
                               "new.csv", NOW)
    assert report.messages() == [f"Строка 2: {EMAIL_EMPTY}"]
    row = await db.fetchone("SELECT payer, email, delivery_method FROM personal_accounts WHERE number = ?", (NUMBER,))
    assert tuple(row) == ("Перматов М. Н.", "lemontov_mn@mail.ru", "email")
    # clearing the address of an e-mail account is refused
    data = f"Номер лицевого счета;Плательщик;Электронная почта\r\n{NUMBER};Перматов М. Н.;\r\n"
    report = await import_file(db, data.encode(), "clear.csv", NOW)
    assert report.messages() == [f"Строка 2: {EMAIL_EMPTY}"]


async def test_reimporting_the_same_period_updates_in_place(db):
    await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    await imported(db, csv_bytes(seed_tables.charge_table()), "charges.csv")
    table = seed_tables.charge_table()
    header = table[0]
    del table[-1]                                                   # «Целевой сбор» dropped
    table[1][header.index("Итого к оплате за расчетный период")] = "2347.90"
    table[1][header.index("Аванс")] = "100.00"
    table[1][header.index("Итого к оплате с учетом аванса")] = ""  # computed: 2347.90 - 100.00
    table[1][header.index("Количество проживающих в доме")] = "5"
    report = await imported(db, csv_bytes(table), "charges.csv")
    assert (report.created, report.updated) == (0, 1)
    assert await count(db, "payment_documents") == 1
    assert await count(db, "charge_lines") == 7
    assert await count(db, "house_facts") == 1
    document = await db.fetchone("SELECT * FROM payment_documents")
    assert (document["total_for_period"], document["advance"], document["total_with_advance"]) == (
        "2347.90", "100.00", "2247.90")
    assert (await db.fetchone("SELECT residents_in_house FROM house_facts"))[0] == 5

    report = await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert report.organisations_created == []
    assert await count(db, "personal_accounts") == 1 and await count(db, "organisations") == 1


async def test_reimported_accounts_are_rewritten_only_when_changed(db):
    table = accounts_with({"Номер лицевого счета": "2"}, {"Номер лицевого счета": "3"})
    await imported(db, csv_bytes(table), "accounts.csv")
    await db.execute("UPDATE personal_accounts SET updated_at = 1")
    table[3][table[0].index("Телефон")] = "+7 495 123-45-67"
    table.append(table[3][:])
    table[4][0] = "4"
    report = await import_file(db, csv_bytes(table), "accounts.csv", NOW)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
    rows = await db.fetchall("SELECT number, phone, updated_at FROM personal_accounts ORDER BY number")
    assert [tuple(row) for row in rows] == [
        (NUMBER, "", 1), ("2", "", 1), ("3", "+7 495 123-45-67", NOW), ("4", "+7 495 123-45-67", NOW)]
    search = await db.fetchall(
        "SELECT rowid FROM personal_accounts_search WHERE personal_accounts_search MATCH ?", ('"Перматов"',))
    assert len(search) == 4


async def test_another_period_is_a_new_document(db):
    await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    await imported(db, csv_bytes(seed_tables.charge_table()), "charges.csv")
    table = [[("Август 2013" if cell == "Июль 2013" else cell) for cell in row] for row in seed_tables.charge_table()]
    report = await imported(db, csv_bytes(table), "charges.csv")
    assert (report.created, report.updated) == (1, 0)
    periods = await db.fetchall("SELECT period FROM payment_documents ORDER BY period")
    assert [row[0] for row in periods] == ["2013-07", "2013-08"]
    assert await count(db, "charge_lines") == 16


async def test_charges_need_a_known_account_and_consistent_totals(db):
    table = seed_tables.charge_table()
    header = table[0]
    report = await import_file(db, csv_bytes(table), "charges.csv", NOW)
    assert report.messages() == [
        f"Строка 2: лицевой счет «{NUMBER}» не найден; сначала загрузите лицевые счета"]

    await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    table[1][header.index("Итого к оплате за расчетный период")] = "2447,91"
    table[3][header.index("Аванс")] = "1,00"
    table[4][header.index("Итого к оплате")] = "много"
    report = await import_file(db, csv_bytes(table, ";"), "charges.csv", NOW)
    assert report.messages() == [
        "Строка 4: «Аванс» 1,00 не совпадает со значением 2 585,58 в строке 2 для лицевой счет 000000001001,"
        " Июль 2013",
        "Строка 5: «Итого к оплате»: неверное число «много»",
    ]
    table[3][header.index("Аванс")] = ""
    table[4][header.index("Итого к оплате")] = "155,30"
    report = await import_file(db, csv_bytes(table, ";"), "charges.csv", NOW)
    assert report.messages() == [
        "Строка 2: «Итого к оплате за расчетный период» 2 447,91 не равно сумме по строкам 2 447,90"
        " (лицевой счет 000000001001, Июль 2013)"]
    assert await count(db, "payment_documents") == 0 and await count(db, "charge_lines") == 0


async def test_period_total_is_computed_when_not_given(db):
    await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    table = seed_tables.charge_table()
    keep = [header for header in table[0] if header not in (
        "Итого к оплате за расчетный период", "Итого к оплате с учетом аванса")]
    indexes = [table[0].index(header) for header in keep]
    await imported(db, csv_bytes([[row[index] for index in indexes] for row in table]), "charges.csv")
    document = await db.fetchone("SELECT total_for_period, total_with_advance FROM payment_documents")
    assert tuple(document) == ("2447.90", "0.00")


async def test_a_charge_row_without_account_or_period_is_reported_once(db):
    await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    table = seed_tables.charge_table()
    table[2][0] = ""
    table[3][1] = "Июль"
    report = await import_file(db, csv_bytes(table), "charges.csv", NOW)
    assert report.messages() == [
        "Строка 3: не заполнен обязательный столбец «Номер лицевого счета»",
        "Строка 4: «Период»: неверный период: «Июль»; ожидается, например, «Июль 2013», «07.2013» или «2013-07»",
    ]
    assert await count(db, "payment_documents") == 0


async def test_excel_separator_line_is_honoured_and_counted(db):
    table = accounts_with({"Номер лицевого счета": "2", "Проживает": "двое"})
    data = b"sep=,\r\n" + csv_bytes(table)
    report = await import_file(db, data, "accounts.csv", NOW)
    assert report.messages() == ["Строка 4: «Проживает»: ожидается целое неотрицательное число, а не «двое»"]
    await imported(db, data.replace("двое".encode(), b"2"), "accounts.csv")
    assert await count(db, "personal_accounts") == 2


def test_examples_readme_documents_every_column():
    readme = (seed_tables.EXAMPLES / "README.md").read_text(encoding="utf-8")
    for column in (*ACCOUNT_COLUMNS, *CHARGE_COLUMNS):
        assert f"| {column.label} (`{column.name}`) |" in readme, column.label
        for alias in column.aliases:
            assert alias in readme, alias
