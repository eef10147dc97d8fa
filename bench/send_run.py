"""A month's mailing of 10,000 letters, from «Продолжить» to the provider's last 250.

What it does, in one run, in a temporary directory:

  provider  bench/counting_provider.py in a process of its own: aiosmtpd over implicit TLS
            with AUTH, certificate from a CA made here; it counts what it accepts (recipient
            and Message-ID per message) and keeps nothing else. Not Postfix: Postfix
            queues each message, hands it to virtual(8) and fsyncs it into a Maildir,
            several processes and fsyncs per message on the same two cores and disk as the
            relay; here the provider should take as little as it can, so that the figures
            are the relay's and the panel's.
  relay     `python3 -m daemon serve` (bench/processes.py), [upstream.smtp] pointing at the
            provider (ca_file of the CA, server_name localhost).
  panel     as an administrator over HTTP: the organisation with its requisites, --accounts
            personal accounts all «По электронной почте» (valid example.ru addresses) and
            their July 2013 documents uploaded to «Загрузка данных», the mail account
            saved with limits 0/0 (none) and «Запомнить пароль»; then as an operator:
            GET /documents/send?period=2013-07 and POST «Продолжить» with the password
            fields empty (the remembered password is used).

From that POST the clock runs until the provider has accepted a letter for every account.
Meanwhile an outside client sends like the 1C program to the relay (a connection per
message, EHLO, AUTH, MAIL, RCPT, DATA of --size bytes, QUIT, one after another) and
records each message's latency from connect to the 250 for DATA; --idle messages go the
same way before the run, for comparison.

Printed: wall time, messages/s, the time until the journal says every entry delivered,
the outside client's p50/p99/max and refusals (idle and during the run), the service's
peak RSS (VmHWM of the serve process and of each child: the job pool's workers and
multiprocessing's helper), separately and summed. Checks: each account's recipient
reached the provider exactly once and nothing else of the run did, every journal entry is
delivered and the run finished, every outside message the relay accepted reached the
provider exactly once. Goals (issue 11, for 10,000 accounts): under 2 minutes, under
200 MB, the outside client's p99 under 1 s; each printed as met or MISSED.

Exit status 0 when the checks hold (the goals do not set it), 1 otherwise.

    .venv/bin/python bench/send_run.py [--accounts 10000] [--idle 50] [--size 80000]
    EPD_BENCH_PROFILE="-m cProfile -o /tmp/{name}.prof" .venv/bin/python bench/send_run.py
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.epd_messages import make_message  # noqa: E402
from bench.monthly_mailing import (  # noqa: E402
    PERIOD,
    PanelSession,
    accounts_csv,
    charges_csv,
    organisation_form,
    recipient,
    text_of,
)
from bench.processes import (  # noqa: E402
    HOST,
    REPO,
    PeakMemory,
    child,
    cpu_seconds,
    epd_relay,
    print_relay_log_findings,
    run_in_workdir,
    tail,
    toml_section,
    wait_until,
)
from bench.smtp_during_import import Sample, credentials, line, send_one  # noqa: E402
from tests.certificate_authority import CertificateAuthority  # noqa: E402

SENDER = "uk-okean@example.ru"  # the mail account: its login and its address
PASSWORD = "bench-s3cret"
OPERATOR = ("buhgalter", "operator-pass-1")
OUTSIDE_RECIPIENT = "outside@example.org"
OUTSIDE_ID = b"<bench-1@example.test>"  # make_message's Message-ID, made unique per message
POLL = 0.25
GOAL_SECONDS, GOAL_MIB, GOAL_P99 = 120.0, 200.0, 1.0
DRAIN_TIMEOUT = 120.0  # after the run's last letter: the journal, the outside client's last messages


# --- what the provider received ---------------------------------------------------------


class Received:
    """The provider's file of "recipient<TAB>Message-ID" lines, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.by_recipient: Counter[str] = Counter()
        self.by_message_id: Counter[str] = Counter()
        self._offset = 0

    def read(self) -> None:
        with open(self.path, "rb") as file:
            file.seek(self._offset)
            chunk = file.read()
        complete = chunk[:chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for entry in complete.decode().splitlines():
            address, _, message_id = entry.partition("\t")
            self.by_recipient[address] += 1
            self.by_message_id[message_id] += 1


# --- the outside client ----------------------------------------------------------------------


def send_outside(port: int, content: bytes, sample: Sample, ids: list[str], stop: threading.Event,
                 count: int | None = None, interval: float = 0.0) -> None:
    """One message at a time, each its own connection with AUTH, a new one every `interval`
    seconds (or at once when the last took longer), until `stop` (or `count`)."""
    while not stop.is_set() and (count is None or len(ids) < count):
        next_at = time.perf_counter() + interval
        message_id = f"<outside-{len(ids) + len(sample.refusals)}-{time.time_ns()}@bench.example.test>"
        before = len(sample.latencies)
        send_one(port, (SENDER, PASSWORD), content.replace(OUTSIDE_ID, message_id.encode()), sample,
                 recipient=OUTSIDE_RECIPIENT)
        if len(sample.latencies) > before:
            ids.append(message_id)
        stop.wait(max(0.0, next_at - time.perf_counter()))


# --- the run -------------------------------------------------------------------------------


def start_provider(workdir: Path):
    ca = CertificateAuthority()
    pair = ca.issue(["localhost", HOST])
    (workdir / "ca.pem").write_bytes(ca.cert_pem)
    (workdir / "provider.pem").write_bytes(pair.cert_pem)
    (workdir / "provider.key").write_bytes(pair.key_pem)
    out, log = workdir / "received.tsv", workdir / "provider.log"
    out.touch()
    command = [sys.executable, "-m", "bench.counting_provider", "--cert", str(workdir / "provider.pem"),
               "--key", str(workdir / "provider.key"), "--user", f"{SENDER}:{PASSWORD}", "--out", str(out)]
    return child(command, log), out, log


def provider_port(process: subprocess.Popen, log: Path) -> int:
    def port() -> int | None:
        text = log.read_text(errors="replace") if log.exists() else ""
        return int(text.split("provider listening on 127.0.0.1:", 1)[1].split()[0]) if "listening" in text else None

    return wait_until(port, process, "provider", log)


async def prepare(panel: PanelSession, admin_password: str, port: int, accounts: int) -> None:
    """As the administrator: the organisation, the accounts and documents, the mail account."""
    await panel.log_in("admin", admin_password)
    new = await panel.get("/organisations/new")
    page = await panel.post("/organisations/new", organisation_form(), new.csrf_token)
    if page.status != 200:
        raise RuntimeError(f"organisation not created: {text_of(page.text)[:300]}")
    started = time.perf_counter()
    for name, data in (("accounts.csv", accounts_csv(accounts)), ("charges-2013-07.csv", charges_csv(accounts))):
        print(f"uploaded {name}: {await panel.upload(name, data)}")
    print(f"import of {accounts} accounts and documents: {time.perf_counter() - started:.1f} s")
    form = {
        "title": "Системная учетная запись", "sender_name": 'УК "Тихий океан"', "address": SENDER,
        "username": SENDER, "password": PASSWORD, "remember_password": "on", "smtp_host": HOST,
        "smtp_port": str(port), "smtp_secure": "on", "smtp_auth_as_pop3": "on", "pop3_host": "", "pop3_port": "995",
        "use_for_sending": "on", "per_minute": "0", "per_day": "0",
    }
    page = await panel.post("/mail-account", form, (await panel.get("/mail-account")).csrf_token)
    if "Учетная запись записана" not in text_of(page.text):
        raise RuntimeError(f"mail account not saved: {text_of(page.text)[:500]}")


def add_operator(config: Path) -> None:
    subprocess.run([sys.executable, "-m", "daemon", "user", "add", OPERATOR[0], "--role", "operator",
                    "--config", str(config)], input=OPERATOR[1] + "\n", text=True, check=True, cwd=REPO,
                   capture_output=True)


def journal_counts(state: Path, run_id: int) -> tuple[str, Counter[str]]:
    with sqlite3.connect(f"file:{state / 'panel.db'}?mode=ro", uri=True, timeout=60) as db:
        run_state = db.execute("SELECT state FROM send_runs WHERE id = ?", (run_id,)).fetchone()[0]
        rows = db.execute("SELECT status, COUNT(*) FROM send_journal WHERE run_id = ? GROUP BY status", (run_id,))
        return run_state, Counter(dict(rows.fetchall()))


@dataclass
class Figures:
    wall: float = float("nan")
    journal: float | None = None  # when the journal said every entry delivered
    provider_cpu: float = float("nan")
    run_state: str = ""
    statuses: Counter = field(default_factory=Counter)


async def measure(args: argparse.Namespace, workdir: Path) -> int:
    provider_process, received_file, provider_log = start_provider(workdir)
    with provider_process as provider:
        port = provider_port(provider, provider_log)
        upstream = toml_section("[upstream.smtp]", host=HOST, port=port, security="tls", username=SENDER,
                                ca_file=str(workdir / "ca.pem"), server_name="localhost")
        relay_dir = workdir / "relay"
        relay_dir.mkdir()
        with epd_relay(relay_dir, "relay", upstream, r"SMTP listening on 127\.0\.0\.1:(\d+)") as (serve_pid, smtp):
            return await run_mailing(args, relay_dir, serve_pid, smtp, (provider.pid, port), Received(received_file))


async def run_mailing(args: argparse.Namespace, relay_dir: Path, serve_pid: int, smtp: int,
                      provider: tuple[int, int], received: Received) -> int:
    state = relay_dir / "state"
    panel_url = text_of((relay_dir / "relay.log").read_text()).split("panel listening on ", 1)[1].split()[0]
    admin_password = credentials(state, "panel-admin.txt")["password"]
    add_operator(relay_dir / "config.toml")
    admin, operator = PanelSession(panel_url), PanelSession(panel_url)
    memory = PeakMemory(serve_pid)
    content = make_message(args.size, 1, "Платежный документ за июль 2013", OUTSIDE_RECIPIENT).replace(b"\n", b"\r\n")
    idle, during, outside_ids = Sample(), Sample(), []
    figures = Figures()
    try:
        await prepare(admin, admin_password, provider[1], args.accounts)
        await operator.log_in(*OPERATOR)
        never = threading.Event()
        await asyncio.to_thread(send_outside, smtp, content, Sample(), outside_ids, never, 5)  # warm-up: AUTH
        await asyncio.to_thread(send_outside, smtp, content, idle, outside_ids, never, 5 + args.idle, args.interval)
        confirm = await operator.get(f"/documents/send?period={PERIOD}")
        if f"Писем будет отправлено: {args.accounts}" not in text_of(confirm.text):
            raise RuntimeError(f"the confirmation does not promise {args.accounts} letters:"
                               f" {text_of(confirm.text)[:600]}")
        memory.start()
        provider_cpu = cpu_seconds(provider[0])
        done = threading.Event()
        client = asyncio.create_task(asyncio.to_thread(send_outside, smtp, content, during, outside_ids, done, None,
                                                       args.interval))
        started = time.perf_counter()
        try:
            page = await operator.post("/documents/send", {"period": PERIOD, "password": "", "password_again": ""},
                                       confirm.csrf_token)
            if not page.path.startswith("/mailing/runs/"):
                raise RuntimeError(f"«Продолжить» did not start a run: {text_of(page.text)[:600]}")
            run_id = int(page.path.rsplit("/", 1)[1])
            wanted = {recipient(index) for index in range(args.accounts)}
            deadline = started + args.timeout
            while time.perf_counter() < deadline:
                received.read()
                memory.sample()
                if all(received.by_recipient[address] for address in wanted):
                    figures.wall = time.perf_counter() - started
                    figures.provider_cpu = cpu_seconds(provider[0]) - provider_cpu
                    break
                await asyncio.sleep(POLL)
        finally:
            done.set()
            await client
        deadline = time.perf_counter() + DRAIN_TIMEOUT
        while time.perf_counter() < deadline:
            memory.sample()
            figures.run_state, figures.statuses = await asyncio.to_thread(journal_counts, state, run_id)
            if figures.statuses["delivered"] == args.accounts and figures.journal is None:
                figures.journal = time.perf_counter() - started
            received.read()
            if figures.journal is not None and all(received.by_message_id[i] for i in outside_ids):
                break
            await asyncio.sleep(POLL)
        memory.sample()
    finally:
        await admin.close()
        await operator.close()
    return report(args, figures, memory, idle, during, outside_ids, received, relay_dir)


def report(args, figures: Figures, memory: PeakMemory, idle: Sample, during: Sample, outside_ids: list[str],
           received: Received, relay_dir: Path) -> int:
    accounts = args.accounts
    print(f"service: epd-relay serve; provider: aiosmtpd over TLS in its own process; {accounts} letters,"
          f" rate limits 0/0, the remembered password")
    print(f"wall time from «Продолжить» to the provider's last 250: {figures.wall:.1f} s"
          f"  ({accounts / figures.wall:.1f} messages/s)")
    journal = f"after {figures.journal:.1f} s" if figures.journal is not None else "NOT within the time"
    print(f"journal: every entry delivered {journal}; run {figures.run_state}; entries {dict(figures.statuses)}")
    print(line("outside idle", idle))
    print(line("outside during", during))
    for refusal in (idle.refusals + during.refusals)[:5]:
        print(f"  refused: {refusal}")
    print("peak RSS (VmHWM) of the service during the run:")
    print("\n".join(memory.lines()))
    print(f"  {'total':<17} {'':<12} {memory.total_mib():7.1f} MiB")
    print(f"the provider's CPU during the run: {figures.provider_cpu:.1f} s")

    run_recipients = {address: n for address, n in received.by_recipient.items() if address != OUTSIDE_RECIPIENT}
    wanted = {recipient(index) for index in range(accounts)}
    missing = len(wanted - run_recipients.keys())
    duplicated = sum(n - 1 for n in run_recipients.values() if n > 1)
    strangers = len(run_recipients.keys() - wanted)
    outside_lost = sum(1 for i in outside_ids if not received.by_message_id[i])
    outside_twice = sum(1 for i in outside_ids if received.by_message_id[i] > 1)
    checks = {
        f"each of the {accounts} recipients exactly once (missing {missing}, duplicated {duplicated},"
        f" unexpected {strangers})": not (missing or duplicated or strangers),
        f"journal: {accounts} delivered, run finished": figures.statuses["delivered"] == accounts
        and sum(figures.statuses.values()) == accounts and figures.run_state == "finished",
        f"outside: {len(outside_ids)} accepted, each at the provider once (lost {outside_lost}, twice"
        f" {outside_twice}), refused {len(idle.refusals) + len(during.refusals)}":
        not (outside_lost or outside_twice or idle.refusals or during.refusals),
    }
    for what, ok in checks.items():
        print(f"check {'ok    ' if ok else 'FAILED'} {what}")
    goals = {
        f"wall time under {GOAL_SECONDS:.0f} s": figures.wall < GOAL_SECONDS,
        f"peak RSS under {GOAL_MIB:.0f} MB": memory.total_mib() * 1.048576 < GOAL_MIB,
        f"outside p99 during the run under {GOAL_P99:.0f} s": during.percentile(0.99) < GOAL_P99,
    }
    for what, met in goals.items():
        print(f"goal {what}: {'met' if met else 'MISSED'}")
    print_relay_log_findings(relay_dir.parent, ("relay",))
    ok = all(checks.values())
    print("all checks passed" if ok else "checks FAILED")
    if not ok:
        print(tail(relay_dir / "relay.log"))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000, help="personal accounts, each a letter")
    parser.add_argument("--idle", type=int, default=50, help="outside messages before the run, for comparison")
    parser.add_argument("--size", type=int, default=80_000, help="bytes per outside message")
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds from one outside message's start to the next one's (0: back to back)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds the run may take at most")
    args = parser.parse_args(argv)
    return run_in_workdir("epd-send-run-", lambda workdir: asyncio.run(measure(args, workdir)))


if __name__ == "__main__":
    sys.exit(main())
