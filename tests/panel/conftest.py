from dataclasses import dataclass

import pytest

from daemon import app
from panel.users import Role, add_user
from tests.panel.client import PanelClient

OPERATOR = ("operator", "operator-password")
ADMIN = ("boss", "admin-password")


@dataclass
class PanelRun:
    relay: app.Relay
    url: str

    async def client(self, login: tuple[str, str] | None = None) -> PanelClient:
        client = PanelClient(self.url)
        self._clients.append(client)
        if login:
            page = await client.login(*login)
            assert page.status == 200 and page.path == "/", page
        return client

    def __post_init__(self) -> None:
        self._clients: list[PanelClient] = []


@pytest.fixture
async def panel(make_config, start_relay):
    """A relay with its panel on an ephemeral port, local capture, one admin and one operator."""
    relay = await start_relay(make_config(None))
    await add_user(relay.panel.db, OPERATOR[0], OPERATOR[1], Role.OPERATOR, 0)
    await add_user(relay.panel.db, ADMIN[0], ADMIN[1], Role.ADMIN, 0)
    run = PanelRun(relay, relay.panel_url)
    yield run
    for client in run._clients:
        await client.close()


@pytest.fixture
async def operator(panel):
    return await panel.client(OPERATOR)


@pytest.fixture
async def admin(panel):
    return await panel.client(ADMIN)
