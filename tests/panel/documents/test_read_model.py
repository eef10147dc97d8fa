"""The read model: what the panel's store holds after the seed's example is imported, typed."""
import sqlite3
from decimal import Decimal
from contextlib import closing

import pytest

from daemon.db.connect import opened
from daemon.db.migrate import Schema
from panel.documents.read_model import read_document, read_documents
from panel.imports import import_file
from tests.panel.seed_tables import EXAMPLES
from tests.seed_document import seed_document


@pytest.fixture
async def store(tmp_path):
    path = tmp_path / "panel.db"
    async with opened(path, Schema.PANEL) as db:
        for name in ("accounts.csv", "charges-2013-07.csv"):
            report = await import_file(db, (EXAMPLES / name).read_bytes(), name, 0)
            assert report.applied, report.errors
    with closing(sqlite3.connect(path)) as connection:
        yield connection


def account_id(connection: sqlite3.Connection, number: str) -> int:
    return connection.execute("SELECT id FROM personal_accounts WHERE number = ?", (number,)).fetchone()[0]


def test_the_imported_seed_reads_back_as_the_fixture(store):
    assert read_document(store, account_id(store, "000000001001"), "2013-07") == seed_document()


def test_accounts_without_a_document_for_the_period_are_skipped(store):
    seed = account_id(store, "000000001001")
    assert read_document(store, seed, "2013-08") is None
    assert [d.account_number for d in read_documents(store, [seed, seed + 1000], "2013-07")] == ["000000001001"]


async def test_what_the_model_form_adds_reads_back(tmp_path):
    path = tmp_path / "panel.db"
    accounts = ("Номер лицевого счета;Плательщик;Номер лицевого счета для взносов на кап. ремонт\n"
                "000000002002;Иванова Анна Петровна;КР-000777\n")
    charges = (
        "Номер лицевого счета;Период;Раздел;Услуга;Перерасчеты;Основание перерасчета;"
        "Рассрочка: платеж за период;Рассрочка: проценты;Итого к оплате;"
        "Задолженность за предыдущие периоды;Пени\n"
        "000000002002;2013-07;Коммунальные услуги;Отопление;-123,45;Отсутствие в квартире;"
        "500,00;12,50;876,55;1500,00;15,30\n"
    )
    async with opened(path, Schema.PANEL) as db:
        for name, text in (("accounts.csv", accounts), ("charges.csv", charges)):
            report = await import_file(db, text.encode(), name, 0)
            assert report.applied, report.messages()
    with closing(sqlite3.connect(path)) as connection:
        document = read_document(connection, account_id(connection, "000000002002"), "2013-07")
    assert (document.debt_previous, document.penalties) == (Decimal("1500.00"), Decimal("15.30"))
    assert document.capital_repair_number == "КР-000777"
    [line] = document.lines
    assert line.recalculation == Decimal("-123.45") and line.recalculation_reason == "Отсутствие в квартире"
    assert (line.instalment_payment, line.instalment_interest) == (Decimal("500.00"), Decimal("12.50"))
