"""[[tunnel]]: stunnel's client mode with verification, tried with real clients and Dovecot."""
import asyncio
import imaplib
import poplib
import socket

import pytest

from daemon.config import load
from tests.conftest import write_config
from tests.mailservers.fixtures import PROVIDER_USERS, running_provider

pytestmark = pytest.mark.postfix

USER = "sender@example.test"
PASSWORD = PROVIDER_USERS[USER]


@pytest.fixture(scope="module")
def provider(tls_files):
    with running_provider(tls_files.ca, tls_files.ca_file) as running:
        running.clear_mailbox()
        running.put_message(b"Subject: tunnelled\r\n\r\nthrough the tunnel\r\n")
        yield running


@pytest.fixture
async def relay_with_tunnels(tmp_path, start_relay):
    async def start(*tunnels: dict):
        config = load(write_config(tmp_path, {
            "storage": {"dir": "state"},
            "smtp": {"listen": "127.0.0.1:0"},
            "panel": {"listen": "127.0.0.1:0"},
        }) )
        text = (tmp_path / "config.toml").read_text()
        for tunnel in tunnels:
            text += "\n[[tunnel]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in tunnel.items())
        (tmp_path / "config.toml").write_text(text)
        config = load(tmp_path / "config.toml")
        return await start_relay(config, run_worker=False)

    return start


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def pop3_stat(port: int) -> tuple[int, int]:
    client = poplib.POP3("127.0.0.1", port, timeout=20)
    client.user(USER)
    client.pass_(PASSWORD)
    stat = client.stat()
    client.quit()
    return stat


async def test_protocol_none_tunnel_to_pop3s_with_failover(provider, relay_with_tunnels, unused_port):
    relay = await relay_with_tunnels({
        "name": "pop3s", "accept": "127.0.0.1:0", "protocol": "none",
        "connect": [f"127.0.0.1:{unused_port}", f"127.0.0.1:{provider.pop3s_port}"],
        "ca_file": str(provider.ca_file), "server_name": "localhost",
    })
    count, _ = await asyncio.to_thread(pop3_stat, relay.tunnel_port("pop3s"))
    assert count == 1


def imap_fetch(port: int) -> bytes:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=20)
    try:
        assert "STARTTLS" not in client.capabilities and "LOGINDISABLED" not in client.capabilities
        client.login(USER, PASSWORD)
        client.select("INBOX")
        _, data = client.fetch("1", "(BODY[])")
        client.logout()
        return data[0][1]
    finally:
        client.shutdown() if client.state != "LOGOUT" else None


async def test_imap_starttls_tunnel(provider, relay_with_tunnels):
    relay = await relay_with_tunnels({
        "name": "imap", "accept": "127.0.0.1:0", "protocol": "imap",
        "connect": f"127.0.0.1:{provider.imap_port}", "ca_file": str(provider.ca_file),
        "server_name": "localhost",
    })
    body = await asyncio.to_thread(imap_fetch, relay.tunnel_port("imap"))
    assert b"through the tunnel" in body


async def test_tunnel_refuses_a_certificate_for_another_host(provider, relay_with_tunnels, caplog):
    relay = await relay_with_tunnels({
        "name": "imap", "accept": "127.0.0.1:0", "protocol": "imap",
        "connect": f"127.0.0.1:{provider.imap_port}", "ca_file": str(provider.ca_file),
        "server_name": "imap.other-provider.test",
    })

    def greeting() -> bytes:
        with socket.create_connection(("127.0.0.1", relay.tunnel_port("imap")), timeout=20) as sock:
            return sock.makefile("rb").readline()

    line = await asyncio.to_thread(greeting)
    assert line.startswith(b"* BYE epd-relay: certificate of imap.other-provider.test not trusted")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Hostname mismatch" in logged and "issued by" in logged


async def test_connections_over_the_limit_are_refused(provider, relay_with_tunnels):
    relay = await relay_with_tunnels({
        "name": "pop3", "accept": "127.0.0.1:0", "protocol": "pop3",
        "connect": f"127.0.0.1:{provider.pop3_port}", "ca_file": str(provider.ca_file),
        "server_name": "localhost", "max_connections": 1,
    })

    def greetings() -> list[bytes]:
        first = socket.create_connection(("127.0.0.1", relay.tunnel_port("pop3")), timeout=20)
        try:
            hello = first.makefile("rb").readline()
            with socket.create_connection(("127.0.0.1", relay.tunnel_port("pop3")), timeout=20) as second:
                return [hello, second.makefile("rb").readline()]
        finally:
            first.close()

    first, second = await asyncio.to_thread(greetings)
    assert first.startswith(b"+OK")
    assert second.startswith(b"-ERR [SYS/TEMP] epd-relay: too many connections")
