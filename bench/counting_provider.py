"""A mail provider for benchmarks that accepts fast and keeps only what is counted.

aiosmtpd over implicit TLS (465-style) with AUTH PLAIN/LOGIN for the users given, in a
process of its own: `python3 -m bench.counting_provider --cert ... --key ... --user
LOGIN:PASSWORD --out FILE`. For every message accepted it appends one line per recipient,
"recipient<TAB>Message-ID", to FILE (flushed at once, never fsync'd: the benchmark counts
what arrived, a provider's durability is not what it measures) and answers 250. Nothing
else of the message is kept, so 10,000 letters of 80 KB cost it no memory.

It logs "provider listening on 127.0.0.1:PORT" once it accepts connections, and stops on
SIGTERM.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tls.contexts import server_context  # noqa: E402

HOST = "127.0.0.1"
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
MESSAGE_SIZE_LIMIT = 64 * 1024 * 1024


class CountingHandler:
    def __init__(self, out) -> None:
        self.out = out
        self.accepted = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]]  # as real providers offer it

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.original_content
        head = content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        message_id = found[1].decode("ascii", "replace") if found else "(none)"
        self.out.write("".join(f"{recipient}\t{message_id}\n" for recipient in envelope.rcpt_tos))
        self.out.flush()
        self.accepted += 1
        return f"250 2.0.0 Ok: queued as P{self.accepted}"


def authenticator(users: dict[str, str]):
    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


async def serve(args: argparse.Namespace) -> None:
    users = dict(user.split(":", 1) for user in args.user)
    context = server_context(args.cert, args.key)
    with open(args.out, "a", encoding="utf-8") as out:
        handler = CountingHandler(out)

        def factory() -> SMTP:
            # aiosmtpd only knows TLS it negotiated itself (STARTTLS): here it is implicit.
            return SMTP(handler, hostname="provider.bench.test", authenticator=authenticator(users),
                        auth_require_tls=False, data_size_limit=MESSAGE_SIZE_LIMIT)

        server = await asyncio.get_running_loop().create_server(factory, HOST, args.port, ssl=context)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print(f"provider listening on {HOST}:{server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cert", type=Path, required=True, help="server certificate (PEM)")
    parser.add_argument("--key", type=Path, required=True, help="its private key (PEM)")
    parser.add_argument("--user", action="append", default=[], help="LOGIN:PASSWORD (repeatable)")
    parser.add_argument("--out", type=Path, required=True, help="file to append 'recipient<TAB>Message-ID' lines to")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
