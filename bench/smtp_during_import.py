"""Does the relay wait for the panel? SMTP acceptance while staff import 100,000 accounts.

What it does, in one run: starts `epd-relay serve` (local capture, the panel on a loopback
port) in a temporary directory, and a client that sends like the 1C program: one
connection per message, EHLO, AUTH LOGIN, MAIL, RCPT, DATA (an EPD-like message with a
PDF attachment, --size bytes), QUIT, one message after another. Each message's latency
is the time from connect to the 250 that answers DATA.

  idle            --idle messages while the panel does nothing;
  during import   messages sent for as long as an administrator's upload of --accounts
                  personal accounts (a CSV with every column, as examples/accounts.csv)
                  to the panel's «Загрузка данных» takes, from the POST to its answer.

For each: p50, p99, max and any reply other than 250 (a 451 means the relay could not
store the message). The headline is p99 during the import / p99 idle (goal: at most 2,
and no 451). At the end every accepted message must be in the capture Maildir, and the
import must have created every account.

Exit status 0 when nothing was refused or lost and the import applied, 1 otherwise.

    python3 bench/smtp_during_import.py [--accounts 100000] [--idle 300] [--size 80000]
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import html
import io
import random
import re
import smtplib
import socket
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.epd_messages import make_message  # noqa: E402
from bench.processes import HOST, epd_relay, run_in_workdir  # noqa: E402

RECIPIENT = "resident@example.ru"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')
SURNAMES = ("Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Перматов", "Лермонтов")
NAMES = ("Михаил Николаевич", "Иван Петрович", "Ольга Сергеевна", "Анна Андреевна")
STREETS = ("Братиславская", "Люблинская", "Марьинский бульвар", "Перерва", "Подольская")
HEADER = (
    "Номер лицевого счета", "Код", "Плательщик", "Организация", "Помещение", "Здание",
    "Почтовый адрес", "Общая площадь", "Зарегистрировано", "Проживает",
    "Способ доставки платежного документа", "Электронная почта", "Телефон",
)


def accounts_csv(count: int, seed: int = 2013) -> bytes:
    """Personal accounts of five УК, 40 % with an address for delivery by e-mail."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    for index in range(1, count + 1):
        street, house, flat = rng.choice(STREETS), rng.randint(1, 40), rng.randint(1, 300)
        email = f"user{index}@mail.ru" if rng.random() < 0.4 else ""
        writer.writerow((
            f"{index:09d}{rng.randint(1, 3):03d}", f"{index:09d}", f"{rng.choice(SURNAMES)} {rng.choice(NAMES)}",
            f"УК «Дом {rng.randint(1, 5)}»", f"{street}, д. {house}, кв. {flat}", f"Москва, {street}, д. {house}",
            f"109451, Москва, {street}, дом № {house}, кв. {flat}", f"{rng.randint(300, 1200) / 10:.2f}",
            rng.randint(1, 5), rng.randint(1, 5), "По электронной почте" if email else "Почтой", email,
            f"+7 495 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
        ))
    return out.getvalue().encode("utf-8")


# --- the legacy client -----------------------------------------------------------------


class Client(smtplib.SMTP):
    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)  # seconds, connect .. 250 to DATA
    refusals: list[str] = field(default_factory=list)      # replies other than 250, errors

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def send_one(port: int, login: tuple[str, str], content: bytes, sample: Sample, recipient: str = RECIPIENT) -> None:
    started = time.perf_counter()
    try:
        with Client(HOST, port, "buh-pc", timeout=120) as client:
            client.ehlo("buh-pc")
            client.login(*login)
            client.sendmail(login[0], [recipient], content)
            sample.latencies.append(time.perf_counter() - started)
            client.quit()
    except (smtplib.SMTPException, OSError) as error:
        sample.refusals.append(f"{type(error).__name__}: {error}")


def send_count(port: int, login: tuple[str, str], content: bytes, count: int) -> Sample:
    sample = Sample()
    for _ in range(count):
        send_one(port, login, content, sample)
    return sample


def send_until(port: int, login: tuple[str, str], content: bytes, done: threading.Event) -> Sample:
    sample = Sample()
    while not done.is_set():
        send_one(port, login, content, sample)
    return sample


# --- the administrator's upload --------------------------------------------------------


async def upload(panel_url: str, admin_password: str, data: bytes) -> tuple[float, str]:
    """Log in, post the CSV to «Загрузка данных»; (seconds the POST took, the result line)."""
    async with aiohttp.ClientSession(panel_url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get("/login") as page:
            token = CSRF_FIELD.search(await page.text())[1]
        async with http.post("/login", data={"name": "admin", "password": admin_password, "csrf_token": token}):
            pass
        async with http.get("/import") as page:
            token = CSRF_FIELD.search(await page.text())[1]
        form = aiohttp.FormData()
        form.add_field("csrf_token", token)
        form.add_field("file", data, filename="accounts.csv", content_type="text/csv")
        started = time.perf_counter()
        async with http.post("/import", data=form, timeout=aiohttp.ClientTimeout(total=3600)) as answer:
            text = await answer.text()
        took = time.perf_counter() - started
    result = re.search(r'(?s)<section class="[^"]*import-result[^"]*"[^>]*>(.*?)</section>', text)
    shown = re.sub(r"<[^>]+>", " ", result[1]) if result else f"HTTP {answer.status}"
    return took, re.sub(r"\s+", " ", html.unescape(shown)).strip()


# --- the run ---------------------------------------------------------------------------


def credentials(state: Path, name: str) -> dict[str, str]:
    lines = (state / name).read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def line(name: str, sample: Sample, extra: str = "") -> str:
    ms = 1000
    return (f"{name:<14} n={len(sample.latencies):<5} p50 {sample.percentile(0.5) * ms:6.1f} ms"
            f"  p99 {sample.percentile(0.99) * ms:6.1f} ms  max {max(sample.latencies, default=0) * ms:7.1f} ms"
            f"  refused {len(sample.refusals)}{extra}")


async def measure(args: argparse.Namespace, workdir: Path) -> int:
    # As stored by Postfix, with LF; smtplib sends bytes as they are, so CRLF here.
    content = make_message(args.size, 1, "Платежный документ за июль 2013", RECIPIENT).replace(b"\n", b"\r\n")
    data = accounts_csv(args.accounts)
    with epd_relay(workdir, "relay", "", r"SMTP listening on 127\.0\.0\.1:(\d+)") as (_, smtp_port):
        state = workdir / "state"
        log = (workdir / "relay.log").read_text()
        panel_url = re.search(r"panel listening on (http://127\.0\.0\.1:\d+)/", log)[1]
        capture = credentials(state, "capture-account.txt")
        login = (capture["login"], capture["password"])
        admin_password = credentials(state, "panel-admin.txt")["password"]

        send_count(smtp_port, login, content, 5)  # warm-up: the first AUTH runs scrypt
        idle = await asyncio.to_thread(send_count, smtp_port, login, content, args.idle)

        done = threading.Event()
        during_task = asyncio.create_task(asyncio.to_thread(send_until, smtp_port, login, content, done))
        try:
            took, result = await upload(panel_url, admin_password, data)
        finally:
            done.set()
            during = await during_task

        accepted = len(idle.latencies) + len(during.latencies) + 5
        maildir = state / "mail" / "captured"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _captured(maildir) < accepted:
            await asyncio.sleep(0.1)
        captured = _captured(maildir)
    with sqlite3.connect(f"file:{state / 'panel.db'}?mode=ro", uri=True) as db:
        imported = db.execute("SELECT COUNT(*) FROM personal_accounts").fetchone()[0]

    print(f"relay: epd-relay serve, local capture; client: connection per message with AUTH, {len(content)} bytes")
    print(line("idle", idle))
    print(line("during import", during, f"   (import of {args.accounts} accounts: {took:.1f} s)"))
    print(f"import answered: {result}")
    ratio = during.percentile(0.99) / idle.percentile(0.99)
    refused_451 = sum("451" in refusal for refusal in idle.refusals + during.refusals)
    print(f"p99 during import / idle: {ratio:.2f} (goal <= 2: {'met' if ratio <= 2 else 'MISSED'});"
          f" 451 replies: {refused_451}; p50 ratio {during.percentile(0.5) / idle.percentile(0.5):.2f}")
    for refusal in (idle.refusals + during.refusals)[:5]:
        print(f"  refused: {refusal}")
    ok = not idle.refusals and not during.refusals and captured == accepted and imported == args.accounts
    print(f"accepted {accepted}, captured {captured}; accounts in panel.db {imported}:"
          f" {'all checks passed' if ok else 'FAILED'}")
    return 0 if ok else 1


def _captured(maildir: Path) -> int:
    return sum(1 for folder in ("new", "cur") if (maildir / folder).is_dir() for _ in (maildir / folder).iterdir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="personal accounts in the upload")
    parser.add_argument("--idle", type=int, default=300, help="messages sent while the panel is idle")
    parser.add_argument("--size", type=int, default=80_000, help="bytes per message")
    args = parser.parse_args(argv)
    return run_in_workdir("epd-during-import-", lambda workdir: asyncio.run(measure(args, workdir)))


if __name__ == "__main__":
    sys.exit(main())
