"""The staff panel's web application: create_app for tests, start_panel to serve it."""
import asyncio
import logging
import os
import socket
import ssl
from dataclasses import dataclass

from aiohttp import web

from daemon.config import Address, Config, ConfigHolder
from daemon.db.connect import Database
from daemon.secretbox import SecretBox
from panel import keys
from panel.documents.printing import Printing
from panel.jobs import JobPool
from panel.mailing.runs import Mailing
from panel.middlewares import csrf, error_pages, security_headers, sessions
from panel.routes import setup_routes
from panel.templating import environment
from tls.certs import self_signed, sha256_fingerprint
from tls.contexts import server_context

log = logging.getLogger(__name__)

MAX_UPLOAD = 64 * 1024 * 1024  # imports of 100,000 accounts fit


def create_app(
    settings: ConfigHolder, panel_db: Database, relay_db: Database, box: SecretBox, relay_smtp: Address, *,
    secure_cookies: bool,
) -> web.Application:
    app = web.Application(
        middlewares=[error_pages, security_headers, sessions, csrf], client_max_size=MAX_UPLOAD
    )
    app[keys.SETTINGS] = settings
    app[keys.PANEL_DB] = panel_db
    app[keys.RELAY_DB] = relay_db
    app[keys.BOX] = box
    app[keys.JOBS] = JobPool()
    storage = settings.current.storage
    app[keys.PRINTING] = Printing(app[keys.JOBS], storage.panel_database, storage.dir / "print")
    app[keys.MAILING] = Mailing(panel_db=panel_db, relay_db=relay_db, settings=settings, box=box,
                                jobs=app[keys.JOBS], relay_smtp=relay_smtp)
    app.on_startup.append(_start_mailing)
    app.on_cleanup.append(_close_jobs)
    app[keys.SECURE_COOKIES] = secure_cookies
    app[keys.TEMPLATES] = environment()
    setup_routes(app)
    return app


async def _start_mailing(app: web.Application) -> None:
    await app[keys.MAILING].start()


async def _close_jobs(app: web.Application) -> None:
    await app[keys.MAILING].close()
    await app[keys.PRINTING].close()
    await app[keys.JOBS].close()


@dataclass
class Panel:
    runner: web.AppRunner
    port: int
    scheme: str

    async def stop(self) -> None:
        await self.runner.cleanup()


def _tls_context(config: Config) -> ssl.SSLContext:
    panel, storage = config.panel, config.storage
    if panel.tls_cert and panel.tls_key:
        return server_context(panel.tls_cert, panel.tls_key)
    if not storage.panel_cert.exists():
        names = sorted({socket.gethostname(), "localhost", panel.listen.host} - {"0.0.0.0", "::"})
        pair = self_signed(names)
        fd = os.open(storage.panel_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pair.key_pem)
        storage.panel_cert.write_bytes(pair.cert_pem)
        print(
            f"Panel certificate created for {', '.join(names)}.\n"
            f"Its SHA-256 fingerprint, for staff to compare in the browser:\n"
            f"  {sha256_fingerprint(pair.cert_pem)}",
            flush=True,
        )
    return server_context(storage.panel_cert, storage.panel_key)


async def start_panel(
    settings: ConfigHolder, panel_db: Database, relay_db: Database, box: SecretBox, relay_smtp: Address
) -> Panel:
    """Serve the panel on [panel] listen: HTTPS off loopback, plain HTTP on it."""
    config = settings.current
    https = config.panel.https
    ssl_context = await asyncio.to_thread(_tls_context, config) if https else None
    runner = web.AppRunner(
        create_app(settings, panel_db, relay_db, box, relay_smtp, secure_cookies=https), access_log=None
    )
    await runner.setup()
    listen = config.panel.listen
    site = web.TCPSite(runner, listen.host, listen.port, ssl_context=ssl_context)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    port = runner.addresses[0][1]  # the real port when listen asks for 0
    scheme = "https" if https else "http"
    log.info("panel listening on %s://%s:%d/", scheme, listen.host, port)
    return Panel(runner, port, scheme)
