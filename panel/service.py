"""The panel as the daemon sees it: started beside the relay, and its commands.

The daemon reaches into the panel here and nowhere else (daemon/app.py starts it,
daemon/__main__.py adds its commands); the panel's modules stay behind this one.
"""
import logging
from dataclasses import dataclass

from daemon.config import Address, ConfigHolder
from daemon.db.connect import Database
from daemon.db.stores import open_panel_store, open_relay_store
from daemon.secretbox import SecretBox
from panel.app import Panel, start_panel
from panel.commands import add_commands
from panel.demo import load_demo_data
from panel.users import ensure_first_admin

__all__ = ["RunningPanel", "add_commands", "start"]

log = logging.getLogger(__name__)


@dataclass
class RunningPanel:
    web: Panel
    db: Database        # the panel's own store
    relay_db: Database  # its own connection to the relay's store

    @property
    def port(self) -> int:
        return self.web.port

    @property
    def scheme(self) -> str:
        return self.web.scheme

    async def stop(self) -> None:
        try:
            await self.web.stop()
        finally:  # an open connection's thread would keep the process alive
            await self.db.close()
            await self.relay_db.close()


async def start(settings: ConfigHolder, box: SecretBox, now: float, relay_smtp: Address) -> RunningPanel:
    """Open the panel's stores, prepare a first start (demo data, the first admin), serve.
    `relay_smtp`: where the relay listens, as bound: the mailing hands its letters over there."""
    storage = settings.current.storage
    db = await open_panel_store(storage)
    relay_db = None
    try:
        relay_db = await open_relay_store(storage)
        if settings.current.panel.demo_data:
            await load_demo_data(db, now)
        password = await ensure_first_admin(db, storage.dir, now)
        if password:
            print(
                f"Panel administrator created: login admin, password {password}"
                f" (also in {storage.dir / 'panel-admin.txt'})",
                flush=True,
            )
        web = await start_panel(settings, db, relay_db, box, relay_smtp)
    except BaseException:
        await db.close()
        if relay_db is not None:
            await relay_db.close()
        raise
    return RunningPanel(web, db, relay_db)
