"""The read model: what the panel's store holds after the seed's example is imported, typed."""
import sqlite3
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
