"""POP3 throughput of epd-relay against stunnel (and direct TLS) with a real Dovecot upstream.

What it does, in one run: starts a real Postfix + Dovecot on 127.0.0.1 (POP3S with a
certificate from a CA made here) and reads from that same Dovecot four ways, one after
the other, interleaved so that no way always runs first:

  relay    plaintext POP3 to `python3 -m daemon serve` (epd-relay's [pop3] relay), which
           opens a verified TLS connection to Dovecot's POP3S port per client session
           and passes commands and answers through (a RETR is streamed in chunks);
  tunnel   plaintext to an epd-relay [[tunnel]] (protocol "none"): verified TLS to the
           same POP3S port, bytes copied both ways unchanged (another epd-relay process);
  stunnel  plaintext to stunnel4 in client mode (verifyChain, checkHost), what epd-relay
           replaces;
  direct   TLS straight to Dovecot from this script (for reference).

Part A, throughput: the mailbox holds exactly one message of --size-mb MB (a multipart
message with lines of up to 998 bytes, text with lines starting with "." so the server
dot-stuffs them, and a base64 attachment). Per way, one untimed warm-up RETR, then
--repeats timed ones, each in its own session (connect, USER, PASS, STAT; only the RETR
is timed: from sending "RETR 1" to receiving the final ".\\r\\n"). The client reads with
recv_into into one preallocated buffer and hashes only after the clock stopped, so it is
not the bottleneck. Every answer must be byte-identical across all ways (SHA-256), and is
compared with the message as put into the Maildir (CRLF line ends, dot-stuffed).

Part B, sessions: the mailbox holds 5 small messages. --sessions sessions per way, one
after the other, each: connect, USER, PASS, STAT, LIST, RETR 1, QUIT. Reported: sessions
per second (sessions / their summed duration), p50 and p99 latency from connect to the
QUIT answer; every RETR 1 answer must be the same bytes.

How to read the output: 1 MB = 10^6 bytes; MB/s counts every byte of the RETR answer
(status line, dot-stuffed body, terminator). `CPU` is the user + system time of the
process in the middle (all its threads) per RETR or per session. The peak RSS is the
VmHWM of each middle process at the end of the run (next to its VmRSS once it listened:
for epd-relay most of it is the interpreter and its imports). The ratios relay/stunnel and
tunnel/stunnel compare the best and the median throughput (A) and sessions/s (B); the
project's goal is the relay's and the tunnel's throughput at least stunnel's.

Exit status: 0 when every way returned the expected bytes and no session failed, 1
otherwise (the goal itself does not set it), 2 when the tools are missing.

Run as root (Postfix and Dovecot are started directly; stunnel4 must be installed):
    .venv/bin/python bench/pop3_relay_vs_stunnel.py [--size-mb 50] [--sessions 200] [--repeats 7]
To profile the relays: EPD_BENCH_PROFILE="-m cProfile -o /tmp/{name}.prof" (see bench/processes.py).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import shutil
import socket
import ssl
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # `tests` is not an installed package

from bench.epd_messages import make_message, on_the_wire  # noqa: E402
from bench.pop3_client import Client, Pop3Error, timed_retr  # noqa: E402
from bench.processes import (  # noqa: E402
    HOST,
    cpu_seconds,
    epd_relay,
    memory_kib,
    print_relay_log_findings,
    run_in_workdir,
    stunnel,
    toml_section,
)
from tests.certificate_authority import CertificateAuthority  # noqa: E402
from tests.mailservers.fixtures import PROVIDER_USERS, running_provider  # noqa: E402
from tests.mailservers.provider import RealProvider, is_available  # noqa: E402

SERVER_NAME = "localhost"  # the name in the provider's certificate, checked by every way
USER = "sender@example.test"
PASSWORD = PROVIDER_USERS[USER]
SMALL_MESSAGES = 5

CLIENT_TIMEOUT = 30.0   # each socket operation of the client
MB = 1_000_000
MAX_SIZE_MB = 500


# --- where the client connects -----------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where the client connects; `pid` is the process in the middle, if any."""

    name: str
    description: str
    port: int
    tls: ssl.SSLContext | None = None
    pid: int | None = None
    process_name: str = ""
    rss_at_start_kib: int | None = None  # VmRSS once listening: the interpreter and imports

    def connect(self) -> socket.socket:
        sock = socket.create_connection((HOST, self.port), CLIENT_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is None:
            return sock
        try:
            return self.tls.wrap_socket(sock, server_hostname=SERVER_NAME)
        except BaseException:
            sock.close()
            raise




# --- the ways --------------------------------------------------------------------------


@contextlib.contextmanager
def relay_way(workdir: Path, provider: RealProvider, ca_file: Path) -> Iterator[Target]:
    directory = workdir / "relay"
    directory.mkdir()
    sections = toml_section("[pop3]", listen=f"{HOST}:0") + toml_section(
        "[upstream.pop3]", host=HOST, port=provider.pop3s_port, security="tls",
        ca_file=str(ca_file), server_name=SERVER_NAME,
    )
    with epd_relay(directory, "relay", sections, r"POP3 listening on 127\.0\.0\.1:(\d+)") as (pid, port):
        yield Target("relay", "epd-relay [pop3] relay: plaintext POP3, verified TLS per session",
                     port, pid=pid, process_name="epd-relay (pop3 relay)",
                     rss_at_start_kib=memory_kib(pid, "VmRSS"))


@contextlib.contextmanager
def tunnel_way(workdir: Path, provider: RealProvider, ca_file: Path) -> Iterator[Target]:
    directory = workdir / "tunnel"
    directory.mkdir()
    sections = toml_section(
        "[[tunnel]]", name="pop3s", accept=f"{HOST}:0", connect=[f"{HOST}:{provider.pop3s_port}"],
        protocol="none", ca_file=str(ca_file), server_name=SERVER_NAME,
    )
    ready = r'tunnel "pop3s" listening on 127\.0\.0\.1:(\d+)'
    with epd_relay(directory, "tunnel", sections, ready) as (pid, port):
        yield Target("tunnel", "epd-relay [[tunnel]] protocol \"none\": bytes copied after verified TLS",
                     port, pid=pid, process_name="epd-relay (tunnel)",
                     rss_at_start_kib=memory_kib(pid, "VmRSS"))


@contextlib.contextmanager
def stunnel_way(workdir: Path, provider: RealProvider, ca_file: Path) -> Iterator[Target]:
    directory = workdir / "stunnel"
    directory.mkdir()
    with stunnel(directory, "pop3s", provider.pop3s_port, ca_file, SERVER_NAME) as (pid, port):
        yield Target("stunnel", "stunnel4 client mode: plaintext in, verified TLS per connection",
                     port, pid=pid, process_name="stunnel", rss_at_start_kib=memory_kib(pid, "VmRSS"))


@contextlib.contextmanager
def direct_way(workdir: Path, provider: RealProvider, ca_file: Path) -> Iterator[Target]:
    yield Target("direct", "TLS straight to Dovecot's POP3S port from this script (reference)",
                 provider.pop3s_port, tls=ssl.create_default_context(cafile=str(ca_file)))


WAYS = {"relay": relay_way, "tunnel": tunnel_way, "stunnel": stunnel_way, "direct": direct_way}


# --- A: one big RETR ------------------------------------------------------------------


@dataclass
class Throughput:
    seconds: list[float] = field(default_factory=list)
    size: int = 0
    cpu: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def best(self) -> float | None:
        return self.size / min(self.seconds) / MB if self.seconds else None

    @property
    def median(self) -> float | None:
        return self.size / statistics.median(self.seconds) / MB if self.seconds else None


def retr_session(target: Target, buffer: memoryview) -> tuple[float, bytes, bytes, int]:
    """One session, only the RETR timed.

    Returns (seconds, the status line, SHA-256 of what follows it, the answer's size).
    """
    client = Client(target.connect())
    try:
        client.login(USER, PASSWORD)
        stat = client.command("STAT")
        if not stat.startswith(b"+OK 1 "):
            raise Pop3Error(f"the mailbox must hold just the big message; STAT: {stat.strip().decode()}")
        seconds, size = timed_retr(client, buffer)
        client.quit()
    finally:
        client.close()
    status_end = bytes(buffer[:200]).index(b"\r\n") + 2  # timed_retr saw it
    return seconds, bytes(buffer[:status_end]), hashlib.sha256(buffer[status_end:size]).digest(), size


def part_a(targets: list[Target], provider: RealProvider, size: int, repeats: int) -> tuple[dict, bool]:
    message = make_message(size, seed=20130715, subject="EPD July 2013, all accounts", user=USER)
    wire = on_the_wire(message)
    wire_digest = hashlib.sha256(wire).digest()
    dotted = len(re.findall(rb"(?m)^\.", message))
    lines = message.count(b"\n")
    message_size = len(message)
    provider.clear_mailbox()
    provider.put_message(message)
    del message
    buffer = memoryview(bytearray(len(wire) + 64 * 1024))
    print(f"A. RETR of one {message_size / MB:.1f} MB message ({lines} lines, {dotted} of them"
          f" dot-stuffed, {len(wire) / MB:.1f} MB on the wire), best and median of {repeats} per way")
    sys.stdout.flush()
    results = {t.name: Throughput() for t in targets}
    answers: dict[str, set[tuple[bytes, bytes]]] = {t.name: set() for t in targets}
    for round_ in range(repeats + 1):  # round 0: warm-up, not timed (Dovecot's index and cache)
        shift = round_ % len(targets)
        for target in targets[shift:] + targets[:shift]:
            result = results[target.name]
            cpu_before = cpu_seconds(target.pid)
            try:
                seconds, status, digest, received = retr_session(target, buffer)
            except (Pop3Error, OSError) as error:
                result.errors.append(f"{type(error).__name__}: {error}")
                continue
            cpu_after = cpu_seconds(target.pid)
            answers[target.name].add((status, digest))
            result.size = received
            if round_:
                result.seconds.append(seconds)
                if cpu_before is not None and cpu_after is not None:
                    result.cpu.append(cpu_after - cpu_before)
    for target in targets:
        result = results[target.name]
        print(f"== A {target.name}: {target.description}")
        if result.seconds:
            times = ", ".join(f"{s:.3f}" for s in result.seconds)
            print(f"  RETR       best {result.best:7.1f} MB/s  median {result.median:7.1f} MB/s"
                  f"  ({result.size:,} bytes in {times} s)")
        else:
            print("  RETR       n/a")
        if result.cpu:
            print(f"  CPU        {target.process_name} {statistics.median(result.cpu):.3f} s per RETR (median)")
        for error in result.errors[:5]:
            print(f"  error: {error}")
    # The whole answer is "+OK ...\r\n" (whatever Dovecot says) followed by `wire`.
    seen = set().union(*answers.values())
    identical = len(seen) == 1 and all(answers.values())
    as_put = identical and next(iter(seen))[1] == wire_digest
    status = f" (status {next(iter(seen))[0].strip().decode(errors='replace')!r})" if identical else ""
    print(f"  bytes      {'identical in every way' if identical else 'DIFFER between ways'}{status};"
          f" the message as put, CRLF and dot-stuffed: {'yes' if as_put else 'NO'}")
    sys.stdout.flush()
    clean = identical and as_put and not any(r.errors for r in results.values())
    return results, clean


# --- B: many small sessions ---------------------------------------------------------------


@dataclass
class Sessions:
    latencies: list[float] = field(default_factory=list)
    cpu: float | None = 0.0
    errors: list[str] = field(default_factory=list)
    answers: set[bytes] = field(default_factory=set)

    @property
    def rate(self) -> float | None:
        return len(self.latencies) / sum(self.latencies) if self.latencies else None


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def small_session(target: Target) -> tuple[float, bytes]:
    started = time.perf_counter()
    client = Client(target.connect())
    try:
        client.login(USER, PASSWORD)
        stat = client.command("STAT")
        if not stat.startswith(f"+OK {SMALL_MESSAGES} ".encode()):
            raise Pop3Error(f"expected {SMALL_MESSAGES} messages; STAT: {stat.strip().decode()}")
        client.multiline("LIST")
        answer = client.multiline("RETR 1")
        client.quit()
    finally:
        client.close()
    return time.perf_counter() - started, hashlib.sha256(answer).digest()


def part_b(targets: list[Target], provider: RealProvider, sessions: int, block: int = 20) -> tuple[dict, bool]:
    provider.clear_mailbox()
    sizes = (1_800, 4_200, 7_500, 12_000, 26_000)[:SMALL_MESSAGES]
    for number, size in enumerate(sizes, start=1):
        provider.put_message(make_message(size, seed=number, subject=f"EPD {number}", user=USER))
    print(f"B. {sessions} sessions per way (connect, USER, PASS, STAT, LIST, RETR 1, QUIT),"
          f" {SMALL_MESSAGES} messages of {min(sizes) / 1000:.1f}..{max(sizes) / 1000:.1f} KB in the mailbox")
    sys.stdout.flush()
    results = {t.name: Sessions() for t in targets}
    for target in targets:  # one untimed session each: imports, first handshake
        try:
            small_session(target)
        except (Pop3Error, OSError) as error:
            results[target.name].errors.append(f"warm-up: {type(error).__name__}: {error}")
    done = 0
    while done < sessions:
        count = min(block, sessions - done)
        for target in targets[done // block % len(targets):] + targets[:done // block % len(targets)]:
            result = results[target.name]
            cpu_before = cpu_seconds(target.pid)
            for _ in range(count):
                try:
                    latency, digest = small_session(target)
                except (Pop3Error, OSError) as error:
                    result.errors.append(f"{type(error).__name__}: {error}")
                    continue
                result.latencies.append(latency)
                result.answers.add(digest)
            cpu_after = cpu_seconds(target.pid)
            if result.cpu is not None and cpu_before is not None and cpu_after is not None:
                result.cpu += cpu_after - cpu_before
            else:
                result.cpu = None
        done += count
    for target in targets:
        result = results[target.name]
        print(f"== B {target.name}: {target.description}")
        if result.latencies:
            ms = [s * 1000 for s in result.latencies]
            print(f"  sessions   {result.rate:7.1f} /s  p50 {percentile(ms, 0.50):.1f} ms"
                  f"  p99 {percentile(ms, 0.99):.1f} ms  ({len(ms)} of {sessions} ok, {sessions - len(ms)} failed)")
        else:
            print(f"  sessions   n/a  (0 of {sessions} ok, {sessions} failed)")
        if result.cpu is not None and target.pid is not None:
            print(f"  CPU        {target.process_name} {result.cpu * 1000 / sessions:.2f} ms per session")
        for error in result.errors[:5]:
            print(f"  error: {error}")
    answers = set().union(*(r.answers for r in results.values()))
    identical = len(answers) == 1 and all(r.answers for r in results.values())
    print(f"  bytes      RETR 1 answers {'identical in every way' if identical else 'DIFFER'}")
    sys.stdout.flush()
    return results, identical and not any(r.errors for r in results.values())


# --- output ---------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:5.2f}x" if a and b else "  n/a"


def mib(kib: int | None) -> str:
    return f"{kib / 1024:6.1f} MiB" if kib else "   n/a    "


def summary(targets: list[Target], a: dict[str, Throughput], b: dict[str, Sessions]) -> None:
    print("== peak RSS (VmHWM at the end of the run; VmRSS when it started listening)")
    for target in targets:
        if target.pid is not None:
            print(f"  {target.process_name:24} {mib(memory_kib(target.pid))}"
                  f"  (at start {mib(target.rss_at_start_kib).strip()})")
    print("== ratios")
    stunnel = a["stunnel"]
    for name in ("relay", "tunnel", "direct"):
        print(f"  A {name} / stunnel{' ' * (7 - len(name))} RETR MB/s  best {ratio(a[name].best, stunnel.best)}"
              f"  median {ratio(a[name].median, stunnel.median)}")
    for name in ("relay", "tunnel", "direct"):
        print(f"  B {name} / stunnel{' ' * (7 - len(name))} sessions/s {ratio(b[name].rate, b['stunnel'].rate)}")
    met = all(
        a[name].median and stunnel.median and a[name].median >= stunnel.median
        and b[name].rate and b["stunnel"].rate and b[name].rate >= b["stunnel"].rate
        for name in ("relay", "tunnel")
    )
    print(f"  goal: relay and tunnel >= stunnel (A median MB/s, B sessions/s): {'met' if met else 'NOT met'}")


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=50, help="size of the big message, MB (default 50)")
    parser.add_argument("--sessions", type=int, default=200, help="small sessions per way (default 200)")
    parser.add_argument("--repeats", type=int, default=7, help="timed RETRs per way (default 7)")
    args = parser.parse_args(argv)
    if not 0 < args.size_mb <= MAX_SIZE_MB or args.sessions < 1 or args.repeats < 1:
        parser.error(f"--size-mb must be in (0, {MAX_SIZE_MB}] (this script holds the message three"
                     " times over), --sessions and --repeats at least 1")
    return args


def missing_tools() -> str:
    if not is_available():
        return "needs postfix and dovecot installed (tests/run installs them)"
    if not shutil.which("stunnel"):
        return "needs stunnel4 installed (tests/run installs it)"
    if os.geteuid() != 0:
        return "needs root to run postfix and dovecot"
    return ""


def run(args: argparse.Namespace, workdir: Path) -> int:
    ca = CertificateAuthority()
    ca_file = workdir / "ca.pem"
    ca_file.write_bytes(ca.cert_pem)
    with running_provider(ca, ca_file) as provider, contextlib.ExitStack() as stack:
        print(f"POP3 through epd-relay, its tunnel, stunnel and directly, from one Dovecot"
              f" (POP3S {HOST}:{provider.pop3s_port}), client TCP_NODELAY, {os.cpu_count()} CPUs")
        targets = [stack.enter_context(way(workdir, provider, ca_file)) for way in WAYS.values()]
        a, a_clean = part_a(targets, provider, int(args.size_mb * MB), args.repeats)
        b, b_clean = part_b(targets, provider, args.sessions)
        summary(targets, a, b)
        print_relay_log_findings(workdir, ("relay", "tunnel"), ignore="captured locally")
        return 0 if a_clean and b_clean else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if problem := missing_tools():
        print(f"pop3_relay_vs_stunnel: {problem}", file=sys.stderr)
        return 2
    return run_in_workdir("epd-bench-pop3-", lambda workdir: run(args, workdir))


if __name__ == "__main__":
    sys.exit(main())
