"""Demo data: `epd-relay demo` and the try-it config's first start, with real processes and pages."""
from html import unescape

from daemon import app
from daemon.config import load
from daemon.db.stores import panel_store
from panel.users import Role, add_user
from tests.conftest import relay_sections, write_config
from tests.panel.client import PanelClient
from tests.panel.conftest import OPERATOR
from tests.relay_process import run_cli

LOADED = ("demo data loaded: 2 organisations (2 added), 341 personal accounts (341 added),"
          " 335 payment documents for 2013-07 (335 added)")
UNCHANGED = ("demo data already loaded, nothing changed: 2 organisations, 341 personal accounts,"
             " 335 payment documents for 2013-07")
TABLES = ("organisations", "personal_accounts", "payment_documents", "charge_lines", "house_facts")


async def count(db, table: str) -> int:
    return (await db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]


async def run_demo(config) -> tuple[int, list[str]]:
    """The exit code and the printed lines, without the log (migrations on a new database)."""
    code, output = await run_cli("demo", "--config", str(config))
    return code, [line for line in output.splitlines() if not line.startswith(("INFO ", "DEBUG "))]


async def snapshot(config) -> dict[str, list[tuple]]:
    async with panel_store(load(config).storage) as db:
        return {table: [tuple(row) for row in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
                for table in TABLES}


async def test_the_demo_command_loads_once_then_changes_nothing(tmp_path):
    config = write_config(tmp_path, relay_sections(None, None))
    assert await run_demo(config) == (0, [LOADED])
    loaded = await snapshot(config)
    assert [len(loaded[table]) for table in TABLES[:3]] == [2, 341, 335]
    assert await run_demo(config) == (0, [UNCHANGED])
    assert await snapshot(config) == loaded


async def test_someone_elses_organisation_of_the_same_name_stops_it(tmp_path):
    config = write_config(tmp_path, relay_sections(None, None))
    async with panel_store(load(config).storage) as db:
        await db.execute("INSERT INTO organisations (name, inn, kpp, updated_at)"
                         " VALUES ('УК \"Тихий океан\"', '7707083893', '772401001', 0)")
    before = await snapshot(config)
    assert await run_demo(config) == (1, [
        "demo data not loaded:",
        "  Организация «УК \"Тихий океан\"» уже есть, с реквизитами, и не демонстрационная",
    ])
    assert await snapshot(config) == before


async def test_the_first_start_fills_an_empty_database_once(tmp_path, start_relay):
    path = write_config(tmp_path, relay_sections(None, None, panel={"listen": "127.0.0.1:0", "demo_data": True}))
    first = await app.start(load(path))
    try:
        assert [await count(first.panel.db, table) for table in TABLES[:3]] == [2, 341, 335]
        await add_user(first.panel.db, *OPERATOR, Role.OPERATOR, 0)
        client = PanelClient(first.panel_url)
        try:
            await client.login(*OPERATOR)
            page = await client.get("/accounts?q=000000001001")
            assert "Перматов Михаил Николаевич" in page.text
            listing = unescape((await client.get("/organisations")).text)
            assert listing.count("Демонстрационные реквизиты, вымышленные: платежи по ним не дойдут") == 2
            second = await first.panel.db.fetchone("SELECT id FROM organisations WHERE kind = 'ТСЖ'")
            card = unescape((await client.get(f"/organisations/{second[0]}")).text)
            assert ("Не заполнено то, что печатается в платежном документе:"
                    " расчетный счет, банк, БИК, корреспондентский счет.") in card
        finally:
            await client.close()
        await first.panel.db.execute("UPDATE personal_accounts SET phone = '+7 495 000-00-00'")
        await first.panel.db.execute("DELETE FROM payment_documents WHERE id = 1")
    finally:
        await first.stop()

    again = await start_relay(load(path))        # not empty: the start leaves it alone
    assert await count(again.panel.db, "payment_documents") == 334
    assert (await again.panel.db.fetchone("SELECT DISTINCT phone FROM personal_accounts"))[0] == "+7 495 000-00-00"


async def test_without_demo_data_the_database_stays_empty(make_config, start_relay):
    relay = await start_relay(make_config(None))
    assert await count(relay.panel.db, "personal_accounts") == 0
