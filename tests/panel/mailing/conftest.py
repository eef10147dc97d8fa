"""A relay with its panel, sending to the test's TLS provider as the seed's mail account."""
import time
from dataclasses import dataclass

import pytest

from daemon import app
from panel import keys
from panel.mailing.runs import Mailing
from panel.users import Role, add_user
from tests.conftest import SENDER
from tests.fake_upstream import FakeUpstream
from tests.panel.client import PanelClient
from tests.panel.conftest import OPERATOR
from tests.panel.documents.sample import import_sample


@dataclass
class SendingPanel:
    relay: app.Relay
    upstream: FakeUpstream
    client: PanelClient

    @property
    def mailing(self) -> Mailing:
        return self.relay.panel.web.runner.app[keys.MAILING]

    async def delivered(self, later: float = 0.0) -> None:
        """The relay delivers what is due (`later` seconds from now: deferred letters too), then
        the mailing reads what became of its letters."""
        await self.mailing.wait_idle()
        await self.relay.worker.run_once(time.time() + later)
        await self.mailing.turn()


@pytest.fixture
async def sending(upstream, make_config, start_relay):
    """9 accounts of two organisations, a third of them by e-mail; delivery driven by the test."""
    relay = await start_relay(make_config(upstream, upstream__smtp={"username": SENDER}), run_worker=False)
    await import_sample(relay.panel.db, 9)
    await add_user(relay.panel.db, *OPERATOR, Role.OPERATOR, 0)
    client = PanelClient(relay.panel_url)
    await client.login(*OPERATOR)
    yield SendingPanel(relay, upstream, client)
    await client.close()
