"""The POP3 relay with python's poplib and curl against a real Dovecot (POP3S and STLS)."""
import asyncio
import poplib
import secrets
import socket

import pytest

from tests.conftest import first_line, write_config
from tests.mailservers.fixtures import PROVIDER_USERS, running_provider
from tests.require import require_tool

pytestmark = pytest.mark.postfix

USER = "sender@example.test"
PASSWORD = PROVIDER_USERS[USER]


@pytest.fixture(scope="module")
def provider(tls_files):
    with running_provider(tls_files.ca, tls_files.ca_file) as running:
        yield running


@pytest.fixture
def mailbox(provider):
    provider.clear_mailbox()
    yield provider
    provider.clear_mailbox()


def big_message(size: int) -> bytes:
    """Headers, then lines of random text; some start with a dot to exercise dot-stuffing."""
    lines = [b"From: uk@example.test", b"To: resident@example.ru", b"Subject: big", b""]
    total = 0
    while total < size:
        line = (b"." if len(lines) % 7 == 0 else b"") + secrets.token_hex(38).encode()
        lines.append(line)
        total += len(line) + 2
    lines.append(b".")
    lines.append(b"..")
    return b"\r\n".join(lines) + b"\r\n"


@pytest.fixture
async def relay_for(tmp_path, start_relay):
    from daemon.config import load

    async def start(provider, *, security="tls", server_name="localhost", **pop3):
        port = provider.pop3s_port if security == "tls" else provider.pop3_port
        config = load(write_config(tmp_path, {
            "storage": {"dir": "state"},
            "smtp": {"listen": "127.0.0.1:0"},
            "panel": {"listen": "127.0.0.1:0"},
            "pop3": {"listen": "127.0.0.1:0", **pop3},
            "upstream.pop3": {"host": "127.0.0.1", "port": port, "security": security,
                              "ca_file": str(provider.ca_file), "server_name": server_name},
        }))
        return await start_relay(config, run_worker=False)

    return start


def retrieve_all(port: int, *, tls_context=None) -> list[bytes]:
    """RETR every message, joined back into bytes with CRLF, as a client sees it."""
    client = poplib.POP3_SSL("127.0.0.1", port, context=tls_context) if tls_context else poplib.POP3("127.0.0.1", port)
    client.user(USER)
    client.pass_(PASSWORD)
    count, _ = client.stat()
    messages = [b"\r\n".join(client.retr(n)[1]) + b"\r\n" for n in range(1, count + 1)]
    client.quit()
    return messages


@pytest.mark.parametrize("security", ["tls", "stls"])
async def test_ten_megabyte_message_is_byte_identical(mailbox, relay_for, security):
    content = big_message(10 * 1024 * 1024)
    mailbox.put_message(content)
    relay = await relay_for(mailbox, security=security)
    [through_relay] = await asyncio.to_thread(retrieve_all, relay.pop3_port)
    [direct] = await asyncio.to_thread(retrieve_all, mailbox.pop3s_port, tls_context=mailbox.client_ssl_context())
    assert through_relay == direct == content


def raw_retr(port: int) -> bytes:
    """The bytes on the wire for RETR 1, dot-stuffing and terminator included."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        stream = sock.makefile("rb")
        stream.readline()
        sock.sendall(f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
        stream.readline(), stream.readline()
        sock.sendall(b"RETR 1\r\n")
        data = b""
        while not data.endswith(b"\r\n.\r\n") or data.count(b"\r\n") < 2:
            chunk = stream.read1(65536)
            if not chunk:
                break
            data += chunk
        sock.sendall(b"QUIT\r\n")
        return data


async def test_dot_stuffing_passes_unchanged(mailbox, relay_for):
    mailbox.put_message(b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\n")
    relay = await relay_for(mailbox)
    wire = await asyncio.to_thread(raw_retr, relay.pop3_port)
    assert b"\r\n..leading dot\r\n...two\r\n..\r\n.\r\n" in wire
    assert wire.endswith(b"\r\n.\r\n")


def session(port: int, commands: list[str]) -> list:
    client = poplib.POP3("127.0.0.1", port, timeout=30)
    client.user(USER)
    client.pass_(PASSWORD)
    results = [getattr(client, name)(*args) for name, *args in commands]
    client.quit()
    return results


async def test_uidl_is_stable_across_sessions(mailbox, relay_for):
    for n in range(3):
        mailbox.put_message(f"Subject: {n}\r\n\r\nbody {n}\r\n".encode())
    relay = await relay_for(mailbox)
    [first] = await asyncio.to_thread(session, relay.pop3_port, [("uidl",)])
    [second] = await asyncio.to_thread(session, relay.pop3_port, [("uidl",)])
    assert first[1] == second[1] and len(first[1]) == 3
    [one] = await asyncio.to_thread(session, relay.pop3_port, [("uidl", 2)])
    assert one.split()[2] == first[1][1].split()[1]


async def test_dele_then_quit_removes_and_dele_then_rset_keeps(mailbox, relay_for):
    for n in range(2):
        mailbox.put_message(f"Subject: {n}\r\n\r\nbody {n}\r\n".encode())
    relay = await relay_for(mailbox)
    await asyncio.to_thread(session, relay.pop3_port, [("dele", 1), ("rset",)])
    [(count, _)] = await asyncio.to_thread(session, relay.pop3_port, [("stat",)])
    assert count == 2
    await asyncio.to_thread(session, relay.pop3_port, [("dele", 1)])
    [(count, _)] = await asyncio.to_thread(session, relay.pop3_port, [("stat",)])
    assert count == 1


def login(port: int, password: str) -> bytes:
    client = poplib.POP3("127.0.0.1", port, timeout=30)
    try:
        client.user(USER)
        return client.pass_(password)
    finally:
        client.close()


async def test_wrong_password_gets_err(mailbox, relay_for):
    relay = await relay_for(mailbox)
    with pytest.raises(poplib.error_proto) as refused:
        await asyncio.to_thread(login, relay.pop3_port, "wrong-password")
    assert refused.value.args[0].startswith(b"-ERR")


async def test_certificate_for_another_host_gets_err_and_a_logged_reason(mailbox, relay_for, caplog):
    relay = await relay_for(mailbox, server_name="pop.other-provider.test")
    # poplib would raise on this greeting and leak its socket: read it by hand.
    greeting = await asyncio.to_thread(first_line, relay.pop3_port)
    assert greeting.startswith(b"-ERR") and b"not trusted" in greeting
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Hostname mismatch" in logged and "pop.other-provider.test" in logged
    assert "issued by" in logged and "valid until" in logged


def capabilities_and_refusals(port: int) -> tuple[list[bytes], list[str]]:
    client = poplib.POP3("127.0.0.1", port, timeout=30)
    capabilities = client._longcmd("CAPA")[1]
    client.user(USER)
    client.pass_(PASSWORD)
    answers = []
    for command in ("STLS", "APOP sender abcdef", "AUTH PLAIN", "XYZZY", "NOOP"):
        try:
            answers.append(client._shortcmd(command).decode())
        except poplib.error_proto as error:
            answers.append(error.args[0].decode())
    client.quit()
    return capabilities, answers


async def test_capa_hides_stls_and_foreign_commands_are_refused_here(mailbox, relay_for):
    relay = await relay_for(mailbox)
    capabilities, answers = await asyncio.to_thread(capabilities_and_refusals, relay.pop3_port)
    assert b"USER" in capabilities and b"UIDL" in capabilities
    assert not any(c.startswith((b"STLS", b"SASL")) for c in capabilities)
    stls, apop, auth, unknown, noop = answers
    assert stls.startswith("-ERR STLS") and apop.startswith("-ERR APOP") and auth.startswith("-ERR AUTH")
    assert unknown == "-ERR unknown command" and noop.startswith("+OK")


async def test_curl_lists_and_retrieves(mailbox, relay_for):
    curl = require_tool("curl")
    mailbox.put_message(b"Subject: curl\r\n\r\nthrough curl\r\n")
    relay = await relay_for(mailbox)
    for path, expected in (("", b"1 "), ("/1", b"through curl")):
        process = await asyncio.create_subprocess_exec(
            curl, "--silent", "--show-error", "--max-time", "20", "--user", f"{USER}:{PASSWORD}",
            f"pop3://127.0.0.1:{relay.pop3_port}{path}",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode == 0, err
        assert expected in out


async def test_sessions_over_the_limit_are_refused(mailbox, relay_for):
    relay = await relay_for(mailbox, max_sessions=2)

    def greetings() -> list[bytes]:
        sockets = [socket.create_connection(("127.0.0.1", relay.pop3_port), timeout=10) for _ in range(3)]
        try:
            return [s.makefile("rb").readline() for s in sockets]
        finally:
            for s in sockets:
                s.close()

    first, second, third = await asyncio.to_thread(greetings)
    assert first.startswith(b"+OK") and second.startswith(b"+OK")
    assert third.startswith(b"-ERR [SYS/TEMP] too many sessions")


async def test_idle_client_is_disconnected(mailbox, relay_for):
    relay = await relay_for(mailbox, idle_timeout="300ms")

    def idle() -> list[bytes]:
        with socket.create_connection(("127.0.0.1", relay.pop3_port), timeout=10) as sock:
            stream = sock.makefile("rb")
            return [stream.readline(), stream.readline(), stream.readline()]

    greeting, farewell, end = await asyncio.to_thread(idle)
    assert greeting.startswith(b"+OK") and farewell.startswith(b"-ERR idle") and end == b""
