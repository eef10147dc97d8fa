import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvloop

from daemon import app
from daemon.config import Config, load
from daemon.provider import logins
from daemon.secretbox import SecretBox
from tests.certificate_authority import CertificateAuthority
from tests.fake_upstream import FakeUpstream
from tls.contexts import server_context

def pytest_asyncio_loop_factories(config, item):
    """Every async test on uvloop, the loop `epd-relay serve` runs on."""
    return {"uvloop": uvloop.new_event_loop}


SENDER = "sender@example.test"
PASSWORD = "right-password"
USERS = {SENDER: PASSWORD}


@dataclass(frozen=True)
class TlsFiles:
    ca: CertificateAuthority  # the session's one CA: fake upstreams, Postfix and Dovecot
    ca_file: Path
    good: ssl.SSLContext    # certificate for localhost and 127.0.0.1
    wrong: ssl.SSLContext   # certificate for another host name, same CA


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    directory = tmp_path_factory.mktemp("tls")
    ca = CertificateAuthority()
    (directory / "ca.pem").write_bytes(ca.cert_pem)

    def context(name: str, names: list[str]) -> ssl.SSLContext:
        pair = ca.issue(names)
        (directory / f"{name}.pem").write_bytes(pair.cert_pem)
        (directory / f"{name}.key").write_bytes(pair.key_pem)
        return server_context(directory / f"{name}.pem", directory / f"{name}.key")

    return TlsFiles(
        ca=ca,
        ca_file=directory / "ca.pem",
        good=context("good", ["localhost", "127.0.0.1"]),
        wrong=context("wrong", ["mail.other-provider.test"]),
    )


@pytest.fixture
async def upstream(tls_files: TlsFiles):
    provider = await FakeUpstream(server_context=tls_files.good, users=dict(USERS)).start()
    yield provider
    await provider.stop()


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def write_config(directory: Path, sections: dict[str, dict[str, Any]]) -> Path:
    lines = []
    for name, keys in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml(value)}" for key, value in keys.items()]
        lines.append("")
    path = directory / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def relay_sections(upstream: FakeUpstream | None, ca_file: Path | None, **overrides: dict) -> dict:
    sections: dict[str, dict[str, Any]] = {
        "storage": {"dir": "state"},
        "smtp": {"listen": "127.0.0.1:0"},
        "panel": {"listen": "127.0.0.1:0"},
        "upstream.smtp": {},
        "delivery": {"min_backoff": "5m", "max_backoff": "1h", "connection_idle": "30s"},
    }
    if upstream is not None:
        sections["upstream.smtp"] = {
            "host": "127.0.0.1",
            "port": upstream.port,
            "security": "tls" if upstream.implicit_tls else "starttls",
            "ca_file": str(ca_file),
            "server_name": "localhost",
        }
    for name, keys in overrides.items():
        sections.setdefault(name.replace("__", "."), {}).update(keys)
    return sections


@pytest.fixture
def make_config(tmp_path: Path, tls_files: TlsFiles):
    def make(upstream: FakeUpstream | None, **overrides: dict) -> Config:
        return load(write_config(tmp_path, relay_sections(upstream, tls_files.ca_file, **overrides)))

    return make


@pytest.fixture
async def start_relay():
    started: list[app.Relay] = []

    async def start(config: Config, clock=None, run_worker: bool = True) -> app.Relay:
        relay = await app.start(config, **({"clock": clock} if clock else {}), run_worker=run_worker)
        started.append(relay)
        return relay

    yield start
    for relay in started:
        await relay.stop()
        # stop() does not raise what ended the runner (it was logged when it happened):
        # a test that did not expect it fails here.
        task = relay.worker_task
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()


def smtp_send(
    port: int,
    sender: str,
    recipients: list[str],
    content: bytes,
    login: tuple[str, str] | None = None,
) -> tuple[int, bytes]:
    """Send one message the way the legacy client does: connect, AUTH, send, QUIT.

    Returns the final reply to DATA; raises smtplib's exceptions for refusals before it.
    """
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("client.test")
        if login:
            client.login(*login)
        options = [f"SIZE={len(content)}"] if client.has_extn("size") else []
        code, text = client.mail(sender, options)
        if code >= 400:
            raise smtplib.SMTPSenderRefused(code, text, sender)
        for recipient in recipients:
            code, text = client.rcpt(recipient)
            if code >= 400:
                raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
        return client.data(content)


async def send(port: int, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
    """smtplib is blocking: run it in a thread so the relay in this loop can answer."""
    return await asyncio.to_thread(smtp_send, port, *args, **kwargs)


def message(subject: str = "Платежный документ", body: str = "Счет за июль 2013") -> bytes:
    return (
        f"From: {SENDER}\r\nTo: resident@example.ru\r\nSubject: {subject}\r\n"
        "Message-ID: <" + subject.encode().hex()[:16] + "@example.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode("utf-8")


async def store_password(relay: app.Relay, username: str = SENDER, password: str = PASSWORD) -> None:
    """What `epd-relay account set --store-password` does: keep it encrypted for delivery."""
    box = SecretBox.open_or_create(relay.settings.current.storage.key_file)
    await logins.save_login(
        relay.db, username, address=username, now=0, box=box, stored_password=password
    )


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound and released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_line(port: int) -> bytes:
    """Connect and read what the server says first."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        return sock.makefile("rb").readline()
