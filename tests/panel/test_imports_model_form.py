"""The columns of the model form (Приказ Минстроя № 43/пр): debt, penalties, recalculation
reasons, instalments, the capital-repair account number and its contribution line."""
import pytest

from daemon.db.connect import connect
from daemon.db.migrate import Schema
from panel.imports import import_file
from tests.panel import seed_tables
from tests.panel.seed_tables import csv_bytes, russian, xlsx_bytes
from tests.panel.test_imports import NOW, NUMBER, count, imported

CAPITAL_REPAIR = "Взнос на капитальный ремонт"
REASON = "Перерасчет ОДН за июнь 2013 г. по показаниям ОПУ"
FORMATS = {
    "csv-1251-russian": lambda table: (csv_bytes(russian(table), ";", "cp1251"), "charges.csv"),
    "xlsx-typed": lambda table: (xlsx_bytes(table), "charges.xlsx"),
}


@pytest.fixture
async def db(tmp_path):
    database = await connect(tmp_path / "state" / "panel.db", Schema.PANEL)
    await imported(database, csv_bytes(seed_tables.account_table()), "accounts.csv")
    yield database
    await database.close()


def with_columns(table: list[list[str]], **columns: dict[int, str]) -> list[list[str]]:
    """The table with more columns: header -> {row index: cell}; other cells empty."""
    return [
        [*table[0], *columns],    # a new header: seed_tables' header lists are shared
        *([*row, *(cells.get(index, "") for cells in columns.values())] for index, row in enumerate(table[1:], 1)),
    ]


def model_form_table() -> list[list[str]]:
    """The seed's July 2013 document with a recalculation, an instalment, a debt, penalties
    and a capital-repair line; the totals left for the import to compute."""
    table = seed_tables.charge_table()
    header = table[0]
    for name in ("Итого к оплате за расчетный период", "Итого к оплате с учетом аванса"):
        table[1][header.index(name)] = ""
    cold = table[2]                                     # Холодное водоснабжение: 110.88
    cold[header.index("Перерасчеты")] = "-35.95"
    cold[header.index("Итого к оплате")] = "74.93"
    capital = dict.fromkeys(header, "") | {
        "Номер лицевого счета": NUMBER, "Период": "Июль 2013", "Раздел": CAPITAL_REPAIR,
        "Услуга": CAPITAL_REPAIR, "Ед. изм.": "м2", "Объем индив. потребл.": "70", "Тариф": "15.00",
        "Размер платы индив. потребл.": "1050.00", "Всего начислено": "1050.00", "Итого к оплате": "1050.00",
    }
    table.append([capital[name] for name in header])
    return with_columns(
        table,
        **{"Задолженность за предыдущие периоды": {1: "1200.50"}, "Пени": {1: "12.34"},
           "Основание перерасчета": {2: REASON},
           "Рассрочка: платеж за период": {3: "500.00"}, "Рассрочка: проценты": {3: "4.17"}},
    )


@pytest.mark.parametrize("form", FORMATS)
async def test_the_new_columns_are_stored(db, form):
    data, name = FORMATS[form](model_form_table())
    report = await imported(db, data, name)
    assert (report.rows, report.created) == (9, 1)
    document = await db.fetchone("SELECT * FROM payment_documents")
    assert (document["debt_previous"], document["penalties"]) == ("1200.50", "12.34")
    # 2447.90 - 35.95 + 1050.00; then + debt + penalties - advance 2585.58
    assert (document["total_for_period"], document["total_with_advance"]) == ("3461.95", "2089.21")
    lines = await db.fetchall(
        "SELECT section, service, unit, volume_individual, tariff, recalculation, recalculation_reason,"
        " instalment_payment, instalment_interest, total FROM charge_lines ORDER BY position")
    assert [tuple(line) for line in lines[1:3]] == [
        ("Коммунальные услуги", "Холодное водоснабжение", "м3", "5.55", "13.50", "-35.95", REASON, "", "", "74.93"),
        ("Коммунальные услуги", "Горячее водоснабжение", "м3", "5.7", "77.21", "", "", "500.00", "4.17", "477.93"),
    ]
    assert tuple(lines[-1]) == (CAPITAL_REPAIR, CAPITAL_REPAIR, "м2", "70", "15.00", "", "", "", "", "1050.00")


async def test_without_the_new_columns_they_are_empty(db):
    await imported(db, csv_bytes(seed_tables.charge_table()), "charges.csv")
    document = await db.fetchone("SELECT debt_previous, penalties, total_with_advance FROM payment_documents")
    assert tuple(document) == ("", "", "0.00")
    lines = await db.fetchall(
        "SELECT DISTINCT recalculation_reason, instalment_payment, instalment_interest FROM charge_lines")
    assert [tuple(line) for line in lines] == [("", "", "")]


async def test_an_overpayment_is_a_negative_debt_and_lowers_what_is_paid(db):
    table = with_columns(seed_tables.charge_table(), **{"Задолженность": {1: "-447,90"}})
    header = table[0]
    for name in ("Аванс", "Итого к оплате с учетом аванса"):
        table[1][header.index(name)] = ""
    await imported(db, csv_bytes(table, ";"), "charges.csv")
    document = await db.fetchone("SELECT advance, debt_previous, total_with_advance FROM payment_documents")
    assert tuple(document) == ("0.00", "-447.90", "2000.00")


async def test_a_given_total_with_the_advance_is_kept(db):
    table = with_columns(seed_tables.charge_table(), **{"Пени": {1: "10.00"}})
    await imported(db, csv_bytes(table), "charges.csv")
    document = await db.fetchone("SELECT penalties, total_with_advance FROM payment_documents")
    assert tuple(document) == ("10.00", "0.00")


async def test_bad_values_are_reported_with_their_lines(db):
    table = model_form_table()
    header = table[0]
    table[4][header.index("Задолженность за предыдущие периоды")] = "1200.00"  # line 2 has 1200.50
    table[2][header.index("Пени")] = "много"
    table[3][header.index("Рассрочка: проценты")] = "4,17 руб."
    report = await import_file(db, csv_bytes(table, ";"), "charges.csv", NOW)
    assert report.messages() == [
        "Строка 3: «Пени»: неверное число «много»",
        "Строка 4: «Рассрочка: проценты»: неверное число «4,17 руб.»",
        "Строка 5: «Задолженность за предыдущие периоды» 1 200,00 не совпадает со значением 1 200,50"
        " в строке 2 для лицевой счет 000000001001, Июль 2013",
    ]
    assert await count(db, "payment_documents") == 0


async def test_the_capital_repair_account_number_is_imported_and_kept(db):
    header, row = seed_tables.account_table()
    table = [[*header, "Номер лицевого счета для взносов на кап. ремонт"], [*row, "77000000001001"]]
    report = await imported(db, csv_bytes(table), "accounts.csv")
    assert (report.created, report.updated) == (0, 1)
    assert (await db.fetchone("SELECT capital_repair_number FROM personal_accounts"))[0] == "77000000001001"
    # a file without the column leaves it as it is
    report = await imported(db, csv_bytes(seed_tables.account_table()), "accounts.csv")
    assert report.unchanged == 1
    assert (await db.fetchone("SELECT capital_repair_number FROM personal_accounts"))[0] == "77000000001001"
    # and an alias, with an empty cell, clears it
    table[0][-1] = "Лицевой счет для взносов на кап. ремонт"
    table[1][-1] = ""
    await imported(db, csv_bytes(table), "accounts.csv")
    assert (await db.fetchone("SELECT capital_repair_number FROM personal_accounts"))[0] == ""
