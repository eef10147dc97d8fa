"""`epd-relay serve` as a real process, for signals, crashes and the command line."""
import asyncio
import os
import re
import signal
import smtplib
import sys
from pathlib import Path

from tests.conftest import PASSWORD, SENDER, message, relay_sections, send, write_config

COMMAND = [sys.executable, "-m", "daemon"]
# The same command with waits a test cannot sit out made shorter (tests/short_waits.py).
SHORT_WAITS = [sys.executable, "-m", "tests.short_waits"]


async def run_cli(*args: str, stdin: str = "", env: dict | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *COMMAND, *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    output, _ = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    return process.returncode, output.decode()


class RelayProcess:
    def __init__(self, config_path: Path, env: dict | None = None, command: list[str] = COMMAND) -> None:
        """``command`` may be SHORT_WAITS, with its settings in ``env``."""
        self.config_path = config_path
        self.env = env or {}
        self.command = command
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.smtp_port = 0
        self._new_line = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def start(self) -> "RelayProcess":
        self.lines.clear()
        self.process = await asyncio.create_subprocess_exec(
            *self.command, "serve", "--config", str(self.config_path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, **self.env},
        )
        self._reader = asyncio.create_task(self._read())
        line = await self.wait_for_line(r"SMTP listening on")
        self.smtp_port = int(re.search(r":(\d+)$", line)[1])
        await self.wait_for_line(r"\bready$")
        return self

    async def _read(self) -> None:
        assert self.process and self.process.stdout
        async for raw in self.process.stdout:
            self.lines.append(raw.decode().rstrip())
            self._new_line.set()
        self._new_line.set()

    async def wait_for_line(self, pattern: str, timeout: float = 20) -> str:
        seen = 0
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for line in self.lines[seen:]:
                        if re.search(pattern, line):
                            return line
                    seen = len(self.lines)
                    if self.process.returncode is not None and self._reader.done():
                        raise AssertionError("relay exited; output:\n" + "\n".join(self.lines))
                    self._new_line.clear()
                    await self._new_line.wait()
        except TimeoutError:
            raise AssertionError(f"no line like {pattern!r} in {timeout} s; output:\n" + self.output) from None

    async def signal(self, sig: signal.Signals) -> None:
        assert self.process
        self.process.send_signal(sig)

    async def wait(self, timeout: float = 20) -> int:
        assert self.process
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await self._reader
        return code

    async def kill(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.kill()
            await self.wait()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


async def relay_config(tmp_path: Path, tls_files, upstream) -> Path:
    """A relay whose client sends without AUTH, and whose account's password is stored."""
    config_path = write_config(tmp_path, relay_sections(
        upstream, tls_files.ca_file, smtp={"allowed_senders": [SENDER]}, upstream__smtp={"username": SENDER},
    ))
    code, output = await run_cli(
        "account", "set", SENDER, "--store-password", "--config", str(config_path), stdin=PASSWORD + "\n"
    )
    assert code == 0, output
    return config_path


async def offer(relay: RelayProcess, subject: str) -> tuple[int, str]:
    """Send one message as relay_config's client; the reply to DATA, or MAIL FROM's refusal."""
    try:
        code, reply = await send(relay.smtp_port, SENDER, ["resident@example.ru"], message(subject=subject))
    except smtplib.SMTPSenderRefused as refusal:
        return refusal.smtp_code, refusal.smtp_error.decode()
    return code, reply.decode()


async def accepted(relay: RelayProcess, subject: str) -> str:
    """Send one message that must get 250; returns its queue id."""
    code, reply = await offer(relay, subject)
    assert code == 250, reply
    return reply.rsplit(" ", 1)[1]


async def stop(relay: RelayProcess, timeout: float = 20) -> int:
    await relay.signal(signal.SIGTERM)
    return await relay.wait(timeout)
