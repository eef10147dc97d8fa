"""The panel's store: what its schema does by itself."""
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
