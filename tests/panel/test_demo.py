"""The try-it config shows the seed's example in an empty database, once."""
from daemon import app
from daemon.config import load
from panel.users import Role, add_user
from tests.conftest import relay_sections, write_config
from tests.panel.client import PanelClient
from tests.panel.conftest import OPERATOR


async def count(db, table: str) -> int:
    return (await db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]


async def test_demo_data_fills_an_empty_database_once(tmp_path, start_relay):
    path = write_config(tmp_path, relay_sections(None, None, panel={"listen": "127.0.0.1:0", "demo_data": True}))
    first = await app.start(load(path))
    try:
        assert [await count(first.panel.db, table) for table in ("organisations", "personal_accounts", "payment_documents")] \
            == [1, 1, 1]
        await add_user(first.panel.db, *OPERATOR, Role.OPERATOR, 0)
        client = PanelClient(first.panel_url)
        try:
            await client.login(*OPERATOR)
            page = await client.get("/accounts?q=000000001001")
            assert "Перматов Михаил Николаевич" in page.text
        finally:
            await client.close()
        await first.panel.db.execute("UPDATE personal_accounts SET phone = '+7 495 000-00-00'")
    finally:
        await first.stop()

    again = await start_relay(load(path))
    assert await count(again.panel.db, "personal_accounts") == 1
    assert (await again.panel.db.fetchone("SELECT phone FROM personal_accounts"))[0] == "+7 495 000-00-00"


async def test_without_demo_data_the_database_stays_empty(make_config, start_relay):
    relay = await start_relay(make_config(None))
    assert await count(relay.panel.db, "personal_accounts") == 0
