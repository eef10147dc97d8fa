"""An installation from before the split: its one database file becomes the two stores at start."""
import sqlite3
import time
from contextlib import closing

from daemon.db.connect import opened
from daemon.db.migrate import Schema, migrate, migrations
from daemon.db.single_file import KEPT_SUFFIX, PANEL_TABLES, RELAY_TABLES
from daemon.secretbox import SecretBox
from panel.users import Role, add_user
from tests.conftest import PASSWORD, SENDER, message
from tests.panel.client import PanelClient


async def make_single_file(config) -> None:
    """What an earlier version left in its state directory, written with that version's schema."""
    storage = config.storage
    storage.dir.mkdir(parents=True)
    box = SecretBox.open_or_create(storage.key_file)
    async with opened(storage.single_database, Schema.SINGLE_FILE) as db:
        # Queued as that version queued them (today's queue writes columns it never had).
        for queue_id, state, recipient, content, at in (
            ("WAITING1", "queued", "resident@example.ru", message(), time.time() - 60),
            ("SENT2", "delivered", "other@example.ru", None, 100.0),
        ):
            await db.execute(
                "INSERT INTO messages (id, state, account, sender, size, received_at, next_attempt_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (queue_id, state, SENDER, SENDER, len(content or b""), at, at, at),
            )
            await db.execute(
                "INSERT INTO recipients (message_id, address, state, updated_at) VALUES (?, ?, ?, ?)",
                (queue_id, recipient, "pending" if content else "delivered", at),
            )
            if content:
                await db.execute("INSERT INTO message_contents (message_id, content) VALUES (?, ?)", (queue_id, content))
        await db.execute(
            "INSERT INTO accounts (username, address, password_encrypted, created_at) VALUES (?, ?, ?, 0)",
            (SENDER, SENDER, box.encrypt(PASSWORD)),
        )
        await add_user(db, "ivanova", "ivanova-password", Role.OPERATOR, 0)
        # The seed's account and part of its document, as that version's import wrote them
        # (today's import writes columns the single file never had).
        for statement in (
            "INSERT INTO organisations (id, name, updated_at) VALUES (1, 'УК \"Тихий океан\"', 0)",
            "INSERT INTO personal_accounts (id, number, payer, organisation_id, premises, building, updated_at)"
            " VALUES (1, '000000001001', 'Перматов Михаил Николаевич', 1, 'Братиславская, д. 1, кв. 1',"
            " 'Москва, Братиславская, д. 1', 0)",
            "INSERT INTO payment_documents (id, account_id, period, advance, total_for_period, total_with_advance,"
            " updated_at) VALUES (1, 1, '2013-07', '2585.58', '2447.90', '0.00', 0)",
            "INSERT INTO charge_lines (document_id, position, section, service, tariff, total) VALUES"
            " (1, 1, '', 'Содержание и ремонт общего имущества', '15.90', '1113.00'),"
            " (1, 2, 'Прочие', 'Целевой сбор', '100.00', '100.00')",
            "INSERT INTO house_facts (building, period, residents_in_house) VALUES"
            " ('Москва, Братиславская, д. 1', '2013-07', 4)",
        ):
            await db.execute(statement)


def rows(path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


async def test_the_single_file_is_split_at_start_and_nothing_is_lost(upstream, make_config, start_relay):
    config = make_config(upstream, panel={"listen": "127.0.0.1:0"})
    storage = config.storage
    await make_single_file(config)
    charge_lines = rows(storage.single_database, "SELECT COUNT(*) FROM charge_lines")

    relay = await start_relay(config, run_worker=False)

    assert not storage.single_database.exists()
    assert storage.single_database.with_name("epd-relay.db" + KEPT_SUFFIX).exists()
    assert sorted(path.name for path in storage.dir.glob("*.splitting*")) == []
    assert rows(storage.relay_database, "SELECT id, state FROM messages ORDER BY id") == [
        ("SENT2", "delivered"), ("WAITING1", "queued"),
    ]
    assert rows(storage.panel_database, "SELECT COUNT(*) FROM charge_lines") == charge_lines
    # columns the panel's store gained after the split take their defaults
    assert rows(storage.panel_database, "SELECT total_for_period, debt_previous, penalties FROM payment_documents") \
        == [("2447.90", "", "")]
    assert rows(storage.panel_database, "SELECT pdf_password_rule, note, email_text FROM organisations") \
        == [("off", "", "")]
    # The queued message goes out with the password stored before the upgrade.
    assert await relay.worker.run_once(time.time()) == 1
    assert [received.content for received in upstream.received] == [message()]
    # Staff log in as before and find the account through the search index.
    client = PanelClient(relay.panel_url)
    try:
        assert (await client.login("ivanova", "ivanova-password")).path == "/"
        page = await client.get("/accounts?q=Братислав")
        assert "000000001001" in page.text
    finally:
        await client.close()


async def test_a_split_cut_short_is_done_again_from_the_single_file(make_config, start_relay):
    config = make_config(None)
    storage = config.storage
    await make_single_file(config)
    # A crash after one store was renamed into place, before the single file was: the next
    # start must not trust either leftover.
    with closing(sqlite3.connect(storage.relay_database, isolation_level=None)) as half:
        migrate(half, Schema.RELAY)
        half.execute("PRAGMA journal_mode = WAL")
        half.execute("PRAGMA wal_autocheckpoint = 0")
        half.execute(
            "INSERT INTO messages (id, state, account, sender, size, received_at, next_attempt_at, updated_at)"
            " VALUES ('HALF', 'queued', '', '', 0, 0, 0, 0)"
        )
        wal = storage.relay_database.with_name("relay.db-wal")
        crashed = wal.read_bytes()  # what a process killed now would leave beside the file
    wal.write_bytes(crashed)
    storage.panel_database.with_name("panel.db.splitting").write_bytes(b"torn")

    await start_relay(config, run_worker=False)

    assert rows(storage.relay_database, "SELECT id FROM messages ORDER BY id") == [("SENT2",), ("WAITING1",)]
    assert rows(storage.panel_database, "SELECT name FROM staff_users WHERE name = 'ivanova'") == [("ivanova",)]
    assert not storage.single_database.exists()


def test_every_table_of_the_single_file_has_a_store():
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as db:
        migrate(db, Schema.SINGLE_FILE)
        tables = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("personal_accounts_search")  # FTS5 index, rebuilt by its triggers
        }
    assert tables == set(RELAY_TABLES.values()) | set(PANEL_TABLES.values())
    assert len(migrations(Schema.SINGLE_FILE)) == 4  # frozen: new tables go to relay/ or panel/
