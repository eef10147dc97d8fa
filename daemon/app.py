"""`epd-relay serve`: the SMTP listener and the delivery runner in one event loop."""
import asyncio
import faulthandler
import logging
import os
import secrets
import signal
import threading
import time
from dataclasses import dataclass, field

from daemon.client_connections import ClientConnections
from daemon.config import Address, Config, ConfigHolder, load
from daemon.db.connect import Database
from daemon.db.stores import open_relay_store
from daemon.delivery.maildir import Maildir
from daemon.delivery.transports import CaptureTransport, Transport, UpstreamTransport
from daemon.delivery.worker import DeliveryWorker
from daemon.errors import ConfigError
from daemon.pop3.relay import Pop3Relay
from daemon.provider import logins, mail_account
from daemon.provider.credentials import Credentials, StoredOrRemembered
from daemon.queue import legacy_spool, messages
from daemon.sdnotify import notify, watchdog_interval
from daemon.secretbox import SecretBox
from daemon.smtp.auth import Authenticator
from daemon.smtp.listener import RelayHandler, make_server_factory
from daemon.tunnels.tunnel import Tunnel
from daemon.watchdog import feed, store_overdue
from panel import service as panel_service

log = logging.getLogger(__name__)

# Longest line a POP3 or tunnel client may send before a newline (StreamReader limit).
LINE_LIMIT = 64 * 1024
# A stop (SIGTERM, or delivery failing) that has not finished in this long has hung: a
# store that does not answer, a task that does not end. The process exits anyway, before
# systemd's TimeoutStopSec (90 s in the unit) has to SIGKILL it; what was in delivery goes
# back to the queue at the next start.
STOP_TIMEOUT = 80.0


@dataclass
class Relay:
    """The running parts, for `serve` and for tests that start the relay in-process."""

    settings: ConfigHolder
    db: Database
    worker: DeliveryWorker
    server: asyncio.Server
    worker_task: asyncio.Task
    panel: panel_service.RunningPanel | None = None
    pop3_server: asyncio.Server | None = None
    tunnel_servers: dict[str, asyncio.Server] = field(default_factory=dict)
    connection_groups: list[ClientConnections] = field(default_factory=list)

    @property
    def smtp_port(self) -> int:
        return _port(self.server)

    @property
    def pop3_port(self) -> int:
        assert self.pop3_server is not None, "no [upstream.pop3] host configured"
        return _port(self.pop3_server)

    def tunnel_port(self, name: str) -> int:
        return _port(self.tunnel_servers[name])

    @property
    def panel_url(self) -> str:
        assert self.panel is not None
        return f"{self.panel.scheme}://127.0.0.1:{self.panel.port}"

    def stalled(self) -> str | None:
        """What has stopped turning, for systemd's watchdog (daemon/watchdog.py), or None."""
        if not self.server.is_serving():
            return "the SMTP listener is closed"
        if self.worker_task.done():
            return "the delivery runner has ended"
        return store_overdue(self.db) or self.worker.deadlines.overdue()

    def _delivery_ended(self, task: asyncio.Task) -> None:
        """The runner returns only after stop(): anything else is logged at once, and no
        more mail is taken; serve() then exits non-zero for systemd to restart the relay."""
        if task.cancelled() or (task.exception() is None and self.worker.stopping):
            return
        self.server.close()
        log.critical(
            "delivery stopped: %s; no longer accepting mail, the relay exits",
            task.exception() or "the runner returned", exc_info=task.exception(),
        )

    async def stop(self) -> None:
        """Stop accepting, finish the message in flight, close the store: whatever failed before."""
        try:
            if self.panel is not None:
                try:
                    await self.panel.stop()
                except Exception:  # the relay's own stop goes on
                    log.exception("the panel did not stop cleanly")
            self.server.close()
            for server in (self.pop3_server, *self.tunnel_servers.values()):
                if server is not None:
                    server.close()
            for connections in self.connection_groups:
                await connections.close()
            self.worker.stop()
            await asyncio.wait([self.worker_task])  # a failure was logged when it happened
        finally:
            # aiosqlite's thread outlives a connection left open and keeps the process alive.
            await self.db.close()


async def start(config: Config, clock=time.time, run_worker: bool = True) -> Relay:
    settings = ConfigHolder(config)
    storage = config.storage
    storage.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = await open_relay_store(storage)
    try:
        # The mail account saved in the panel wins over config.toml's [upstream.*].
        config = await mail_account.install_at_start(settings, db)
        await legacy_spool.adopt(db, storage.legacy_spool)
        requeued, held = await messages.recover_active(db, clock(), config.delivery.max_recoveries)
        for queue_id in requeued:
            log.warning("%s: requeued after an unclean shutdown", queue_id)
        for queue_id in held:
            log.error("%s: held for a person after repeated unclean shutdowns", queue_id)
        box = await asyncio.to_thread(SecretBox.open_or_create, storage.key_file)
        credentials = Credentials()
        transport: Transport
        if config.upstream_smtp.captures_locally:
            await _ensure_capture_account(db, config, clock())
            log.warning(
                "no upstream configured ([upstream.smtp] host is empty): mail is captured locally"
                " in %s, not sent", storage.capture_maildir,
            )
            transport = CaptureTransport(Maildir(storage.capture_maildir))
        else:
            transport = UpstreamTransport(settings, StoredOrRemembered(credentials, db, box), clock)
        worker = DeliveryWorker(
            settings=settings, db=db, transport=transport,
            bounces=Maildir(storage.bounce_maildir), clock=clock,
        )
        handler = RelayHandler(
            settings, db, Authenticator(settings, db, credentials), worker.queued, clock,
            store_failing=lambda: worker.store_failing,
        )
        listen = config.smtp.listen
        if not listen.is_loopback:
            log.warning("SMTP listens on %s, not loopback: plaintext AUTH crosses the network", listen)
        server = await asyncio.get_running_loop().create_server(
            make_server_factory(handler, settings), listen.host, listen.port
        )
    except BaseException:
        await db.close()
        raise
    # Tests may drive the runner themselves with run_once(now).
    worker_task = asyncio.create_task(worker.run() if run_worker else _idle(worker), name="delivery")
    relay = Relay(settings, db, worker, server, worker_task)
    worker_task.add_done_callback(relay._delivery_ended)
    log.info("SMTP listening on %s:%d", listen.host, relay.smtp_port)
    try:
        await _start_pop3_and_tunnels(relay, config)
        relay.panel = await panel_service.start(
            relay.settings, box, clock(), Address(listen.host, relay.smtp_port)
        )
    except BaseException:
        await relay.stop()
        raise
    return relay


def _port(server: asyncio.Server) -> int:
    return server.sockets[0].getsockname()[1]


async def _listen(handler, address: Address, what: str) -> asyncio.Server:
    if not address.is_loopback:
        log.warning("%s listens on %s, not loopback: plaintext crosses the network", what, address)
    server = await asyncio.start_server(handler, address.host, address.port, limit=LINE_LIMIT)
    log.info("%s listening on %s:%d", what, address.host, _port(server))
    return server


async def _start_pop3_and_tunnels(relay: Relay, config: Config) -> None:
    if config.upstream_pop3.enabled:
        pop3 = Pop3Relay(relay.settings)
        relay.connection_groups.append(pop3.connections)
        relay.pop3_server = await _listen(pop3.handle, config.pop3.listen, "POP3")
    for tunnel_config in config.tunnels:
        tunnel = Tunnel(tunnel_config)
        relay.connection_groups.append(tunnel.connections)
        relay.tunnel_servers[tunnel_config.name] = await _listen(
            tunnel.handle, tunnel_config.accept, f'tunnel "{tunnel_config.name}"'
        )


async def _idle(worker: DeliveryWorker) -> None:
    await worker.wait_stopped()


async def _ensure_capture_account(db: Database, config: Config, now: float) -> None:
    """The embedded default needs a login: make one on first start and say where its password is."""
    if await logins.count_logins(db):
        return
    login = logins.capture_login(config)
    password = secrets.token_urlsafe(12)
    await logins.save_login(
        db, login, address=logins.default_address(login), now=now, local_password=password
    )
    path = config.storage.dir / "capture-account.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(f"login: {login}\npassword: {password}\n")
    print(
        f"Local capture account created: login {login}, password {password} (also in {path})",
        flush=True,
    )


def _reload(relay: Relay) -> None:
    old = relay.settings.file
    try:
        new = load(old.path)
    except ConfigError as error:
        log.error("reload refused, keeping the running configuration: %s", error)
        return
    if new.smtp.listen != old.smtp.listen or new.storage != old.storage:
        log.warning("[smtp] listen and [storage] changes take effect after a restart")
    if mail_account.install_reloaded(relay.settings, new):
        log.warning("switching between local capture and an upstream, or POP3 on or off, needs a restart")
    relay.worker.wake()
    log.info("configuration reloaded from %s", old.path)


async def serve(config: Config) -> int:
    """Run until SIGTERM (returns 0) or until delivery fails (returns 1)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop() -> None:
        if not stopping.is_set():
            stopping.set()
            _exit_if_not_stopped_within(STOP_TIMEOUT)

    # Installed before start: a SIGTERM that arrives while the panel is still starting
    # must still stop the relay cleanly, not kill it mid-delivery.
    loop.add_signal_handler(signal.SIGTERM, request_stop)
    loop.add_signal_handler(signal.SIGINT, request_stop)
    relay = await start(config)
    loop.add_signal_handler(signal.SIGHUP, _reload, relay)
    notify("READY=1")
    log.info("ready")
    interval = watchdog_interval()
    watchdog = asyncio.create_task(feed(interval, relay.stalled), name="watchdog") if interval else None
    requested = asyncio.create_task(stopping.wait())
    await asyncio.wait([requested, relay.worker_task], return_when=asyncio.FIRST_COMPLETED)
    failed = relay.worker_task.done()
    request_stop()
    requested.cancel()
    if watchdog is not None:
        watchdog.cancel()
    log.info("stopping: finishing the message in flight")
    notify("STOPPING=1")
    await relay.stop()
    log.info("stopped")
    return 1 if failed else 0


def _exit_if_not_stopped_within(seconds: float) -> None:
    """The last resort, from a thread: it runs whatever the event loop is stuck in, and
    writes straight to stderr, where no lock another thread holds can stop it."""

    def expire() -> None:
        line = f"ERROR {__name__}: stop did not finish within {seconds:.0f} s: exiting anyway; where it was:\n"
        try:
            os.write(2, line.encode())
            faulthandler.dump_traceback(all_threads=True)
        finally:
            os._exit(1)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
