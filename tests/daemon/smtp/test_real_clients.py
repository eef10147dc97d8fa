"""Real SMTP clients against the relay: swaks and curl, as a sysadmin would try it."""
import asyncio

from tests.conftest import PASSWORD, SENDER, message
from tests.require import require_tool


async def run(*command: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, output.decode(errors="replace")


async def test_swaks_with_auth_login(upstream, make_config, start_relay):
    swaks = require_tool("swaks")
    relay = await start_relay(make_config(upstream))
    code, output = await run(
        swaks, "--server", f"127.0.0.1:{relay.smtp_port}", "--auth", "LOGIN",
        "--auth-user", SENDER, "--auth-password", PASSWORD,
        "--from", SENDER, "--to", "resident@example.ru",
        "--header", "Subject: swaks test", "--body", "Платежный документ",
    )
    assert code == 0, output
    assert "queued as" in output
    [received] = await upstream.wait_for(1)
    assert received.recipients == ["resident@example.ru"] and b"swaks test" in received.content


async def test_swaks_wrong_password_is_refused(upstream, make_config, start_relay):
    swaks = require_tool("swaks")
    relay = await start_relay(make_config(upstream))
    code, output = await run(
        swaks, "--server", f"127.0.0.1:{relay.smtp_port}", "--auth", "PLAIN",
        "--auth-user", SENDER, "--auth-password", "wrong", "--from", SENDER, "--to", "a@example.ru",
    )
    assert code != 0 and "535" in output


async def test_curl_smtp_upload(tmp_path, upstream, make_config, start_relay):
    curl = require_tool("curl")
    relay = await start_relay(make_config(upstream))
    path = tmp_path / "message.eml"
    path.write_bytes(message(subject="curl"))
    code, output = await run(
        curl, "--silent", "--show-error", f"smtp://127.0.0.1:{relay.smtp_port}",
        "--user", f"{SENDER}:{PASSWORD}", "--login-options", "AUTH=PLAIN",
        "--mail-from", SENDER, "--mail-rcpt", "resident@example.ru", "--upload-file", str(path),
    )
    assert code == 0, output
    [received] = await upstream.wait_for(1)
    assert received.content == message(subject="curl")
