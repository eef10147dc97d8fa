"""A minimal blocking POP3 client for the benchmark, and a RETR timed from the wire."""
from __future__ import annotations

import socket
import time

TERMINATOR = b"\r\n.\r\n"
RETR_TIMEOUT = 300.0  # one whole timed RETR, at most


class Pop3Error(Exception):
    pass


class Client:
    """A minimal POP3 client over a plain or TLS socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending = bytearray()

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        data = self.sock.recv(256 * 1024)
        if not data:
            raise Pop3Error("the server closed the connection")
        self.pending += data

    def line(self) -> bytes:
        while (end := self.pending.find(b"\r\n")) < 0:
            self._fill()
        line = bytes(self.pending[: end + 2])
        del self.pending[: end + 2]
        return line

    def command(self, text: str) -> bytes:
        self.sock.sendall(text.encode() + b"\r\n")
        status = self.line()
        if not status.startswith(b"+OK"):
            shown = "PASS ..." if text.startswith("PASS") else text
            raise Pop3Error(f"{shown}: {status.decode(errors='replace').strip()}")
        return status

    def multiline(self, text: str) -> bytes:
        """Status line and body up to and including the terminator, as received."""
        status = self.command(text)
        while True:
            if self.pending.startswith(b".\r\n"):
                end = 3
                break
            if (found := self.pending.find(TERMINATOR)) >= 0:
                end = found + len(TERMINATOR)
                break
            self._fill()
        body = bytes(self.pending[:end])
        del self.pending[:end]
        return status + body

    def login(self, user: str, password: str) -> None:
        self.line()  # greeting
        self.command(f"USER {user}")
        self.command(f"PASS {password}")

    def quit(self) -> None:
        self.command("QUIT")


def timed_retr(client: Client, buffer: memoryview) -> tuple[float, int]:
    """RETR 1 into `buffer`; (seconds from sending RETR to the final ".\\r\\n", bytes)."""
    if client.pending:
        raise Pop3Error("unexpected data before RETR")
    sock, received, status_checked = client.sock, 0, False
    started = time.perf_counter()
    deadline = started + RETR_TIMEOUT
    sock.sendall(b"RETR 1\r\n")
    while True:
        if received == len(buffer):
            raise Pop3Error(f"answer larger than the {len(buffer)} bytes expected at most")
        count = sock.recv_into(buffer[received:])
        if not count:
            raise Pop3Error(f"the server closed the connection after {received} bytes")
        received += count
        if received >= 5 and buffer[received - 5:received] == TERMINATOR:
            break
        if not status_checked and (end := bytes(buffer[: min(received, 200)]).find(b"\r\n")) >= 0:
            if not buffer[:3] == b"+OK":
                raise Pop3Error(f"RETR: {bytes(buffer[:end]).decode(errors='replace')}")
            status_checked = True
        if time.perf_counter() > deadline:
            raise TimeoutError(f"RETR took over {RETR_TIMEOUT:.0f} s")
    return time.perf_counter() - started, received
