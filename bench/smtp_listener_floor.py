"""What the SMTP listener's protocol layer costs a message: aiosmtpd against a bare callback protocol.

The relay's CPU a message (bench/smtp_relay_vs_stunnel.py) is storage, delivery and the
listener together. This measures the listener's protocol alone. A server process takes
messages the way the legacy client sends them and keeps nothing:

  aiosmtpd  the relay's own RelaySMTP (daemon/smtp/protocol.py: its DATA reader, line
            checks and dot-unstuffing) over aiosmtpd's command loop, with a handler that
            answers 250 at once;
  callback  the baseline: an asyncio.Protocol with a callback per read and the same DATA
            work (split into lines, line length, bare CR/LF, unstuffing), no coroutine per
            command and no stream reader.

The client, in this process, sends N messages of 82.6 KiB one at a time: a new
connection, EHLO, MAIL, RCPT, DATA, QUIT (smtplib; no AUTH, which neither side checks).
Both servers run on uvloop, as the service does. For each way the output gives the
server's CPU a message and the client's rate (median of --rounds, the ways taking turns),
then the ratio aiosmtpd / callback. The difference is what aiosmtpd's machinery costs a
message: the ceiling of what a leaner command loop could save.

    .venv/bin/python bench/smtp_listener_floor.py [--messages N] [--rounds R]
"""
from __future__ import annotations

import argparse
import asyncio
import smtplib
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.processes import HOST, cpu_seconds, run_in_workdir  # noqa: E402
from bench.smtp_relay_vs_stunnel import make_pdf, make_template  # noqa: E402

WAYS = ("callback", "aiosmtpd")
MAX_SIZE = 32 * 1024 * 1024


# --- the servers (run as `--serve WAY PORTFILE`) ------------------------------------------


def serve(way: str, port_file: Path) -> None:
    import uvloop

    from daemon.smtp.protocol import MAX_LINE, RelaySMTP, has_bare_line_end, reflected_names
    from daemon.smtp.transparency import unstuffed

    def checked(content: bytes) -> bytes:
        lines = content.split(b"\r\n")
        if max(map(len, lines)) > MAX_LINE - 2 or has_bare_line_end(lines):
            raise ValueError("refused")
        return unstuffed(content)

    class Handler:
        async def handle_DATA(self, server, session, envelope) -> str:
            return "250 2.0.0 Ok: queued as X"

        def __dir__(self) -> list[str]:  # as the relay's handler narrows aiosmtpd's reflection
            return handler_names

    handler_names = reflected_names(Handler, ("handle_", "auth_"))

    class Callback(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            self.transport, self.buffer, self.in_data = transport, bytearray(), False
            transport.write(b"220 relay.test ESMTP\r\n")

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while self.transport is not None:
                if self.in_data:
                    end = self.buffer.find(b"\r\n.\r\n", max(0, len(self.buffer) - len(data) - 4))
                    if end < 0:
                        return
                    checked(bytes(self.buffer[:end]))
                    del self.buffer[:end + 5]
                    self.in_data = False
                    self.transport.write(b"250 2.0.0 Ok: queued as X\r\n")
                    continue
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return
                command = bytes(self.buffer[:4]).upper()
                del self.buffer[:end + 2]
                if command == b"EHLO":
                    self.transport.write(b"250-relay.test\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250 HELP\r\n")
                elif command == b"DATA":
                    self.in_data = True
                    self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                elif command == b"QUIT":
                    self.transport.write(b"221 Bye\r\n")
                    self.transport.close()
                    self.transport = None
                else:
                    self.transport.write(b"250 OK\r\n")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        if way == "aiosmtpd":
            def factory() -> RelaySMTP:
                return RelaySMTP(Handler(), hostname="relay.test", auth_require_tls=False,
                                 data_size_limit=MAX_SIZE, loop=loop)
        else:
            factory = Callback
        server = await loop.create_server(factory, HOST, 0)
        port_file.write_text(str(server.sockets[0].getsockname()[1]))
        await asyncio.Event().wait()  # until terminated

    uvloop.run(main())


# --- the client ---------------------------------------------------------------------------


def run_way(way: str, workdir: Path, contents: list[bytes]) -> tuple[float, float]:
    """(server CPU ms a message, client messages a second)."""
    port_file = workdir / f"{way}.port"
    port_file.unlink(missing_ok=True)
    server = subprocess.Popen([sys.executable, __file__, "--serve", way, str(port_file)], cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {way} server did not start")
            time.sleep(0.05)
        port = int(port_file.read_text())
        cpu_before = cpu_seconds(server.pid)
        started = time.monotonic()
        for content in contents:
            with smtplib.SMTP(HOST, port, timeout=30) as client:
                client.ehlo("client.test")
                client.sendmail("sender@example.test", ["resident@example.ru"], content)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(10)
    return cpu * 1000 / len(contents), len(contents) / elapsed


def run(args: argparse.Namespace, workdir: Path) -> int:
    template = make_template(make_pdf())
    contents = [template] * args.messages
    print(f"{args.messages} messages of {len(template) / 1024:.1f} KiB per way and round, one connection each,"
          f" {args.rounds} round(s)")
    results: dict[str, list[tuple[float, float]]] = {way: [] for way in WAYS}
    for round_number in range(1, args.rounds + 1):
        for way in WAYS:
            cpu, rate = run_way(way, workdir, contents)
            results[way].append((cpu, rate))
            print(f"round {round_number}: {way:8s} CPU {cpu:.3f} ms a message, client {rate:.0f} msg/s")
    medians = {way: (statistics.median(c for c, _ in runs), statistics.median(r for _, r in runs))
               for way, runs in results.items()}
    for way, (cpu, rate) in medians.items():
        print(f"{way:8s} CPU {cpu:.3f} ms a message (median)  client {rate:.0f} msg/s")
    (ours, ours_rate), (bare, bare_rate) = medians["aiosmtpd"], medians["callback"]
    # The kernel counts a process's CPU in ticks (10 ms here): a few messages may show none.
    cpu_ratio = f"{ours / bare:.2f}x" if bare else "n/a (too few messages to measure)"
    print(f"ratio aiosmtpd/callback: CPU {cpu_ratio}, {ours - bare:.3f} ms a message more;"
          f" client rate {ours_rate / bare_rate:.2f}x")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", nargs=2, metavar=("WAY", "PORTFILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve[0], Path(args.serve[1]))
        return 0
    if args.messages < 1 or args.rounds < 1:
        parser.error("--messages and --rounds must be at least 1")
    return run_in_workdir("epd-listener-floor-", lambda workdir: run(args, workdir))


if __name__ == "__main__":
    sys.exit(main())
