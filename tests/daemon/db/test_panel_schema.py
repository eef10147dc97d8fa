"""The panel's store: what its schema does by itself."""
import sqlite3

import pytest

from daemon.db.connect import opened
from daemon.db.migrate import Schema, migrations


@pytest.fixture
async def db(tmp_path):
    async with opened(tmp_path / "panel.db", Schema.PANEL) as database:
        yield database


async def test_migrations_are_recorded(db):
    row = await db.fetchone("PRAGMA user_version")
    assert row[0] == len(migrations(Schema.PANEL)) >= 1
    mode = await db.fetchone("PRAGMA journal_mode")
    assert mode[0] == "wal"


async def test_account_search_index_follows_the_table(db):
    await db.execute(
        "INSERT INTO personal_accounts (number, payer, premises, email, updated_at)"
        " VALUES ('000000001001', 'Перматов Михаил Николаевич', 'Братиславская, д. 1, кв. 1', 'lemontov_mn@mail.ru', 0)"
    )
    def search(text: str):
        return db.fetchall(
            "SELECT rowid FROM personal_accounts_search WHERE personal_accounts_search MATCH ?", (f'"{text}"',)
        )
    assert len(await search("Братислав")) == 1 and len(await search("lemontov")) == 1
    await db.execute("UPDATE personal_accounts SET email = 'new@mail.ru'")
    assert await search("lemontov") == [] and len(await search("new@mail")) == 1
    await db.execute("DELETE FROM personal_accounts")
    assert await search("Братислав") == []


async def test_a_store_from_before_the_model_form_columns_keeps_its_rows(tmp_path):
    path = tmp_path / "old" / "panel.db"
    path.parent.mkdir()
    first = migrations(Schema.PANEL)[0]
    assert first[1] == "0001_panel.sql"
    with sqlite3.connect(path) as old:
        old.executescript(first[2])
        old.executescript(
            "INSERT INTO personal_accounts (id, number, payer, updated_at) VALUES (1, '000000001001', 'Перматов', 0);"
            "INSERT INTO payment_documents (id, account_id, period, total_for_period, total_with_advance, updated_at)"
            " VALUES (1, 1, '2013-07', '100.00', '100.00', 0);"
            "INSERT INTO charge_lines (document_id, position, service, total) VALUES (1, 1, 'Целевой сбор', '100.00');"
            "PRAGMA user_version = 1;"
        )
    old.close()
    async with opened(path, Schema.PANEL) as db:
        account = await db.fetchone("SELECT number, capital_repair_number FROM personal_accounts")
        document = await db.fetchone("SELECT total_for_period, debt_previous, penalties FROM payment_documents")
        line = await db.fetchone(
            "SELECT service, recalculation_reason, instalment_payment, instalment_interest FROM charge_lines")
    assert tuple(account) == ("000000001001", "")
    assert tuple(document) == ("100.00", "", "")
    assert tuple(line) == ("Целевой сбор", "", "", "")
