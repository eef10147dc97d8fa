"""`epd-relay serve` as a real process, for signals, crashes and the command line."""
import asyncio
import os
import re
import signal
import sys
from pathlib import Path

COMMAND = [sys.executable, "-m", "daemon"]


async def run_cli(*args: str, stdin: str = "", env: dict | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *COMMAND, *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    output, _ = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    return process.returncode, output.decode()


class RelayProcess:
    def __init__(self, config_path: Path, env: dict | None = None) -> None:
        self.config_path = config_path
        self.env = env or {}
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.smtp_port = 0
        self._new_line = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def start(self) -> "RelayProcess":
        self.lines.clear()
        self.process = await asyncio.create_subprocess_exec(
            *COMMAND, "serve", "--config", str(self.config_path),
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
